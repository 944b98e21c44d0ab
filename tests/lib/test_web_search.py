"""``$web_search``: the declaration, ``run_web_search`` (echo, ids, thinking rules), ``.parse()`` and
async ``.stream()`` with the builtin tool.

Cassettes: ``cassettes/test_web_search/`` (``pytest --record-mode=rewrite tests/lib/test_web_search.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolUnionParam

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai.lib.web_search import (
    WEB_SEARCH_TOOL,
    MaxStepsExceededError,
    async_run_web_search,
    run_web_search,
)
from kimi_openai.pytest_plugin import KIMI_BODY_MATCH
from kimi_openai.resources.chat._builtin_tools import split_builtin_tools
from kimi_openai.testing import MoonshotEmulator, ToolCall
from kimi_openai.types.chat import KimiParsedChatCompletion

THINKING_OFF: dict[str, object] = {"thinking": {"type": "disabled"}}
"""A model answering without reasoning: kimi-k2.6 with thinking off."""


QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is the tallest building in Shanghai? Search the web."}
]
WEATHER: ChatCompletionToolUnionParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def test_declaration_is_the_documented_builtin() -> None:
    assert WEB_SEARCH_TOOL == {"type": "builtin_function", "function": {"name": "$web_search"}}


# -- cassettes ---------------------------------------------------------------------------------


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_web_search_round_trip(kimi_client: KimiOpenAI) -> None:
    result = run_web_search(kimi_client, model="kimi-k2.6", messages=QUESTION)
    assert result.content
    assert result.completion.choices[0].finish_reason == "stop"
    assert result.searches >= 1
    assert result.search_tokens > 0
    assistant, tool = result.messages[1], result.messages[2]
    call = assistant["tool_calls"][0]
    assert call["function"]["name"] == "$web_search"
    assert tool == {
        "role": "tool",
        "tool_call_id": call["id"],
        "name": "$web_search",
        "content": call["function"]["arguments"],
    }


# -- the wire, in process ----------------------------------------------------------------------


def test_echo_keeps_ids_type_and_reasoning(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    arguments = '{"search_result":{"search_id":"s-1"},"usage":{"total_tokens":900}}'
    kimi_emulator.queue_tool_calls(
        ToolCall("$web_search", arguments, id="search:0"), reasoning="I should look this up."
    )
    result = run_web_search(kimi_emulator_client, model="kimi-k2.6", messages=QUESTION)
    sent = kimi_emulator.last_chat_request()
    assert sent["tools"] == [WEB_SEARCH_TOOL]
    assert "thinking" not in sent  # k2.6 searches while thinking
    assistant, tool = sent["messages"][1], sent["messages"][2]
    assert assistant["reasoning_content"] == "I should look this up."
    assert assistant["tool_calls"][0]["id"] == "search:0"
    assert assistant["tool_calls"][0]["type"] == "builtin_function"
    assert assistant["tool_calls"][0]["function"]["arguments"] == arguments
    assert tool == {"role": "tool", "tool_call_id": "search:0", "name": "$web_search", "content": arguments}
    assert (result.searches, result.search_tokens) == (1, 900)


def test_tokens_add_up_over_requests(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    result = run_web_search(
        kimi_emulator_client, model="kimi-k2.6", extra_body=THINKING_OFF, messages=QUESTION
    )
    assert result.searches == 1
    assert result.search_tokens == 13046  # the emulator's default search size
    first = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", extra_body=THINKING_OFF, messages=QUESTION, tools=[WEB_SEARCH_TOOL]
    )
    assert first.usage is not None
    assert result.total_tokens > first.usage.total_tokens + 13046


def test_k2_6_searches_while_thinking_unless_told_otherwise(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    run_web_search(kimi_emulator_client, model="kimi-k2.6", messages=QUESTION)
    sent = kimi_emulator.last_chat_request()
    assert "thinking" not in sent
    assert sent["messages"][1]["reasoning_content"]
    kimi_emulator.clear_requests()
    run_web_search(kimi_emulator_client, model="kimi-k2.6", messages=QUESTION, thinking={"type": "disabled"})
    assert kimi_emulator.last_chat_request()["thinking"] == {"type": "disabled"}


def test_an_always_thinking_model_keeps_thinking(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    result = run_web_search(kimi_emulator_client, model="kimi-k2.7-code", messages=QUESTION)
    sent = kimi_emulator.last_chat_request()
    assert "thinking" not in sent
    assert sent["messages"][1]["reasoning_content"]
    assert result.content


def test_other_tools_are_offered_and_stop_the_loop(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(("get_weather", {"city": "Shanghai"}))
    result = run_web_search(
        kimi_emulator_client, model="kimi-k2.6", extra_body=THINKING_OFF, messages=QUESTION, tools=[WEATHER]
    )
    assert kimi_emulator.last_chat_request()["tools"] == [WEB_SEARCH_TOOL, WEATHER]
    assert result.completion.choices[0].finish_reason == "tool_calls"
    assert result.searches == 0
    assert result.content == ""


def test_max_searches(kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI) -> None:
    kimi_emulator.queue_tool_calls(("$web_search", "{}")).queue_tool_calls(("$web_search", "{}"))
    with pytest.raises(MaxStepsExceededError, match="max_searches=1") as info:
        run_web_search(
            kimi_emulator_client,
            model="kimi-k2.6",
            extra_body=THINKING_OFF,
            messages=QUESTION,
            max_searches=1,
        )
    assert [m["role"] for m in info.value.messages] == ["user", "assistant", "tool"]
    assert info.value.steps == 2


@pytest.mark.anyio
async def test_async_run_web_search(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    result = await async_run_web_search(async_kimi_emulator_client, model="kimi-k2.6", messages=QUESTION)
    assert result.content.startswith("Here is what the web says")
    assert kimi_emulator.last_chat_request()["messages"][2]["name"] == "$web_search"


# -- parse and stream with the builtin ---------------------------------------------------------


def test_split_builtin_tools_sends_every_tool_in_order() -> None:
    split = split_builtin_tools({"tools": iter([WEATHER, WEB_SEARCH_TOOL]), "extra_body": {"x": 1}})
    assert split["tools"] == [WEATHER]
    assert split["extra_body"] == {"x": 1, "tools": [WEATHER, WEB_SEARCH_TOOL]}
    assert split_builtin_tools({"tools": [WEATHER]}) == {"tools": [WEATHER]}
    assert "tools" not in split_builtin_tools({"tools": [WEB_SEARCH_TOOL]})


def test_parse_accepts_builtin_tools(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    parsed: KimiParsedChatCompletion[None] = kimi_emulator_client.chat.completions.parse(
        model="kimi-k2.6", messages=QUESTION, tools=[WEB_SEARCH_TOOL]
    )
    assert kimi_emulator.last_chat_request()["tools"] == [WEB_SEARCH_TOOL]
    call: Any = (parsed.choices[0].message.tool_calls or [])[0]
    assert (call.type, call.function.name) == ("builtin_function", "$web_search")
    assert parsed.choices[0].message.reasoning_content


def test_parse_with_mixed_tools_keeps_the_order(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    weather: Any = WEATHER
    strict: Any = {**weather, "function": {**weather["function"], "strict": True}}
    kimi_emulator_client.chat.completions.parse(
        model="kimi-k2.6", extra_body=THINKING_OFF, messages=QUESTION, tools=[strict, WEB_SEARCH_TOOL]
    )
    assert [t["type"] for t in kimi_emulator.last_chat_request()["tools"]] == ["function", "builtin_function"]


@pytest.mark.anyio
async def test_async_stream_accepts_builtin_tools(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    async with async_kimi_emulator_client.chat.completions.stream(
        model="kimi-k2.6", messages=QUESTION, tools=[WEB_SEARCH_TOOL]
    ) as stream:
        async for _event in stream:
            pass
        final = await stream.get_final_completion()
    assert kimi_emulator.last_chat_request()["tools"] == [WEB_SEARCH_TOOL]
    call: Any = (final.choices[0].message.tool_calls or [])[0]
    assert (call.type, call.function.name) == ("builtin_function", "$web_search")
    assert final.choices[0].finish_reason == "tool_calls"
