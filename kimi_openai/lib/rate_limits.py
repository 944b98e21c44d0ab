"""Read the ``X-RateLimit-*`` headers off what a call returned, and pace bulk async calls by them.

Moonshot's help centre says responses carry ``X-RateLimit-Limit``, ``-Remaining`` and
``-Reset`` (https://www.kimi.com/help/kimi-api/api-rate-limits). A parsed completion
keeps no headers, so :func:`rate_limit_of` reads them from whatever still has them:
a raw response (``with_raw_response``), a stream (its ``response``), an error
(``KimiAPIError.rate_limit``), or a completion the client tagged on the way in.

:class:`AsyncRateLimiter` (and :class:`RateLimiter`, its sync twin) keeps bulk traffic under the
account's limits (requests and tokens per minute, concurrency) before the server has to say 429;
:func:`limited_create` runs one call inside one of its slots and feeds the headers back to it, so a
low tier (Tier0: 3 RPM, https://platform.moonshot.ai/docs/pricing/limits) is paced by the client
instead of answered with 429s. Where the windows are counted is a :class:`RateLimitBackend`: this
process (:class:`InProcessWindows`, the default) or a store every process of a fleet shares
(:class:`~kimi_openai.lib.fleet_limits.SharedRateLimits`, over the ``limits`` library).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

import anyio
from openai._legacy_response import LegacyAPIResponse

from kimi_openai._errors import KimiAPIError, KimiConfigurationError, KimiValidationError
from kimi_openai._pipeline import RATE_LIMIT_ATTRIBUTE
from kimi_openai._ratelimit_headers import RateLimitInfo, parse_rate_limit_headers
from kimi_openai.types.chat import KimiChatCompletion

if TYPE_CHECKING:
    from kimi_openai._client import AsyncKimiOpenAI

__all__ = [
    "AsyncRateLimiter",
    "InProcessWindows",
    "RateLimitBackend",
    "RateLimiter",
    "limited_create",
    "rate_limit_of",
]

_WINDOW_SECONDS = 60.0
MAX_HEADER_PAUSE = 60.0
"""The longest pause one exhausted ``X-RateLimit-Remaining`` causes: Moonshot's limits are per
minute (https://platform.moonshot.ai/docs/pricing/limits), so no window stays full for longer."""


def rate_limit_of(obj: object) -> RateLimitInfo | None:
    """The ``X-RateLimit-*`` headers behind ``obj``; ``None`` when it has none. Never raises.

    ``obj`` may be a ``RateLimitInfo``, an ``httpx.Response``, a raw response from
    ``with_raw_response`` / ``with_streaming_response``, a stream, a ``KimiAPIError``
    (or any error with a ``response``), or a completion tagged by the client.
    """
    if obj is None or isinstance(obj, RateLimitInfo):
        return obj
    if isinstance(obj, KimiAPIError):
        return obj.rate_limit
    tagged = getattr(obj, RATE_LIMIT_ATTRIBUTE, None)
    if isinstance(tagged, RateLimitInfo):
        return tagged
    headers = getattr(obj, "headers", None)
    if not isinstance(headers, Mapping):
        headers = getattr(getattr(obj, "response", None), "headers", None)
    if isinstance(headers, Mapping):
        return parse_rate_limit_headers(cast("Mapping[str, str]", headers))
    return None


async def limited_create(
    client: AsyncKimiOpenAI, limiter: AsyncRateLimiter, *, tokens: float = 0, **create_kwargs: Any
) -> KimiChatCompletion:
    """``client.chat.completions.create(**create_kwargs)`` inside a limiter slot (not streamed).

    ``tokens`` is what the call claims from ``tokens_per_minute`` (an estimate: prompt
    plus ``max_tokens``). The response's headers, or the error's, go to
    ``limiter.observe`` so an exhausted window pauses the calls that follow.
    """
    if create_kwargs.get("stream"):
        raise ValueError("limited_create does not stream: hold limiter.acquire() around the stream instead.")
    async with limiter.acquire(tokens=tokens):
        try:
            raw = cast(
                "LegacyAPIResponse[KimiChatCompletion]",
                await client.chat.completions.with_raw_response.create(**create_kwargs),
            )
        except KimiAPIError as error:
            limiter.observe(error.rate_limit)
            raise
        info = rate_limit_of(raw)
        limiter.observe(info)
        completion = raw.parse()
        object.__setattr__(completion, RATE_LIMIT_ATTRIBUTE, info)
        return completion


def _check_limit(name: str, value: float | None) -> None:
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise KimiConfigurationError(f"{name} must be a positive number or None, got {value!r}.")


@runtime_checkable
class RateLimitBackend(Protocol):
    """Where the request and token windows are counted.

    ``try_acquire(requests, tokens)`` claims ``requests`` requests and ``tokens`` tokens at
    once: ``0.0`` when they were granted (and are now counted), else the seconds to wait
    before asking again (nothing counted). ``async_try_acquire`` is the same for the async
    limiter.
    """

    @property
    def requests_per_minute(self) -> float | None:
        """Requests per window, or ``None`` for no limit."""
        ...

    @property
    def tokens_per_minute(self) -> float | None:
        """Tokens per window, or ``None`` for no limit."""
        ...

    def try_acquire(self, requests: int, tokens: float) -> float: ...

    async def async_try_acquire(self, requests: int, tokens: float) -> float: ...


def _check_fits(backend: RateLimitBackend, requests: int, tokens: float) -> None:
    if requests < 0 or tokens < 0:
        raise KimiValidationError(f"requests={requests} and tokens={tokens} must not be negative.")
    for asked, limit, name in (
        (requests, backend.requests_per_minute, "requests_per_minute"),
        (tokens, backend.tokens_per_minute, "tokens_per_minute"),
    ):
        if limit is not None and asked > limit:
            raise KimiValidationError(
                f"{asked} can never fit {name}={limit}; split the request or raise the limit."
            )


class InProcessWindows:
    """The default backend: sliding 60-second windows kept in this process (thread-safe).

    In any 60 s span (``window_seconds``) at most ``requests_per_minute`` requests start and at
    most ``tokens_per_minute`` tokens are claimed. Every process keeps its own windows, so N
    processes together may send N times the limit: a fleet shares one
    :class:`~kimi_openai.lib.fleet_limits.SharedRateLimits` instead.
    """

    def __init__(
        self,
        *,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        window_seconds: float = _WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_limit("requests_per_minute", requests_per_minute)
        _check_limit("tokens_per_minute", tokens_per_minute)
        _check_limit("window_seconds", window_seconds)
        self.window_seconds = window_seconds
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self._clock = clock
        self._starts: deque[float] = deque()
        self._tokens: deque[tuple[float, float]] = deque()
        self._lock = threading.Lock()

    def try_acquire(self, requests: int, tokens: float) -> float:
        with self._lock:
            now = self._clock()
            delay = self._delay(now, requests, tokens)
            if delay <= 0:
                self._starts.extend([now] * requests)
                if tokens:
                    self._tokens.append((now, tokens))
            return max(delay, 0.0)

    async def async_try_acquire(self, requests: int, tokens: float) -> float:
        return self.try_acquire(requests, tokens)

    def _delay(self, now: float, requests: int, tokens: float) -> float:
        window = self.window_seconds
        horizon = now - window
        while self._starts and self._starts[0] <= horizon:
            self._starts.popleft()
        while self._tokens and self._tokens[0][0] <= horizon:
            self._tokens.popleft()
        delay = 0.0
        rpm = self.requests_per_minute
        if rpm is not None and requests and len(self._starts) + requests > rpm:
            # The oldest starts must leave the window before these may begin.
            index = int(len(self._starts) + requests - rpm) - 1
            delay = self._starts[index] + window - now
        tpm = self.tokens_per_minute
        if tpm is not None and tokens:
            used = sum(t for _, t in self._tokens)
            for stamp, claimed in self._tokens:
                if used + tokens <= tpm:
                    break
                used -= claimed
                delay = max(delay, stamp + window - now)
        return delay


class _HeaderPause:
    """Pauses new requests when a response says nothing is left, without trusting a stuck header.

    A pause lasts until the server's reset, at most ``max_pause``. When the first answer after
    a pause still says ``Remaining: 0`` (a proxy or gateway that never resets it), the header
    is not believed again until it reports something left: the windows and the SDK's
    ``Retry-After`` retries pace the client instead of a pause that never ends.
    """

    def __init__(self, clock: Callable[[], float], max_pause: float) -> None:
        self._clock = clock
        self.max_pause = max_pause
        self.until = -math.inf
        self._paused = False
        self.ignored = False
        """True while exhausted headers are not believed (one stayed at zero through a pause)."""

    def observe(self, info: RateLimitInfo | None) -> None:
        if info is None:
            return
        if not info.exhausted:
            self._paused = self.ignored = False
            return
        now = self._clock()
        if self._paused and now >= self.until:
            self.ignored = True
        if self.ignored:
            return
        resets = (info.reset_seconds, info.reset_requests_seconds, info.reset_tokens_seconds)
        known = [r for r in resets if r is not None]
        if known:
            self.until = max(self.until, now + min(max(known), self.max_pause))
            self._paused = True

    def remaining(self) -> float:
        return self.until - self._clock()


def _backend_of(
    backend: RateLimitBackend | None,
    requests_per_minute: float | None,
    tokens_per_minute: float | None,
    clock: Callable[[], float],
) -> RateLimitBackend:
    if backend is None:
        return InProcessWindows(
            requests_per_minute=requests_per_minute, tokens_per_minute=tokens_per_minute, clock=clock
        )
    if requests_per_minute is not None or tokens_per_minute is not None:
        raise KimiConfigurationError(
            "pass the limits to the backend, or requests_per_minute/tokens_per_minute without one, not both."
        )
    return backend


class AsyncRateLimiter:
    """Keep bulk async traffic under the account's limits before the server has to say 429.

    Requests per minute and tokens per minute are sliding 60-second windows, counted by
    ``backend``: this process's :class:`InProcessWindows` by default (built from
    ``requests_per_minute`` and ``tokens_per_minute``), or a
    :class:`~kimi_openai.lib.fleet_limits.SharedRateLimits` every process of a fleet shares.
    ``max_concurrency`` caps the requests in flight from this limiter. Set the limits from your
    tier's numbers (https://platform.moonshot.ai/docs/pricing/limits); ``None`` means no limit.

    ``clock`` and ``sleep`` are injectable so tests run on a fake timeline::

        limiter = AsyncRateLimiter(requests_per_minute=200, max_concurrency=50)
        async with limiter.acquire(tokens=estimated_tokens):
            await client.chat.completions.create(...)
    """

    def __init__(
        self,
        *,
        requests_per_minute: int | None = None,
        tokens_per_minute: float | None = None,
        max_concurrency: int | None = None,
        backend: RateLimitBackend | None = None,
        max_header_pause: float = MAX_HEADER_PAUSE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        _check_limit("max_concurrency", max_concurrency)
        self.backend = _backend_of(backend, requests_per_minute, tokens_per_minute, clock)
        self.requests_per_minute = self.backend.requests_per_minute
        self.tokens_per_minute = self.backend.tokens_per_minute
        self.max_concurrency = max_concurrency
        self._sleep = sleep
        self._pause = _HeaderPause(clock, max_header_pause)
        self._lock = anyio.Lock()
        self._slots = anyio.Semaphore(max_concurrency) if max_concurrency is not None else None

    @asynccontextmanager
    async def acquire(self, tokens: float = 0, *, requests: int = 1) -> AsyncGenerator[None]:
        """Wait for a concurrency slot and for room in both windows, then hold the slot."""
        _check_fits(self.backend, requests, tokens)
        if self._slots is None:
            await self._wait_for_window(requests, tokens)
            yield
            return
        async with self._slots:
            await self._wait_for_window(requests, tokens)
            yield

    def observe(self, info: RateLimitInfo | None) -> None:
        """Pause new requests until the server's reset when it says nothing is left (see ``_HeaderPause``)."""
        self._pause.observe(info)

    async def _wait_for_window(self, requests: int, tokens: float) -> None:
        # One waiter at a time: requests are admitted in arrival order.
        async with self._lock:
            while (paused := self._pause.remaining()) > 0:
                await self._sleep(paused)
            while (delay := await self.backend.async_try_acquire(requests, tokens)) > 0:
                await self._sleep(delay)


class RateLimiter:
    """The sync :class:`AsyncRateLimiter`, for threads and worker processes on ``KimiOpenAI``::

    limiter = RateLimiter(backend=SharedRateLimits("redis://cache:6379/0", requests_per_minute=200))
    with limiter.acquire(tokens=estimated_tokens):
        client.chat.completions.create(...)
    """

    def __init__(
        self,
        *,
        requests_per_minute: int | None = None,
        tokens_per_minute: float | None = None,
        max_concurrency: int | None = None,
        backend: RateLimitBackend | None = None,
        max_header_pause: float = MAX_HEADER_PAUSE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        _check_limit("max_concurrency", max_concurrency)
        self.backend = _backend_of(backend, requests_per_minute, tokens_per_minute, clock)
        self.requests_per_minute = self.backend.requests_per_minute
        self.tokens_per_minute = self.backend.tokens_per_minute
        self.max_concurrency = max_concurrency
        self._sleep = sleep
        self._pause = _HeaderPause(clock, max_header_pause)
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_concurrency) if max_concurrency is not None else None

    @contextmanager
    def acquire(self, tokens: float = 0, *, requests: int = 1) -> Generator[None]:
        """Wait for a concurrency slot and for room in both windows, then hold the slot."""
        _check_fits(self.backend, requests, tokens)
        if self._slots is None:
            self._wait_for_window(requests, tokens)
            yield
            return
        with self._slots:
            self._wait_for_window(requests, tokens)
            yield

    def observe(self, info: RateLimitInfo | None) -> None:
        """Pause new requests until the server's reset when it says nothing is left."""
        self._pause.observe(info)

    def _wait_for_window(self, requests: int, tokens: float) -> None:
        with self._lock:
            while (paused := self._pause.remaining()) > 0:
                self._sleep(paused)
            while (delay := self.backend.try_acquire(requests, tokens)) > 0:
                self._sleep(delay)
