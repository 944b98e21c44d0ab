"""openai-agents: agents on `AsyncKimiOpenAI` through the Chat Completions model (pip install openai-agents)."""

from __future__ import annotations

import asyncio

from _client import async_kimi_client
from agents import (
    Agent,
    OpenAIChatCompletionsModel,
    Runner,
    set_default_openai_api,
    set_default_openai_client,
    set_tracing_disabled,
)

kimi = async_kimi_client(__file__)  # live: AsyncKimiOpenAI()

# The SDK uploads traces to OpenAI with OPENAI_API_KEY: with a Moonshot key only, turn that off
# (or set a trace exporter of your own).
set_tracing_disabled(True)

# One agent: give it an OpenAIChatCompletionsModel on the Kimi client. What the client adds for
# Kimi (reasoning echo, request checks, cache hits in usage) is on Chat Completions.
poet = Agent(
    name="Poet",
    instructions="Answer in one short line.",
    model=OpenAIChatCompletionsModel(model="kimi-k2.6", openai_client=kimi),
)

# Or wire every agent at once: the client and the API become the SDK's defaults, and an
# agent names its model as a string.
set_default_openai_client(kimi, use_for_tracing=False)
set_default_openai_api("chat_completions")
critic = Agent(name="Critic", instructions="Judge the line in one word.", model="kimi-k2.6")


async def main() -> None:
    line = await Runner.run(poet, "Write a line about the sea.")
    print("poet:", line.final_output)
    verdict = await Runner.run(critic, f"Judge this line: {line.final_output}")
    print("critic:", verdict.final_output)
    usage = verdict.context_wrapper.usage
    print(f"critic usage: {usage.requests} request, {usage.input_tokens} in, {usage.output_tokens} out")


asyncio.run(main())
