"""create / stream / parse return Kimi types (openai's subclasses), and thinking= is a typed keyword."""

from __future__ import annotations

from typing import Any, assert_type

import pytest
from _helpers import Recorder
from openai import Stream
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from pydantic import BaseModel

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError
from kimi_openai._streaming import AsyncKimiStream, KimiStream
from kimi_openai.testing import MoonshotEmulator, TextReply
from kimi_openai.types import KimiChatCompletion, KimiChatCompletionChunk, KimiParsedChatCompletion

USER: list[Any] = [{"role": "user", "content": "hi"}]


class Answer(BaseModel):
    text: str


def test_create_returns_a_typed_kimi_completion(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    kimi_emulator.queue(TextReply("1+1 equals 2.", reasoning="Add the numbers."))
    completion = kimi_emulator_client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert_type(completion, KimiChatCompletion)
    assert isinstance(completion, ChatCompletion)
    assert completion.choices[0].message.reasoning_content == "Add the numbers."
    assert completion.choices[0].message.content == "1+1 equals 2."


def test_stream_true_returns_kimi_chunks_with_reasoning(kimi_emulator_client: KimiOpenAI) -> None:
    stream = kimi_emulator_client.chat.completions.create(model="kimi-k2.6", messages=USER, stream=True)
    assert_type(stream, KimiStream[KimiChatCompletionChunk])
    assert isinstance(stream, Stream)
    chunks = list(stream)
    assert all(isinstance(c, KimiChatCompletionChunk) and isinstance(c, ChatCompletionChunk) for c in chunks)
    reasoning = "".join(c.choices[0].delta.reasoning_content or "" for c in chunks if c.choices)
    assert reasoning.startswith("The user wrote: hi")
    assert stream.finished


def test_stream_helper_final_completion_keeps_reasoning_and_usage(kimi_emulator_client: KimiOpenAI) -> None:
    with kimi_emulator_client.chat.completions.stream(model="kimi-k2.6", messages=USER) as stream:
        final = stream.get_final_completion()
    assert getattr(final.choices[0].message, "reasoning_content", None)
    assert final.usage is not None
    assert final.usage.total_tokens > 0


def test_parse_returns_a_kimi_parsed_completion(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    kimi_emulator.queue(TextReply('{"text": "ok"}', reasoning="Format as JSON."))
    parsed = kimi_emulator_client.chat.completions.parse(
        model="kimi-k2.6", messages=USER, response_format=Answer
    )
    assert_type(parsed, KimiParsedChatCompletion[Answer])
    assert parsed.choices[0].message.parsed == Answer(text="ok")
    assert parsed.choices[0].message.reasoning_content == "Format as JSON."


@pytest.mark.parametrize("thinking", [{"type": "disabled"}, {"type": "enabled"}])
def test_thinking_keyword_goes_into_the_body(thinking: Any) -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key="sk-test", http_client=recorder.client())
    client.chat.completions.create(model="kimi-k2.6", messages=USER, thinking=thinking)
    assert recorder.last_json()["thinking"] == thinking
    # openai's raw wrapper is typed from openai's create; the keyword still reaches the Kimi create.
    raw = client.chat.completions.with_raw_response.create
    raw(model="kimi-k2.6", messages=USER, thinking=thinking)  # pyright: ignore[reportCallIssue]
    assert recorder.last_json()["thinking"] == thinking


def test_thinking_keyword_and_extra_body_must_agree() -> None:
    client = KimiOpenAI(api_key="sk-test", http_client=Recorder().client())
    with pytest.raises(KimiValidationError, match="disagree"):
        client.chat.completions.create(
            model="kimi-k2.6",
            messages=USER,
            thinking={"type": "enabled"},
            extra_body={"thinking": {"type": "disabled"}},
        )


def test_emulator_rejects_thinking_off_temperature_mismatch_only_when_validation_is_off(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    client = kimi_emulator_client
    reply = client.chat.completions.create(model="kimi-k2.6", messages=USER, thinking={"type": "disabled"})
    assert reply.choices[0].message.reasoning_content is None
    assert kimi_emulator.last_chat_request()["thinking"] == {"type": "disabled"}


@pytest.mark.anyio
async def test_async_create_and_stream_are_typed(async_kimi_emulator_client: AsyncKimiOpenAI) -> None:
    client = async_kimi_emulator_client
    completion = await client.chat.completions.create(
        model="kimi-k2.6", messages=USER, thinking={"type": "enabled"}
    )
    assert_type(completion, KimiChatCompletion)
    assert completion.choices[0].message.reasoning_content
    stream = await client.chat.completions.create(model="kimi-k2.6", messages=USER, stream=True)
    assert_type(stream, AsyncKimiStream[KimiChatCompletionChunk])
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "You said: hi"


def test_a_returned_builtin_tool_call_message_can_be_passed_back_as_is(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    tools: Any = [{"type": "builtin_function", "function": {"name": "$web_search"}}]
    first = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "news?"}], tools=tools
    )
    message = first.choices[0].message
    assert message.tool_calls
    call = message.tool_calls[0]
    arguments = call.function.arguments if call.type != "custom" else ""
    history: list[Any] = [
        {"role": "user", "content": "news?"},
        message,  # the returned object itself; pytest turns any serializer warning into an error
        {"role": "tool", "tool_call_id": call.id, "name": "$web_search", "content": arguments},
    ]
    kimi_emulator_client.chat.completions.create(model="kimi-k2.6", messages=history, tools=tools)
    sent = kimi_emulator.last_chat_request()["messages"][1]
    assert sent["tool_calls"][0]["type"] == "builtin_function"
    assert sent["tool_calls"][0]["id"] == call.id
    assert sent["reasoning_content"] == message.reasoning_content
    assert "refusal" not in sent
