"""Conversation / AsyncConversation against the in-process emulator."""

from __future__ import annotations

import inspect
from typing import Any

import openai
import pytest

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._rules.model_specs import KnownModel, get_model_spec
from kimi_openai.lib.conversation import AsyncConversation, Conversation
from kimi_openai.testing import MoonshotEmulator, StreamUsagePlacement, ToolCall, Usage

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def _client(emulator: MoonshotEmulator, **options: Any) -> KimiOpenAI:
    return KimiOpenAI(
        api_key="sk-test",
        base_url="https://api.moonshot.ai/v1",
        max_retries=0,
        http_client=httpx.Client(transport=emulator.transport()),
        **options,
    )


def test_tool_loop_sends_reasoning_back_from_its_own_history(kimi_emulator: MoonshotEmulator) -> None:
    # "off": the conversation's own echo is what carries the reasoning, not the client's memory.
    chat = Conversation(_client(kimi_emulator, reasoning_echo="off"), model="kimi-k2.6", tools=[WEATHER_TOOL])
    kimi_emulator.queue_tool_calls(
        ToolCall("get_weather", {"city": "Paris"}, id="w:0"), reasoning="Use the tool."
    )
    kimi_emulator.queue_text("21 °C in Paris.", reasoning="Read the result.")
    first = chat.send("Weather in Paris?")
    assert first.choices[0].finish_reason == "tool_calls"
    assert [call["id"] for call in chat.pending_tool_calls] == ["w:0"]
    chat.add_tool_result("w:0", {"temp_c": 21})
    assert chat.pending_tool_calls == []
    second = chat.send()
    assert second.choices[0].message.content == "21 °C in Paris."
    sent = kimi_emulator.last_chat_request()
    assert sent["messages"][1]["reasoning_content"] == "Use the tool."
    assert sent["messages"][2] == {"role": "tool", "tool_call_id": "w:0", "content": '{"temp_c": 21}'}
    assert sent["tools"][0]["function"]["name"] == "get_weather"
    assert [m["role"] for m in chat.messages] == ["user", "assistant", "tool", "assistant"]
    assert chat.messages[-1]["reasoning_content"] == "Read the result."


def test_create_keywords_pass_through(kimi_emulator: MoonshotEmulator) -> None:
    chat = Conversation(
        _client(kimi_emulator), model="kimi-k2.6", thinking={"type": "disabled"}, prompt_cache_key="chat-42"
    )
    chat.send("Hi", max_tokens=32)
    sent = kimi_emulator.last_chat_request()
    assert sent["thinking"] == {"type": "disabled"}
    assert sent["prompt_cache_key"] == "chat-42"
    assert sent["max_completion_tokens"] == 32
    chat.send("Again", model="kimi-k2.7-code", thinking={"type": "enabled"})  # a turn's own keywords win
    assert kimi_emulator.last_chat_request()["model"] == "kimi-k2.7-code"
    assert set(chat.usage.by_model) == {"kimi-k2.6", "kimi-k2.7-code"}


def test_a_failed_turn_adds_nothing(kimi_emulator: MoonshotEmulator) -> None:
    chat = Conversation(_client(kimi_emulator), model="kimi-k2.6")
    kimi_emulator.queue_error(400, "invalid_request_error", "Invalid request: nope")
    with pytest.raises(openai.BadRequestError):
        chat.send("Hi")
    assert chat.messages == []
    assert chat.usage.requests == 0
    chat.send("Hi")
    assert [m["role"] for m in chat.messages] == ["user", "assistant"]


