"""Rate-limit headers: ``X-RateLimit-*`` and ``Retry-After``, read leniently.

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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

__all__ = [
    "RateLimitInfo",
    "parse_duration",
    "parse_rate_limit_headers",
    "parse_retry_after",
]

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_EPOCH_THRESHOLD = 1_000_000_000.0
"""A reset value this large is a Unix timestamp, not a number of seconds."""


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


def _none_in_raw(headers: object) -> bool:
    """httpx's headers, read as received (bytes), have no ``X-RateLimit-*`` one.

    Most answers carry none of these, and finding that out does not need every header
    decoded (this runs on every answer). ``False`` for any other mapping: it is read in full.
    """
    raw: object = getattr(headers, "raw", None)
    if not isinstance(raw, list):
        return False
    try:
        return not any(
            name[:12].lower() == b"x-ratelimit-" for name, _ in cast("list[tuple[bytes, bytes]]", raw)
        )
    except (TypeError, ValueError, AttributeError):  # not pairs of bytes: read in full
        return False


def parse_rate_limit_headers(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> RateLimitInfo | None:
    """Read the ``X-RateLimit-*`` headers; ``None`` when none of them is present. Never raises."""
    if _none_in_raw(headers):
        return None
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
