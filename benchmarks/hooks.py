"""Costs of Kimi's per-call bookkeeping, measured in-process when the code exists.

Each hook looks its code up by name; a part whose code is not in the package
shows up as a labelled placeholder row, not as a number.
"""

from __future__ import annotations

import importlib
import json
import timeit
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .payloads import COMPLETION, HISTORY_LENGTHS, REQUEST_BODY, history_request

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
    prepare = _lookup("kimi_openai._rules.chat", "prepare_chat_request")
    name = "request validation (`prepare_chat_request`, typical body)"
    if prepare is None:
        return HookResult(name, "—", f"{PLACEHOLDER} (`kimi_openai._rules.chat.prepare_chat_request`)")
    us = _per_call_us(lambda: prepare(REQUEST_BODY))
    share = us / (per_request_ms * 1000) * 100
    return HookResult(name, f"{us:.1f} µs/call", f"{share:.1f}% of one openai create() on the local server")


def _store_class() -> Callable[..., object] | None:
    """``ReasoningStore`` once it has its real methods (``remember_completion`` and ``restore``)."""
    store = _lookup("kimi_openai._reasoning_echo", "ReasoningStore")
    if store is None or not all(hasattr(store, name) for name in ("remember_completion", "restore")):
        return None
    return store


def _completion(turn: int) -> object:
    """``COMPLETION`` as the client returns it, made distinct per turn (its own text and reasoning)."""
    from kimi_openai.types.chat import KimiChatCompletion

    message = {**COMPLETION["choices"][0]["message"]}
    message["content"] = f"{turn}: {message['content']}"
    message["reasoning_content"] = f"{turn}: {message.get('reasoning_content') or ''}"
    choices = [{**COMPLETION["choices"][0], "message": message}]
    return KimiChatCompletion.model_validate({**COMPLETION, "choices": choices})


def _conversation_body(turns: int) -> dict[str, Any]:
    """``REQUEST_BODY`` followed by ``turns`` answered user turns, echoed with their reasoning."""
    history: list[dict[str, Any]] = []
    for turn in range(turns):
        history += [
            {"role": "user", "content": f"Question {turn}?"},
            {"role": "assistant", "content": f"Answer {turn}.", "reasoning_content": f"Thought {turn}."},
        ]
    return {**REQUEST_BODY, "messages": [*REQUEST_BODY["messages"], *history]}


def echo_bookkeeping_cost() -> list[HookResult]:
    """Remembering a returned completion's reasoning, and restoring it into the next request.

    The store keys a turn by the messages before it, so an answer is remembered only after
    the ``restore`` of its own request: the first row times that pair.
    """
    names = (
        "reasoning-echo bookkeeping per request and answer (`ReasoningStore.restore` + `remember_completion`)",
        "reasoning-echo restore per request (`ReasoningStore.restore`, one assistant turn echoed)",
        "reasoning-echo bookkeeping per request and answer, 100-message history",
    )
    store_class = _store_class()
    if store_class is None:
        return [
            HookResult(name, "—", f"{PLACEHOLDER} (`kimi_openai._reasoning_echo.ReasoningStore`)")
            for name in names
        ]
    store: Any = store_class()
    completion: Any = _completion(0)

    def request_and_answer() -> None:
        store.restore(REQUEST_BODY, "auto")
        store.remember_completion(completion)

    remember = _per_call_us(request_and_answer)
    message = {"role": "assistant", "content": completion.choices[0].message.content}
    body = {
        **REQUEST_BODY,
        "messages": [*REQUEST_BODY["messages"], message, {"role": "user", "content": "More?"}],
    }
    restore = _per_call_us(lambda: store.restore(body, "auto"))
    long_body = _conversation_body(49)  # system + user + 49 answered turns = 100 messages

    def long_request_and_answer() -> None:
        store.restore(long_body, "auto")
        store.remember_completion(completion)

    restore_long = _per_call_us(long_request_and_answer, number=200)
    return [
        HookResult(names[0], f"{remember:.1f} µs/call", "two-message request, one completion with reasoning"),
        HookResult(
            names[1], f"{restore:.1f} µs/call", "three-message body, the assistant turn found by its text"
        ),
        HookResult(
            names[2],
            f"{restore_long:.1f} µs/call",
            "as the first row; the answer's key digests all 100 earlier messages (linear in the history)",
        ),
    ]


ECHO_TURNS = 20_000
"""More turns than the store keeps (16,384): its bound is what is measured."""


