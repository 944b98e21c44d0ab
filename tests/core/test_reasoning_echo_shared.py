"""Two clients sharing a reasoning store find each other's turns, as two workers of a fleet do.

Each client has its own memory, as a separate process would; only the store is shared. The
caller drops ``reasoning_content`` from every turn it sends back, as langchain and
openai-agents do.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from kimi_openai import (
    KimiOpenAI,
    KimiValidationError,
    KimiWarning,
    MemoryStore,
    RedisStore,
)
from kimi_openai._reasoning_echo_counts import TOTAL, EchoCounts
from kimi_openai._state import echo_counts, kimi_state_of
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.testing.pytest_plugin import AsyncKimiClientFactory, KimiClientFactory

MODEL = "kimi-k2.6"
TOOLS: Any = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
USER: Any = {"role": "user", "content": "Look up record 7."}


def _dropped(message: Any) -> dict[str, Any]:
    """The answer as a framework sends it back: no reasoning_content."""
    return message.model_dump(exclude_none=True, exclude={"reasoning_content"})


def _history(emulator: MoonshotEmulator, client: KimiOpenAI, system: str | None = None) -> list[Any]:
    emulator.queue_tool_calls(("lookup", {"id": 7}), reasoning="Record 7 is the one to read.")
    start: list[Any] = [] if system is None else [{"role": "system", "content": system}]
    answer = client.chat.completions.create(model=MODEL, messages=[*start, USER], tools=TOOLS)
    call_id = (answer.choices[0].message.tool_calls or [])[0].id
    turn = _dropped(answer.choices[0].message)
    return [*start, USER, turn, {"role": "tool", "tool_call_id": call_id, "content": "seven"}]


def _sent_reasoning(emulator: MoonshotEmulator) -> object:
    messages: Any = emulator.last_chat_request()["messages"]
    turn: dict[str, Any] = next(m for m in messages if m.get("role") == "assistant")
    return turn.get("reasoning_content")


def test_a_turn_answered_by_one_client_is_restored_by_another_sharing_the_store(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    store = MemoryStore()
    first = kimi_emulator_client_factory(reasoning_store=store)
    second = kimi_emulator_client_factory(reasoning_store=store, reasoning_echo="strict")
    history = _history(kimi_emulator, first)
    second.chat.completions.create(model=MODEL, messages=history, tools=TOOLS)
    assert _sent_reasoning(kimi_emulator) == "Record 7 is the one to read."
    assert echo_counts(second) == EchoCounts(restored=1)
    assert echo_counts(first) == EchoCounts()


def test_without_a_shared_store_the_other_client_has_nothing_to_restore(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    first = kimi_emulator_client_factory()
    second = kimi_emulator_client_factory(reasoning_echo="strict")
    history = _history(kimi_emulator, first)
    with pytest.raises(KimiValidationError, match="reasoning_content"):
        second.chat.completions.create(model=MODEL, messages=history, tools=TOOLS)
    assert echo_counts(second) == EchoCounts(refused=1)


def test_two_api_keys_never_read_each_other_s_entries(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    store = MemoryStore()
    first = kimi_emulator_client_factory(reasoning_store=store)
    other_tenant = kimi_emulator_client_factory(
        reasoning_store=store, reasoning_echo="strict", api_key="sk-another-tenant-key-0000"
    )
    history = _history(kimi_emulator, first)
    with pytest.raises(KimiValidationError):
        other_tenant.chat.completions.create(model=MODEL, messages=history, tools=TOOLS)


def test_a_turn_returned_under_two_system_prompts_by_two_clients_goes_to_neither_under_a_third(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    store = MemoryStore()
    one, two, three = (kimi_emulator_client_factory(reasoning_store=store) for _ in range(3))
    history = _history(kimi_emulator, one, system="You are agent A.")
    _history(kimi_emulator, two, system="You are agent B.")
    handed_off: list[Any] = [{"role": "system", "content": "You are agent C."}, *history[1:]]
    with pytest.warns(KimiWarning, match="cannot tell which reasoning"):
        three.chat.completions.create(model=MODEL, messages=handed_off, tools=TOOLS)
    assert echo_counts(three) == EchoCounts(placeholder=1)


def test_a_handoff_to_another_system_prompt_finds_the_turn_another_client_returned(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    store = MemoryStore()
    one, two = (
        kimi_emulator_client_factory(reasoning_store=store, reasoning_echo="strict") for _ in range(2)
    )
    history = _history(kimi_emulator, one, system="You are agent A.")
    handed_off: list[Any] = [{"role": "system", "content": "You are agent B."}, *history[1:]]
    two.chat.completions.create(model=MODEL, messages=handed_off, tools=TOOLS)
    assert _sent_reasoning(kimi_emulator) == "Record 7 is the one to read."


class BrokenStore(MemoryStore):
    """A store whose server is down until ``up`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.up = True

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not self.up:
            raise ConnectionError("connection refused")
        return super().get_many(keys)

    def set_many(self, entries: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        if not self.up:
            raise ConnectionError("connection refused")
        super().set_many(entries, ttl=ttl)


def test_an_unreachable_store_warns_once_per_outage_and_the_requests_still_go_out(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    store = BrokenStore()
    client = kimi_emulator_client_factory(reasoning_store=store)
    history = _history(kimi_emulator, client)
    store.up = False
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for _ in range(3):
            client.chat.completions.create(model=MODEL, messages=history, tools=TOOLS)
    assert [str(w.message)[:44] for w in seen] == ["The reasoning store BrokenStore failed (Conn"]
    assert issubclass(seen[0].category, KimiWarning)
    # This process's own memory still restored the turn it returned.
    assert _sent_reasoning(kimi_emulator) == "Record 7 is the one to read."
    store.up = True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.chat.completions.create(model=MODEL, messages=history, tools=TOOLS)
    store.up = False
    with pytest.warns(KimiWarning, match="once per outage"):
        client.chat.completions.create(model=MODEL, messages=history, tools=TOOLS)


@pytest.mark.anyio
async def test_async_clients_share_the_store_through_its_coroutines(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client_factory: AsyncKimiClientFactory
) -> None:
    store = MemoryStore()
    first = async_kimi_emulator_client_factory(reasoning_store=store)
    second = async_kimi_emulator_client_factory(reasoning_store=store, reasoning_echo="strict")
    kimi_emulator.queue_tool_calls(("lookup", {"id": 7}), reasoning="Async record 7.")
    answer = await first.chat.completions.create(model=MODEL, messages=[USER], tools=TOOLS)
    call_id = (answer.choices[0].message.tool_calls or [])[0].id
    history: list[Any] = [
        USER,
        _dropped(answer.choices[0].message),
        {"role": "tool", "tool_call_id": call_id, "content": "7"},
    ]
    await second.chat.completions.create(model=MODEL, messages=history, tools=TOOLS)
    assert _sent_reasoning(kimi_emulator) == "Async record 7."


def test_redis_store_reads_and_writes_with_one_round_trip_each(kimi_redis_url: str) -> None:
    store = RedisStore(kimi_redis_url, prefix="test-rt:")
    store.set_many({"a": b"1", "b": b"2"}, ttl=60)
    assert store.get_many(["a", "x", "b"]) == [b"1", None, b"2"]
    store.set_many({"short": b"s"}, ttl=0.05)
    asyncio.run(asyncio.sleep(0.1))
    assert store.get_many(["short"]) == [None]

    async def run() -> list[bytes | None]:
        await store.aset_many({"c": b"3"})
        values = await store.aget_many(["c", "a"])
        await store.aclose()
        return values

    assert asyncio.run(run()) == [b"3", b"1"]
    assert "redis://" not in repr(store)
    store.close()


def test_a_redis_store_shares_turns_between_clients(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory, kimi_redis_url: str
) -> None:
    before = TOTAL.snapshot()
    first = kimi_emulator_client_factory(reasoning_store=RedisStore(kimi_redis_url, namespace="shared-test"))
    second = kimi_emulator_client_factory(
        reasoning_store=RedisStore(kimi_redis_url, namespace="shared-test"), reasoning_echo="strict"
    )
    history = _history(kimi_emulator, first)
    second.chat.completions.create(model=MODEL, messages=history, tools=TOOLS)
    assert _sent_reasoning(kimi_emulator) == "Record 7 is the one to read."
    assert echo_counts().restored == before.restored + 1
    state = kimi_state_of(second)
    assert state is not None


def test_an_unreachable_redis_warns_and_the_request_goes_out(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    client = kimi_emulator_client_factory(reasoning_store=RedisStore("redis://127.0.0.1:1/0", timeout=0.2))
    with pytest.warns(KimiWarning, match="RedisStore failed"):
        answer = client.chat.completions.create(model=MODEL, messages=[USER])
    assert answer.choices[0].message.content
