"""Rate-limit headers, and an optional client-side limiter for bulk async work.

Moonshot's help centre states that responses carry ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``
(https://www.kimi.com/help/kimi-api/api-rate-limits), but no recorded response
shows their format. So the parser here is deliberately lenient: it accepts
integers, floats, Go-style durations (``1s``, ``6m0s``, ``250ms``) and, for
``*-Reset``, a Unix timestamp. It also reads the OpenAI-style per-kind names
(``X-RateLimit-Remaining-Requests``, ``...-Tokens``) in case Moonshot sends
those. Parsing never raises: a value it cannot read becomes ``None``.

The limits themselves (concurrency, RPM, TPM, TPD) depend on the account tier:
https://platform.moonshot.ai/docs/pricing/limits
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio

from ._errors import KimiConfigurationError, KimiValidationError

__all__ = [
    "AsyncRateLimiter",
    "RateLimitInfo",
    "parse_duration",
    "parse_rate_limit_headers",
    "parse_retry_after",
]

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_EPOCH_THRESHOLD = 1_000_000_000.0
"""A reset value this large is a Unix timestamp, not a number of seconds."""

_WINDOW_SECONDS = 60.0


def parse_duration(value: str | None) -> float | None:
    """Seconds from ``"12"``, ``"1.5"``, ``"1s"``, ``"6m0s"``, ``"1h2m3.5s"`` or ``"250ms"``; else ``None``."""
    if value is None:
        return None
    text = value.strip().lower()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return number if math.isfinite(number) and number >= 0 else None
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def _header_map(headers: Mapping[str, str] | None) -> dict[str, str]:
    if headers is None:
        return {}
    try:
        return {str(k).lower(): str(v) for k, v in headers.items()}
    except Exception:  # a broken mapping must not turn an API error into a traceback
        return {}


def parse_retry_after(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After-Ms``, else ``Retry-After`` (seconds or an HTTP date). Never raises.

    ``None`` when absent or unreadable; a date in the past gives ``0.0``; an
    overflowing number gives ``inf`` (so any cap refuses it). Moonshot says it
    sends ``Retry-After`` when overloaded (https://platform.kimi.ai/docs/api/errors)
    but not in which form, so both forms of RFC 9110 are read.
    """
    h = _header_map(headers)
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = h.get(name)
        if value is None:
            continue
        try:
            number = float(value.strip())
        except ValueError:
            continue
        if math.isnan(number):
            continue
        return max(0.0, number / divisor)
    return _retry_after_date(h.get("retry-after"), now)


def _retry_after_date(value: str | None, now: float | None) -> float | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        stamp = email.utils.mktime_tz(parsed)
    except (TypeError, ValueError, OverflowError, OSError, IndexError):
        return None
    return max(0.0, float(stamp) - (time.time() if now is None else now))


def _count(value: str | None) -> float | None:
    try:
        number = float(value.strip()) if value is not None else math.nan
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _reset(value: str | None, now: float) -> float | None:
    seconds = parse_duration(value)
    if seconds is not None and seconds >= _EPOCH_THRESHOLD:
        return max(0.0, seconds - now)
    return seconds


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """What the ``X-RateLimit-*`` headers of one response said. Every field may be ``None``."""

    limit: float | None = None
    """``X-RateLimit-Limit``: the limit that applies (its unit is not documented)."""
    remaining: float | None = None
    """``X-RateLimit-Remaining``: what is left of it in the current window."""
    reset_seconds: float | None = None
    """``X-RateLimit-Reset``, as seconds from when the headers were parsed."""
    limit_requests: float | None = None
    """``X-RateLimit-Limit-Requests``, if sent."""
    limit_tokens: float | None = None
    """``X-RateLimit-Limit-Tokens``, if sent."""
    remaining_requests: float | None = None
    """``X-RateLimit-Remaining-Requests``, if sent."""
    remaining_tokens: float | None = None
    """``X-RateLimit-Remaining-Tokens``, if sent."""
    reset_requests_seconds: float | None = None
    """``X-RateLimit-Reset-Requests``, as seconds."""
    reset_tokens_seconds: float | None = None
    """``X-RateLimit-Reset-Tokens``, as seconds."""

    @property
    def exhausted(self) -> bool:
        """True when any ``remaining`` value is zero."""
        values = (self.remaining, self.remaining_requests, self.remaining_tokens)
        return any(v is not None and v <= 0 for v in values)


def parse_rate_limit_headers(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> RateLimitInfo | None:
    """Read the ``X-RateLimit-*`` headers; ``None`` when none of them is present. Never raises."""
    h = _header_map(headers)
    if not any(k.startswith("x-ratelimit-") for k in h):
        return None
    clock = time.time() if now is None else now
    return RateLimitInfo(
        limit=_count(h.get("x-ratelimit-limit")),
        remaining=_count(h.get("x-ratelimit-remaining")),
        reset_seconds=_reset(h.get("x-ratelimit-reset"), clock),
        limit_requests=_count(h.get("x-ratelimit-limit-requests")),
        limit_tokens=_count(h.get("x-ratelimit-limit-tokens")),
        remaining_requests=_count(h.get("x-ratelimit-remaining-requests")),
        remaining_tokens=_count(h.get("x-ratelimit-remaining-tokens")),
        reset_requests_seconds=_reset(h.get("x-ratelimit-reset-requests"), clock),
        reset_tokens_seconds=_reset(h.get("x-ratelimit-reset-tokens"), clock),
    )


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
