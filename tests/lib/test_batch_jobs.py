"""Batches past one file and one process: submit without waiting, collect anywhere, shards, job keys."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError
from kimi_openai._compat import httpx
from kimi_openai.lib.batch import (
    BatchShard,
    BatchTimeoutError,
    async_collect_batch,
    async_submit_batch,
    collect_batch,
    run_batch,
    submit_batch,
    submit_job,
    write_batch_shards,
)
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.types.batch_result import BatchRequestFailure
from kimi_openai.types.chat import KimiChatCompletion

MODEL = "kimi-k2.6"
KEY = "sk-batch-jobs-test"


def _asks(count: int, pad: int = 0) -> Iterator[dict[str, object]]:
    for n in range(count):
        yield {"custom_id": f"q{n}", "messages": [{"role": "user", "content": f"question {n} " + "x" * pad}]}


def test_submit_batch_returns_the_id_without_polling(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    batch_id = submit_batch(kimi_emulator_client, _asks(3), model=MODEL)
    paths = [r.path for r in kimi_emulator.requests]
    assert paths == ["/v1/files", "/v1/batches"]  # uploaded and created; never retrieved
    assert batch_id.startswith("batch_")


def test_collect_batch_refuses_to_wait_then_streams_the_answers(kimi_emulator_client: KimiOpenAI) -> None:
    batch_id = submit_batch(kimi_emulator_client, _asks(3), model=MODEL)
    seen: list[str] = []
    while True:
        try:
            output = collect_batch(kimi_emulator_client, batch_id)
            break
        except BatchTimeoutError as early:
            seen.append(early.batch.status)
    assert seen == ["in_progress", "finalizing"]
    answers = dict(output)
    assert sorted(answers) == ["q0", "q1", "q2"]
    assert all(isinstance(a, KimiChatCompletion) for a in answers.values())
    assert output.result(["q0", "q1", "q2", "q9"]).missing == ("q9",)


def _line(custom_id: str) -> bytes:
    body: dict[str, object] = {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [],
    }
    return json.dumps(
        {"custom_id": custom_id, "response": {"status_code": 200, "body": body}, "error": None}
    ).encode()


def test_the_output_is_parsed_as_it_downloads_not_read_whole() -> None:
    sent: list[int] = []

    def lines() -> Iterator[bytes]:
        for n in range(1000):
            sent.append(n)
            yield _line(f"r{n}") + b"\n"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/content"):
            return httpx.Response(200, content=lines())
        batch = {
            "id": "batch_1",
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": "f",
            "completion_window": "24h",
            "status": "completed",
            "created_at": 0,
            "output_file_id": "file-out",
        }
        return httpx.Response(200, json=batch)

    client = KimiOpenAI(api_key="sk-test", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    answers = iter(collect_batch(client, "batch_1"))
    first, _ = next(answers)
    assert first == "r0"
    assert len(sent) < 1000  # the rest of the file is still on the wire
    assert sum(1 for _ in answers) == 999


def test_a_failed_line_is_a_failure(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    # Unchecked, so the server refuses the first line inside the batch.
    hot: dict[str, object] = {
        "custom_id": "q0",
        "temperature": 0.2,
        "messages": [{"role": "user", "content": "hot"}],
    }
    asks = [hot, *list(_asks(2))[1:]]
    batch_id = submit_batch(kimi_emulator_client, asks, model=MODEL, validate=False)
    while True:
        try:
            answers = dict(collect_batch(kimi_emulator_client, batch_id))
            break
        except BatchTimeoutError:
            pass
    assert isinstance(answers["q0"], BatchRequestFailure)
    assert isinstance(answers["q1"], KimiChatCompletion)


@pytest.mark.slow
def test_a_batch_past_100_mb_is_refused_at_the_line_that_passes_it(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    pulled = 0

    def two_hundred_thousand() -> Iterator[dict[str, object]]:
        nonlocal pulled
        for ask in _asks(200_000, pad=2_000):
            pulled += 1
            yield ask

    with pytest.raises(KimiValidationError, match=r"passes 104,857,600 bytes at request \d+ ") as refused:
        run_batch(kimi_emulator_client, two_hundred_thousand(), model=MODEL, progress=False)
    assert "write_batch_shards" in str(refused.value)
    at = int(re.findall(r"at request (\d+)", str(refused.value))[0])
    assert pulled == at + 1 < 50_000  # 100 MB of 2 KB lines: the rest of the 200,000 never prepared
    assert kimi_emulator.requests == ()  # nothing uploaded


def test_shards_stay_under_the_size_and_line_limits(tmp_path: Path) -> None:
    shards = write_batch_shards(_asks(2_000, pad=100), tmp_path, model=MODEL, max_bytes=64_000)
    assert len(shards) > 3
    ids: list[str] = []
    for index, shard in enumerate(shards):
        data = shard.path.read_bytes()
        assert (shard.index, shard.bytes, shard.lines) == (index, len(data), data.count(b"\n"))
        assert shard.bytes <= 64_000
        ids += [json.loads(line)["custom_id"] for line in data.splitlines()]
    assert ids == [f"q{n}" for n in range(2_000)]
    by_lines = write_batch_shards(_asks(10), tmp_path / "l", model=MODEL, max_lines=4)
    assert [s.lines for s in by_lines] == [4, 4, 2]


def test_ids_are_unique_across_shards(tmp_path: Path) -> None:
    asks: list[dict[str, object]] = [
        {"messages": [{"role": "user", "content": "a"}]},
        {"custom_id": "request-0", "messages": [{"role": "user", "content": "b"}]},
    ]
    with pytest.raises(KimiValidationError, match="'request-0' is used twice"):
        write_batch_shards(asks, tmp_path, model=MODEL, max_lines=1)


def test_a_line_bigger_than_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KimiValidationError, match="alone is"):
        write_batch_shards(_asks(1, pad=2_000), tmp_path, model=MODEL, max_bytes=1_000)


def _unreadable() -> Iterator[dict[str, object]]:
    raise AssertionError("the requests were read again")
    yield {}


def test_a_resubmitted_job_finds_its_batches(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator, tmp_path: Path
) -> None:
    first = submit_job(
        kimi_emulator_client,
        _asks(30, pad=100),
        job_key="nightly-42",
        directory=tmp_path,
        model=MODEL,
        max_lines=10,
    )
    assert len(first) == 3
    again = submit_job(
        kimi_emulator_client, _unreadable(), job_key="nightly-42", directory=tmp_path, model=MODEL
    )
    assert again == first
    assert len(list(kimi_emulator_client.batches.list())) == 3
    tags = [b.metadata for b in kimi_emulator_client.batches.list()]
    assert {(t or {}).get("kimi_openai_shard") for t in tags} == {"0", "1", "2"}


def test_a_job_with_a_cancelled_shard_submits_that_shard_again(
    kimi_emulator_client: KimiOpenAI, tmp_path: Path
) -> None:
    first = submit_job(
        kimi_emulator_client, _asks(20), job_key="j", directory=tmp_path, model=MODEL, max_lines=10
    )
    kimi_emulator_client.batches.cancel(first[1])
    again = submit_job(
        kimi_emulator_client, _asks(20), job_key="j", directory=tmp_path, model=MODEL, max_lines=10
    )
    assert again[0] == first[0]
    assert again[1] != first[1]


def test_submit_batch_with_a_job_key_submits_once(kimi_emulator_client: KimiOpenAI, tmp_path: Path) -> None:
    (shard,) = write_batch_shards(_asks(2), tmp_path, model=MODEL)
    assert isinstance(shard, BatchShard)
    one = submit_batch(kimi_emulator_client, shard, job_key="k", shard=0)
    two = submit_batch(kimi_emulator_client, shard.path, job_key="k", shard=0)
    other = submit_batch(kimi_emulator_client, shard.path, job_key="k2")
    assert one == two != other


@pytest.mark.anyio
async def test_the_async_twins(async_kimi_emulator_client: AsyncKimiOpenAI) -> None:
    batch_id = await async_submit_batch(async_kimi_emulator_client, _asks(2), model=MODEL, job_key="a")
    assert (
        await async_submit_batch(async_kimi_emulator_client, _asks(2), model=MODEL, job_key="a") == batch_id
    )
    while True:
        try:
            output = await async_collect_batch(async_kimi_emulator_client, batch_id)
            break
        except BatchTimeoutError:
            pass
    assert sorted([custom_id async for custom_id, _ in output]) == ["q0", "q1"]


# -- across processes -------------------------------------------------------------------------

SUBMIT = """
from kimi_openai import KimiOpenAI
from kimi_openai.lib.batch import submit_batch
asks = [{"custom_id": f"q{n}", "messages": [{"role": "user", "content": f"q{n}"}]} for n in range(4)]
print(submit_batch(KimiOpenAI(), asks, model="kimi-k2.6", job_key="cross"))
"""

COLLECT = """
import sys
from kimi_openai import KimiOpenAI
from kimi_openai.lib.batch import BatchTimeoutError, collect_batch
client = KimiOpenAI()
while True:
    try:
        output = collect_batch(client, sys.argv[1])
        break
    except BatchTimeoutError:
        pass
for custom_id, answer in output:
    print(custom_id, type(answer).__name__)
"""


def _run(script: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_submit_in_one_process_and_collect_in_another() -> None:
    emulator = MoonshotEmulator()
    with emulator.serve() as base_url:
        env = {**os.environ, "MOONSHOT_API_KEY": KEY, "MOONSHOT_BASE_URL": base_url}
        batch_id = _run(SUBMIT, env).strip()
        assert _run(SUBMIT, env).strip() == batch_id  # the job key finds it
        collected = _run(COLLECT, env, batch_id)
    assert collected.splitlines() == [f"q{n} KimiChatCompletion" for n in range(4)]
