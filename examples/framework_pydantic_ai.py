"""pydantic-ai: an `OpenAIChatModel` on `AsyncKimiOpenAI` (pip install "pydantic-ai-slim[openai]")."""

from __future__ import annotations

import json

from _client import async_kimi_client
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.moonshotai import MoonshotAIProvider

# MoonshotAIProvider is pydantic-ai's Kimi profile: it knows kimi-k2.6 refuses
# tool_choice="required", so structured output works on a thinking model.
kimi = async_kimi_client(__file__)  # live: AsyncKimiOpenAI()
model = OpenAIChatModel("kimi-k2.6", provider=MoonshotAIProvider(openai_client=kimi))

agent = Agent(model, instructions="Answer weather questions with the get_weather tool.")


@agent.tool_plain
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return json.dumps({"city": city, "sky": "sunny", "temp_c": 21})


# The client sends each tool-call turn back with its reasoning, which pydantic-ai rebuilds
# without it; cache hits show in the run's usage.
result = agent.run_sync("What is the weather in Paris?")
print("answer:", result.output)
usage = result.usage
print(f"usage: {usage.requests} requests, {usage.input_tokens} in ({usage.cache_read_tokens} cached)")


class City(BaseModel):
    name: str
    country: str


city = Agent(model, output_type=City).run_sync("Which city is the capital of France?").output
print("structured:", city)
