"""Where a client keeps what it must find again on a later request: a small key-value interface.

A Kimi client remembers the ``reasoning_content`` of the turns it returned, to put it back
when a framework sends a turn without it (``_reasoning_echo``). One process remembers in
memory; a fleet of workers behind a load balancer needs one memory for all of them, or a
turn answered by one worker comes back to another that never saw it. :class:`KeyValueStore`
is what such a memory offers, kept to what a shared server does in one round trip:

* read many keys at once (:meth:`~KeyValueStore.get_many`), one answer per key;
* write many entries at once, each with the same expiry (:meth:`~KeyValueStore.set_many`);
* the same as coroutines for an async client (``aget_many``, ``aset_many``).

Keys are ``str`` and values ``bytes`` (JSON is written as its UTF-8 bytes): whoever writes
chooses the keys, and starts them with a namespace (:func:`namespace_of`) so that two
API keys (two tenants) sharing one store never read each other's entries. A store that
cannot answer raises; the client then carries on with what it holds in memory.

:class:`MemoryStore` is the in-process store: bounded, least recently used first out, with
expiry. ``RedisStore`` (``_redis_store``, the ``kimi-openai[redis]`` extra) shares one memory
across processes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Final, Protocol, runtime_checkable

__all__ = [
    "DEFAULT_TTL",
    "KeyValueStore",
    "MemoryStore",
    "namespace_of",
]

DEFAULT_TTL: Final = 24 * 60 * 60.0
"""Seconds an entry lives unless the writer says otherwise: a day, longer than a chat session's pauses."""

_NAMESPACE_PERSON: Final = b"kimi-ns"
"""Personalises the namespace digest, so it is no digest of the key another tool computes."""


@runtime_checkable
class KeyValueStore(Protocol):
    """A store of ``bytes`` values under ``str`` keys, read and written many at a time, with expiry.

    Implementations are safe to share between threads and between the clients of one
    process. A failure raises (any exception); callers treat the store as a cache.
    """

    namespace: str | None
    """The namespace entries are written under; ``None``: one per API key (:func:`namespace_of`)."""

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The value of each key, in order; ``None`` for a key absent or expired."""
        ...

    def set_many(self, entries: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        """Write every entry, each living ``ttl`` seconds (``None``: the store's default)."""
        ...

    async def aget_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """:meth:`get_many` for an async client."""
        ...

    async def aset_many(self, entries: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        """:meth:`set_many` for an async client."""
        ...


def namespace_of(api_key: str, namespace: str | None = None) -> str:
    """The namespace a client writes under: ``namespace`` when given, else a digest of ``api_key``.

    The digest (BLAKE2b, 96 bits, hex) is the same in every process and tells keys apart
    without revealing them: the key itself never reaches a store.
    """
    if namespace is not None:
        return namespace
    digest = hashlib.blake2b(api_key.encode(), digest_size=12, person=_NAMESPACE_PERSON)
    return digest.hexdigest()


class MemoryStore:
    """A :class:`KeyValueStore` in this process's memory: what a single process needs.

    Keeps at most ``max_entries`` entries and ``max_bytes`` bytes of values, dropping the
    least recently used first; an entry also goes when its expiry passes. Thread-safe.
    """

    def __init__(
        self,
        *,
        max_entries: int = 65_536,
        max_bytes: int = 64 * 1024 * 1024,
        ttl: float = DEFAULT_TTL,
        namespace: str | None = None,
    ) -> None:
        if max_entries < 1 or max_bytes < 1 or ttl <= 0:
            raise ValueError("max_entries, max_bytes and ttl must be positive")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.namespace = namespace
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Entries held (expired ones included until they are next looked at)."""
        return len(self._entries)

    def __repr__(self) -> str:
        return f"MemoryStore(entries={len(self._entries)}, namespace={self.namespace!r})"

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        now = time.monotonic()
        out: list[bytes | None] = []
        with self._lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is None:
                    out.append(None)
                elif entry[1] <= now:
                    self._drop(key)
                    out.append(None)
                else:
                    self._entries.move_to_end(key)
                    out.append(entry[0])
        return out

    def set_many(self, entries: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        expires = time.monotonic() + (self.ttl if ttl is None else ttl)
        with self._lock:
            for key, value in entries.items():
                if key in self._entries:
                    self._drop(key)
                self._entries[key] = (value, expires)
                self._bytes += len(value)
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                self._drop(next(iter(self._entries)))

    async def aget_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return self.get_many(keys)

    async def aset_many(self, entries: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        self.set_many(entries, ttl=ttl)

    def _drop(self, key: str) -> None:
        value, _ = self._entries.pop(key)
        self._bytes -= len(value)