def echo_store_memory() -> HookResult:
    """Peak and retained memory of the echo store over more turns than it keeps."""
    name = f"echo-store memory, {ECHO_TURNS:,} turns"
    store_class = _store_class()
    if store_class is None:
        return HookResult(name, "—", f"{PLACEHOLDER} (`kimi_openai._reasoning_echo.ReasoningStore`)")
    completions = [_completion(turn) for turn in range(ECHO_TURNS)]
    requests = [
        {**REQUEST_BODY, "messages": [{"role": "user", "content": f"Question {turn}?"}]}
        for turn in range(ECHO_TURNS)
    ]
    tracemalloc.start()
    store: Any = store_class()
    for request, completion in zip(requests, completions, strict=True):
        store.restore(request, "auto")
        store.remember_completion(completion)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return HookResult(
        name,
        f"{peak / 1024:.0f} KiB peak",
        f"{current / 1024:.0f} KiB retained after {ECHO_TURNS:,} remembered completions "
        f"({len(store):,} turns kept: the store's bound)",
    )


def usage_totals_cost(per_request_ms: float) -> HookResult:
    """Counting one answer in the client's running totals (``client.usage``), as every request does."""
    totals_class = _lookup("kimi_openai._usage", "UsageTotals")
    name = "usage totals per answer (`UsageTotals.add`, the count behind `client.usage`)"
    if totals_class is None:
        return HookResult(name, "—", f"{PLACEHOLDER} (`kimi_openai._usage.UsageTotals`)")
    totals: Any = totals_class()
    completion: Any = _completion(0)
    us = _per_call_us(lambda: totals.add(completion.model, completion.usage))
    share = us / (per_request_ms * 1000) * 100
    return HookResult(name, f"{us:.1f} µs/call", f"{share:.2f}% of one openai create() on the local server")


_OPENAI_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
"""openai's JSON settings (``openai/_utils/_json.py``): what the body-encodability check runs."""


@dataclass(frozen=True)
class _HistoryCosts:
    """Per-call costs (µs) of the Kimi request hooks on one history body."""

    prepare: float
    unchecked: float
    plain: float
    encode: float
    restore: float
    remember: float

    @property
    def total(self) -> float:
        return self.prepare + self.restore + self.remember


def _history_costs(length: int) -> _HistoryCosts | None:
    """The hooks a Kimi ``create()`` runs on ``history_request(length)``, timed apart."""
    prepare = _lookup("kimi_openai._rules.chat", "prepare_chat_request")
    store_class = _store_class()
    if prepare is None or store_class is None:
        return None
    body = history_request(length)
    store: Any = store_class()
    completion: Any = _completion(0)
    number = max(5, 20_000 // length)
    restore = _per_call_us(lambda: store.restore(body, "auto"), number)

    def restore_and_remember() -> None:
        store.restore(body, "auto")
        store.remember_completion(completion)

    return _HistoryCosts(
        prepare=_per_call_us(lambda: prepare(body), number),
        unchecked=_per_call_us(lambda: prepare(body, validate=False), number),
        plain=_per_call_us(lambda: prepare(body, validate=False, normalize_tool_schemas=False), number),
        encode=_per_call_us(lambda: _OPENAI_ENCODER.encode(body).encode(), number),
        restore=restore,
        remember=_per_call_us(restore_and_remember, number) - restore,
    )


def _share(us: float, openai_ms: float | None) -> str:
    return "" if openai_ms is None else f"{us / (openai_ms * 1000) * 100:.1f}% of one openai create() with it"


def history_hook_costs(openai_ms: dict[int, float]) -> list[HookResult]:
    """What Kimi adds per request as the history grows, and where it goes at the longest history.

    ``openai_ms``: openai's median per request at each length, from the same run, for the shares.
    """
    rows: list[HookResult] = []
    longest = max(HISTORY_LENGTHS)
    found: _HistoryCosts | None = None
    for length in HISTORY_LENGTHS:
        name = f"Kimi request hooks, {length:,}-message history (checks, schemas, reasoning echo both ways)"
        found = _history_costs(length)
        if found is None:
            return [HookResult(name, "—", f"{PLACEHOLDER} (`prepare_chat_request`, `ReasoningStore`)")]
        rows.append(
            HookResult(name, f"{found.total:.0f} µs/call", _share(found.total, openai_ms.get(length)))
        )
    assert found is not None
    base = openai_ms.get(longest)
    parts = (
        ("request checks (`prepare_chat_request`, validation on)", found.prepare - found.unchecked),
        ("of which the body's JSON-encodability check (encoded as openai encodes it)", found.encode),
        ("tool-schema normalisation (one tool)", found.unchecked - found.plain),
        ("reasoning echo: `restore` of the request (every turn has its reasoning)", found.restore),
        ("reasoning echo: `remember_completion` of the answer (digest of the history)", found.remember),
    )
    rows += [
        HookResult(f"… at {longest:,} messages: {what}", f"{us:.0f} µs/call", _share(us, base))
        for what, us in parts
    ]
    return rows


def measure_hooks(
    per_request_ms: float, history_openai_ms: dict[int, float] | None = None
) -> list[HookResult]:
    return [
        validation_cost(per_request_ms),
        *echo_bookkeeping_cost(),
        *history_hook_costs(history_openai_ms or {}),
        echo_store_memory(),
        usage_totals_cost(per_request_ms),
    ]
