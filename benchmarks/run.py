"""Run the benchmarks and print a markdown table: ``python -m benchmarks [--quick]``.

Every group's cases are timed round-robin (one run of each case, then the next
repetition), so drift in machine load touches all rows alike; the table reports
medians and each row's ratio to its group's baseline (the first row). The garbage
collector runs between measurements, not inside them, unless it triggers on its
own as it would in an application.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from .cases import Case, Clients, build_cases, history_group
from .hooks import HookResult, measure_hooks
from .payloads import HISTORY_LENGTHS, REQUEST_BODY

__all__ = ["Row", "main", "run_suite"]

TARGETS = {
    ("create() per request, sync", "KimiOpenAI"): ("openai.OpenAI", 1.03),
    ("create() per request, async", "AsyncKimiOpenAI"): ("openai.AsyncOpenAI", 1.03),
    **{(history_group(length, "sync"), "KimiOpenAI"): ("openai.OpenAI", 1.05) for length in HISTORY_LENGTHS},
    **{
        (history_group(length, "async"), "AsyncKimiOpenAI"): ("openai.AsyncOpenAI", 1.05)
        for length in HISTORY_LENGTHS
    },
    ("stream of 2000 chunks, sync", "Kimi create(stream=True)"): (None, 1.5),
    ("stream of 2000 chunks, async", "Kimi create(stream=True)"): (None, 1.5),
    ("stream of 2000 chunks, sync", "Kimi .stream()"): (None, 1.8),
    ("stream of 2000 chunks, async", "Kimi .stream()"): (None, 1.8),
}
"""(group, row) -> (row the target is relative to, None = the group's baseline; limit)."""


@dataclass
class Row:
    group: str
    name: str
    median_ms: float
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None


@dataclass
class Suite:
    rows: list[Row] = field(default_factory=list[Row])
    hooks: list[HookResult] = field(default_factory=list[HookResult])
    notes: list[str] = field(default_factory=list[str])


@contextmanager
def local_server() -> Generator[str]:
    """The benchmark server in its own process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def time_round_robin(cases: Sequence[Case], reps: int) -> dict[str, list[float]]:
    """Seconds per unit of work for each case, ``reps`` samples each, interleaved."""
    samples: dict[str, list[float]] = {f"{c.group}|{c.name}": [] for c in cases}
    for case in cases:  # warm-up: connections, caches, lazy imports
        case.run()
    for _ in range(reps):
        for case in cases:
            gc.collect()
            start = time.perf_counter()
            case.run()
            samples[f"{case.group}|{case.name}"].append((time.perf_counter() - start) / case.per)
    return samples


def _rows(cases: Sequence[Case], samples: dict[str, list[float]]) -> list[Row]:
    rows: list[Row] = []
    baselines: dict[str, float] = {}
    by_name: dict[tuple[str, str], float] = {}
    for case in cases:
        median = statistics.median(samples[f"{case.group}|{case.name}"]) * 1000
        baselines.setdefault(case.group, median)
        by_name[(case.group, case.name)] = median
        rows.append(Row(case.group, case.name, median, median / baselines[case.group]))
    for row in rows:
        relative_to, limit = TARGETS.get((row.group, row.name), (None, None))
        if limit is None:
            continue
        reference = by_name[(row.group, relative_to)] if relative_to else baselines[row.group]
        ratio = row.median_ms / reference
        row.target = f"≤ {limit:g}x {relative_to or 'raw HTTP'} ({ratio:.2f}x)"
        row.ok = ratio <= limit
        if relative_to:
            paired = _paired_ratios(samples[f"{row.group}|{row.name}"], samples[f"{row.group}|{relative_to}"])
            if paired is not None:
                # Runs of the two cases alternate, so each repetition's ratio sees the same load.
                middle, low, high = paired
                row.target = (
                    f"≤ {limit:g}x {relative_to} ({ratio:.2f}x; per repetition {middle:.2f}x, "
                    f"middle half {low:.2f}-{high:.2f}x)"
                )
                row.ok = middle <= limit
    return rows


def _paired_ratios(samples: list[float], reference: list[float]) -> tuple[float, float, float] | None:
    """Median and quartiles of the per-repetition ratios, or ``None`` with too few repetitions."""
    ratios = [mine / theirs for mine, theirs in zip(samples, reference, strict=True)]
    if len(ratios) < 4:
        return None
    low, middle, high = statistics.quantiles(ratios, n=4)
    return middle, low, high


IMPORT_PROBE = (
    "import time; t0 = time.perf_counter(); import openai; t1 = time.perf_counter(); "
    "import kimi_openai; t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
)


@contextmanager
def bytecode_env(*warm_up: list[str]) -> Generator[dict[str, str]]:
    """The environment of the fresh interpreters: both packages imported from compiled bytecode.

    An installed package imports from bytecode (pip compiles it on install). A checkout
    installed with ``pip install -e`` is compiled on its first import, and on every import
    when ``PYTHONDONTWRITEBYTECODE`` is set: that would charge ``kimi_openai``, and not
    ``openai``, with compiling its sources on every run. Here every module is compiled into
    one temporary cache by unmeasured first runs of the ``warm_up`` commands, and read from
    it afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="kimi-bench-pyc-") as cache:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for command in warm_up:
            subprocess.run(command, env=env, capture_output=True, check=True)
        yield env


