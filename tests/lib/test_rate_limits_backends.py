"""The limiter's backends: the in-process windows, the `limits` adapter, and headers that never reset."""

from __future__ import annotations

from typing import Any

import pytest

from kimi_openai import AsyncKimiOpenAI, KimiConfigurationError, KimiValidationError
from kimi_openai._compat import httpx
from kimi_openai.lib.fleet_limits import SharedRateLimits
from kimi_openai.lib.rate_limits import (
    AsyncRateLimiter,
    InProcessWindows,
    RateLimitBackend,
    RateLimiter,
    limited_create,
)
from tests._helpers import COMPLETION

BASE_URL = "https://api.moonshot.ai/v1"
ASK: list[Any] = [{"role": "user", "content": "Hi"}]
MODEL = "kimi-k2.6"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def _stuck_client(remaining: list[str]) -> AsyncKimiOpenAI:
    """A server whose every answer says ``X-RateLimit-Remaining`` is the next of ``remaining`` (then 0)."""

    def handler(request: httpx.Request) -> httpx.Response:
        left = remaining.pop(0) if remaining else "0"
        headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": left, "X-RateLimit-Reset": "30"}
        return httpx.Response(200, json=COMPLETION, headers=headers)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncKimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http)


@pytest.mark.anyio
async def test_a_remaining_that_never_resets_pauses_once_not_forever() -> None:
    time = FakeTime()
    kimi = _stuck_client([])
    limiter = AsyncRateLimiter(clock=time.clock, sleep=time.async_sleep)
    for _ in range(5):
        await limited_create(kimi, limiter, model=MODEL, messages=ASK)
    # One pause for the first "nothing left"; the answer after it still says 0, so the
    # header is not believed again: five calls take 30 s, not 4 x 30 s.
    assert time.slept == [30.0]


@pytest.mark.anyio
async def test_a_header_that_resets_again_is_believed_again() -> None:
    time = FakeTime()
    kimi = _stuck_client(["0", "0", "7", "0"])
    limiter = AsyncRateLimiter(clock=time.clock, sleep=time.async_sleep)
    for _ in range(5):
        await limited_create(kimi, limiter, model=MODEL, messages=ASK)
    assert time.slept == [30.0, 30.0]


def test_a_reset_far_away_pauses_at_most_max_header_pause() -> None:
    from kimi_openai._ratelimit_headers import RateLimitInfo

    time = FakeTime()
    limiter = RateLimiter(clock=time.clock, sleep=time.sleep, max_header_pause=60)
    limiter.observe(RateLimitInfo(remaining=0, reset_seconds=86_400))
    with limiter.acquire():
        pass
    assert time.slept == [60.0]


def test_the_sync_limiter_counts_requests_and_tokens_in_process() -> None:
    time = FakeTime()
    windows = InProcessWindows(requests_per_minute=3, tokens_per_minute=1000, clock=time.clock)
    limiter = RateLimiter(backend=windows, sleep=time.sleep)
    starts: list[float] = []
    for cost in (2, 1, 1):
        with limiter.acquire(requests=cost):
            starts.append(time.now)
    with limiter.acquire(tokens=900):
        starts.append(time.now)
    with limiter.acquire(tokens=200):
        starts.append(time.now)
    # 2 + 1 fill the window; the third request waits for the first two to leave it (60 s);
    # 200 tokens wait until the 900 claimed at 60 s leave the token window.
    assert starts == [0, 0, 60, 60, 120]


def test_a_backend_and_limits_beside_it_are_refused() -> None:
    with pytest.raises(KimiConfigurationError, match="not both"):
        RateLimiter(backend=InProcessWindows(), requests_per_minute=3)
    limiter = RateLimiter(requests_per_minute=2)
    with (
        pytest.raises(KimiValidationError, match="can never fit requests_per_minute=2"),
        limiter.acquire(requests=3),
    ):
        pass


# -- the `limits` adapter -----------------------------------------------------------------------


def test_the_shared_backend_holds_each_grant_for_the_window_plus_the_margin() -> None:
    shared = SharedRateLimits("memory://", key="acct", requests_per_minute=2, margin_seconds=1)
    assert isinstance(shared, RateLimitBackend)
    assert shared.try_acquire(1, 0) == 0.0
    assert shared.try_acquire(1, 0) == 0.0
    wait = shared.try_acquire(1, 0)
    assert 60.0 < wait <= 61.0  # counted for 61 s from the grant, not 60


def test_a_full_token_window_does_not_spend_a_request_slot() -> None:
    shared = SharedRateLimits("memory://", requests_per_minute=2, tokens_per_minute=100, margin_seconds=0)
    assert shared.try_acquire(1, 80) == 0.0
    assert shared.try_acquire(1, 30) > 0  # 110 tokens would not fit
    assert shared.try_acquire(1, 19.5) == 0.0  # the request slot is still there; 19.5 counts as 20
    assert shared.try_acquire(1, 0) > 0


def test_two_keys_are_two_accounts() -> None:
    one = SharedRateLimits("memory://", key="a", requests_per_minute=1)
    one.try_acquire(1, 0)
    assert one.try_acquire(1, 0) > 0
    other = SharedRateLimits("memory://", key="b", requests_per_minute=1)
    assert other.try_acquire(1, 0) == 0.0


def test_the_repr_shows_no_password_of_the_storage_uri() -> None:
    shared = SharedRateLimits("redis://:hunter2@cache:6379/0", requests_per_minute=5)
    assert "hunter2" not in repr(shared)
    assert repr(shared).startswith("SharedRateLimits(redis://...")


@pytest.mark.anyio
async def test_the_async_limiter_draws_from_the_shared_backend() -> None:
    shared = SharedRateLimits("memory://", requests_per_minute=2, margin_seconds=1)
    limiter = AsyncRateLimiter(backend=shared)
    for _ in range(2):
        async with limiter.acquire():
            pass
    assert 60.0 < await shared.async_try_acquire(1, 0) <= 61.0
