"""Rate-limit headers read off responses, streams and errors; the limiter pacing the async client."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from kimi_openai import AsyncKimiOpenAI, AsyncRateLimiter, KimiOpenAI, RateLimitReachedError
from kimi_openai._compat import httpx
from kimi_openai._pipeline import after_completion
from kimi_openai._reasoning_echo import ReasoningStore
from kimi_openai._retry import DEFAULT_RETRY_POLICY, RetrySetup
from kimi_openai._state import KimiSettings, KimiState
from kimi_openai.lib.rate_limits import limited_create, rate_limit_of
from kimi_openai.testing import MoonshotEmulator, RateLimit
from kimi_openai.types.chat import KimiChatCompletion
from tests._helpers import COMPLETION

BASE_URL = "https://api.moonshot.ai/v1"
ASK: list[Any] = [{"role": "user", "content": "Hi"}]
MODEL = "kimi-k2.6"


def client(emulator: MoonshotEmulator) -> KimiOpenAI:
    http = httpx.Client(transport=emulator.transport())
    return KimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http)


def test_a_raw_response_gives_its_rate_limit() -> None:
    emulator = MoonshotEmulator(rate_limit=RateLimit(limit=5, reset_seconds=30))
    raw = client(emulator).chat.completions.with_raw_response.create(model=MODEL, messages=ASK)
    info = rate_limit_of(raw)
    assert info is not None
    assert (info.limit, info.remaining, info.reset_seconds) == (5, 4, 30)
    assert not info.exhausted


def test_a_stream_gives_its_rate_limit() -> None:
    emulator = MoonshotEmulator(rate_limit=RateLimit(limit=1, reset_seconds=60))
    stream = client(emulator).chat.completions.create(model=MODEL, messages=ASK, stream=True)
    info = rate_limit_of(stream)
    assert info is not None
    assert info.exhausted
    list(stream)


def test_an_error_gives_its_rate_limit() -> None:
    emulator = MoonshotEmulator(rate_limit=RateLimit(limit=3, reset_seconds=12)).queue_rate_limited()
    with pytest.raises(RateLimitReachedError) as caught:
        client(emulator).chat.completions.create(model=MODEL, messages=ASK)
    assert rate_limit_of(caught.value) == caught.value.rate_limit
    assert caught.value.rate_limit is not None
    assert caught.value.rate_limit.reset_seconds == 12


def test_no_headers_means_none() -> None:
    raw = client(MoonshotEmulator()).chat.completions.with_raw_response.create(model=MODEL, messages=ASK)
    assert rate_limit_of(raw) is None
    assert rate_limit_of(raw.parse()) is None
    assert rate_limit_of(object()) is None


def test_a_completion_given_its_response_keeps_the_headers() -> None:
    completion = KimiChatCompletion.construct(**COMPLETION)
    response = httpx.Response(200, headers={"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "0"})
    state = KimiState(KimiSettings(), RetrySetup(DEFAULT_RETRY_POLICY), ReasoningStore())
    after_completion(completion, state, response=response)
    info = rate_limit_of(completion)
    assert info is not None
    assert (info.limit, info.remaining, info.exhausted) == (200, 0, True)
    assert "_kimi_rate_limit" not in completion.model_dump()


class FakeTime:
    """A clock that moves only when the limiter sleeps, once every other task is waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # Requests already admitted reach the transport at the current time first.
        await anyio.wait_all_tasks_blocked()
        self.now += seconds


def paced_client(emulator: MoonshotEmulator, time: FakeTime, starts: list[float]) -> AsyncKimiOpenAI:
    inner = emulator.async_transport()

    async def handler(request: httpx.Request) -> httpx.Response:
        starts.append(time.now)
        return await inner.handle_async_request(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncKimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http)


async def warmed_up(kimi: AsyncKimiOpenAI, starts: list[float]) -> AsyncKimiOpenAI:
    # openai's async client looks up the platform in a worker thread on its first
    # request; anyio counts a task waiting on a thread as blocked, so the fake clock
    # could move while an admitted request is still on its way to the transport.
    await kimi.models.list()
    starts.clear()
    return kimi


@pytest.mark.anyio
async def test_the_limiter_holds_three_requests_per_minute_with_the_async_client() -> None:
    time, starts = FakeTime(), list[float]()
    kimi = await warmed_up(paced_client(MoonshotEmulator(), time, starts), starts)
    limiter = AsyncRateLimiter(requests_per_minute=3, clock=time.clock, sleep=time.sleep)
    answers: list[KimiChatCompletion] = []

    async def ask(i: int) -> None:
        answers.append(
            await limited_create(kimi, limiter, model=MODEL, messages=[{"role": "user", "content": f"{i}"}])
        )

    async with anyio.create_task_group() as group:
        for i in range(7):
            group.start_soon(ask, i)
    assert len(answers) == 7
    assert sorted(starts) == [0, 0, 0, 60, 60, 60, 120]
    for start in starts:  # never more than 3 in any 60 s window
        assert sum(start <= s < start + 60 for s in starts) <= 3


@pytest.mark.anyio
async def test_the_limiter_pauses_when_the_server_says_nothing_is_left() -> None:
    time, starts = FakeTime(), list[float]()
    kimi = paced_client(MoonshotEmulator(rate_limit=RateLimit(limit=2, reset_seconds=40)), time, starts)
    limiter = AsyncRateLimiter(max_concurrency=1, clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        completion = await limited_create(kimi, limiter, model=MODEL, messages=ASK)
        assert rate_limit_of(completion) is not None
    assert starts == [0, 0, 40]


@pytest.mark.anyio
async def test_a_429_is_observed_and_reraised() -> None:
    time, starts = FakeTime(), list[float]()
    emulator = MoonshotEmulator(rate_limit=RateLimit(limit=1, reset_seconds=25)).queue_rate_limited()
    kimi = paced_client(emulator, time, starts)
    limiter = AsyncRateLimiter(max_concurrency=1, clock=time.clock, sleep=time.sleep)
    with pytest.raises(RateLimitReachedError):
        await limited_create(kimi, limiter, model=MODEL, messages=ASK)
    await limited_create(kimi, limiter, model=MODEL, messages=ASK)
    assert starts == [0, 25]


@pytest.mark.anyio
async def test_limited_create_refuses_streams() -> None:
    kimi = paced_client(MoonshotEmulator(), FakeTime(), [])
    with pytest.raises(ValueError, match="does not stream"):
        await limited_create(kimi, AsyncRateLimiter(), model=MODEL, messages=ASK, stream=True)
