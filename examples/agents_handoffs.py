"""openai-agents handoffs: a triage agent hands the question to a specialist."""

from __future__ import annotations

import asyncio
import json

from _client import async_kimi_client
from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled

set_tracing_disabled(True)  # no trace upload to OpenAI


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return json.dumps({"city": city, "sky": "sunny", "temp_c": 21})


async def main() -> None:
    kimi = async_kimi_client(__file__)  # live: AsyncKimiOpenAI()
    model = OpenAIChatCompletionsModel(model="kimi-k2.6", openai_client=kimi)
    weather = Agent(
        name="Weather",
        handoff_description="Answers questions about the weather.",
        instructions="Answer with the get_weather tool.",
        tools=[get_weather],
        model=model,
    )
    triage = Agent(
        name="Triage",
        instructions="Hand weather questions to the Weather agent; answer the rest yourself.",
        handoffs=[weather],
        model=model,
    )
    # After the handoff the Weather agent sends its own instructions before the same history;
    # the client still finds each earlier turn's reasoning and sends it back.
    result = await Runner.run(triage, "What is the weather in Paris?")
    print("answered by:", result.last_agent.name)
    print("answer:", result.final_output)


asyncio.run(main())
