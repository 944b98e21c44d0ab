"""The tool loops' guards, transcript compaction and per-tool options, on the in-process emulator."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest

from kimi_openai import (
    AsyncKimiOpenAI,
    InvalidCompactionError,
    KimiOpenAI,
    KimiValidationError,
    ReadOnlyStreakError,
    RepeatedToolCallError,
    TokenBudgetExceededError,
    ToolLoopError,
)
from kimi_openai.lib import async_run_tools, elide_old_tool_results, function_tool, run_tools
from kimi_openai.testing import MoonshotEmulator, ToolCall

QUESTION: list[Any] = [{"role": "user", "content": "Tidy the notes folder."}]
MODEL = "kimi-k2.6"


@function_tool(read_only=True)
def list_notes(folder: str) -> list[str]:
    """The notes in a folder."""
    return [f"{folder}/a.md", f"{folder}/b.md"]


@function_tool
def delete_note(path: str) -> str:
    """Delete one note."""
    return f"deleted {path}"


# -- guards -----------------------------------------------------------------------------------


def test_the_same_call_n_times_in_a_row_stops_the_loop(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    # The same call, its arguments spelt three ways: equal once normalised as JSON.
    for i, arguments in enumerate(('{"folder": "notes"}', '{ "folder":"notes" }', '{"folder":  "notes"}')):
        kimi_emulator.queue_tool_calls(ToolCall("list_notes", arguments, id=f"c{i}"))
    with pytest.raises(RepeatedToolCallError, match="repeated_call_limit=3") as info:
        run_tools(
            kimi_emulator_client, model=MODEL, messages=QUESTION, tools=[list_notes], repeated_call_limit=3
        )
    error = info.value
    assert isinstance(error, ToolLoopError)
    assert (error.tool_name, error.count, error.steps) == ("list_notes", 3, 3)
    assert "list_notes" in str(error)
    assert "3 times in a row" in str(error)
    # Two calls ran; the third was not, and the transcript ends before its turn.
    assert [m["role"] for m in error.messages] == ["user", "assistant", "tool", "assistant", "tool"]


def test_a_different_call_in_between_resets_the_repeat_count(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    for i, folder in enumerate(("notes", "notes", "drafts", "notes")):
        kimi_emulator.queue_tool_calls(ToolCall("list_notes", {"folder": folder}, id=f"c{i}"))
    kimi_emulator.queue_text("Done.")
    result = run_tools(
        kimi_emulator_client, model=MODEL, messages=QUESTION, tools=[list_notes], repeated_call_limit=3
    )
    assert result.content == "Done."
    assert len(result.tool_calls) == 4


def test_a_read_only_streak_stops_the_loop_and_a_mutating_call_resets_it(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(
        ToolCall("list_notes", {"folder": "a"}, id="c0"), ToolCall("list_notes", {"folder": "b"}, id="c1")
    )
    kimi_emulator.queue_tool_calls(ToolCall("delete_note", {"path": "a/x.md"}, id="c2"))
    kimi_emulator.queue_tool_calls(
        ToolCall("list_notes", {"folder": "c"}, id="c3"),
        ToolCall("list_notes", {"folder": "d"}, id="c4"),
        ToolCall("list_notes", {"folder": "e"}, id="c5"),
    )
    with pytest.raises(ReadOnlyStreakError, match="read_only_streak_limit=3") as info:
        run_tools(
            kimi_emulator_client,
            model=MODEL,
            messages=QUESTION,
            tools=[list_notes, delete_note],
            read_only_streak_limit=3,
        )
    assert (info.value.tool_name, info.value.count, info.value.arguments) == (
        "list_notes",
        3,
        '{"folder": "e"}',
    )
    assert info.value.steps == 3
    ran = [m["tool_call_id"] for m in info.value.messages if m["role"] == "tool"]
    assert ran == ["c0", "c1", "c2"]  # the turn with the third read-only call ran nothing


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("repeated_call_limit", 0),
        ("read_only_streak_limit", -1),
        ("max_tokens_budget", 0),
        ("max_steps", 0),
        ("repeated_call_limit", 2.5),
        ("read_only_streak_limit", True),
    ],
)
def test_limits_below_one_are_refused_before_any_request(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI, option: str, value: object
) -> None:
    with pytest.raises(
        KimiValidationError, match=rf"{option}={value!r} is not allowed: pass a whole number of 1"
    ):
        run_tools(kimi_emulator_client, model=MODEL, messages=QUESTION, tools=[list_notes], **{option: value})  # pyright: ignore[reportArgumentType]
    assert kimi_emulator.requests == ()


@pytest.mark.anyio
async def test_async_loop_has_the_same_guards(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("list_notes", {"folder": "x"}, id="a"))
    kimi_emulator.queue_tool_calls(ToolCall("list_notes", {"folder": "x"}, id="b"))
    with pytest.raises(RepeatedToolCallError):
        await async_run_tools(
            async_kimi_emulator_client,
            model=MODEL,
            messages=QUESTION,
            tools=[list_notes],
            repeated_call_limit=2,
        )
    kimi_emulator.queue_tool_calls(ToolCall("list_notes", {"folder": "x"}, id="c"))
    with pytest.raises(ReadOnlyStreakError):
        await async_run_tools(
            async_kimi_emulator_client,
            model=MODEL,
            messages=QUESTION,
            tools=[list_notes],
            read_only_streak_limit=1,
        )
    kimi_emulator.queue_tool_calls(ToolCall("list_notes", {"folder": "x"}, id="d"))
    with pytest.raises(TokenBudgetExceededError):
        await async_run_tools(
            async_kimi_emulator_client,
            model=MODEL,
            messages=QUESTION,
            tools=[list_notes],
            max_tokens_budget=1,
        )


# -- compaction -------------------------------------------------------------------------------


def _three_turns(emulator: MoonshotEmulator) -> None:
    for i in range(3):
        emulator.queue_tool_calls(
            ToolCall("list_notes", {"folder": f"f{i}"}, id=f"c{i}"), reasoning=f"Look {i}."
        )
    emulator.queue_text("Three folders.")


def test_elided_tool_results_are_sent_and_the_full_transcript_is_returned(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    _three_turns(kimi_emulator)
    result = run_tools(
        kimi_emulator_client,
        model=MODEL,
        messages=QUESTION,
        tools=[list_notes],
        compact=elide_old_tool_results(keep_turns=1),
    )
    last = kimi_emulator.last_chat_request()["messages"]
    tool_contents = [m["content"] for m in last if m["role"] == "tool"]
    assert tool_contents[:2] == ["[21 characters elided]", "[21 characters elided]"]
    assert tool_contents[2] == '["f2/a.md","f2/b.md"]'
    assert [m["tool_call_id"] for m in last if m["role"] == "tool"] == ["c0", "c1", "c2"]
    assert [m["reasoning_content"] for m in last if m["role"] == "assistant"] == [
        "Look 0.",
        "Look 1.",
        "Look 2.",
    ]
    # The transcript the loop returns is whole.
    assert next(m["content"] for m in result.messages if m["role"] == "tool") == '["f0/a.md","f0/b.md"]'
    assert result.content == "Three folders."


def test_the_compactor_sees_a_copy_and_is_called_every_turn(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    _three_turns(kimi_emulator)
    seen: list[int] = []

    def compact(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen.append(len(messages))
        if len(messages) > 1:
            messages[0]["content"] = "rewritten"  # changes the request only
        return messages

    result = run_tools(
        kimi_emulator_client, model=MODEL, messages=QUESTION, tools=[list_notes], compact=compact
    )
    assert seen == [1, 3, 5, 7]
    assert kimi_emulator.last_chat_request()["messages"][0]["content"] == "rewritten"
    assert result.messages[0]["content"] == "Tidy the notes folder."


def _drop_first_tool_message(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(messages) < 4:
        return messages
    first = next(i for i, m in enumerate(messages) if m["role"] == "tool")
    return messages[:first] + messages[first + 1 :]


def _drop_first_assistant(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    first = next((i for i, m in enumerate(messages) if m["role"] == "assistant"), None)
    return messages if first is None or len(messages) < 4 else messages[:first] + messages[first + 1 :]


def _drop_reasoning(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in m.items() if k != "reasoning_content"} for m in messages]


def _drop_last(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return messages[:-1] if len(messages) > 1 else messages


def _append_a_string(messages: list[dict[str, Any]]) -> list[object]:
    return [*messages, "oops"]


def _return_none(messages: list[dict[str, Any]]) -> None:
    return None


def _return_nothing(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return []


@pytest.mark.parametrize(
    ("compact", "problem"),
    [
        (_drop_first_tool_message, "have no tool message before message"),
        (_drop_first_assistant, "does not follow the assistant turn that made that call"),
        (_drop_reasoning, "lost its reasoning_content"),
        (_drop_last, "the last message sent must be the newest message of the transcript"),
        (_append_a_string, "item 1 is 'oops', not a message dict"),
        (_return_none, "it returned NoneType, not a list"),
        (_return_nothing, "it returned an empty list"),
    ],
)
def test_a_compaction_moonshot_would_reject_is_not_sent(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI, compact: Any, problem: str
) -> None:
    _three_turns(kimi_emulator)
    with pytest.raises(
        InvalidCompactionError, match="compact= returned messages Moonshot would reject"
    ) as info:
        run_tools(kimi_emulator_client, model=MODEL, messages=QUESTION, tools=[list_notes], compact=compact)
    assert problem in info.value.problem
    sent = len(kimi_emulator.chat_requests())
    assert info.value.steps == sent  # the bad list itself never left
    assert info.value.messages[0]["content"] == "Tidy the notes folder."


def test_compaction_options_are_checked(kimi_emulator_client: KimiOpenAI) -> None:
    with pytest.raises(KimiValidationError, match="keep_turns=0"):
        elide_old_tool_results(keep_turns=0)
    with pytest.raises(KimiValidationError, match="compact='short' is not callable"):
        run_tools(kimi_emulator_client, model=MODEL, messages=QUESTION, tools=[list_notes], compact="short")  # pyright: ignore[reportArgumentType]


# -- per-tool options ---------------------------------------------------------------------------


def test_function_tool_works_bare_and_with_options_and_stays_callable() -> None:
    assert list_notes("x") == ["x/a.md", "x/b.md"]
    assert delete_note(path="y") == "deleted y"
    assert (list_notes.read_only, list_notes.parallel) == (True, True)
    assert (delete_note.read_only, delete_note.parallel) == (False, True)
    assert list_notes.__name__ == "list_notes"
    assert list_notes.__doc__ == "The notes in a folder."
    assert function_tool(name="renamed", parallel=False)(delete_note.fn).name == "renamed"
    with pytest.raises(KimiValidationError, match=r"function_tool\(parallel='no'\): pass True or False"):
        function_tool(delete_note.fn, parallel="no")  # pyright: ignore[reportArgumentType, reportCallIssue]


@pytest.mark.anyio
async def test_a_serial_tool_runs_after_the_parallel_batch_results_in_the_models_order(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    events: list[str] = []

    @function_tool(parallel=False)
    async def write_index(name: str) -> str:
        """Writes the index file; nothing else may run meanwhile."""
        events.append(f"start {name}")
        await anyio.sleep(0.05)
        events.append(f"end {name}")
        return f"wrote {name}"

    @function_tool
    async def read_file(name: str, delay: float) -> str:
        """Reads one file."""
        events.append(f"start {name}")
        await anyio.sleep(delay)
        events.append(f"end {name}")
        return f"read {name}"

    kimi_emulator.queue_tool_calls(
        ToolCall("write_index", {"name": "w1"}, id="a"),
        ToolCall("read_file", {"name": "r1", "delay": 0.2}, id="b"),
        ToolCall("write_index", {"name": "w2"}, id="c"),
        ToolCall("read_file", {"name": "r2", "delay": 0.0}, id="d"),
    )
    kimi_emulator.queue_text("Indexed.")
    await async_run_tools(
        async_kimi_emulator_client, model=MODEL, messages=QUESTION, tools=[write_index, read_file]
    )
    # The two reads overlap; each write runs alone, after them, in the model's order.
    assert events == ["start r1", "start r2", "end r2", "end r1", "start w1", "end w1", "start w2", "end w2"]
    sent = kimi_emulator.last_chat_request()["messages"]
    assert [(m["tool_call_id"], m["content"]) for m in sent if m["role"] == "tool"] == [
        ("a", "wrote w1"),
        ("b", "read r1"),
        ("c", "wrote w2"),
        ("d", "read r2"),
    ]


def test_sync_loop_runs_serial_tools_last_too(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    order: list[str] = []

    @function_tool(parallel=False)
    def commit(message: str) -> str:
        """Commit."""
        order.append("commit")
        return "ok"

    @function_tool
    def stage(path: str) -> str:
        """Stage."""
        time.sleep(0)
        order.append(f"stage {path}")
        return "staged"

    kimi_emulator.queue_tool_calls(
        ToolCall("commit", {"message": "m"}, id="a"), ToolCall("stage", {"path": "p"}, id="b")
    )
    kimi_emulator.queue_text("Committed.")
    result = run_tools(kimi_emulator_client, model=MODEL, messages=QUESTION, tools=[commit, stage])
    assert order == ["stage p", "commit"]
    assert [r.id for r in result.tool_calls] == ["a", "b"]
