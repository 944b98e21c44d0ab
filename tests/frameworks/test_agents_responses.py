"""openai-agents with its default model (the Responses API) on ``AsyncKimiOpenAI``, against the emulator.

The recipe of docs/responses.md: ``set_default_openai_client(AsyncKimiOpenAI(), use_for_tracing=False)``
and ``set_tracing_disabled(True)`` (else openai-agents uses the Kimi key to upload traces to
OpenAI), then ``Agent(model="kimi-k2.6")`` or ``Agent(model="kimi-k3")`` with nothing else set.

The emulator serves ``/v1/responses`` for every model (its default); Moonshot's page says the
endpoint "currently supports kimi-k3" (https://platform.kimi.ai/docs/api/responses), so the
kimi-k2.6 runs show the reading where K2.6 is served too.

openai-agents 0.21 and later need openai 3; on openai 2.x, openai-agents 0.20 runs this module.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kimi_openai import AsyncKimiOpenAI, KimiValidationError
from kimi_openai.testing import MoonshotEmulator, ToolCall
from kimi_openai.testing.pytest_plugin import AsyncKimiClientFactory

agents = pytest.importorskip("agents")
if not hasattr(agents, "OpenAIResponsesModel"):  # pragma: no cover - old openai-agents on openai 2.x
    pytest.skip("openai-agents without the Responses model", allow_module_level=True)

from agents import (  # noqa: E402
    Agent,
    RunConfig,
    Runner,
    WebSearchTool,
    function_tool,
    set_default_openai_client,
    set_tracing_disabled,
)
from agents.models import _openai_shared  # noqa: E402
from agents.run_config import CallModelData, ModelInputData  # noqa: E402

MODELS = ("kimi-k2.6", "kimi-k3")


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return json.dumps({"city": city, "sky": "sunny"})


@pytest.fixture
def kimi_default_client(
    async_kimi_emulator_client_factory: AsyncKimiClientFactory, monkeypatch: pytest.MonkeyPatch
) -> AsyncKimiOpenAI:
    """The recipe: the Kimi client as openai-agents' default, tracing off; put back afterwards."""
    monkeypatch.setattr(_openai_shared, "_default_openai_client", _openai_shared.get_default_openai_client())
    client = async_kimi_emulator_client_factory()
    set_default_openai_client(client, use_for_tracing=False)
    set_tracing_disabled(True)
    return client


def _bodies(emulator: MoonshotEmulator) -> list[dict[str, Any]]:
    return [dict(request.json or {}) for request in emulator.responses_requests()]


def _types(items: list[Any]) -> list[str]:
    return [str(item.get("type") or "message") for item in items]


@pytest.mark.anyio
@pytest.mark.parametrize("model", MODELS)
async def test_tool_loop_with_the_default_model(
    kimi_default_client: AsyncKimiOpenAI, kimi_emulator: MoonshotEmulator, model: str
) -> None:
    del kimi_default_client
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}))
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Lyon"}))
    agent = Agent(name="Weather", instructions="Use get_weather.", tools=[get_weather], model=model)
    result = await Runner.run(agent, "Weather in Paris, then Lyon?")

    assert "sunny" in result.final_output
    first, second, third = _bodies(kimi_emulator)
    assert first["tools"][0]["parameters"] == {
        "type": "object",
        "additionalProperties": False,
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }  # MFJS: openai-agents' `title` keys dropped
    assert _types(second["input"]) == ["message", "reasoning", "function_call", "function_call_output"]
    assert _types(third["input"])[-3:] == ["reasoning", "function_call", "function_call_output"]
    assert result.context_wrapper.usage.input_tokens_details.cache_write_tokens is not None


