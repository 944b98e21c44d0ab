"""The reasoning echo's entries in a shared store (``reasoning_store=``): their keys, values, reads and writes.

A client keeps the reasoning it returned in its own memory (``_reasoning_echo``); with a
shared store it also writes each answer's entries there, in one call, and reads what a
request's turns need in one call before it restores them, so a turn answered by one
worker of a fleet is found by any other. Three kinds of entry, under
``echo:<namespace>:`` (the namespace is a digest of the API key, or the store's own):

* ``e`` + the turn's key (its prefix digest and one part): the reasoning, UTF-8;
* ``r`` + the key without system messages: ``=`` + the turn's key + the reasoning, or
  ``*`` when the turn was returned under more than one set of system messages;
* ``p`` + the digest of a request's messages without system ones: the full digest of the
  messages an answer to them was written after, or ``*``. Read with every request, it
  tells the writer of the next answer whether another set of system messages preceded the
  same conversation, in another process: the ambiguity ``_reasoning_echo`` describes.

A store that fails is left alone until it answers again: the request goes out with what
this process remembers, and one warning is given per outage.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Final, TypeVar

from ._errors import KimiWarning
from ._store import KeyValueStore

__all__ = ["AMBIGUOUS_VALUE", "SharedEcho"]

AMBIGUOUS_VALUE: Final = b"*"
"""The value of an ``r`` or ``p`` entry whose turn was returned under more than one set of system messages."""
_FOUND: Final = b"="

_T = TypeVar("_T")


class SharedEcho:
    """A client's side of a shared store: the keys it reads and writes, and whether the store answers."""

    __slots__ = ("_tasks", "asynchronous", "down", "namespace", "store")

    def __init__(self, store: KeyValueStore, namespace: str, *, asynchronous: bool) -> None:
        self.store = store
        self.namespace = namespace
        self.asynchronous = asynchronous
        """An async client: writes are awaited on its event loop, never blocking it."""
        self.down = False
        """The store failed and has not answered since (one warning per outage)."""
        self._tasks: set[asyncio.Task[None]] = set()

    def key(self, kind: str, digest: bytes) -> str:
        return f"echo:{self.namespace}:{kind}{digest.hex()}"

    # -- reading -------------------------------------------------------------------------------

    def read(self, keys: Sequence[str]) -> list[bytes | None] | None:
        """The values of ``keys``, or ``None`` when the store does not answer."""
        return self._guarded(lambda: self.store.get_many(keys))

    async def aread(self, keys: Sequence[str]) -> list[bytes | None] | None:
        try:
            values = await self.store.aget_many(keys)
        except Exception as exc:  # any failure of a cache: carry on without it
            self._failed(exc)
            return None
        self.down = False
        return values

    # -- writing -------------------------------------------------------------------------------

    @staticmethod
    def turn_entries(
        keys: Sequence[bytes], reasoning: str, relaxed_key: bytes, *, ambiguous: bool
    ) -> dict[tuple[str, bytes], bytes]:
        """The entries of one returned turn: by each of its keys, and without system messages."""
        text = reasoning.encode()
        entries: dict[tuple[str, bytes], bytes] = {("e", key): text for key in keys}
        entries["r", relaxed_key] = AMBIGUOUS_VALUE if ambiguous else _FOUND + keys[0] + text
        return entries

    def write(self, entries: Mapping[tuple[str, bytes], bytes]) -> None:
        """Write an answer's entries in one call: now (sync client), or as a task on the running loop."""
        named = {self.key(kind, digest): value for (kind, digest), value in entries.items()}
        if not self.asynchronous:
            self._guarded(lambda: self.store.set_many(named))
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # an async client's answer handled outside its loop: write now
            self._guarded(lambda: self.store.set_many(named))
            return
        task = loop.create_task(self._awrite(named))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _awrite(self, entries: Mapping[str, bytes]) -> None:
        try:
            await self.store.aset_many(entries)
        except Exception as exc:  # any failure of a cache: carry on without it
            self._failed(exc)
        else:
            self.down = False

    async def drain(self) -> None:
        """Wait for the writes under way: an answer is in the store before the caller sees it."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    # -- failures ------------------------------------------------------------------------------

    def _guarded(self, call: Callable[[], _T]) -> _T | None:
        try:
            result = call()
        except Exception as exc:  # any failure of a cache: carry on without it
            self._failed(exc)
            return None
        self.down = False
        return result

    def _failed(self, exc: BaseException) -> None:
        if self.down:
            return
        self.down = True
        # The exception's type only: its message may hold the store's address or password.
        warnings.warn(
            f"The reasoning store {type(self.store).__name__} failed ({type(exc).__name__}): requests go "
            "out with the reasoning this process remembers, as without a store, until it answers "
            "again. Warned once per outage.",
            KimiWarning,
            stacklevel=2,
        )
