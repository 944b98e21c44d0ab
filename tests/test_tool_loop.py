"""The tool loop: ``function_tool`` schemas and ``run_tools`` / ``async_run_tools`` on the wire.

Cassette: ``cassettes/test_tool_loop/`` (``pytest --record-mode=rewrite tests/test_tool_loop.py``).
Parallel calls on a thinking model are scripted on the in-process emulator (``queue_tool_calls``).
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Literal

import anyio
import pytest
from pydantic import BaseModel, Field

from kimi_openai import AsyncKimiOpenAI, KimiError, KimiOpenAI, KimiValidationError
from kimi_openai.lib.tools import (
    Formula,
    MaxStepsExceededError,
    TokenBudgetExceededError,
    ToolExecutionError,
    async_run_tools,
    function_tool,
    run_tools,
)
from kimi_openai.lib.web_search import WEB_SEARCH_TOOL
from kimi_openai.pytest_plugin import KIMI_BODY_MATCH
from kimi_openai.testing import MoonshotEmulator, ToolCall

QUESTION: list[Any] = [{"role": "user", "content": "Weather in Beijing and Shanghai, in celsius?"}]


class Place(BaseModel):
    city: str
    country: str = "CN"


def get_weather(
    place: Place,
    unit: Annotated[Literal["c", "f"], "Temperature unit."] = "c",
    days: int = Field(1, ge=1, description="Days to forecast."),
) -> dict[str, object]:
    """The weather forecast for a place.

    Args:
        place: Where to look,
            a city and its country.
        unit: not used: the Annotated text wins.
    """
    return {
        "city": place.city,
        "temperature": 21 if place.city == "Beijing" else 25,
        "unit": unit,
        "days": days,
    }


def explode(reason: str) -> str:
    """Always fails."""
    raise RuntimeError(f"boom: {reason}")


# -- function_tool -----------------------------------------------------------------------------


def test_function_tool_schema() -> None:
    tool = function_tool(get_weather)
    assert tool.param["function"]["name"] == "get_weather"
    assert tool.param["function"].get("description") == "The weather forecast for a place."
    parameters = tool.parameters
    assert parameters["type"] == "object"
    assert parameters["required"] == ["place"]
    props = parameters["properties"]
    assert props["place"]["description"] == "Where to look, a city and its country."
    assert props["unit"] == {
        "default": "c",
        "description": "Temperature unit.",
        "type": "string",
        "enum": ["c", "f"],
    }
    assert props["days"]["type"] == "integer"
    assert props["days"]["description"].startswith("Days to forecast.")
    assert "minimum" not in props["days"]  # MFJS has no bounds; they are restated in the description
    assert parameters["$defs"]["Place"]["required"] == ["city"]
    assert "title" not in json.dumps(parameters)


def test_function_tool_binds_and_validates() -> None:
    tool = function_tool(get_weather)
    kwargs = tool.bind('{"place": {"city": "Beijing"}, "days": 2}')
    assert kwargs == {"place": Place(city="Beijing"), "unit": "c", "days": 2}
    with pytest.raises(ValueError, match="days"):
        tool.bind('{"place": {"city": "Beijing"}, "days": 0}')


def test_function_tool_refuses_bad_names_and_varargs() -> None:
    with pytest.raises(KimiValidationError, match="not allowed"):
        function_tool(get_weather, name="$weather")
    with pytest.raises(KimiValidationError, match=r"\*args"):
        function_tool(lambda *xs: xs, name="many")  # pyright: ignore[reportUnknownLambdaType, reportUnknownArgumentType]


# -- cassette ----------------------------------------------------------------------------------


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_tool_loop_with_search_and_a_formula(kimi_client: KimiOpenAI) -> None:
    result = run_tools(
        kimi_client,
        model="kimi-k2.6",
        messages=[{"role": "user", "content": "Search the web: who designed the Shanghai Tower?"}],
        tools=[WEB_SEARCH_TOOL, Formula("moonshot/date:latest")],
    )
    assert result.content
    assert result.completion.choices[0].finish_reason == "stop"
    assert result.tool_calls
    assert result.steps == len({r.step for r in result.tool_calls}) + 1
    for record in result.tool_calls:
        pairs = [m for m in result.messages if m.get("tool_call_id") == record.id]
        assert len(pairs) == 1
        assert pairs[0]["content"] == record.content
        if record.name == "$web_search":
            assert record.content == record.arguments
    for message in result.messages:
        if message["role"] == "assistant":
            assert message["reasoning_content"]  # k2.6 thinks by default; the echo keeps it


# -- in process: the wire ----------------------------------------------------------------------


def test_parallel_calls_on_a_thinking_model(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(
        ToolCall("get_weather", {"place": {"city": "Beijing"}}, id="functions.get_weather:0"),
        ToolCall("get_weather", {"place": {"city": "Shanghai"}}, id="functions.get_weather:1"),
        reasoning="Two cities: two calls.",
    )
    kimi_emulator.queue_tool_calls(
        ToolCall("get_weather", {"place": {"city": "Beijing"}, "days": 2}, id="functions.get_weather:2"),
        reasoning="One more day for Beijing.",
    )
    kimi_emulator.queue_text("Beijing 21°C, Shanghai 25°C.")
    result = run_tools(kimi_emulator_client, model="kimi-k2.6", messages=QUESTION, tools=[get_weather])
    assert result.content == "Beijing 21°C, Shanghai 25°C."
    assert result.steps == 3
    sent = kimi_emulator.last_chat_request()
    assert sent["tools"] == [function_tool(get_weather).param]
    roles = [m["role"] for m in sent["messages"]]
    assert roles == ["user", "assistant", "tool", "tool", "assistant", "tool"]
    first = sent["messages"][1]
    assert first["reasoning_content"] == "Two cities: two calls."
    assert [c["id"] for c in first["tool_calls"]] == ["functions.get_weather:0", "functions.get_weather:1"]
    assert [m["tool_call_id"] for m in sent["messages"] if m["role"] == "tool"] == [
        "functions.get_weather:0",
        "functions.get_weather:1",
        "functions.get_weather:2",
    ]
    assert json.loads(sent["messages"][3]["content"])["city"] == "Shanghai"
    assert sent["messages"][4]["reasoning_content"] == "One more day for Beijing."
    assert [r.step for r in result.tool_calls] == [1, 1, 2]
    assert result.messages == sent["messages"]


def test_mixed_function_search_and_formula(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(
        ToolCall("get_weather", {"place": {"city": "Beijing"}}, id="call_a"),
        ToolCall("$web_search", '{"usage":{"total_tokens":7}}', id="search:1"),
        ToolCall("date", {"format": "%Y"}, id="call_c"),
    )
    kimi_emulator.queue_text("Done.")
    result = run_tools(
        kimi_emulator_client,
        model="kimi-k2.5",
        messages=QUESTION,
        tools=[get_weather, WEB_SEARCH_TOOL, Formula("moonshot/date:latest")],
    )
    sent = kimi_emulator.last_chat_request()
    assert [t["function"]["name"] for t in sent["tools"]] == ["get_weather", "$web_search", "date"]
    assert sent["thinking"] == {"type": "disabled"}  # k2.5 + $web_search
    tools = [m for m in sent["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tools] == ["call_a", "search:1", "call_c"]
    assert tools[1] == {
        "role": "tool",
        "tool_call_id": "search:1",
        "name": "$web_search",
        "content": '{"usage":{"total_tokens":7}}',
    }
    assert tools[2]["content"] == "2023"  # the emulator's fixed clock
    fiber = [r for r in kimi_emulator.requests if r.path.endswith("/fibers")]
    assert fiber[0].json == {"name": "date", "arguments": '{"format": "%Y"}'}
    assert result.content == "Done."


def test_tool_errors_go_back_to_the_model(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(
        ToolCall("explode", {"reason": "x"}, id="c1"),
        ToolCall("nowhere", {}, id="c2"),
        ToolCall("date", "{}", id="c3"),
    )
    kimi_emulator.queue_fiber_failure("quota exhausted")
    kimi_emulator.queue_text("Sorry.")
    result = run_tools(
        kimi_emulator_client,
        model="kimi-k2-turbo-preview",
        messages=QUESTION,
        tools=[explode, Formula("moonshot/date:latest")],
    )
    contents = [r.content for r in result.tool_calls]
    assert contents[0] == "Error: RuntimeError: boom: x"
    assert "no tool named 'nowhere'" in contents[1]
    assert contents[2] == "Error: _FiberError: quota exhausted"
    assert [r.error is not None for r in result.tool_calls] == [True, True, True]
    assert result.content == "Sorry."


def test_tool_errors_can_raise(kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("explode", {"reason": "y"}, id="c9"))
    with pytest.raises(ToolExecutionError, match="boom: y") as info:
        run_tools(
            kimi_emulator_client,
            model="kimi-k2-turbo-preview",
            messages=QUESTION,
            tools=[explode],
            on_tool_error="raise",
        )
    assert (info.value.tool_name, info.value.tool_call_id) == ("explode", "c9")
    assert isinstance(info.value.__cause__, RuntimeError)
    assert isinstance(info.value, KimiError)


def test_max_steps(kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI) -> None:
    for i in range(3):
        kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"place": {"city": "Beijing"}}, id=f"c{i}"))
    with pytest.raises(MaxStepsExceededError, match="max_steps=2") as info:
        run_tools(
            kimi_emulator_client,
            model="kimi-k2-turbo-preview",
            messages=QUESTION,
            tools=[get_weather],
            max_steps=2,
        )
    assert len(kimi_emulator.chat_requests()) == 2
    assert [m["role"] for m in info.value.messages] == ["user", "assistant", "tool"]
    assert info.value.steps == 2


def test_token_budget(kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"place": {"city": "Beijing"}}, id="c0"))
    with pytest.raises(TokenBudgetExceededError, match="max_tokens_budget=10") as info:
        run_tools(
            kimi_emulator_client,
            model="kimi-k2-turbo-preview",
            messages=QUESTION,
            tools=[get_weather],
            max_tokens_budget=10,
        )
    assert info.value.total_tokens >= 10
    assert len(kimi_emulator.chat_requests()) == 1


def test_bare_declarations_are_refused(kimi_emulator_client: KimiOpenAI) -> None:
    with pytest.raises(KimiValidationError, match="run_tools runs the tools it is given"):
        run_tools(
            kimi_emulator_client,
            model="kimi-k2.6",
            messages=QUESTION,
            tools=[function_tool(get_weather).param],
        )


# -- async: concurrency and order --------------------------------------------------------------


@pytest.mark.anyio
async def test_async_calls_run_concurrently_in_order(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    finished: list[str] = []

    async def slow(name: str, delay: float) -> str:
        """Waits, then answers."""
        await anyio.sleep(delay)
        finished.append(name)
        return name

    def blocking(name: str) -> str:
        """Blocks a worker thread."""
        time.sleep(0.2)
        finished.append(name)
        return name

    kimi_emulator.queue_tool_calls(
        ToolCall("slow", {"name": "first", "delay": 0.6}, id="a"),
        ToolCall("blocking", {"name": "second"}, id="b"),
        ToolCall("slow", {"name": "third", "delay": 0.0}, id="c"),
        reasoning="Three at once.",
    )
    kimi_emulator.queue_text("All done.")
    result = await async_run_tools(
        async_kimi_emulator_client, model="kimi-k2.6", messages=QUESTION, tools=[slow, blocking]
    )
    # Run one after another they would finish first, second, third.
    assert finished == ["third", "second", "first"]
    sent = kimi_emulator.last_chat_request()
    tools = [m for m in sent["messages"] if m["role"] == "tool"]
    assert [(m["tool_call_id"], m["content"]) for m in tools] == [
        ("a", "first"),
        ("b", "second"),
        ("c", "third"),
    ]
    assert sent["messages"][1]["reasoning_content"] == "Three at once."
    assert result.content == "All done."


@pytest.mark.anyio
async def test_async_raise_surfaces_the_tool_error(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("explode", {"reason": "z"}, id="c1"))
    with pytest.raises(ToolExecutionError, match="boom: z"):
        await async_run_tools(
            async_kimi_emulator_client,
            model="kimi-k2-turbo-preview",
            messages=QUESTION,
            tools=[explode, Formula("moonshot/date:latest")],
            on_tool_error="raise",
        )


def _weather(city: Annotated[str, Field(description="City name", min_length=2)]) -> str:
    """Current weather."""
    return city


def test_function_tool_keeps_an_annotated_field_description() -> None:
    schema: Any = function_tool(_weather).param["function"].get("parameters")
    assert "City name" in schema["properties"]["city"]["description"]
