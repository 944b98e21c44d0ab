"""The enforcing rate limit: per-key sliding windows of requests (RPM) and tokens (TPM).

Moonshot limits each account by concurrency, RPM, TPM and TPD, by recharge tier (moonshot-api.md
§7; platform.moonshot.ai/docs/pricing/limits), and answers a request over the limit with 429
``rate_limit_reached_error``, worded as in the live answer quoted in LLM-Red-Team/kimi-cc #41. The
answer carries ``Retry-After`` (Managed Agents OpenAPI, 2026-09-04; moonshot-api-2026-12.md §3), and
responses carry ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset``
(https://www.kimi.com/help/kimi-api/api-rate-limits).

The windows live in the emulator and are keyed by API key, so every client that sends one key to one
emulator (threads, or processes through its loopback server) draws from the same window, as the
workers of a fleet draw from one Moonshot account.

⚠ Not documented, decided here:

- the window slides (a request counts for ``window_seconds`` after it was admitted) rather than
  resetting on the minute;
- only the model endpoints (chat completions and responses) count; a request over the limit is not;
- a request's tokens are its prompt as the emulator's estimate counts it (what
  ``POST /v1/tokenizers/estimate-token-count`` answers for chat), counted when it is admitted;
  whether Moonshot also counts output tokens is not known;
- the headers are integers: ``Limit`` and ``Remaining`` count requests when an RPM limit is set
  (tokens otherwise), and ``Reset`` and ``Retry-After`` are whole seconds, rounded up, until the
  oldest entry leaves the window (``Remaining`` goes up then).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ._responses_input import convert_input
from ._tokens import prompt_tokens
from ._wire import EmulatorError, as_list, as_object, load_json

LIMITED_PATHS = frozenset({"/v1/chat/completions", "/v1/responses"})
WINDOW_SECONDS = 60.0
LIMITS_PAGE = {"cn": "https://platform.moonshot.cn/docs/pricing/limits"}
DEFAULT_LIMITS_PAGE = "https://platform.moonshot.ai/docs/pricing/limits"


@dataclass(frozen=True)
class RateLimits:
    """An enforcing limit per API key: at most ``rpm`` requests and ``tpm`` tokens per window."""

    rpm: int | None = None
    tpm: int | None = None
    window_seconds: float = WINDOW_SECONDS
    """60 for per-minute limits; shorter to make a test's window pass quickly."""

    def __post_init__(self) -> None:
        for name, value in (("rpm", self.rpm), ("tpm", self.tpm)):
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if not self.window_seconds > 0:
            raise ValueError(f"rate_window must be more than 0 seconds, got {self.window_seconds}")


@dataclass
class _Window:
    """One key's admitted requests, oldest first: (admission time, tokens)."""

    entries: deque[tuple[float, int]]
    tokens: int = 0


class RateWindows:
    """Admits or refuses requests against the limits, one window per key; thread-safe."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float], region: str) -> None:
        self.limits = limits
        self._clock = clock
        self._page = LIMITS_PAGE.get(region, DEFAULT_LIMITS_PAGE)
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, tokens: int) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers of an admitted request; a 429 ``EmulatorError`` otherwise."""
        # Keyed by digest: the emulator has no reason to hold the keys themselves.
        with self._lock:
            now = self._clock()
            window = self._windows.setdefault(hashlib.sha256(key.encode()).hexdigest(), _Window(deque()))
            self._expire(window, now)
            self._check(window, tokens, now)
            window.entries.append((now, tokens))
            window.tokens += tokens
            return self._headers(window, now)

    def _expire(self, window: _Window, now: float) -> None:
        horizon = now - self.limits.window_seconds
        while window.entries and window.entries[0][0] <= horizon:
            window.tokens -= window.entries.popleft()[1]

    def _check(self, window: _Window, tokens: int, now: float) -> None:
        rpm, tpm = self.limits.rpm, self.limits.tpm
        if rpm is not None and len(window.entries) + 1 > rpm:
            wait = window.entries[0][0] + self.limits.window_seconds - now
            raise self._refusal("RPM", len(window.entries) + 1, rpm, wait, self._headers(window, now))
        if tpm is not None and window.tokens + tokens > tpm:
            wait = self._token_wait(window, tokens, now) if tokens <= tpm else None
            raise self._refusal("TPM", window.tokens + tokens, tpm, wait, self._headers(window, now))

    def _token_wait(self, window: _Window, tokens: int, now: float) -> float:
        """Seconds until enough of the window's tokens have left for ``tokens`` to fit."""
        assert self.limits.tpm is not None
        left = window.tokens
        for admitted, cost in window.entries:
            left -= cost
            if left + tokens <= self.limits.tpm:
                return admitted + self.limits.window_seconds - now
        return self.limits.window_seconds  # unreachable: an empty window fits any tokens <= tpm

    def _headers(self, window: _Window, now: float) -> dict[str, str]:
        rpm = self.limits.rpm
        limit = rpm if rpm is not None else self.limits.tpm or 0
        used = len(window.entries) if rpm is not None else window.tokens
        oldest = window.entries[0][0] if window.entries else now
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - used, 0)),
            "X-RateLimit-Reset": str(_seconds(oldest + self.limits.window_seconds - now)),
        }

    def _refusal(
        self, kind: str, current: int, limit: int, wait: float | None, headers: dict[str, str]
    ) -> EmulatorError:
        # Worded after the live answer (LLM-Red-Team/kimi-cc #41); the account names are the emulator's.
        message = (
            f"Your account org-emulator / proj-emulator <ak-emulator> request reached project {kind} rate limit, "
            f"current: {current}, limit: {limit}, see {self._page}"
        )
        if wait is not None:
            headers = {**headers, "Retry-After": str(max(_seconds(wait), 1))}
        # A request larger than the whole TPM limit never fits: no Retry-After would be true.
        return EmulatorError(429, "rate_limit_reached_error", message, headers)


def _seconds(value: float) -> int:
    return max(math.ceil(value - 1e-9), 0)


def request_tokens(path: str, body: bytes) -> int:
    """A model request's prompt tokens as the emulator counts them; 0 for a body it cannot read."""
    try:
        parsed = as_object(load_json(body)) or {}
        if path == "/v1/responses":
            converted = convert_input(parsed)
            return prompt_tokens(converted.messages, converted.tools.declarations)
        messages = [m for item in as_list(parsed.get("messages")) or [] if (m := as_object(item)) is not None]
        return prompt_tokens(messages, as_list(parsed.get("tools")))
    except (EmulatorError, ValueError, TypeError, RecursionError):
        # The endpoint answers the bad body itself; its cost to the window is the request alone.
        return 0
