"""The tool loop: ``function_tool`` schemas and ``run_tools`` / ``async_run_tools`` on the wire.

Cassettes: ``cassettes/test_tools/`` (``pytest --record-mode=rewrite tests/lib/test_tools.py``),
recorded from an emulator scripted to make the calls the prompt asks for. The exact wire of each turn
is checked on the in-process emulator (``queue_tool_calls``).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Annotated, Any, Literal

import anyio
import pytest
from pydantic import BaseModel, Field

from kimi_openai import AsyncKimiOpenAI, KimiError, KimiOpenAI, KimiValidationError
from kimi_openai._compat import httpx
from kimi_openai.lib.tools import (
    Formula,
    MaxStepsExceededError,
    TokenBudgetExceededError,
    ToolExecutionError,
    async_run_tools,
    function_tool,
    run_tools,
)
from kimi_openai.lib.web_search import WEB_SEARCH, WEB_SEARCH_TOOL
from kimi_openai.pytest_plugin import KIMI_BODY_MATCH, KimiRecording
from kimi_openai.testing import MoonshotEmulator, ToolCall
from kimi_openai.types.tool_run import ToolRunResult

PLAIN: dict[str, Any] = {"model": "kimi-k2.6", "extra_body": {"thinking": {"type": "disabled"}}}
"""A model answering without reasoning: kimi-k2.6 with thinking off."""


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


# -- cassettes --------------------------------------------------------------------------------
# Recording from the emulator, each of these tests gets one scripted to make its tool calls (the
# unscripted emulator only searches and answers text). Live, the model decides; the prompts ask for
# the calls, and the checks hold for any run that makes them.

SEARCH_AND_DATE = (
    "Search the web: who designed the Shanghai Tower? Also give today's date, from the date tool."
)
WARMER_THEN_FORECAST = (
    "Which is warmer right now, Beijing or Shanghai? Call get_weather for both cities at once, "
    "then call it again for the warmer one with days=3, and answer in one sentence."
)
# Reasoning tokens count toward max_tokens (https://platform.kimi.ai/docs/guide/use-thinking-models).
THINKING_MAX_TOKENS = 16_000


def _script_search_and_date(emulator: MoonshotEmulator) -> None:
    search = {"search_result": {"search_id": "search-shanghai-tower"}, "usage": {"total_tokens": 13046}}
    emulator.queue_tool_calls(
        ToolCall("$web_search", search),
        ToolCall("date", {"format": "%Y-%m-%d"}),
        reasoning="A web search for the architect, and the date tool for today.",
    )


def _script_warmer_then_forecast(emulator: MoonshotEmulator) -> None:
    emulator.queue_tool_calls(
        ToolCall("get_weather", {"place": {"city": "Beijing"}}),
        ToolCall("get_weather", {"place": {"city": "Shanghai"}}),
        reasoning="Both cities at once, then compare.",
    )
    emulator.queue_tool_calls(
        ToolCall("get_weather", {"place": {"city": "Shanghai"}, "days": 3}),
        reasoning="Shanghai is warmer: now its three days.",
    )
    emulator.queue_text("Shanghai is warmer (25°C against 21°C), and stays so for the next three days.")


_RECORDING_SCRIPTS: dict[str, Callable[[MoonshotEmulator], None]] = {
    "test_tool_loop_with_search_and_a_formula": _script_search_and_date,
    "test_multi_step_parallel_calls_on_a_thinking_model": _script_warmer_then_forecast,
}


@pytest.fixture
def kimi_recording(kimi_recording: KimiRecording, request: pytest.FixtureRequest) -> Iterator[KimiRecording]:
    """Recording from the emulator: a fresh one with this test's script. Otherwise unchanged."""
    script = _RECORDING_SCRIPTS.get(request.node.name)
    if script is None or not kimi_recording.recording or kimi_recording.source != "emulator":
        yield kimi_recording
        return
    emulator = MoonshotEmulator()
    script(emulator)
    with emulator.serve() as base_url:
        yield replace(kimi_recording, base_url=base_url, recorded_base_url=base_url)
    assert emulator.pending == (), "the recording did not use the whole script"


