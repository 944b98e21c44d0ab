"""openai-agents with tools on a thinking Kimi model."""

from __future__ import annotations

import asyncio
import json

from _client import async_kimi_client
from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)

set_tracing_disabled(True)  # no trace upload to OpenAI


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return json.dumps({"city": city, "sky": "sunny", "temp_c": 21})


async def main() -> None:
    kimi = async_kimi_client(__file__)  # live: AsyncKimiOpenAI()
    agent = Agent(
        name="Weather",
        instructions="Answer weather questions with the get_weather tool.",
        tools=[get_weather],
        model=OpenAIChatCompletionsModel(model="kimi-k2.6", openai_client=kimi),
        # Reasoning tokens count toward max_tokens: leave them room.
        model_settings=ModelSettings(max_tokens=16_000),
    )
    # The SDK rebuilds the tool-call turn without its reasoning_content, which kimi-k2.6
    # requires; the client puts the real reasoning back.
    result = await Runner.run(agent, "What is the weather in Paris?")
    for item in result.new_items:
        print("item:", item.type)
    print("answer:", result.final_output)
    usage = result.context_wrapper.usage
    cached = usage.input_tokens_details.cached_tokens
    print(
        f"usage: {usage.requests} requests, {usage.input_tokens} in ({cached} cached), {usage.output_tokens} out"
    )


asyncio.run(main())
