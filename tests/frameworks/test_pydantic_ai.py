"""pydantic-ai's ``OpenAIChatModel`` given an ``AsyncKimiOpenAI``, offline against the emulator.

Two providers take the client: ``OpenAIProvider(openai_client=...)`` and pydantic-ai's own
Kimi profile, ``MoonshotAIProvider(openai_client=...)``. Both send thinking parts back as
``reasoning_content``; only the Moonshot one knows that kimi-k2.6 refuses
``tool_choice="required"``, which pydantic-ai sends for tool output on the OpenAI provider.
The run's usage reads prompt-cache hits from ``usage.prompt_tokens_details.cached_tokens``.
"""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from kimi_openai import AsyncKimiOpenAI, KimiValidationError
from kimi_openai.testing import MoonshotEmulator, TextReply, ToolCall, ToolCallsReply, Usage

pytest.importorskip("pydantic_ai")
pytest.importorskip("pydantic_ai.providers.openai")  # the [openai] extra

from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.moonshotai import MoonshotAIProvider
from pydantic_ai.providers.openai import OpenAIProvider

MODEL = "kimi-k2.6"  # thinks unless told not to
PROVIDERS = pytest.mark.parametrize("provider", [OpenAIProvider, MoonshotAIProvider])


class City(BaseModel):
    name: str
    country: str


def weather_agent(model: OpenAIChatModel) -> Agent[None, str]:
    agent = Agent(model, instructions="Answer weather questions with the get_weather tool.")

    @agent.tool_plain
    def get_weather(city: str) -> str:  # pyright: ignore[reportUnusedFunction]
        """The current weather in a city."""
        return json.dumps({"city": city, "sky": "sunny", "temp_c": 21})

    return agent


@pytest.mark.anyio
@PROVIDERS
async def test_tool_loop_on_a_thinking_model(
    kimi_emulator: MoonshotEmulator,
    async_kimi_emulator_client: AsyncKimiOpenAI,
    provider: type[OpenAIProvider | MoonshotAIProvider],
) -> None:
    reasoning = "The user asks about Paris: call get_weather."
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}), reasoning=reasoning)
    kimi_emulator.queue(TextReply("Sunny in Paris, 21 °C.", reasoning="The tool answered."))
    model = OpenAIChatModel(MODEL, provider=provider(openai_client=async_kimi_emulator_client))

    result = await weather_agent(model).run("Weather in Paris?")

    assert result.output == "Sunny in Paris, 21 °C."
    first, second = (request.json or {} for request in kimi_emulator.chat_requests())
    assert "thinking" not in first  # the model's default: thinking on
    turn = next(m for m in second["messages"] if m["role"] == "assistant")
    assert [call["function"]["name"] for call in turn["tool_calls"]] == ["get_weather"]
    assert turn["reasoning_content"] == reasoning
    assert json.loads(second["messages"][-1]["content"])["sky"] == "sunny"


@pytest.mark.anyio
@pytest.mark.parametrize("streamed", [False, True], ids=["run", "run_stream"])
async def test_run_usage_reports_cache_hits(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI, streamed: bool
) -> None:
    kimi_emulator.queue(
        ToolCallsReply((ToolCall("get_weather", {"city": "Paris"}),), usage=Usage(150, 12, 0))
    )
    kimi_emulator.queue(TextReply("Sunny in Paris.", usage=Usage(200, 8, 128)))
    agent = weather_agent(
        OpenAIChatModel(MODEL, provider=OpenAIProvider(openai_client=async_kimi_emulator_client))
    )

    if streamed:
        async with agent.run_stream("Weather in Paris?") as stream:
            assert await stream.get_output() == "Sunny in Paris."
        usage = stream.usage
    else:
        usage = (await agent.run("Weather in Paris?")).usage

    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (2, 350, 20)
    assert usage.cache_read_tokens == 128


@pytest.mark.anyio
async def test_structured_output_through_the_moonshot_provider(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("final_result", {"name": "Paris", "country": "France"}))
    model = OpenAIChatModel(MODEL, provider=MoonshotAIProvider(openai_client=async_kimi_emulator_client))

    result = await Agent(model, output_type=City).run("Which city is the capital of France?")

    assert result.output == City(name="Paris", country="France")
    assert kimi_emulator.last_chat_request()["tool_choice"] == "auto"


@pytest.mark.anyio
async def test_structured_output_through_the_openai_provider_is_refused_before_sending(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    """pydantic-ai forces its output tool with ``tool_choice="required"``, which kimi-k2.6 does not take."""
    model = OpenAIChatModel(MODEL, provider=OpenAIProvider(openai_client=async_kimi_emulator_client))

    with pytest.raises(KimiValidationError, match=r"tool_choice='required'.*'kimi-k2\.6'") as caught:
        await Agent(model, output_type=City).run("Which city is the capital of France?")

    assert "auto" in str(caught.value)  # the fix it names
    assert kimi_emulator.chat_requests() == ()