def _recording_client(client: KimiOpenAI, sent: list[httpx.Request]) -> KimiOpenAI:
    """``client`` with every request it sends also kept in ``sent`` (the cassette still answers)."""
    return client.copy(http_client=httpx.Client(event_hooks={"request": [sent.append]}))


def _assert_turns_answered_in_order(result: ToolRunResult) -> None:
    """Every assistant turn is echoed with its reasoning, then one tool message per call, in order."""
    messages = result.messages
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        assert message["reasoning_content"]  # k2.6 thinks by default; the echo keeps it
        calls: list[dict[str, Any]] = message.get("tool_calls") or []
        ids = [call["id"] for call in calls]
        answers = messages[index + 1 : index + 1 + len(ids)]
        assert [(m["role"], m["tool_call_id"]) for m in answers] == [("tool", i) for i in ids]
    for record in result.tool_calls:
        pairs = [m for m in messages if m.get("tool_call_id") == record.id]
        assert len(pairs) == 1
        assert pairs[0]["content"] == record.content


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_tool_loop_with_search_and_a_formula(kimi_client: KimiOpenAI) -> None:
    sent: list[httpx.Request] = []
    with _recording_client(kimi_client, sent) as client:
        result = run_tools(
            client,
            model="kimi-k2.6",
            messages=[{"role": "user", "content": SEARCH_AND_DATE}],
            tools=[WEB_SEARCH_TOOL, Formula("moonshot/date:latest")],
            max_tokens=THINKING_MAX_TOKENS,
        )
    assert result.content
    assert result.completion.choices[0].finish_reason == "stop"
    assert result.steps == len({r.step for r in result.tool_calls}) + 1
    _assert_turns_answered_in_order(result)
    searches = [r for r in result.tool_calls if r.name == WEB_SEARCH]
    assert searches
    assert all(r.content == r.arguments for r in searches)
    # The formula path: each other call ran as a fiber, and its output went back as the tool message.
    formula_calls = [r for r in result.tool_calls if r.name != WEB_SEARCH]
    fibers = [json.loads(r.content) for r in sent if r.url.path.endswith("/date:latest/fibers")]
    assert formula_calls
    assert fibers == [{"name": r.name, "arguments": r.arguments} for r in formula_calls]
    for record in formula_calls:
        assert record.error is None
        assert record.content


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_multi_step_parallel_calls_on_a_thinking_model(kimi_client: KimiOpenAI) -> None:
    result = run_tools(
        kimi_client,
        model="kimi-k2.6",
        messages=[{"role": "user", "content": WARMER_THEN_FORECAST}],
        tools=[get_weather],
        max_tokens=THINKING_MAX_TOKENS,
    )
    assert result.content
    assert result.completion.choices[0].finish_reason == "stop"
    calls_per_step = Counter(r.step for r in result.tool_calls)
    assert len(calls_per_step) >= 2  # multi-step: the forecast needs the first answers
    assert max(calls_per_step.values()) >= 2  # two calls in one turn
    assert result.steps == len(calls_per_step) + 1
    assert len({r.id for r in result.tool_calls}) == len(result.tool_calls)
    _assert_turns_answered_in_order(result)
    for record in result.tool_calls:
        assert record.error is None
        asked = json.loads(record.arguments)
        answered = json.loads(record.content)  # what get_weather returned, run in process
        assert answered["city"] == asked["place"]["city"]
        assert answered["days"] == asked.get("days", 1)


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
        model="kimi-k2.6",
        messages=QUESTION,
        tools=[get_weather, WEB_SEARCH_TOOL, Formula("moonshot/date:latest")],
    )
    sent = kimi_emulator.last_chat_request()
    assert [t["function"]["name"] for t in sent["tools"]] == ["get_weather", "$web_search", "date"]
    assert "thinking" not in sent  # kimi-k2.6 searches while thinking
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
        **PLAIN,
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
            **PLAIN,
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
            **PLAIN,
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
            **PLAIN,
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
            **PLAIN,
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
