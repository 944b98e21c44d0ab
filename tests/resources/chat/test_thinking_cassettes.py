"""Thinking responses on the wire: cassettes (recorded from the emulator, valid live) and usage shapes.

Re-record: ``.venv/bin/pytest tests/resources/chat/test_thinking_cassettes.py --record-mode=rewrite``.
Cassette tests assert what any good answer satisfies; the emulator-exact check of
the legacy usage shape (inside ``choices[0]`` of the last chunk, which the recording
emulator does not send by default) is an in-process test at the end.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai.types.chat import ChatCompletionMessageParam

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai.pytest_plugin import KIMI_BODY_MATCH
from kimi_openai.testing import MoonshotEmulator, Usage
from kimi_openai.types.chat import KimiCompletionUsage

THINKING: Any = {"type": "enabled"}
# Reasoning tokens count toward max_tokens; Moonshot advises at least 16000
# (https://platform.kimi.ai/docs/guide/use-thinking-models).
MAX_TOKENS = 16_000
WEB_SEARCH: Any = {"type": "builtin_function", "function": {"name": "$web_search"}}


@pytest.mark.vcr
def test_thinking_answer_carries_reasoning(kimi_client: KimiOpenAI) -> None:
    completion = kimi_client.chat.completions.create(
        model="kimi-k2.6",
        messages=[{"role": "user", "content": "What is 17 * 23? Answer with the number."}],
        thinking=THINKING,
        max_tokens=MAX_TOKENS,
    )
    message = completion.choices[0].message
    assert isinstance(message.reasoning_content, str)
    assert message.reasoning_content.strip()
    assert message.content
    assert completion.usage is not None
    assert completion.usage.completion_tokens > 0


@pytest.mark.vcr
def test_streamed_reasoning_comes_before_content_with_top_level_usage(kimi_client: KimiOpenAI) -> None:
    stream = kimi_client.chat.completions.create(
        model="kimi-k2.6",
        messages=[{"role": "user", "content": "Name one prime number above 100."}],
        thinking=THINKING,
        max_tokens=MAX_TOKENS,
        stream=True,
    )
    order: list[str] = []
    usages: list[KimiCompletionUsage] = []
    for chunk in stream:
        if chunk.usage is not None:
            usages.append(chunk.usage)
        for choice in chunk.choices:
            if choice.delta.reasoning_content:
                order.append("reasoning")
            if choice.delta.content:
                order.append("content")
    assert "reasoning" in order
    assert "content" in order
    # Reasoning deltas all arrive before any content (https://platform.kimi.ai/docs/guide/use-thinking-models).
    assert order.index("content") > len(order) - order[::-1].index("reasoning") - 1
    assert stream.received_reasoning().strip()
    assert usages, "the last chunk carries the stream's usage (top level or inside choices[0])"
    assert usages[-1].completion_tokens > 0


@pytest.mark.vcr
def test_streamed_usage_with_include_usage(kimi_client: KimiOpenAI) -> None:
    stream = kimi_client.chat.completions.create(
        model="kimi-k2.6",
        messages=[{"role": "user", "content": "Say hello."}],
        thinking=THINKING,
        max_tokens=MAX_TOKENS,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    with_usage = [chunk for chunk in chunks if chunk.usage is not None]
    assert with_usage
    assert with_usage[-1].usage is not None
    assert with_usage[-1].usage.prompt_tokens > 0
    # Moonshot documents the include_usage chunk as the last one, with no choices; the legacy
    # shape puts usage on the last content chunk instead. Either way it is the stream's end.
    assert chunks.index(with_usage[-1]) == len(chunks) - 1


def _rebuilt(message: Any) -> Any:
    """The assistant turn as a framework rebuilds it: role, content and tool calls, no reasoning."""
    calls = [
        {"id": c.id, "type": c.type, "function": {"name": c.function.name, "arguments": c.function.arguments}}
        for c in message.tool_calls
    ]
    return {"role": "assistant", "content": message.content or "", "tool_calls": calls}


def _search_results(message: Any) -> list[Any]:
    # $web_search: hand the arguments back unchanged (https://platform.kimi.ai/docs/guide/use-web-search).
    return [
        {
            "role": "tool",
            "tool_call_id": call.id,
            "name": call.function.name,
            "content": json.dumps(json.loads(call.function.arguments)),
        }
        for call in message.tool_calls
    ]


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_thinking_tool_call_round_trip_echoes_reasoning(kimi_client: KimiOpenAI) -> None:
    """Two requests; the second carries the assistant tool-call turn with its reasoning.

    The turn is rebuilt without ``reasoning_content``, as frameworks do; the client puts
    it back. The body match makes replay fail if the second request's body changes.
    """
    question: ChatCompletionMessageParam = {
        "role": "user",
        "content": "Search the web: what is the latest model on platform.kimi.ai?",
    }
    first = kimi_client.chat.completions.create(
        model="kimi-k2.6", messages=[question], tools=[WEB_SEARCH], thinking=THINKING, max_tokens=MAX_TOKENS
    )
    turn = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    assert turn.tool_calls
    assert turn.reasoning_content
    second = kimi_client.chat.completions.create(
        model="kimi-k2.6",
        messages=[question, _rebuilt(turn), *_search_results(turn)],
        tools=[WEB_SEARCH],
        thinking=THINKING,
        max_tokens=MAX_TOKENS,
    )
    assert second.choices[0].message.content
    assert second.choices[0].finish_reason == "stop"


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
@pytest.mark.anyio
async def test_async_thinking_tool_call_round_trip_echoes_reasoning(
    async_kimi_client: AsyncKimiOpenAI,
) -> None:
    question: ChatCompletionMessageParam = {
        "role": "user",
        "content": "Search the web: Kimi K2.6 context length?",
    }
    first = await async_kimi_client.chat.completions.create(
        model="kimi-k2.6", messages=[question], tools=[WEB_SEARCH], thinking=THINKING, max_tokens=MAX_TOKENS
    )
    turn = first.choices[0].message
    assert turn.tool_calls
    second = await async_kimi_client.chat.completions.create(
        model="kimi-k2.6",
        messages=[question, _rebuilt(turn), *_search_results(turn)],
        tools=[WEB_SEARCH],
        thinking=THINKING,
        max_tokens=MAX_TOKENS,
    )
    assert second.choices[0].message.content


def test_streamed_usage_inside_the_last_choice() -> None:
    """The legacy shape (usage in ``choices[0]`` of the last chunk, seen live in 2026-03), in process."""
    emulator = MoonshotEmulator(stream_usage="choice")
    client = KimiOpenAI(
        api_key="sk-test",
        base_url="https://api.moonshot.ai/v1",
        max_retries=0,
        http_client=httpx.Client(transport=emulator.transport()),
    )
    emulator.queue_text("Sunny.", reasoning="Check the sky.", usage=Usage(30, 5, cached_tokens=20))
    stream = client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "Weather?"}], thinking=THINKING, stream=True
    )
    chunks = list(stream)
    last = chunks[-1]
    assert last.choices[0].usage is not None  # where Moonshot put it
    assert last.usage is not None  # surfaced where OpenAI-shaped code looks
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.cached_tokens) == (30, 5, 20)
    assert stream.received_reasoning() == "Check the sky."