def test_usage_cost_and_cache_hit_ratio(kimi_emulator: MoonshotEmulator) -> None:
    chat = Conversation(_client(kimi_emulator), model="kimi-k2.6")
    kimi_emulator.queue_text("One.", usage=Usage(1_000, 200, cached_tokens=0))
    kimi_emulator.queue_text("Two.", usage=Usage(1_500, 300, cached_tokens=1_000))
    chat.send("First")
    chat.send("Second")
    usage = chat.usage
    assert (usage.requests, usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (
        2,
        2_500,
        500,
        1_000,
    )
    assert usage.cache_hit_ratio == pytest.approx(0.4)
    price = next(p for p in get_model_spec("kimi-k2.6").prices if p.currency == "USD")
    assert price.cache_hit is not None
    expected = (1_000 * price.cache_hit + 1_500 * price.cache_miss + 500 * price.output) / 1_000_000
    assert usage.cost("USD") == pytest.approx(expected)
    chat.send("Third", model="kimi-k3.1-pro")
    assert usage.cost("CNY") is None  # no CNY list price in the spec table for that model


def test_fork_checkpoint_and_restore(kimi_emulator: MoonshotEmulator) -> None:
    chat = Conversation(_client(kimi_emulator), model="kimi-k2.6")
    chat.send("Hi")
    mark = chat.checkpoint()
    branch = chat.fork()
    branch.send("Branch only")
    assert len(branch.messages) == 4
    assert len(chat.messages) == 2
    assert branch.usage.requests == 2
    assert chat.usage.requests == 1
    chat.send("Main only")
    live = chat.messages
    chat.restore(mark)
    assert chat.messages is live
    assert [m["content"] for m in chat.messages if m["role"] == "user"] == ["Hi"]
    chat.messages[0]["content"] = "edited"
    chat.restore(mark)  # a checkpoint is not changed by later edits
    assert chat.messages[0]["content"] == "Hi"


def test_returned_message_objects_are_accepted_as_turns(kimi_emulator: MoonshotEmulator) -> None:
    client = _client(kimi_emulator)
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {}, id="x:0"), reasoning="Thought.")
    reply = client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "Go"}])
    chat = Conversation(
        client, model="kimi-k2.6", messages=[{"role": "user", "content": "Go"}, reply.choices[0].message]
    )
    assert chat.messages[1]["reasoning_content"] == "Thought."
    assert "refusal" not in chat.messages[1]


def test_estimate_tokens_counts_history_plus_draft(kimi_emulator: MoonshotEmulator) -> None:
    chat = Conversation(_client(kimi_emulator), model="kimi-k2.6", tools=[WEATHER_TOOL])
    chat.send("Hi")
    short = chat.estimate_tokens()
    longer = chat.estimate_tokens("A much longer draft question about the weather in several cities.")
    assert 0 < short < longer
    estimate = [r for r in kimi_emulator.requests if r.path.endswith("/estimate-token-count")][-1]
    assert estimate.json is not None
    assert estimate.json["messages"][-1]["content"].startswith("A much longer draft")
    assert estimate.json["tools"][0]["function"]["name"] == "get_weather"
    assert len(chat.messages) == 2  # a draft is not added


@pytest.mark.parametrize("placement", ["choice", "top", "include_usage"])
def test_streamed_turn_joins_the_history_with_usage(placement: StreamUsagePlacement) -> None:
    emulator = MoonshotEmulator(stream_usage=placement)
    chat = Conversation(_client(emulator), model="kimi-k2.6", tools=[WEATHER_TOOL])
    emulator.queue_tool_calls(
        ToolCall("get_weather", '{"city":"Paris"}', id="w:0"),
        reasoning="Stream a call.",
        usage=Usage(40, 9, 32),
    )
    with chat.stream("Weather?") as turn:
        chunks = list(turn)
    assert chunks
    assert emulator.last_chat_request()["stream_options"] == {"include_usage": True}
    answer = chat.messages[-1]
    assert answer["reasoning_content"] == "Stream a call."
    assert answer["tool_calls"] == [
        {
            "id": "w:0",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
        }
    ]
    assert (chat.usage.prompt_tokens, chat.usage.completion_tokens, chat.usage.cached_tokens) == (40, 9, 32)
    assert chat.last is not None
    assert chat.last.choices[0].finish_reason == "tool_calls"


def test_stream_until_done_returns_the_completion(kimi_emulator: MoonshotEmulator) -> None:
    chat = Conversation(_client(kimi_emulator), model="kimi-k2.6")
    completion = chat.stream("Hello there").until_done()
    assert completion.choices[0].message.content == "You said: Hello there"
    assert completion.choices[0].message.reasoning_content
    assert chat.messages[-1]["content"] == "You said: Hello there"


def test_turn_keywords_that_would_break_the_history_are_refused(kimi_emulator: MoonshotEmulator) -> None:
    chat = Conversation(_client(kimi_emulator), model="kimi-k2.6")
    with pytest.raises(TypeError):
        chat.send("Hi", stream=True)
    with pytest.raises(TypeError):
        Conversation(_client(kimi_emulator), model="kimi-k2.6", stream=True)


@pytest.mark.anyio
async def test_async_tool_loop_and_stream(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    chat = AsyncConversation(async_kimi_emulator_client, model="kimi-k2.6", tools=[WEATHER_TOOL])
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {}, id="a:0"), reasoning="Async call.")
    await chat.send("Weather?")
    chat.add_tool_result("a:0", "sunny")
    turn = await chat.stream()
    async with turn:
        completion = await turn.until_done()
    assert completion.choices[0].message.reasoning_content
    assert kimi_emulator.last_chat_request()["messages"][1]["reasoning_content"] == "Async call."
    assert chat.usage.requests == 2
    assert await chat.estimate_tokens("Next?") > 0
    fork = chat.fork()
    assert fork.messages == chat.messages
    assert fork.messages is not chat.messages


