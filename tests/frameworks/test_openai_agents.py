"""openai-agents' ``OpenAIChatCompletionsModel`` on ``AsyncKimiOpenAI``, offline against the emulator.

The Agents SDK rebuilds earlier assistant turns from its own items and leaves
``reasoning_content`` out for models it does not know to need it; a thinking Kimi
model rejects a tool-call turn without it (https://platform.kimi.ai/docs/guide/use-thinking-models),
so the client puts the reasoning back. On a handoff the next agent sends its own
system prompt before the same earlier turns. The run's ``Usage`` reads prompt-cache
hits from ``usage.prompt_tokens_details.cached_tokens``.

openai-agents 0.21 and later need openai 3; 0.20 runs beside openai 2.x.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from kimi_openai import AsyncKimiOpenAI, KimiWarning
from kimi_openai.testing import MoonshotEmulator, TextReply, ToolCall, ToolCallsReply, Usage

pytest.importorskip("agents")

from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    Runner,
    RunResult,
    RunResultStreaming,
    function_tool,
    set_tracing_disabled,
)

MODEL = "kimi-k2.6"  # thinks unless told not to
NO_THINKING = ModelSettings(extra_body={"thinking": {"type": "disabled"}})


@pytest.fixture(autouse=True)
def _no_tracing() -> None:
    set_tracing_disabled(True)  # no trace upload to OpenAI: nothing leaves the machine


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return json.dumps({"city": city, "sky": "sunny", "temp_c": 21})


def weather_agent(client: AsyncKimiOpenAI, settings: ModelSettings | None = None) -> Agent[Any]:
    return Agent(
        name="Weather",
        instructions="Answer weather questions with the get_weather tool.",
        tools=[get_weather],
        model=OpenAIChatCompletionsModel(model=MODEL, openai_client=client),
        model_settings=settings or ModelSettings(),
    )


def triage_agent(client: AsyncKimiOpenAI, settings: ModelSettings | None = None) -> Agent[Any]:
    return Agent(
        name="Triage",
        instructions="Hand every weather question to the Weather agent.",
        handoffs=[weather_agent(client, settings)],
        model=OpenAIChatCompletionsModel(model=MODEL, openai_client=client),
        model_settings=settings or ModelSettings(),
    )


async def run(agent: Agent[Any], prompt: str, *, streamed: bool) -> RunResult | RunResultStreaming:
    if not streamed:
        return await Runner.run(agent, prompt)
    result = Runner.run_streamed(agent, prompt)
    async for _ in result.stream_events():
        pass
    return result


def chat_bodies(emulator: MoonshotEmulator) -> list[dict[str, Any]]:
    return [request.json or {} for request in emulator.chat_requests()]


def tool_call_turn(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The assistant turn of a request that called tool ``name``."""
    return next(
        message
        for message in body["messages"]
        if message["role"] == "assistant"
        and any(call["function"]["name"] == name for call in message.get("tool_calls") or ())
    )


@pytest.mark.anyio
@pytest.mark.parametrize("streamed", [False, True], ids=["run", "run_streamed"])
async def test_tool_loop_on_a_thinking_model(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI, streamed: bool
) -> None:
    reasoning = "The user asks about Paris: call get_weather."
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}), reasoning=reasoning)
    kimi_emulator.queue(TextReply("Sunny in Paris, 21 °C.", reasoning="The tool answered."))

    result = await run(weather_agent(async_kimi_emulator_client), "Weather in Paris?", streamed=streamed)

    assert result.final_output == "Sunny in Paris, 21 °C."
    first, second = chat_bodies(kimi_emulator)
    assert "thinking" not in first  # the model's default: thinking on
    assert tool_call_turn(second, "get_weather")["reasoning_content"] == reasoning
    answered = [m for m in second["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in answered] == ["functions.get_weather:0"]


@pytest.mark.anyio
@pytest.mark.parametrize("streamed", [False, True], ids=["run", "run_streamed"])
async def test_run_usage_reports_cache_hits(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI, streamed: bool
) -> None:
    kimi_emulator.queue(
        ToolCallsReply((ToolCall("get_weather", {"city": "Paris"}),), usage=Usage(150, 12, 0))
    )
    kimi_emulator.queue(TextReply("Sunny in Paris.", usage=Usage(200, 8, 128)))

    result = await run(weather_agent(async_kimi_emulator_client), "Weather in Paris?", streamed=streamed)

    usage = result.context_wrapper.usage
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (2, 350, 20)
    assert usage.input_tokens_details.cached_tokens == 128


@pytest.mark.anyio
async def test_handoff_sends_the_real_reasoning_to_the_next_agent(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    """The next agent's requests carry its own system prompt before the same turns, the handoff's reasoning kept."""
    handoff_reasoning = "This is a weather question: hand it to the Weather agent."
    tool_reasoning = "Paris: call get_weather."
    kimi_emulator.queue_tool_calls(ToolCall("transfer_to_weather", {}), reasoning=handoff_reasoning)
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}), reasoning=tool_reasoning)
    kimi_emulator.queue(TextReply("Sunny in Paris.", reasoning="The tool answered."))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = await Runner.run(triage_agent(async_kimi_emulator_client), "Weather in Paris?")

    assert result.final_output == "Sunny in Paris."
    assert result.last_agent.name == "Weather"
    triage, weather_first, weather_second = chat_bodies(kimi_emulator)
    assert triage["messages"][0]["content"] != weather_first["messages"][0]["content"]
    for body in (weather_first, weather_second):
        assert tool_call_turn(body, "transfer_to_weather")["reasoning_content"] == handoff_reasoning
    assert tool_call_turn(weather_second, "get_weather")["reasoning_content"] == tool_reasoning
    assert [str(w.message) for w in caught if issubclass(w.category, KimiWarning)] == []


@pytest.mark.anyio
async def test_handoff_run_usage_reports_cache_hits(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    """The run's ``Usage`` adds up the cache hits of both agents' requests."""
    kimi_emulator.queue(ToolCallsReply((ToolCall("transfer_to_weather", {}),), usage=Usage(100, 10, 0)))
    kimi_emulator.queue(
        ToolCallsReply((ToolCall("get_weather", {"city": "Paris"}),), usage=Usage(150, 12, 32))
    )
    kimi_emulator.queue(TextReply("Sunny in Paris.", usage=Usage(200, 8, 128)))

    result = await Runner.run(triage_agent(async_kimi_emulator_client, NO_THINKING), "Weather in Paris?")

    assert result.last_agent.name == "Weather"
    usage = result.context_wrapper.usage
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (3, 450, 30)
    assert usage.input_tokens_details.cached_tokens == 160
