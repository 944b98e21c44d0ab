"""openai-agents in parallel: several runs at once with `asyncio.gather`, usage per run."""

from __future__ import annotations

import asyncio

from _client import async_kimi_client
from agents import Agent, ModelSettings, OpenAIChatCompletionsModel, Runner, set_tracing_disabled

set_tracing_disabled(True)  # no trace upload to OpenAI

CITIES = ["Paris", "Beijing", "Lima", "Nairobi"]


async def main() -> None:
    kimi = async_kimi_client(__file__)  # live: AsyncKimiOpenAI(); one client serves every run
    guide = Agent(
        name="Guide",
        instructions="Suggest one thing to see in the city, in one sentence.",
        model=OpenAIChatCompletionsModel(model="kimi-k2.6", openai_client=kimi),
        model_settings=ModelSettings(extra_body={"thinking": {"type": "disabled"}}),  # quick answers
    )
    # Runs share nothing but the client: each has its own history and its own usage.
    results = await asyncio.gather(*(Runner.run(guide, f"What should I see in {city}?") for city in CITIES))
    total = 0
    for city, result in zip(CITIES, results, strict=True):
        usage = result.context_wrapper.usage
        total += usage.total_tokens
        print(f"{city}: {result.final_output} [{usage.total_tokens} tokens]")
    print(f"{len(results)} runs, {total} tokens in all")


asyncio.run(main())