def time_imports(reps: int) -> list[Row]:
    """Fresh interpreters: ``import openai``, then ``import kimi_openai`` on top of it."""
    openai_s: list[float] = []
    kimi_s: list[float] = []
    with bytecode_env([sys.executable, "-c", IMPORT_PROBE]) as env:
        outs = [
            subprocess.run(
                [sys.executable, "-c", IMPORT_PROBE], env=env, capture_output=True, text=True, check=True
            )
            for _ in range(reps)
        ]
    for out in outs:
        first, second = (float(x) for x in out.stdout.split())
        openai_s.append(first)
        kimi_s.append(second)
    openai_ms = statistics.median(openai_s) * 1000
    kimi_ms = statistics.median(kimi_s) * 1000
    group = "import time (fresh interpreter)"
    extra = Row(
        group, "kimi_openai beyond openai", kimi_ms, kimi_ms / openai_ms, f"≤ 50 ms ({kimi_ms:.0f} ms)"
    )
    extra.ok = kimi_ms <= 50
    return [Row(group, "import openai", openai_ms, 1.0), extra]


FIRST_REQUEST_PROBE = """
import json, sys, time
t0 = time.perf_counter()
if sys.argv[1] == "openai":
    import openai
    client = openai.OpenAI(api_key="sk-benchmark", base_url=sys.argv[2], max_retries=0)
else:
    import kimi_openai
    client = kimi_openai.KimiOpenAI(api_key="sk-benchmark", base_url=sys.argv[2], max_retries=0)
client.chat.completions.create(**json.loads(sys.argv[3]))
print(time.perf_counter() - t0)
"""


def time_first_request(base_url: str, reps: int) -> list[Row]:
    """Fresh interpreters: import, build a client and send one ``create()``.

    openai 2.x defers loading its chat resources, httpx and pydantic until first use,
    so import time alone charges ``kimi_openai`` for work ``openai`` does later anyway.
    """
    body = json.dumps(REQUEST_BODY)
    samples: dict[str, list[float]] = {"openai": [], "kimi": []}
    commands = {
        which: [sys.executable, "-c", FIRST_REQUEST_PROBE, which, base_url, body] for which in samples
    }
    with bytecode_env(*commands.values()) as env:
        for _ in range(reps):
            for which, found in samples.items():  # interleaved, so load changes hit both alike
                run = subprocess.run(commands[which], env=env, capture_output=True, text=True, check=True)
                found.append(float(run.stdout))
    openai_ms = statistics.median(samples["openai"]) * 1000
    kimi_ms = statistics.median(samples["kimi"]) * 1000
    group = "import + first create() (fresh interpreter)"
    kimi = Row(
        group,
        "kimi_openai",
        kimi_ms,
        kimi_ms / openai_ms,
        # No target of its own (the import target is the row above): shown so the cost of
        # loading the chat resources on first use is visible.
        f"for information: {kimi_ms - openai_ms:.0f} ms beyond openai",
    )
    return [Row(group, "openai", openai_ms, 1.0), kimi]


