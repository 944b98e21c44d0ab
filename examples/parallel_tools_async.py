"""Parallel tool calls on the async client: the calls of one turn run at the same time."""

from __future__ import annotations

import asyncio
import time

from _client import async_kimi_client

from kimi_openai.lib import async_run_tools

in_flight: set[str] = set()
most_at_once = 0


async def get_weather(city: str) -> dict[str, object]:
    """Today's weather in a city."""
    global most_at_once
    in_flight.add(city)
    most_at_once = max(most_at_once, len(in_flight))
    await asyncio.sleep(0.5)  # a slow weather service
    in_flight.discard(city)
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
    for record in result.tool_calls:
        print(f"{record.name}({record.arguments}) -> {record.content}")
    print("answer:", result.content)
    print(f"{len(result.tool_calls)} calls, at most {most_at_once} at once")
    print(f"{time.perf_counter() - started:.1f} s in all, for calls of 0.5 s each")
    await client.close()


asyncio.run(main())
