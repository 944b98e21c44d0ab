"""Conversation / AsyncConversation with a system prompt, Python functions as tools, loop guards and cost."""

from __future__ import annotations

from typing import Any

import pytest

from kimi_openai import (
    AsyncKimiOpenAI,
    KimiOpenAI,
    KimiValidationError,
    RepeatedToolCallError,
    TieredPrices,
    TokenPrices,
)
from kimi_openai.lib import AsyncConversation, Conversation, Formula, function_tool
from kimi_openai.testing import MoonshotEmulator, ToolCall, Usage

MODEL = "kimi-k2.6"


def get_weather(city: str) -> dict[str, object]:
    """Today's weather in a city."""
    return {"city": city, "temp_c": 21}


def test_a_system_prompt_goes_first(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    chat = Conversation(kimi_emulator_client, model=MODEL, system="Answer in one word.")
    chat.send("Capital of France?")
    sent = kimi_emulator.last_chat_request()["messages"]
    assert sent[0] == {"role": "system", "content": "Answer in one word."}
    assert [m["role"] for m in chat.messages] == ["system", "user", "assistant"]
    with pytest.raises(TypeError, match="give the system prompt once"):
        Conversation(
            kimi_emulator_client, model=MODEL, system="x", messages=[{"role": "system", "content": "y"}]
        )


def test_unknown_keywords_are_refused_when_built_and_per_turn(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    with pytest.raises(TypeError, match="Conversation\\(\\) got an unexpected keyword argument 'sytem'"):
        Conversation(kimi_emulator_client, model=MODEL, sytem="typo")
    chat = Conversation(kimi_emulator_client, model=MODEL, temperature=1.0, extra_body={"x": 1})
    with pytest.raises(TypeError, match="the turn got an unexpected keyword argument 'max_token'"):
        chat.send("Hi", max_token=10)
    assert kimi_emulator.requests == ()
    with pytest.raises(KimiValidationError, match="repeated_call_limit=0 is not allowed"):
        Conversation(kimi_emulator_client, model=MODEL, tools=[get_weather], repeated_call_limit=0)
    with pytest.raises(KimiValidationError, match="not a bare declaration"):
        Conversation(kimi_emulator_client, model=MODEL, tools=[get_weather, function_tool(get_weather).param])


def test_functions_in_tools_run_the_tool_loop(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    chat = Conversation(kimi_emulator_client, model=MODEL, system="Be brief.", tools=[get_weather])
    kimi_emulator.queue_tool_calls(
        ToolCall("get_weather", {"city": "Paris"}, id="w0"), reasoning="Look it up.", usage=Usage(100, 10)
    )
    kimi_emulator.queue_text("21 °C.", usage=Usage(150, 5, cached_tokens=100))
    answer = chat.send("Weather in Paris?")
    assert answer.choices[0].message.content == "21 °C."
    assert [m["role"] for m in chat.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert chat.messages[2]["reasoning_content"] == "Look it up."
    assert chat.messages[3]["content"] == '{"city":"Paris","temp_c":21}'
    assert chat.last_run is not None
    assert [(r.name, r.id) for r in chat.last_run.tool_calls] == [("get_weather", "w0")]
    assert kimi_emulator.last_chat_request()["tools"][0]["function"]["name"] == "get_weather"
    usage = chat.usage
    assert (usage.requests, usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (
        2,
        250,
        15,
        265,
    )
    assert usage.cached_tokens == 100
    # The next turn goes on from the whole transcript.
    chat.send("And tomorrow?")
    assert len(kimi_emulator.last_chat_request()["messages"]) == 6


def test_the_loop_guards_apply_and_a_stopped_turn_adds_nothing(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    chat = Conversation(kimi_emulator_client, model=MODEL, tools=[get_weather], repeated_call_limit=2)
    for i in range(2):
        kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}, id=f"w{i}"))
    with pytest.raises(RepeatedToolCallError) as info:
        chat.send("Weather in Paris?")
    assert chat.messages == []
    assert chat.usage.requests == 2  # spent all the same
    assert [m["role"] for m in info.value.messages] == ["user", "assistant", "tool"]
    # A turn's own option wins over the conversation's.
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}, id="w2"))
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}, id="w3"))
    chat.send("Weather in Paris?", repeated_call_limit=None)
    assert [m["role"] for m in chat.messages][-1] == "assistant"


def test_stream_and_estimate_declare_functions_without_running_them(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    chat = Conversation(kimi_emulator_client, model=MODEL, tools=[get_weather])
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}, id="w0"))
    chat.stream("Weather in Paris?").until_done()
    assert kimi_emulator.last_chat_request()["tools"] == [function_tool(get_weather).param]
    assert [call["id"] for call in chat.pending_tool_calls] == ["w0"]
    assert chat.estimate_tokens("Next") > 0
    with pytest.raises(TypeError, match=r"Formula\('moonshot/date:latest'\) is declared by Moonshot"):
        chat.stream("Date?", tools=[Formula("moonshot/date:latest")])


def test_usage_cost_with_given_and_tiered_prices(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    chat = Conversation(kimi_emulator_client, model=MODEL)
    kimi_emulator.queue_text("Short.", usage=Usage(1_000, 100))
    kimi_emulator.queue_text("Long.", usage=Usage(200_000, 100, cached_tokens=100_000))
    chat.send("Short question")
    chat.send("Long question")
    flat = TokenPrices(input=1.0, output=10.0, cached_input=0.1)
    assert chat.usage.cost(prices=flat) == pytest.approx((1_000 + 100_000 + 10_000 + 2_000) / 1_000_000)
    tiered = TieredPrices(flat, above={128_000: TokenPrices(input=2.0, output=20.0, cached_input=0.2)})
    first = (1_000 * 1.0 + 100 * 10.0) / 1_000_000  # under the threshold
    second = (100_000 * 0.2 + 100_000 * 2.0 + 100 * 20.0) / 1_000_000  # the whole request above it
    assert chat.usage.cost(prices=tiered) == pytest.approx(first + second)
    with pytest.raises(KimiValidationError, match="is not a price"):
        chat.usage.cost(prices=[1.0, 2.0])  # pyright: ignore[reportArgumentType]


@pytest.mark.anyio
async def test_async_conversation_runs_tools_concurrently_with_guards(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    async def get_forecast(city: str) -> str:
        """Tomorrow's forecast."""
        return f"sunny in {city}"

    chat = AsyncConversation(
        async_kimi_emulator_client, model=MODEL, system="Be brief.", tools=[get_forecast]
    )
    kimi_emulator.queue_tool_calls(
        ToolCall("get_forecast", {"city": "Paris"}, id="a"),
        ToolCall("get_forecast", {"city": "Lima"}, id="b"),
    )
    kimi_emulator.queue_text("Sunny in both.")
    answer = await chat.send("Forecast for Paris and Lima?")
    assert answer.choices[0].message.content == "Sunny in both."
    tool_messages: list[Any] = [m for m in chat.messages if m["role"] == "tool"]
    assert [(m["tool_call_id"], m["content"]) for m in tool_messages] == [
        ("a", "sunny in Paris"),
        ("b", "sunny in Lima"),
    ]
    assert chat.usage.requests == 2
    with pytest.raises(TypeError, match="unexpected keyword argument 'systm'"):
        AsyncConversation(async_kimi_emulator_client, model=MODEL, systm="x")