def run_suite(
    *, reps: int, history_reps: int, stream_reps: int, requests_per_run: int, import_reps: int
) -> Suite:
    suite = Suite()
    loop = asyncio.new_event_loop()
    with local_server() as base_url:
        clients = Clients(base_url, loop, suite.notes)
        try:
            cases = build_cases(clients, requests_per_run=requests_per_run)
            suite.rows += _rows(cases.requests, time_round_robin(cases.requests, reps))
            suite.rows += _rows(cases.history, time_round_robin(cases.history, history_reps))
            suite.rows += _rows(cases.streams, time_round_robin(cases.streams, stream_reps))
            per_request_ms = next(r.median_ms for r in suite.rows if r.name == "openai.OpenAI")
            first_request = time_first_request(base_url, import_reps)
        finally:
            clients.close()
    loop.close()
    suite.rows += time_imports(import_reps)
    suite.rows += first_request
    history_openai_ms = {
        length: row.median_ms
        for length in HISTORY_LENGTHS
        for row in suite.rows
        if row.group == history_group(length, "sync") and row.name == "openai.OpenAI"
    }
    suite.hooks = measure_hooks(per_request_ms, history_openai_ms)
    return suite


def render(suite: Suite) -> str:
    lines = [
        "| Group | Measurement | Median | Ratio to group's first row | Target |",
        "|---|---|---:|---:|---|",
    ]
    for row in suite.rows:
        status = "" if row.ok is None else (" ✅" if row.ok else " ❌")
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
        lines.append(
            f"| {row.group} | {row.name} | {row.median_ms:.2f} ms | {ratio} | {row.target}{status} |"
        )
    lines += ["", "| Hook | Cost | Notes |", "|---|---:|---|"]
    lines += [f"| {h.name} | {h.cost} | {h.note} |" for h in suite.hooks]
    lines += [f"\n{note}" for note in suite.notes]
    return "\n".join(lines)


def _environment() -> str:
    import openai

    from kimi_openai._compat import HTTP_LIBRARY

    cores = os.cpu_count()
    return f"Python {sys.version.split()[0]}, openai {openai.__version__} on {HTTP_LIBRARY}, {cores} cores"


def main(argv: Sequence[str] | None = None, *, out: Callable[[str], object] = print) -> Suite:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--reps", type=int, default=40, help="repetitions of each per-request case")
    parser.add_argument(
        "--history-reps", type=int, default=15, help="repetitions of each long-history per-request case"
    )
    parser.add_argument("--stream-reps", type=int, default=7, help="repetitions of each stream case")
    parser.add_argument("--requests", type=int, default=10, help="requests per per-request run")
    parser.add_argument("--import-reps", type=int, default=7, help="fresh interpreters for import time")
    parser.add_argument("--quick", action="store_true", help="one repetition of everything (a smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.reps = args.history_reps = args.stream_reps = args.requests = args.import_reps = 1
    started = time.perf_counter()
    suite = run_suite(
        reps=args.reps,
        history_reps=args.history_reps,
        stream_reps=args.stream_reps,
        requests_per_run=args.requests,
        import_reps=args.import_reps,
    )
    out(f"{_environment()}; whole run {time.perf_counter() - started:.0f} s\n")
    out(render(suite))
    return suite
