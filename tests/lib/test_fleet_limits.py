"""Three processes at one key's limit, against the emulator enforcing it: a shared limiter draws no 429.

Each process sends 4 requests through a limiter set to the key's limit (6 requests per 2 s
window, enforced by the emulator per key). With the per-process default each limiter lets its
own 4 go at once, 12 arrive together and the emulator refuses 6; with ``SharedRateLimits`` on
one Redis the three draw from one window (held 2 + 1 s) and none is refused.
"""

from __future__ import annotations

import multiprocessing

import pytest
from _rate_limit_fleet import send

from kimi_openai.testing import MoonshotEmulator

RPM, WINDOW, PROCESSES, EACH = 6, 2, 3, 4


def _fleet(shared_uri: str | None) -> list[int]:
    emulator = MoonshotEmulator(rpm=RPM, rate_window=WINDOW)
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(PROCESSES)
    out = spawn.Queue()
    with emulator.serve() as base_url:
        workers = [
            spawn.Process(target=send, args=(base_url, "sk-fleet", EACH, shared_uri, RPM, WINDOW, start, out))
            for _ in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        refused = [out.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
            assert worker.exitcode == 0
    return refused


@pytest.mark.slow
def test_per_process_limiters_draw_429s() -> None:
    refused = _fleet(None)
    assert sum(refused) > 0  # 6 of 12 when all arrive within one window


@pytest.mark.slow
def test_a_shared_limiter_on_redis_draws_none(kimi_redis_url: str) -> None:
    assert _fleet(kimi_redis_url) == [0, 0, 0]


@pytest.mark.anyio
async def test_the_async_limiter_shares_the_redis_windows_with_the_sync_one(kimi_redis_url: str) -> None:
    from kimi_openai.lib.fleet_limits import SharedRateLimits
    from kimi_openai.lib.rate_limits import AsyncRateLimiter

    def shared() -> SharedRateLimits:
        return SharedRateLimits(
            kimi_redis_url, key="async-and-sync", requests_per_minute=2, tokens_per_minute=100
        )

    assert shared().try_acquire(1, 60) == 0.0  # a sync worker
    limits = shared()
    async with AsyncRateLimiter(backend=limits).acquire(tokens=40):  # an async one, through redis.asyncio
        pass
    assert 60.0 < shared().try_acquire(1, 0) <= 61.0  # both requests are counted in Redis
    assert 60.0 < await limits.async_try_acquire(0, 1) <= 61.0  # and all 100 tokens
    await limits.aclose()
