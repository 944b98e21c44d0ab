"""``kimi-openai batch``: submit, status and collect, run as commands against one served emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli_helpers import OFFLINE_NOTICE, run_cli, served_with_key, without_key

from kimi_openai.testing import MoonshotEmulator

MODEL = "kimi-k2.6"


@pytest.fixture(autouse=True)
def requests_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    without_key(monkeypatch, tmp_path)
    path = tmp_path / "asks.jsonl"
    lines = [
        {"custom_id": f"q{n}", "messages": [{"role": "user", "content": f"question {n}"}]} for n in range(3)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[MoonshotEmulator]:
    emulator = MoonshotEmulator()
    with served_with_key(monkeypatch, emulator):
        yield emulator


def test_submit_prints_the_id_and_status_and_collect_read_it(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator
) -> None:
    submit = run_cli(capsys, "batch", "submit", "asks.jsonl", "--model", MODEL)
    assert (submit.code, submit.err) == (0, "")
    batch_id = submit.out.strip()
    assert submit.out == f"{batch_id}\n"
    status = run_cli(capsys, "batch", "status", batch_id)
    assert (status.code, status.out) == (0, f"{batch_id}  in_progress  0 completed, 0 failed, 3 total\n")
    early = run_cli(capsys, "batch", "collect", batch_id)
    assert (early.code, early.out) == (1, "")
    assert (
        "is still finalizing (0 completed, 0 failed, 3 total): collect it later, or pass --wait" in early.err
    )
    done = run_cli(capsys, "batch", "collect", batch_id)
    assert done.code == 0
    answers = [json.loads(line) for line in done.out.splitlines()]
    assert [a["custom_id"] for a in answers] == ["q0", "q1", "q2"]
    assert all(a["completion"]["choices"][0]["message"]["content"] for a in answers)
    assert done.err == f"batch {batch_id}: completed, 3 completed, 0 failed, 3 total\n"


def test_collect_wait_shows_a_progress_bar_on_stderr(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator
) -> None:
    batch_id = run_cli(capsys, "batch", "submit", "asks.jsonl", "-m", MODEL).out.strip()
    run = run_cli(capsys, "batch", "collect", batch_id, "--wait", "--poll-interval", "0")
    assert run.code == 0
    assert len(run.out.splitlines()) == 3
    assert f"{batch_id}: 100%" in run.err  # tqdm's bar: requests done of the total
    assert "3/3" in run.err


def test_a_job_key_submits_once(capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator) -> None:
    first = run_cli(capsys, "batch", "submit", "asks.jsonl", "-m", MODEL, "--job-key", "nightly")
    again = run_cli(capsys, "batch", "submit", "asks.jsonl", "-m", MODEL, "--job-key", "nightly")
    assert first.out == again.out
    status = run_cli(capsys, "batch", "status", "--json", first.out.strip())
    assert json.loads(status.out)["metadata"]["kimi_openai_job"] == "nightly"


def test_a_bad_request_is_refused_naming_it(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator, requests_file: Path
) -> None:
    requests_file.write_text('{"messages": [{"role": "user", "content": "hi"}], "stream": true}\n')
    run = run_cli(capsys, "batch", "submit", "asks.jsonl", "-m", MODEL)
    assert run.code == 1
    assert "stream=True is not allowed in a batch request" in run.err
    assert emulator.requests == ()


def test_usage_errors(capsys: pytest.CaptureFixture[str], requests_file: Path) -> None:
    missing = run_cli(capsys, "batch", "submit", "nope.jsonl")
    assert (missing.code, missing.err.strip().splitlines()[-1]) == (
        2,
        "kimi-openai: error: nope.jsonl: no such file",
    )
    requests_file.write_text("{not json\n")
    broken = run_cli(capsys, "batch", "submit", "asks.jsonl", "-m", MODEL)
    assert broken.code == 2
    assert "asks.jsonl:1: not JSON" in broken.err


def test_offline_it_says_so_and_runs_against_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "batch", "submit", "asks.jsonl", "-m", MODEL)
    assert run.code == 0
    assert run.err.startswith(OFFLINE_NOTICE)
    assert run.out.startswith("batch_")
