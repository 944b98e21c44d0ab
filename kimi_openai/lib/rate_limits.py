"""Read the ``X-RateLimit-*`` headers off what a call returned, and pace bulk async calls by them.

Moonshot's help centre says responses carry ``X-RateLimit-Limit``, ``-Remaining`` and
``-Reset`` (https://www.kimi.com/help/kimi-api/api-rate-limits). A parsed completion
keeps no headers, so :func:`rate_limit_of` reads them from whatever still has them:
a raw response (``with_raw_response``), a stream (its ``response``), an error
(``KimiAPIError.rate_limit``), or a completion the client tagged on the way in.

:class:`AsyncRateLimiter` keeps bulk async traffic under the account's limits (requests and
tokens per minute, concurrency) before the server has to say 429; :func:`limited_create` runs
one call inside one of its slots and feeds the headers back to it, so a low tier (Tier0: 3 RPM,
https://platform.moonshot.ai/docs/pricing/limits) is paced by the client instead of
answered with 429s.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

import anyio
from openai._legacy_response import LegacyAPIResponse

from kimi_openai._errors import KimiAPIError, KimiConfigurationError, KimiValidationError
from kimi_openai._pipeline import RATE_LIMIT_ATTRIBUTE
from kimi_openai._ratelimit_headers import RateLimitInfo, parse_rate_limit_headers
from kimi_openai.types.chat import KimiChatCompletion

if TYPE_CHECKING:
    from kimi_openai._client import AsyncKimiOpenAI

__all__ = ["AsyncRateLimiter", "limited_create", "rate_limit_of"]

_WINDOW_SECONDS = 60.0


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


class AsyncRateLimiter:
    """Keep bulk async traffic under the account's limits before the server has to say 429.

    Requests per minute and tokens per minute are sliding 60-second windows: in any
    60 s span, at most ``requests_per_minute`` requests start and at most
    ``tokens_per_minute`` tokens are claimed. ``max_concurrency`` caps the number
    of requests in flight. Set them from your tier's numbers
    (https://platform.moonshot.ai/docs/pricing/limits); ``None`` means no limit.

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
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        _check_limit("requests_per_minute", requests_per_minute)
        _check_limit("tokens_per_minute", tokens_per_minute)
        _check_limit("max_concurrency", max_concurrency)
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.max_concurrency = max_concurrency
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._tokens: deque[tuple[float, float]] = deque()
        self._paused_until = -math.inf
        self._lock = anyio.Lock()
        self._slots = anyio.Semaphore(max_concurrency) if max_concurrency is not None else None

    @asynccontextmanager
    async def acquire(self, tokens: float = 0) -> AsyncGenerator[None]:
        """Wait for a concurrency slot and for room in both windows, then hold the slot."""
        if self.tokens_per_minute is not None and tokens > self.tokens_per_minute:
            raise KimiValidationError(
                f"tokens={tokens} can never fit tokens_per_minute={self.tokens_per_minute}; "
                "split the request or raise the limit."
            )
        if self._slots is None:
            await self._wait_for_window(tokens)
            yield
            return
        async with self._slots:
            await self._wait_for_window(tokens)
            yield

    def observe(self, info: RateLimitInfo | None) -> None:
        """Pause new requests until the server's reset time when it says nothing is left."""
        if info is None or not info.exhausted:
            return
        resets = (info.reset_seconds, info.reset_requests_seconds, info.reset_tokens_seconds)
        known = [r for r in resets if r is not None]
        if known:
            self._paused_until = max(self._paused_until, self._clock() + max(known))

    async def _wait_for_window(self, tokens: float) -> None:
        # One waiter at a time: requests are admitted in arrival order and the
        # windows are updated atomically with the admission decision.
        async with self._lock:
            while (delay := self._delay(tokens)) > 0:
                await self._sleep(delay)
            now = self._clock()
            self._starts.append(now)
            if tokens:
                self._tokens.append((now, tokens))

    def _delay(self, tokens: float) -> float:
        now = self._clock()
        horizon = now - _WINDOW_SECONDS
        while self._starts and self._starts[0] <= horizon:
            self._starts.popleft()
        while self._tokens and self._tokens[0][0] <= horizon:
            self._tokens.popleft()
        delay = self._paused_until - now
        rpm = self.requests_per_minute
        if rpm is not None and len(self._starts) >= rpm:
            # The oldest start must leave the window before another may begin.
            index = len(self._starts) - rpm
            delay = max(delay, self._starts[index] + _WINDOW_SECONDS - now)
        tpm = self.tokens_per_minute
        if tpm is not None and tokens:
            used = sum(t for _, t in self._tokens)
            for stamp, claimed in self._tokens:
                if used + tokens <= tpm:
                    break
                used -= claimed
                delay = max(delay, stamp + _WINDOW_SECONDS - now)
        return delay
