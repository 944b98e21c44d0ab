"""Rate limits: keep a bulk async job under your tier's limits with `AsyncRateLimiter`."""

from __future__ import annotations

import asyncio

from _client import async_kimi_client

from kimi_openai import AsyncRateLimiter
from kimi_openai.lib import limited_create, rate_limit_of

# Your tier's numbers (https://platform.moonshot.ai/docs/pricing/limits): requests and tokens
# per minute, and how many requests may be in flight at once.
limiter = AsyncRateLimiter(requests_per_minute=200, tokens_per_minute=2_000_000, max_concurrency=4)


async def main() -> None:
    client = async_kimi_client(__file__)

    async def summarise(topic: str) -> str:
        # Waits for a slot, sends, and feeds the X-RateLimit-* headers back to the limiter, so an
        # exhausted window pauses the next requests until it resets instead of drawing 429s.
        completion = await limited_create(
            client,
            limiter,
            tokens=600,  # what this call claims from tokens_per_minute: prompt plus max_tokens
            model="kimi-k2.6",
            messages=[{"role": "user", "content": f"One sentence about {topic}."}],
            max_tokens=500,
            thinking={"type": "disabled"},
        )
        info = rate_limit_of(completion)
        left = "unknown" if info is None or info.remaining is None else f"{info.remaining:.0f}"
        return f"{topic}: {completion.choices[0].message.content} (requests left: {left})"

    topics = ["tea", "rain", "kettles", "Lisbon", "primes", "K2"]
    for line in await asyncio.gather(*(summarise(t) for t in topics)):
        print(line)
    await client.close()


asyncio.run(main())
