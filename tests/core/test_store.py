"""The key-value store a client keeps what later requests find again in: the interface, the memory store,
the ``reasoning_store=`` option."""

from __future__ import annotations

import asyncio
import time

import pytest

from kimi_openai import (
    AsyncKimiOpenAI,
    KeyValueStore,
    KimiConfigurationError,
    KimiOpenAI,
    MemoryStore,
)
from kimi_openai._state import kimi_state_of
from kimi_openai._store import namespace_of

KEY = "sk-test-store-0123456789"


def test_the_memory_store_reads_and_writes_many_entries_in_one_call() -> None:
    store = MemoryStore()
    store.set_many({"a": b"1", "b": b"{}"})
    assert store.get_many(["b", "missing", "a"]) == [b"{}", None, b"1"]
    store.set_many({"a": b"2"})
    assert store.get_many(["a"]) == [b"2"]


def test_the_memory_store_forgets_an_entry_once_its_expiry_passes() -> None:
    store = MemoryStore()
    store.set_many({"short": b"x"}, ttl=0.05)
    store.set_many({"long": b"y"})
    assert store.get_many(["short"]) == [b"x"]
    time.sleep(0.06)
    assert store.get_many(["short", "long"]) == [None, b"y"]


def test_the_memory_store_drops_the_least_recently_used_entries_past_its_bounds() -> None:
    store = MemoryStore(max_entries=2)
    store.set_many({"a": b"1", "b": b"2"})
    store.get_many(["a"])  # a is now the most recently used
    store.set_many({"c": b"3"})
    assert store.get_many(["a", "b", "c"]) == [b"1", None, b"3"]
    small = MemoryStore(max_bytes=4)
    small.set_many({"a": b"12", "b": b"34", "c": b"5"})
    assert small.get_many(["a", "b", "c"]) == [None, b"34", b"5"]


def test_the_memory_store_answers_an_async_client_the_same() -> None:
    store = MemoryStore()

    async def run() -> list[bytes | None]:
        await store.aset_many({"k": b"v"}, ttl=60)
        return await store.aget_many(["k", "other"])

    assert asyncio.run(run()) == [b"v", None]
    assert isinstance(store, KeyValueStore)


def test_a_namespace_is_a_digest_of_the_key_that_never_shows_the_key() -> None:
    ours, theirs = namespace_of(KEY), namespace_of(KEY + "x")
    assert ours != theirs
    assert ours == namespace_of(KEY)
    assert KEY not in ours
    assert "0123456789" not in ours
    assert namespace_of(KEY, "tenant-a") == "tenant-a"


@pytest.mark.parametrize("kimi", [KimiOpenAI, AsyncKimiOpenAI])
def test_a_client_takes_a_store_and_its_copies_share_it(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI],
) -> None:
    store = MemoryStore()
    client = kimi(api_key=KEY, reasoning_store=store)
    state = kimi_state_of(client)
    assert state is not None
    assert state.store is store
    assert state.settings.reasoning_store is store
    for copied in (client.copy(), client.with_options(timeout=5)):
        copied_state = kimi_state_of(copied)
        assert copied_state is not None
        assert copied_state.store is store
        assert copied_state.reasoning is state.reasoning


@pytest.mark.parametrize("kimi", [KimiOpenAI, AsyncKimiOpenAI])
def test_without_a_store_each_client_has_a_memory_of_its_own_shared_with_its_copies(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI],
) -> None:
    one, two = kimi(api_key=KEY), kimi(api_key=KEY)
    first, second, copied = kimi_state_of(one), kimi_state_of(two), kimi_state_of(one.copy())
    assert first is not None
    assert second is not None
    assert copied is not None
    assert isinstance(first.store, MemoryStore)
    assert first.store is not second.store
    assert copied.store is first.store


def test_a_copy_given_another_store_or_key_keeps_its_entries_apart() -> None:
    client = KimiOpenAI(api_key=KEY, reasoning_store=MemoryStore())
    other = MemoryStore()
    moved = kimi_state_of(client.copy(reasoning_store=other))
    rekeyed = kimi_state_of(client.copy(api_key=KEY + "-other"))
    state = kimi_state_of(client)
    assert moved is not None
    assert rekeyed is not None
    assert state is not None
    assert moved.store is other
    assert moved.reasoning is not state.reasoning
    assert rekeyed.reasoning.namespace != state.reasoning.namespace


def test_a_store_namespace_replaces_the_digest_of_the_key() -> None:
    client = KimiOpenAI(api_key=KEY, reasoning_store=MemoryStore(namespace="tenant-a"))
    state = kimi_state_of(client)
    assert state is not None
    assert state.reasoning.namespace == "tenant-a"


def test_anything_but_a_store_is_refused_at_construction() -> None:
    with pytest.raises(KimiConfigurationError, match="reasoning_store=dict is not a key-value store"):
        KimiOpenAI(api_key=KEY, reasoning_store={})  # pyright: ignore[reportArgumentType]
