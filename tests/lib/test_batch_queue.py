"""The job-queue recipe of docs/batches.md, run as written on a real RQ queue and a real Redis.

The tasks module is the page's code block itself; an RQ worker (``SimpleWorker``, in this
process, in burst mode) runs the submit and collect tasks against the emulator served on
loopback, reached through ``MOONSHOT_BASE_URL`` as a deployed worker would reach Moonshot.
"""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest
from redis import Redis
from rq import Queue, Retry, SimpleWorker
from rq.job import Job

from kimi_openai.lib.batch import write_batch_shards
from kimi_openai.testing import MoonshotEmulator

PAGE = Path(__file__).resolve().parents[2] / "docs" / "batches.md"
MARKER = "<!-- tests/lib/test_batch_queue.py runs this module"


def _tasks_module() -> types.ModuleType:
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", text[text.index(MARKER) :], re.DOTALL)
    assert block is not None
    module = types.ModuleType("batch_tasks")
    exec(compile(block.group(1), f"{PAGE.name}:batch_tasks", "exec"), module.__dict__)
    return module


@pytest.fixture
def batch_tasks(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    module = _tasks_module()
    monkeypatch.setitem(sys.modules, "batch_tasks", module)  # where RQ's worker imports the tasks from
    emulator = MoonshotEmulator()
    with emulator.serve() as base_url:
        monkeypatch.setenv("MOONSHOT_API_KEY", "sk-queue-test")
        monkeypatch.setenv("MOONSHOT_BASE_URL", base_url)
        yield module


def test_shards_run_on_an_rq_queue(
    batch_tasks: types.ModuleType, kimi_redis_url: str, tmp_path: Path
) -> None:
    connection: Redis = Redis.from_url(kimi_redis_url)  # pyright: ignore[reportUnknownMemberType]
    queue = Queue("kimi-batches", connection=connection)
    # RQ's enqueue is typed with a partly unknown parameter; its result is a Job.
    enqueue = cast(Callable[..., Job], queue.enqueue)  # pyright: ignore[reportUnknownMemberType]
    asks = ({"custom_id": f"q{n}", "messages": [{"role": "user", "content": f"{n}"}]} for n in range(7))
    shards = write_batch_shards(asks, tmp_path, model="kimi-k2.6", max_lines=3)
    submits: list[Job] = []
    collects: list[Job] = []
    for shard in shards:
        submitted = enqueue(batch_tasks.submit_shard, str(shard.path), "job-1", shard.index, len(shards))
        submits.append(submitted)
        collects.append(
            enqueue(
                batch_tasks.collect_shard,
                "job-1",
                shard.index,
                str(tmp_path / f"answers-{shard.index}.jsonl"),
                depends_on=submitted,
                retry=Retry(max=5),  # the emulator finishes a batch on its third poll
            )
        )
    # The submit tasks again, as after a worker crash: the job key finds the batches.
    again = [enqueue(batch_tasks.submit_shard, str(s.path), "job-1", s.index, len(shards)) for s in shards]
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert [job.get_status() for job in collects] == ["finished"] * 3
    assert [job.return_value() for job in collects] == [3, 3, 1]
    batch_ids = [job.return_value() for job in submits]
    assert len(set(batch_ids)) == 3
    assert [job.return_value() for job in again] == batch_ids
    text = "".join((tmp_path / f"answers-{s.index}.jsonl").read_text() for s in shards)
    answers = [json.loads(line) for line in text.splitlines()]
    assert [a["custom_id"] for a in answers] == [f"q{n}" for n in range(7)]
    assert all(a["content"] for a in answers)
