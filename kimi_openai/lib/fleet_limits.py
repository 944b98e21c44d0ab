"""One rate limit across a fleet: the limiter's windows kept in a store every process shares.

:class:`SharedRateLimits` is a :class:`~kimi_openai.lib.rate_limits.RateLimitBackend` over the
``limits`` library (https://limits.readthedocs.io), whose moving windows live in Redis (or
Valkey), Memcached or MongoDB, named by a storage URI (``redis://host:6379/0``,
``memcached://host:11211``, ``mongodb://host:27017``; ``memory://`` for one process). Install
it with the ``fleet`` extra: ``pip install "kimi-openai[fleet]"`` (``limits`` with redis-py).

Counting at grant time, refused at arrival time: the limiter counts a request when it grants
it; Moonshot counts it when it arrives, later by the time to connect and send. A request
granted at ``t`` that arrives at ``t + d`` stays in the server's window until ``t + d + 60``,
so a slot granted again at ``t + 60`` can arrive while the server still counts the first one,
and be refused. Each grant is therefore held for ``window_seconds + margin_seconds``: the
margin covers a send delay up to its length, at the cost of that fraction of throughput
(1 s on a 60 s window: under 2 %). The SDK's ``Retry-After`` retries stay the backstop.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kimi_openai._errors import KimiConfigurationError

if TYPE_CHECKING:
    from limits import RateLimitItem

__all__ = ["SharedRateLimits"]

_MIN_WAIT = 0.05
"""The shortest wait before asking the store again, so a busy fleet does not spin on it."""


def _limits_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise KimiConfigurationError(
            'SharedRateLimits needs the limits library: pip install "kimi-openai[fleet]"'
        ) from error


def _async_uri(uri: str) -> str:
    return uri if uri.startswith("async+") else f"async+{uri}"


class SharedRateLimits:
    """Requests and tokens per minute counted in a shared store, for every process that names it.

    Every limiter built on a ``SharedRateLimits`` with the same ``storage_uri`` and ``key``
    draws from one pair of windows: set them to the account's limits once, for the whole fleet.
    ``key`` names the account (one per Moonshot key); the store's entries are prefixed
    ``kimi-openai/<key>/``. ``margin_seconds`` lengthens each window (see the module docstring).
    ``storage_options`` go to ``limits``' storage (for Redis, ``socket_timeout`` and the like).
    """

    def __init__(
        self,
        storage_uri: str,
        *,
        key: str = "default",
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
        window_seconds: int = 60,
        margin_seconds: int = 1,
        storage_options: Mapping[str, float | str | bool] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        for name, value in (
            ("requests_per_minute", requests_per_minute),
            ("tokens_per_minute", tokens_per_minute),
        ):
            if value is not None and value < 1:
                raise KimiConfigurationError(f"{name} must be at least 1 or None, got {value!r}.")
        if window_seconds < 1 or margin_seconds < 0:
            raise KimiConfigurationError(
                f"window_seconds must be at least 1 and margin_seconds at least 0, got {window_seconds} and {margin_seconds}."
            )
        limits = _limits_module("limits")
        self.storage_uri = storage_uri
        self.key = key
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.window_seconds = window_seconds
        self.margin_seconds = margin_seconds
        self._options = dict(storage_options or {})
        self._clock = clock
        held = window_seconds + margin_seconds
        self._requests: RateLimitItem | None = (
            None if requests_per_minute is None else limits.RateLimitItemPerSecond(requests_per_minute, held)
        )
        self._tokens: RateLimitItem | None = (
            None if tokens_per_minute is None else limits.RateLimitItemPerSecond(tokens_per_minute, held)
        )
        self._sync: Any = None
        self._async: Any = None
        self._pool: Any = None

    def __repr__(self) -> str:
        # The URI may hold a password (redis://:secret@host): only its scheme is shown.
        scheme = self.storage_uri.split("://", 1)[0]
        return (
            f"SharedRateLimits({scheme}://..., key={self.key!r}, requests_per_minute={self.requests_per_minute}, "
            f"tokens_per_minute={self.tokens_per_minute}, margin_seconds={self.margin_seconds})"
        )

    def _claims(self, requests: int, tokens: float) -> list[tuple[RateLimitItem, str, int]]:
        claims: list[tuple[RateLimitItem, str, int]] = []
        if self._requests is not None and requests:
            claims.append((self._requests, "requests", requests))
        if self._tokens is not None and tokens:
            claims.append((self._tokens, "tokens", math.ceil(tokens)))
        return claims

    def _strategy(self) -> Any:
        if self._sync is None:
            storage = _limits_module("limits.storage").storage_from_string(self.storage_uri, **self._options)
            self._sync = _limits_module("limits.strategies").MovingWindowRateLimiter(storage)
        return self._sync

    def _async_strategy(self) -> Any:
        if self._async is None:
            options: dict[str, Any] = dict(self._options)
            if self.storage_uri.startswith(("redis", "async+redis")):
                # redis-py's asyncio client, the one the sync side uses, rather than coredis.
                options.setdefault("implementation", "redispy")
            if self.storage_uri.startswith(("redis://", "rediss://")) and "connection_pool" not in options:
                # A pool of our own, so aclose() can release its sockets: limits has no close.
                self._pool = _limits_module("redis.asyncio").ConnectionPool.from_url(self.storage_uri)
                options["connection_pool"] = self._pool
            storage = _limits_module("limits.storage").storage_from_string(
                _async_uri(self.storage_uri), **options
            )
            self._async = _limits_module("limits.aio.strategies").MovingWindowRateLimiter(storage)
        return self._async

    async def aclose(self) -> None:
        """Release the asyncio connections to the store (before the event loop ends)."""
        pool, self._pool, self._async = self._pool, None, None
        if pool is not None:
            await pool.disconnect()

    def _ids(self, name: str) -> tuple[str, str, str]:
        return ("kimi-openai", self.key, name)

    def _wait(self, reset_time: float) -> float:
        return max(reset_time - self._clock(), _MIN_WAIT)

    def try_acquire(self, requests: int, tokens: float) -> float:
        """Claim the request and its tokens in the store: ``0.0`` when granted, else seconds to wait."""
        strategy = self._strategy()
        claims = self._claims(requests, tokens)
        # Test both before counting either, so a full token window does not spend request slots;
        # another process may still fill a window between the test and the hit: then the request
        # slot already counted stays spent, which errs on the side of fewer requests.
        for item, name, cost in claims:
            if not strategy.test(item, *self._ids(name), cost=cost):
                return self._wait(strategy.get_window_stats(item, *self._ids(name)).reset_time)
        for item, name, cost in claims:
            if not strategy.hit(item, *self._ids(name), cost=cost):
                return self._wait(strategy.get_window_stats(item, *self._ids(name)).reset_time)
        return 0.0

    async def async_try_acquire(self, requests: int, tokens: float) -> float:
        """:meth:`try_acquire` through ``limits``' asyncio storage."""
        strategy = self._async_strategy()
        claims = self._claims(requests, tokens)
        for item, name, cost in claims:
            if not await strategy.test(item, *self._ids(name), cost=cost):
                return self._wait((await strategy.get_window_stats(item, *self._ids(name))).reset_time)
        for item, name, cost in claims:
            if not await strategy.hit(item, *self._ids(name), cost=cost):
                return self._wait((await strategy.get_window_stats(item, *self._ids(name))).reset_time)
        return 0.0
