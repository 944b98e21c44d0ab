"""langchain-openai's ``ChatOpenAI`` on the Kimi clients, offline against the emulator.

``ChatOpenAI`` takes four clients: ``client`` and ``async_client`` (the ``chat.completions``
resources) and ``root_client`` and ``root_async_client`` (the clients). It builds a plain
openai client pointed at OpenAI for any side left out, so all four come from Kimi clients
here, as docs/frameworks.md shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai.testing import MoonshotEmulator, StreamUsagePlacement, TextReply, ToolCall, Usage

pytest.importorskip("langchain_openai")

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

MODEL = "kimi-k2.6"  # thinks unless told not to


class City(BaseModel):
    name: str
    country: str


CITY_JSON = '{"name": "Paris", "country": "France"}'


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return json.dumps({"city": city, "sky": "sunny", "temp_c": 21})


def chat_model(emulator: MoonshotEmulator, **options: Any) -> ChatOpenAI:
    """``ChatOpenAI`` wired to the emulator through a sync and an async Kimi client."""
    sync = KimiOpenAI(
        api_key="sk-test", max_retries=0, http_client=httpx.Client(transport=emulator.transport())
    )
    asynchronous = AsyncKimiOpenAI(
        api_key="sk-test", max_retries=0, http_client=httpx.AsyncClient(transport=emulator.async_transport())
    )
    return ChatOpenAI(
        model=MODEL,
        client=sync.chat.completions,
        root_client=sync,
        async_client=asynchronous.chat.completions,
        root_async_client=asynchronous,
        **options,
    )


def structured(model: ChatOpenAI, **options: Any) -> Runnable[str, Any]:
    # langchain's signature leaves the schema type's parameter unknown.
    return model.with_structured_output(City, **options)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


def with_weather_tool(model: ChatOpenAI) -> Runnable[list[BaseMessage], AIMessage]:
    # langchain's signature leaves the tool callables' return type unknown.
    return model.bind_tools([get_weather])  # pyright: ignore[reportUnknownMemberType]


Invoke = Callable[[Runnable[str, Any], str], Any]


def _sync_invoke(runnable: Runnable[str, Any], prompt: str) -> Any:
    return runnable.invoke(prompt)


def _async_invoke(runnable: Runnable[str, Any], prompt: str) -> Any:
    return anyio.run(runnable.ainvoke, prompt)


BOTH = pytest.mark.parametrize("invoke", [_sync_invoke, _async_invoke], ids=["sync", "async"])


@BOTH
def test_structured_output_default_method(invoke: Invoke) -> None:
    """The default method (json_schema) goes through ``chat.completions.with_raw_response.parse``."""
    emulator = MoonshotEmulator()
    emulator.queue(TextReply(CITY_JSON, reasoning="The capital of France is Paris."))

    city = invoke(structured(chat_model(emulator)), "Which city is the capital of France?")

    assert city == City(name="Paris", country="France")
    sent = emulator.last_chat_request()
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["name"] == "City"


@BOTH
def test_structured_output_with_function_calling(invoke: Invoke) -> None:
    """langchain forces the tool; a thinking model refuses a forced tool, so the client turns thinking off."""
    emulator = MoonshotEmulator()
    emulator.queue_tool_calls(ToolCall("City", {"name": "Paris", "country": "France"}))

    city = invoke(
        structured(chat_model(emulator), method="function_calling"), "Which city is the capital of France?"
    )

    assert city == City(name="Paris", country="France")
    sent = emulator.last_chat_request()
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "City"}}
    assert sent["thinking"] == {"type": "disabled"}


def test_bind_tools_loop_on_a_thinking_model() -> None:
    """langchain's AIMessage keeps no ``reasoning_content``; the client puts the real one back."""
    emulator = MoonshotEmulator()
    reasoning = "The user wants the weather in Paris: call get_weather."
    emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}), reasoning=reasoning)
    emulator.queue(TextReply("It is sunny in Paris, 21 °C.", reasoning="The tool answered."))
    model = with_weather_tool(chat_model(emulator))

    history: list[BaseMessage] = [HumanMessage("What is the weather in Paris?")]
    turn = model.invoke(history)
    assert [call["name"] for call in turn.tool_calls] == ["get_weather"]
    history.append(turn)
    for call in turn.tool_calls:
        history.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))
    final = model.invoke(history)

    assert final.content == "It is sunny in Paris, 21 °C."
    first, second = (request.json or {} for request in emulator.chat_requests())
    assert "thinking" not in first  # the model's default: thinking on
    echoed = second["messages"][1]
    assert echoed["tool_calls"][0]["id"] == turn.tool_calls[0]["id"]
    assert echoed["reasoning_content"] == reasoning


def test_usage_metadata_reports_cache_hits() -> None:
    emulator = MoonshotEmulator()
    emulator.queue(
        TextReply("Hello again.", usage=Usage(prompt_tokens=300, completion_tokens=20, cached_tokens=256))
    )

    reply = chat_model(emulator).invoke("Hello")

    usage = reply.usage_metadata
    assert usage is not None
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (300, 20, 320)
    assert usage.get("input_token_details", {}).get("cache_read") == 256


@pytest.mark.parametrize("placement", ["include_usage", "choice", "top"])
def test_streaming_with_usage_reports_cache_hits(placement: StreamUsagePlacement) -> None:
    """``stream_usage=True`` on each shape Moonshot has streamed usage in, the legacy one inside ``choices[0]`` too."""
    emulator = MoonshotEmulator(stream_usage=placement)
    emulator.queue(
        TextReply(
            "Sunny all day.",
            reasoning="Answer briefly.",
            usage=Usage(prompt_tokens=300, completion_tokens=20, cached_tokens=256),
        )
    )

    total: AIMessageChunk | None = None
    for chunk in chat_model(emulator, stream_usage=True).stream("Weather?"):
        total = chunk if total is None else total + chunk

    assert total is not None
    assert total.content == "Sunny all day."
    assert emulator.last_chat_request()["stream_options"] == {"include_usage": True}
    usage = total.usage_metadata
    assert usage is not None
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (300, 20, 320)
    assert usage.get("input_token_details", {}).get("cache_read") == 256


@pytest.mark.anyio
async def test_async_streaming_with_usage_reports_cache_hits() -> None:
    emulator = MoonshotEmulator()
    emulator.queue(
        TextReply("Sunny.", usage=Usage(prompt_tokens=120, completion_tokens=4, cached_tokens=100))
    )

    total: AIMessageChunk | None = None
    async for chunk in chat_model(emulator, stream_usage=True).astream("Weather?"):
        total = chunk if total is None else total + chunk

    assert total is not None
    assert total.content == "Sunny."
    usage = total.usage_metadata
    assert usage is not None
    assert (usage["input_tokens"], usage["output_tokens"]) == (120, 4)
    assert usage.get("input_token_details", {}).get("cache_read") == 100
