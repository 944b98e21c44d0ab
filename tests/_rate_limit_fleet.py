"""One worker of a fleet sharing a key's rate limit: run in a spawned process by tests/lib/test_fleet_limits.py."""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

MODEL = "kimi-k2.6"


def send(
    base_url: str,
    key: str,
    count: int,
    shared_uri: str | None,
    rpm: int,
    window: int,
    start: Barrier,
    out: Queue[int],
) -> None:
    """Send ``count`` chat requests through a limiter set to the key's limit; put how many got 429."""
    import openai

    from kimi_openai import KimiOpenAI
    from kimi_openai.lib.fleet_limits import SharedRateLimits
    from kimi_openai.lib.rate_limits import InProcessWindows, RateLimitBackend, RateLimiter

    backend: RateLimitBackend = (
        InProcessWindows(requests_per_minute=rpm, window_seconds=window)
        if shared_uri is None
        else SharedRateLimits(shared_uri, key="fleet-test", requests_per_minute=rpm, window_seconds=window)
    )
    limiter = RateLimiter(backend=backend)
    refused = 0
    # No SDK retries: every 429 reaches the caller and is counted.
    with KimiOpenAI(api_key=key, base_url=base_url, max_retries=0) as client:
        client.models.list()  # connected and warm before the clock starts
        start.wait()
        for n in range(count):
            with limiter.acquire():
                try:
                    client.chat.completions.create(
                        model=MODEL, messages=[{"role": "user", "content": f"{n}"}]
                    )
                except openai.RateLimitError:
                    refused += 1
    out.put(refused)