def test_cost_defaults_to_the_currency_of_the_clients_platform(kimi_emulator: MoonshotEmulator) -> None:
    china = KimiOpenAI(
        api_key="sk-test", region="cn", http_client=httpx.Client(transport=kimi_emulator.transport())
    )
    chat = Conversation(china, model="kimi-k2.6")
    kimi_emulator.queue_text("One.", usage=Usage(1_000, 200, cached_tokens=0))
    chat.send("First")
    price = next(p for p in get_model_spec("kimi-k2.6").prices if p.currency == "CNY")
    assert chat.usage.currency == "CNY"
    assert chat.usage.cost() == pytest.approx((1_000 * price.cache_miss + 200 * price.output) / 1_000_000)
    assert chat.usage.cost("USD") != chat.usage.cost()


def test_a_thinking_turn_cut_off_before_any_text_keeps_the_conversation_usable(
    kimi_emulator: MoonshotEmulator,
) -> None:
    # All of max_tokens went to reasoning: content "", finish_reason "length". Moonshot rejects
    # an empty assistant message, so it stays on `last` and out of the history.
    chat = Conversation(_client(kimi_emulator), model="kimi-k2.6", max_tokens=16_000)
    kimi_emulator.queue_text("", reasoning="A long chain of thought...", finish_reason="length")
    cut = chat.send("Prove the lemma.")
    assert cut.choices[0].finish_reason == "length"
    assert chat.last is cut
    assert cut.choices[0].message.reasoning_content == "A long chain of thought..."
    assert chat.messages == [{"role": "user", "content": "Prove the lemma."}]
    kimi_emulator.queue_text("Done.", reasoning="Shorter this time.")
    again = chat.send(max_tokens=32_000)  # ask again, with room to answer
    assert again.choices[0].message.content == "Done."
    assert [m["role"] for m in kimi_emulator.last_chat_request()["messages"]] == ["user"]
    assert [m["role"] for m in chat.messages] == ["user", "assistant"]
    chat.send("And the corollary?")  # the history stays sendable
    assert [m["role"] for m in chat.messages] == ["user", "assistant", "user", "assistant"]


@pytest.mark.anyio
async def test_a_streamed_turn_cut_off_before_any_text_is_not_added(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    chat = AsyncConversation(async_kimi_emulator_client, model="kimi-k2.6")
    kimi_emulator.queue_text("", reasoning="Thinking until the limit.", finish_reason="length")
    turn = await chat.stream("Prove the lemma.")
    async with turn:
        cut = await turn.until_done()
    assert cut.choices[0].finish_reason == "length"
    assert chat.last is cut
    assert [m["role"] for m in chat.messages] == ["user"]
    await chat.send("Try again, briefly.")
    assert [m["role"] for m in chat.messages] == ["user", "user", "assistant"]


def test_estimate_tokens_keeps_what_extra_body_carries(kimi_emulator: MoonshotEmulator) -> None:
    chat = Conversation(
        _client(kimi_emulator), model="kimi-k2.6", extra_body={"thinking": {"type": "disabled"}}
    )
    chat.estimate_tokens("Hi")
    estimate = [r for r in kimi_emulator.requests if r.path.endswith("/estimate-token-count")][-1]
    assert estimate.json is not None
    assert estimate.json["thinking"] == {"type": "disabled"}
    chat.estimate_tokens("Hi", extra_body={"thinking": {"type": "enabled"}})  # a turn's own wins
    estimate = [r for r in kimi_emulator.requests if r.path.endswith("/estimate-token-count")][-1]
    assert estimate.json is not None
    assert estimate.json["thinking"] == {"type": "enabled"}


@pytest.mark.parametrize("cls", [Conversation, AsyncConversation])
def test_model_autocompletes_known_ids_and_takes_any_string(cls: type[Any]) -> None:
    # `str | KnownModel`: editors offer the known ids, any other id still type-checks.
    assert inspect.signature(cls).parameters["model"].annotation == "str | KnownModel"
    known: KnownModel = "kimi-k2.6"
    client: Any = (AsyncKimiOpenAI if cls is AsyncConversation else KimiOpenAI)(api_key="sk-test")
    assert cls(client, model=known).model == "kimi-k2.6"
    assert cls(client, model="my-fine-tune").model == "my-fine-tune"
