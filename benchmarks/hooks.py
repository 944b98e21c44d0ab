"""Costs of Kimi's per-call bookkeeping, measured in-process when the code exists.

Each hook looks its function up by name; a part whose code is not in the package
yet shows up as a labelled placeholder row, not as a number.
"""

from __future__ import annotations

import importlib
import timeit
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from .payloads import COMPLETION, REQUEST_BODY

__all__ = ["HookResult", "measure_hooks"]

PLACEHOLDER = "placeholder: not implemented yet"


@dataclass(frozen=True)
class HookResult:
    name: str
    cost: str
    note: str


def _lookup(module: str, name: str) -> Callable[..., object] | None:
    try:
        found: object = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found if callable(found) else None


def _per_call_us(call: Callable[[], object], number: int = 2000) -> float:
    call()
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6


def validation_cost(per_request_ms: float) -> HookResult:
    prepare = _lookup("kimi_openai._validation", "prepare_chat_request")
    name = "request validation (`prepare_chat_request`, typical body)"
    if prepare is None:
        return HookResult(name, "—", f"{PLACEHOLDER} (`kimi_openai._validation.prepare_chat_request`)")
    us = _per_call_us(lambda: prepare(REQUEST_BODY))
    share = us / (per_request_ms * 1000) * 100
    return HookResult(name, f"{us:.1f} µs/call", f"{share:.1f}% of one openai create() on the local server")


def echo_bookkeeping_cost() -> HookResult:
    """Recording a completion's reasoning for later echo: fill in when the echo store exists."""
    name = "reasoning-echo bookkeeping per completion"
    record = _lookup("kimi_openai._messages", "record_reasoning")
    if record is None:
        return HookResult(
            name, "—", f"{PLACEHOLDER} (lead: time the echo store's record step on `COMPLETION`)"
        )
    us = _per_call_us(lambda: record(COMPLETION))
    return HookResult(name, f"{us:.1f} µs/call", "record one completion's reasoning")


def echo_store_memory() -> HookResult:
    """Memory held by the echo store after 1000 turns: fill in when the echo store exists."""
    name = "echo-store memory, 1000 turns"
    record = _lookup("kimi_openai._messages", "record_reasoning")
    if record is None:
        return HookResult(name, "—", f"{PLACEHOLDER} (lead: tracemalloc around 1000 record calls)")
    tracemalloc.start()
    for _ in range(1000):
        record(COMPLETION)
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return HookResult(name, f"{current / 1024:.0f} KiB", "retained after 1000 recorded completions")


def measure_hooks(per_request_ms: float) -> list[HookResult]:
    return [validation_cost(per_request_ms), echo_bookkeeping_cost(), echo_store_memory()]
