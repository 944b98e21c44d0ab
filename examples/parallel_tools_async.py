"""Parallel tool calls on the async client: the calls of one turn run at the same time."""

from __future__ import annotations

import asyncio
import time

from _client import async_kimi_client

from kimi_openai.lib import async_run_tools


async def get_weather(city: str) -> dict[str, object]:
    """Today's weather in a city."""
    await asyncio.sleep(0.5)  # a slow weather service
    return {"city": city, "sky": "sunny"}


async def main() -> None:
    client = async_kimi_client(__file__)
    started = time.perf_counter()
    # Coroutine functions are awaited together, plain functions run in worker threads;
    # the results go back in the order the model made the calls.
    result = await async_run_tools(
        client,
        model="kimi-k2.6",
        messages=[{"role": "user", "content": "Weather in Paris, Beijing and Lima?"}],
        tools=[get_weather],
    )
    elapsed = time.perf_counter() - started
    for record in result.tool_calls:
        print(f"{record.name}({record.arguments}) -> {record.content}")
    print("answer:", result.content)
    print(f"{len(result.tool_calls)} calls of 0.5 s each took {elapsed:.1f} s in all")
    await client.close()


asyncio.run(main())
