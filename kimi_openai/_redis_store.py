"""``RedisStore``: the :class:`~kimi_openai.KeyValueStore` a fleet of workers shares, on Redis or Valkey.

Installed with the ``kimi-openai[redis]`` extra (redis-py; ``redis.asyncio`` for the async
client; Valkey speaks the same protocol). One read is one ``MGET``, one write one
pipelined batch of ``SET key value PX ttl`` (no transaction: entries are independent),
so a request costs one round trip to read and its answer one to write. Every key starts
with ``prefix`` (``kimi-openai:`` unless given), then what the writer chose: the reasoning
echo writes ``kimi-openai:echo:<namespace>:<kind><digest>``. Entries expire after ``ttl``
seconds instead of being evicted least recently used first: set ``maxmemory-policy`` as the
rest of your Redis needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ._store import DEFAULT_TTL

try:
    import redis
    import redis.asyncio as aioredis
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("kimi_openai.RedisStore needs redis-py: pip install 'kimi-openai[redis]'") from exc

__all__ = ["DEFAULT_PREFIX", "RedisStore"]

DEFAULT_PREFIX: Final = "kimi-openai:"
"""What every key of a :class:`RedisStore` starts with, unless another ``prefix`` is given."""

_TIMEOUT: Final = 0.5
"""Seconds to wait for Redis before carrying on without it: far above a loopback or LAN round trip."""


class RedisStore:
    """A :class:`~kimi_openai.KeyValueStore` on a Redis (or Valkey) server, shared by processes.

    Give a ``url`` (``redis://host:6379/0``, ``rediss://`` for TLS), or the redis-py
    clients you already use (``client=`` for a sync Kimi client, ``async_client=`` for
    an async one). ``ttl``: seconds an entry lives. ``namespace``: the namespace entries
    are written under instead of a digest of the API key (several keys of one tenant, or a
    rotated key). A failure raises redis-py's exception; the Kimi client then carries on
    without the store and warns once per outage.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        async_client: Any = None,
        prefix: str = DEFAULT_PREFIX,
        ttl: float = DEFAULT_TTL,
        namespace: str | None = None,
        timeout: float = _TIMEOUT,
    ) -> None:
        if url is None and client is None and async_client is None:
            raise ValueError("RedisStore needs a url, a client or an async_client")
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.prefix = prefix
        self.ttl = ttl
        self.namespace = namespace
        self._url = url
        self._timeout = timeout
        self._client: Any = client
        self._async_client: Any = async_client
        self._async_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        # Never the URL: it may hold a password.
        return f"RedisStore(prefix={self.prefix!r}, namespace={self.namespace!r})"

    def _sync(self) -> Any:
        if self._client is None:
            if self._url is None:
                raise RuntimeError(
                    "this RedisStore was given an async_client only: use it from an async client"
                )
            self._client = redis.Redis.from_url(  # pyright: ignore[reportUnknownMemberType]
                self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
            )
        return self._client

    def _async(self) -> Any:
        # redis.asyncio connections belong to the event loop that opened them: one client per loop.
        loop = asyncio.get_running_loop()
        if self._url is not None and (self._async_client is None or self._async_loop is not loop):
            self._async_client = aioredis.Redis.from_url(  # pyright: ignore[reportUnknownMemberType]
                self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
            )
            self._async_loop = loop
        if self._async_client is None:
            raise RuntimeError("this RedisStore was given a sync client only: use it from a sync client")
        return self._async_client

    def _px(self, ttl: float | None) -> int:
        return max(1, round((self.ttl if ttl is None else ttl) * 1000))

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        return list(self._sync().mget([self.prefix + key for key in keys]))

    def set_many(self, entries: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        if not entries:
            return
        pipe = self._sync().pipeline(transaction=False)
        px = self._px(ttl)
        for key, value in entries.items():
            pipe.set(self.prefix + key, value, px=px)
        pipe.execute()

    async def aget_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        return list(await self._async().mget([self.prefix + key for key in keys]))

    async def aset_many(self, entries: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        if not entries:
            return
        pipe = self._async().pipeline(transaction=False)
        px = self._px(ttl)
        for key, value in entries.items():
            pipe.set(self.prefix + key, value, px=px)
        await pipe.execute()

    def close(self) -> None:
        """Close the sync client's connections (a client given as ``client=`` is yours to close)."""
        if self._client is not None and self._url is not None:
            self._client.close()

    async def aclose(self) -> None:
        """Close the async client's connections."""
        if self._async_client is not None and self._url is not None:
            await self._async_client.aclose()