@pytest.mark.anyio
@pytest.mark.parametrize("model", MODELS)
async def test_handoff(
    kimi_default_client: AsyncKimiOpenAI, kimi_emulator: MoonshotEmulator, model: str
) -> None:
    del kimi_default_client
    helper = Agent(name="helper", instructions="You are the helper.", model=model)
    triage = Agent(name="triage", instructions="Hand off.", handoffs=[helper], model=model)
    kimi_emulator.queue_tool_calls(ToolCall("transfer_to_helper", {}))
    result = await Runner.run(triage, "Help me")

    assert result.last_agent is helper
    first, second = _bodies(kimi_emulator)
    assert first["instructions"] == "Hand off."
    assert second["instructions"] == "You are the helper."
    assert _types(second["input"]) == ["message", "reasoning", "function_call", "function_call_output"]


@pytest.mark.anyio
@pytest.mark.parametrize("model", MODELS)
async def test_streamed_run(
    kimi_default_client: AsyncKimiOpenAI, kimi_emulator: MoonshotEmulator, model: str
) -> None:
    del kimi_default_client
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}))
    agent = Agent(name="Weather", instructions="Use get_weather.", tools=[get_weather], model=model)
    run = Runner.run_streamed(agent, "Weather in Paris?")
    kinds = [event.data.type async for event in run.stream_events() if event.type == "raw_response_event"]

    assert "response.reasoning_summary_text.delta" in kinds
    assert "response.output_text.delta" in kinds
    assert "sunny" in str(run.final_output)
    assert all(body.get("stream") is True for body in _bodies(kimi_emulator))


@pytest.mark.anyio
@pytest.mark.parametrize("model", MODELS)
async def test_web_search_tool(
    kimi_default_client: AsyncKimiOpenAI, kimi_emulator: MoonshotEmulator, model: str
) -> None:
    del kimi_default_client
    agent = Agent(name="Searcher", instructions="Search the web.", tools=[WebSearchTool()], model=model)
    result = await Runner.run(agent, "Latest Kimi release?")

    (body,) = _bodies(kimi_emulator)
    assert body["tools"] == [
        {"type": "web_search", "filters": None, "user_location": None}
    ]  # "medium" dropped
    assert "Latest Kimi release" in result.final_output
    assert any(getattr(item.raw_item, "type", None) == "web_search_call" for item in result.new_items)


@pytest.mark.anyio
async def test_web_search_tool_options_moonshot_refuses(
    kimi_default_client: AsyncKimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    del kimi_default_client
    agent = Agent(name="s", tools=[WebSearchTool(search_context_size="high")], model="kimi-k3")
    with pytest.raises(KimiValidationError, match="search_context_size='high'"):
        await Runner.run(agent, "Latest Kimi release?")
    assert kimi_emulator.responses_requests() == ()


def _drop_reasoning(data: CallModelData[Any]) -> ModelInputData:
    kept = [item for item in data.model_data.input if dict(item).get("type") != "reasoning"]  # pyright: ignore[reportArgumentType, reportUnknownArgumentType]
    return ModelInputData(input=kept, instructions=data.model_data.instructions)


@pytest.mark.anyio
async def test_reasoning_items_a_filter_dropped_are_restored(
    kimi_default_client: AsyncKimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    del kimi_default_client
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}))
    agent = Agent(name="Weather", instructions="Use get_weather.", tools=[get_weather], model="kimi-k3")
    await Runner.run(
        agent, "Weather in Paris?", run_config=RunConfig(call_model_input_filter=_drop_reasoning)
    )

    second = _bodies(kimi_emulator)[1]
    assert _types(second["input"]) == ["message", "reasoning", "function_call", "function_call_output"]


@pytest.mark.anyio
async def test_auto_previous_response_id(
    kimi_default_client: AsyncKimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    # openai-agents sends only the new items with previous_response_id; the client sends the history.
    del kimi_default_client
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}))
    agent = Agent(name="Weather", instructions="Use get_weather.", tools=[get_weather], model="kimi-k3")
    await Runner.run(agent, "Weather in Paris?", auto_previous_response_id=True)

    second = _bodies(kimi_emulator)[1]
    assert "previous_response_id" not in second
    assert _types(second["input"]) == ["message", "reasoning", "function_call", "function_call_output"]
