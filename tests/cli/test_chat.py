"""``kimi-openai chat``: one-shot and interactive, streamed, reasoning apart from the answer."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _cli_helpers import OFFLINE_NOTICE, Keyboard, run_cli, served_with_key, without_key
from openai.types.chat import ChatCompletion

from kimi_openai._cli import chat as chat_command
from kimi_openai.testing import MoonshotEmulator

QUESTION = "What is 2+2?"
ANSWER = "Four."
REASONING = "Two and two make four."


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_key(monkeypatch, tmp_path)


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[MoonshotEmulator]:
    emulator = MoonshotEmulator()
    with served_with_key(monkeypatch, emulator):
        yield emulator


def _bodies(emulator: MoonshotEmulator) -> list[dict[str, Any]]:
    return [dict(request.json or {}) for request in emulator.chat_requests()]


def test_one_shot_prints_the_answer_on_stdout_and_the_reasoning_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = run_cli(capsys, "chat", QUESTION)
    assert run.code == 0
    assert run.out == f"You said: {QUESTION}\n"
    notice, reasoning = run.err.splitlines()
    assert notice.startswith(OFFLINE_NOTICE)
    assert reasoning == f"reasoning: The user wrote: {QUESTION}. I will answer briefly."


def test_words_are_joined_into_one_question(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "chat", "What", "is", "2+2?")
    assert run.out == f"You said: {QUESTION}\n"


@pytest.mark.parametrize("argv", [["chat"], ["chat", "-"]])
def test_the_question_can_come_on_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{QUESTION}\n"))
    run = run_cli(capsys, *argv)
    assert (run.code, run.out) == (0, f"You said: {QUESTION}\n")


def test_nothing_to_ask_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "chat")
    assert run.code == 2
    assert run.out == ""
    assert "error: no message: pass one as an argument or on stdin" in run.err


def test_the_answer_streams_with_model_and_system_sent(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator
) -> None:
    emulator.queue_text(ANSWER, reasoning=REASONING)
    run = run_cli(capsys, "chat", "--model", "kimi-k3", "--system", "Be terse.", QUESTION)
    assert (run.code, run.out, run.err) == (0, f"{ANSWER}\n", f"reasoning: {REASONING}\n")
    (body,) = _bodies(emulator)
    assert body["model"] == "kimi-k3"
    assert body["stream"] is True
    assert body["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": QUESTION},
    ]


def test_no_stream_sends_one_plain_request_and_shows_the_same(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator
) -> None:
    emulator.queue_text(ANSWER, reasoning=REASONING)
    run = run_cli(capsys, "chat", "--no-stream", QUESTION)
    assert (run.code, run.out, run.err) == (0, f"{ANSWER}\n", f"reasoning: {REASONING}\n")
    (body,) = _bodies(emulator)
    assert "stream" not in body or body["stream"] is False


@pytest.mark.parametrize("stream", [[], ["--no-stream"]])
def test_hide_reasoning_keeps_stderr_quiet(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator, stream: list[str]
) -> None:
    emulator.queue_text(ANSWER, reasoning=REASONING)
    run = run_cli(capsys, "chat", "--hide-reasoning", *stream, QUESTION)
    assert (run.code, run.out, run.err) == (0, f"{ANSWER}\n", "")


@pytest.mark.parametrize("stream", [[], ["--no-stream"]])
def test_json_prints_the_final_completion_only(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator, stream: list[str]
) -> None:
    emulator.queue_text(ANSWER, reasoning=REASONING)
    run = run_cli(capsys, "chat", "--json", *stream, QUESTION)
    assert (run.code, run.err) == (0, "")
    completion = json.loads(run.out)
    assert completion["object"] == "chat.completion"
    message = completion["choices"][0]["message"]
    assert (message["content"], message["reasoning_content"]) == (ANSWER, REASONING)
    assert completion["usage"]["total_tokens"] > 0


def test_an_answer_cut_short_says_why(capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator) -> None:
    emulator.queue_text("Four", finish_reason="length")
    run = run_cli(capsys, "chat", "--hide-reasoning", QUESTION)
    assert (run.code, run.out) == (0, "Four\n")
    assert run.err == "(the answer stopped early: finish_reason='length')\n"


def test_a_server_error_exits_1(capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator) -> None:
    emulator.queue_error(400, "invalid_request_error", "Invalid request: the message is too long")
    run = run_cli(capsys, "chat", QUESTION)
    assert run.code == 1
    assert "error: " in run.err
    assert "the message is too long" in run.err


def test_interactive_keeps_the_history_with_reasoning(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: MoonshotEmulator
) -> None:
    emulator.queue_text(ANSWER, reasoning=REASONING).queue_text("Eight.")
    monkeypatch.setattr("sys.stdin", Keyboard(f"{QUESTION}\n\nAnd twice that?\n/exit\n"))
    monkeypatch.delitem(sys.modules, "readline", raising=False)
    run = run_cli(capsys, "chat", "--system", "Be terse.")
    assert run.code == 0
    assert "readline" in sys.modules  # line editing and history for the prompt
    assert run.out.count("> ") == 4  # a prompt per line read, the empty one included
    assert f"{ANSWER}\n" in run.out
    assert "Eight.\n" in run.out
    first, second = _bodies(emulator)
    assert first["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": QUESTION},
    ]
    assert second["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": ANSWER, "reasoning_content": REASONING},
        {"role": "user", "content": "And twice that?"},
    ]


def test_interactive_reset_clears_the_history_and_end_of_input_quits(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: MoonshotEmulator
) -> None:
    monkeypatch.setattr("sys.stdin", Keyboard("first\n/reset\nsecond\n"))
    run = run_cli(capsys, "chat")
    assert run.code == 0
    assert "(history cleared)" in run.err
    assert [body["messages"] for body in _bodies(emulator)] == [
        [{"role": "user", "content": "first"}],
        [{"role": "user", "content": "second"}],
    ]


def test_interactive_survives_a_failed_turn(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: MoonshotEmulator
) -> None:
    emulator.queue_error(400, "invalid_request_error", "Invalid request: something is off")
    monkeypatch.setattr("sys.stdin", Keyboard("lost\nkept\n/quit\n"))
    run = run_cli(capsys, "chat", "--hide-reasoning")
    assert run.code == 0
    assert "error: " in run.err
    assert [body["messages"] for body in _bodies(emulator)][-1] == [{"role": "user", "content": "kept"}]


def test_interactive_json_prints_one_completion_per_line_and_prompts_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: MoonshotEmulator
) -> None:
    emulator.queue_text("one").queue_text("two")
    monkeypatch.setattr("sys.stdin", Keyboard("a\nb\n"))
    run = run_cli(capsys, "chat", "--json")
    answers = [json.loads(line)["choices"][0]["message"]["content"] for line in run.out.splitlines()]
    assert answers == ["one", "two"]
    assert run.err.count("> ") == 3


def test_ctrl_c_during_an_answer_drops_that_turn_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: MoonshotEmulator
) -> None:
    answer = chat_command.ask
    interrupted: list[bool] = []

    def interrupted_once(*args: Any) -> ChatCompletion:
        if not interrupted:
            interrupted.append(True)
            raise KeyboardInterrupt
        return answer(*args)

    monkeypatch.setattr(chat_command, "ask", interrupted_once)
    monkeypatch.setattr("sys.stdin", Keyboard("dropped\nkept\n"))
    run = run_cli(capsys, "chat", "--hide-reasoning")
    assert run.code == 0
    assert "(interrupted)" in run.err
    assert [body["messages"] for body in _bodies(emulator)] == [[{"role": "user", "content": "kept"}]]
