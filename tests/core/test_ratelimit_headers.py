"""X-RateLimit-* parsing (formats unconfirmed, so lenient) and the client-side limiter on a fake clock."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimi_openai._compat import httpx
from kimi_openai._errors import KimiConfigurationError, KimiValidationError
from kimi_openai._ratelimit_headers import (
    RateLimitInfo,
    parse_duration,
    parse_rate_limit_headers,
)
from kimi_openai.lib.rate_limits import AsyncRateLimiter


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("1h2m3.5s", 3723.5),
        ("250ms", 0.25),
        ("20ms", 0.02),
        ("1S", 1.0),
        ("", None),
        ("soon", None),
        ("1x", None),
        ("s", None),
        ("-3", None),
        ("inf", None),
        ("nan", None),
        (None, None),
    ],
)
def test_parse_duration(value: str | None, expected: float | None) -> None:
    assert parse_duration(value) == expected


def test_headers_with_moonshot_names() -> None:
    info = parse_rate_limit_headers(
        {"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "199.0", "X-RateLimit-Reset": "1s"}
    )
    assert info == RateLimitInfo(limit=200, remaining=199, reset_seconds=1.0)
    assert info is not None
    assert not info.exhausted


def test_headers_with_openai_style_names() -> None:
    info = parse_rate_limit_headers(
        {
            "x-ratelimit-limit-requests": "500",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "6m0s",
            "x-ratelimit-limit-tokens": "3000000",
            "x-ratelimit-remaining-tokens": "2999000",
            "x-ratelimit-reset-tokens": "20ms",
        }
    )
    assert info is not None
    assert info.limit is None
    assert info.remaining_requests == 0
    assert info.reset_requests_seconds == 360
    assert info.limit_tokens == 3_000_000
    assert info.reset_tokens_seconds == 0.02
    assert info.exhausted


def test_reset_as_a_unix_timestamp_becomes_seconds_from_now() -> None:
    info = parse_rate_limit_headers({"x-ratelimit-reset": "1800000030"}, now=1_800_000_000.0)
    assert info is not None
    assert info.reset_seconds == 30.0


def test_garbage_values_become_none_and_absent_headers_give_none() -> None:
    info = parse_rate_limit_headers({"x-ratelimit-limit": "lots", "x-ratelimit-remaining": "-1"})
    assert info == RateLimitInfo()
    assert parse_rate_limit_headers({"content-type": "application/json"}) is None
    assert parse_rate_limit_headers(None) is None


@given(st.dictionaries(st.text(max_size=30), st.text(max_size=30), max_size=6))
def test_fuzz_parsing_never_raises(headers: dict[str, str]) -> None:
    prefixed = {f"x-ratelimit-{k}": v for k, v in headers.items()}
    info = parse_rate_limit_headers(prefixed)
    assert info is None or isinstance(info, RateLimitInfo)


class FakeClock:
    """Time that only moves when someone sleeps: the limiter runs instantly and deterministically."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await anyio.lowlevel.checkpoint()


def _max_in_any_window(stamps: list[float], window: float = 60.0) -> int:
    return max(sum(1 for t in stamps if start <= t < start + window) for start in stamps)


@pytest.mark.anyio
async def test_limiter_holds_the_stated_requests_per_minute() -> None:
    clock = FakeClock()
    limiter = AsyncRateLimiter(requests_per_minute=5, clock=clock, sleep=clock.sleep)
    starts: list[float] = []
    for _ in range(20):
        async with limiter.acquire():
            starts.append(clock())
    assert _max_in_any_window(starts) == 5  # never more than 5 in any 60 s
    assert starts[-1] == 180.0  # and no slower: 20 requests at 5/min start within 3 minutes
    assert starts[:5] == [0.0] * 5


@pytest.mark.anyio
async def test_limiter_holds_the_rate_for_concurrent_tasks() -> None:
    clock = FakeClock()
    limiter = AsyncRateLimiter(requests_per_minute=3, max_concurrency=2, clock=clock, sleep=clock.sleep)
    starts: list[float] = []

    async def one() -> None:
        async with limiter.acquire():
            starts.append(clock())
            await anyio.lowlevel.checkpoint()

    async with anyio.create_task_group() as tg:
        for _ in range(9):
            tg.start_soon(one)
    assert len(starts) == 9
    assert _max_in_any_window(sorted(starts)) == 3
    assert max(starts) == 120.0


@pytest.mark.anyio
async def test_limiter_holds_tokens_per_minute() -> None:
    clock = FakeClock()
    limiter = AsyncRateLimiter(tokens_per_minute=1000, clock=clock, sleep=clock.sleep)
    starts: list[float] = []
    for tokens in (400, 400, 400, 100, 900):
        async with limiter.acquire(tokens=tokens):
            starts.append(clock())
    # 800 fit at t=0; the third 400 waits for the first to leave the window; 100 fits
    # beside it; 900 needs everything claimed at t=0 and t=60 gone.
    assert starts == [0.0, 0.0, 60.0, 60.0, 120.0]


@pytest.mark.anyio
async def test_limiter_caps_concurrency() -> None:
    limiter = AsyncRateLimiter(max_concurrency=2)
    in_flight = 0
    peak = 0

    async def one() -> None:
        nonlocal in_flight, peak
        async with limiter.acquire():
            in_flight += 1
            peak = max(peak, in_flight)
            await anyio.sleep(0.001)
            in_flight -= 1

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(one)
    assert peak == 2


@pytest.mark.anyio
async def test_limiter_pauses_when_the_server_says_nothing_is_left() -> None:
    clock = FakeClock()
    limiter = AsyncRateLimiter(clock=clock, sleep=clock.sleep)
    limiter.observe(RateLimitInfo(remaining=0, reset_seconds=12.0))
    limiter.observe(RateLimitInfo(remaining=5, reset_seconds=99.0))  # not exhausted: ignored
    limiter.observe(None)
    async with limiter.acquire():
        assert clock() == 12.0


@pytest.mark.anyio
async def test_limiter_refuses_a_request_that_can_never_fit() -> None:
    limiter = AsyncRateLimiter(tokens_per_minute=100)
    with pytest.raises(KimiValidationError, match="tokens_per_minute"):
        async with limiter.acquire(tokens=101):
            pass


@pytest.mark.parametrize(
    "kwargs",
    [
        {"requests_per_minute": 0},
        {"tokens_per_minute": -5.0},
        {"max_concurrency": 0},
        {"tokens_per_minute": float("nan")},
    ],
)
def test_limiter_rejects_bad_limits(kwargs: dict[str, float]) -> None:
    with pytest.raises(KimiConfigurationError):
        AsyncRateLimiter(**kwargs)  # pyright: ignore[reportArgumentType]


def test_httpx_headers_are_read_whatever_the_case_of_their_names() -> None:
    """What a completion's rate-limit info comes from: the answer's httpx headers, as the server wrote them."""
    headers = httpx.Headers(
        [
            (b"Content-Type", b"application/json"),
            (b"X-RateLimit-Remaining-Requests", b"7"),
            (b"x-ratelimit-limit-requests", b"10"),
        ]
    )
    info = parse_rate_limit_headers(headers)
    assert info is not None
    assert (info.remaining_requests, info.limit_requests) == (7, 10)
    assert (
        parse_rate_limit_headers(httpx.Headers({"content-type": "application/json", "x-request-id": "r1"}))
        is None
    )
