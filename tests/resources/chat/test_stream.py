"""The Kimi ``.stream()``: openai's events and final completion, plus reasoning, cheaply accumulated.

Two kinds of checks: against openai's own ``ChatCompletionStreamState`` fed the same
chunks (generated Moonshot-shaped sequences: every event but the reasoning ones,
every ``chunk`` snapshot and the final completion must dump equal), and end to end
against the in-process emulator, sync and async.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from _stream_chunks import ANSWER_JSON, HEADER, USAGE, chunk_sequences
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai._models import construct_type
from openai.lib.streaming.chat import ChatCompletionStreamState, ChunkEvent
from pydantic import BaseModel

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._errors import StreamInterruptedError, StructuredOutputEmptyError
from kimi_openai.resources.chat._stream_state import KimiChatCompletionStreamState
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.types.chat import KimiChatCompletionChunk, KimiParsedChatCompletion
from kimi_openai.types.chat.stream_events import KimiChunkEvent, ReasoningDeltaEvent, ReasoningDoneEvent

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
WEB_SEARCH: Any = {"type": "builtin_function", "function": {"name": "$web_search"}}
MESSAGES: Any = [{"role": "user", "content": "What is 2+2?"}]


class Answer(BaseModel):
    answer: str
    steps: list[int]


def parse_chunk(payload: str, validated: bool) -> KimiChatCompletionChunk:
    """A chunk as ``KimiStream`` builds it: compiled strict validation, else openai's construction."""
    if validated:
        try:
            return KimiChatCompletionChunk.__pydantic_validator__.validate_json(payload, strict=True)
        except ValueError:
            pass
    return construct_type(type_=KimiChatCompletionChunk, value=json.loads(payload))  # pyright: ignore[reportReturnType]


def normalized(value: Any) -> Any:
    """Drop what only the Kimi types add: ``reasoning_content: None`` defaults and ``cached_tokens``.

    openai's snapshot holds Kimi usage in a ``CompletionUsage`` field, so pydantic dumps it
    without ``cached_tokens``; the Kimi result keeps it (checked separately).
    """
    if isinstance(value, dict):
        return {
            key: normalized(item)
            for key, item in value.items()  # pyright: ignore[reportUnknownVariableType]
            if key != "cached_tokens" and not (key == "reasoning_content" and item is None)
        }
    if isinstance(value, list):
        return [normalized(item) for item in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def run_openai(payloads: list[str], validated: bool, **options: Any) -> tuple[list[Any], Any]:
    state: ChatCompletionStreamState[Any] = ChatCompletionStreamState(**options)
    dumps: list[Any] = []
    try:
        for payload in payloads:
            dumps.append(
                [(type(e), e.model_dump()) for e in state.handle_chunk(parse_chunk(payload, validated))]
            )
        return dumps, state.get_final_completion()
    except Exception as error:
        return dumps, type(error)


def run_kimi(payloads: list[str], validated: bool, **options: Any) -> tuple[list[Any], list[Any], Any]:
    state: KimiChatCompletionStreamState[Any] = KimiChatCompletionStreamState(**options)
    dumps: list[Any] = []
    reasoning: list[Any] = []
    try:
        for payload in payloads:
            events = state.handle_chunk(parse_chunk(payload, validated))
            reasoning += [e for e in events if isinstance(e, ReasoningDeltaEvent | ReasoningDoneEvent)]
            others = [e for e in events if not isinstance(e, ReasoningDeltaEvent | ReasoningDoneEvent)]
            dumps.append([(type(e), e.model_dump()) for e in others])
        return dumps, reasoning, state.get_final_completion()
    except Exception as error:
        return dumps, reasoning, type(error)


def assert_same_as_openai(
    payloads: list[str], validated: bool = True, **options: Any
) -> tuple[list[Any], Any]:
    theirs, their_final = run_openai(payloads, validated, **options)
    ours, reasoning, kimi_final = run_kimi(payloads, validated, **options)
    our_final: Any = kimi_final
    assert len(ours) == len(theirs)
    for our_events, their_events in zip(ours, theirs, strict=True):
        classes = zip(our_events, their_events, strict=True)
        assert all(issubclass(ours_, theirs_) for (ours_, _), (theirs_, _) in classes)
        assert normalized([d for _, d in our_events]) == normalized([d for _, d in their_events])
    if isinstance(their_final, type):
        assert issubclass(our_final, their_final)  # openai's exception, or a Kimi one that explains it
    elif our_final is StructuredOutputEmptyError:  # openai's parsed=None for an answer with nothing to parse
        assert all(choice.message.parsed is None for choice in their_final.choices)
        assert not any(choice.message.tool_calls or choice.message.refusal for choice in their_final.choices)
    else:
        assert isinstance(our_final, KimiParsedChatCompletion)
        assert normalized(our_final.model_dump()) == normalized(their_final.model_dump())
    return reasoning, kimi_final


def reasoning_of(payloads: list[dict[str, Any]], index: int) -> str:
    return "".join(
        choice["delta"].get("reasoning_content", "")
        for chunk in payloads
        for choice in chunk["choices"]
        if choice["index"] == index
    )


SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(chunk_sequences(), st.booleans(), st.sampled_from([[], [WEATHER_TOOL], [WEATHER_TOOL, WEB_SEARCH]]))
def test_same_events_and_completion_as_openai(
    payloads: list[dict[str, Any]], validated: bool, tools: Any
) -> None:
    reasoning, final = assert_same_as_openai([json.dumps(p) for p in payloads], validated, input_tools=tools)
    if isinstance(final, type):
        return
    for choice in final.choices:
        expected = reasoning_of(payloads, choice.index)
        assert (choice.message.reasoning_content or "") == expected
        done = [e.reasoning_content for e in reasoning if isinstance(e, ReasoningDoneEvent)]
        if expected and len(final.choices) == 1:
            assert done == [expected]
    usages = [
        p.get("usage") or p["choices"][0].get("usage") for p in payloads if p["choices"] or p.get("usage")
    ]
    if usages and usages[-1]:
        assert final.usage is not None
        assert final.usage.cached_tokens == USAGE["cached_tokens"]


@SLOW
@given(chunk_sequences(json_answer=True), st.booleans())
def test_same_parsed_content_as_openai(payloads: list[dict[str, Any]], validated: bool) -> None:
    assert_same_as_openai([json.dumps(p) for p in payloads], validated, response_format=Answer)


def test_snapshot_is_built_only_when_read() -> None:
    state: KimiChatCompletionStreamState[None] = KimiChatCompletionStreamState()
    chunk = parse_chunk(json.dumps({**HEADER, "choices": [{"index": 0, "delta": {"content": "Hi"}}]}), True)
    event, content_delta = state.handle_chunk(chunk)
    assert content_delta.type == "content.delta"
    assert isinstance(event, KimiChunkEvent)
    assert isinstance(event, ChunkEvent)
    assert "snapshot" not in event.__dict__
    assert event.snapshot is state.current_completion_snapshot
    assert event.snapshot.choices[0].message.content == "Hi"


# -- end to end, against the emulator --------------------------------------------------------


def kimi_client(emulator: MoonshotEmulator) -> KimiOpenAI:
    return KimiOpenAI(
        api_key="sk-test", http_client=openai.DefaultHttpxClient(transport=emulator.transport())
    )


def async_kimi_client(emulator: MoonshotEmulator) -> AsyncKimiOpenAI:
    http_client = openai.DefaultAsyncHttpxClient(transport=emulator.async_transport())
    return AsyncKimiOpenAI(api_key="sk-test", http_client=http_client)


@pytest.mark.parametrize("placement", ["choice", "include_usage"])
def test_reasoning_events_final_completion_and_usage(placement: Any) -> None:
    emulator = MoonshotEmulator(stream_usage=placement)
    emulator.queue_text("Four.", reasoning="Two plus two is four.")
    with (
        kimi_client(emulator) as client,
        client.chat.completions.stream(
            model="kimi-k2.6", messages=MESSAGES, stream_options={"include_usage": True}
        ) as stream,
    ):
        events = list(stream)
        final = stream.get_final_completion()
    types = [e.type for e in events if e.type != "chunk"]
    assert types.index("reasoning.done") < types.index("content.delta") < types.index("content.done")
    snapshots = [e.snapshot for e in events if isinstance(e, ReasoningDeltaEvent)]
    assert snapshots[-1] == "Two plus two is four."
    (done,) = [e for e in events if isinstance(e, ReasoningDoneEvent)]
    assert done.reasoning_content == "Two plus two is four."
    message = final.choices[0].message
    assert (message.content, message.reasoning_content) == ("Four.", "Two plus two is four.")
    assert final.usage is not None
    assert final.usage.total_tokens > 0
    assert stream.current_completion_snapshot.choices[0].message.reasoning_content == "Two plus two is four."


def test_tool_calls_with_a_builtin_tool_and_thinking() -> None:
    emulator = MoonshotEmulator(stream_usage="choice")
    emulator.queue_tool_calls(("get_weather", {"city": "Paris"}), reasoning="Need the weather.")
    with (
        kimi_client(emulator) as client,
        client.chat.completions.stream(
            model="kimi-k2.6",
            messages=MESSAGES,
            tools=[WEATHER_TOOL, WEB_SEARCH],
            thinking={"type": "enabled"},
        ) as stream,
    ):
        events = list(stream)
    sent = emulator.last_chat_request()
    assert sent["thinking"] == {"type": "enabled"}
    assert sent["tools"][1] == WEB_SEARCH
    (done,) = [e for e in events if e.type == "tool_calls.function.arguments.done"]
    assert done.name == "get_weather"
    assert done.parsed_arguments == {"city": "Paris"}
    final = stream.get_final_completion()
    (call,) = final.choices[0].message.tool_calls or []
    assert call.function.parsed_arguments == {"city": "Paris"}
    assert final.choices[0].message.reasoning_content == "Need the weather."
    assert final.usage is not None


def test_response_format_is_parsed() -> None:
    emulator = MoonshotEmulator()
    emulator.queue_text(ANSWER_JSON)
    with (
        kimi_client(emulator) as client,
        client.chat.completions.stream(
            model="kimi-k2.6", messages=MESSAGES, response_format=Answer
        ) as stream,
    ):
        final = stream.get_final_completion()
    assert final.choices[0].message.parsed == Answer(answer="four", steps=[1, 2])
    assert emulator.last_chat_request()["response_format"]["type"] == "json_schema"


@pytest.mark.anyio
@pytest.mark.parametrize("placement", ["choice", "top"])
async def test_async_stream_with_builtin_tool(placement: Any) -> None:
    emulator = MoonshotEmulator(stream_usage=placement)
    emulator.queue_text("Four.", reasoning="Add them.")
    async with async_kimi_client(emulator) as client:
        manager = client.chat.completions.stream(model="kimi-k2.6", messages=MESSAGES, tools=[WEB_SEARCH])
        async with manager as stream:
            types = [event.type async for event in stream]
            final = await stream.get_final_completion()
    assert "reasoning.done" in types
    assert "content.done" in types
    assert final.choices[0].message.reasoning_content == "Add them."
    assert final.usage is not None
    assert final.usage.total_tokens > 0


def test_leaving_early_closes_the_response() -> None:
    emulator = MoonshotEmulator()
    emulator.queue_text("One two three four.", reasoning="Counting.")
    with kimi_client(emulator) as client:
        with client.chat.completions.stream(model="kimi-k2.6", messages=MESSAGES) as stream:
            next(iter(stream))
        assert stream._raw_stream.response.is_closed  # pyright: ignore[reportPrivateUsage]


def not_an_object_body(payload: str) -> bytes:
    first = {**HEADER, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Fo"}}]}
    second = {**HEADER, "choices": [{"index": 0, "delta": {"content": "ur."}, "finish_reason": "stop"}]}
    events = [json.dumps(first), payload, json.dumps(second), "[DONE]"]
    return "".join(f"data: {event}\n\n" for event in events).encode()


def sse_response(body: bytes) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


NOT_OBJECTS = ["[1, 2]", "null", "7", '"text"']


@pytest.mark.parametrize("payload", NOT_OBJECTS)
def test_an_event_that_is_not_a_json_object_is_a_malformed_interruption(payload: str) -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda _r: sse_response(not_an_object_body(payload))))
    client = KimiOpenAI(api_key="sk-test", max_retries=0, http_client=http)
    manager = client.chat.completions.stream(model="kimi-k2.6", messages=MESSAGES)
    with manager as stream, pytest.raises(StreamInterruptedError) as caught:
        stream.until_done()
    assert caught.value.reason == "malformed"
    assert caught.value.partial.content == "Fo"
    assert stream.current_completion_snapshot.choices[0].message.content == "Fo"


@pytest.mark.anyio
@pytest.mark.parametrize("payload", NOT_OBJECTS)
async def test_async_an_event_that_is_not_a_json_object_is_a_malformed_interruption(payload: str) -> None:
    async def handler(_request: httpx.Request) -> httpx.Response:
        return sse_response(not_an_object_body(payload))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncKimiOpenAI(api_key="sk-test", max_retries=0, http_client=http)
    manager = client.chat.completions.stream(model="kimi-k2.6", messages=MESSAGES)
    async with manager as stream:
        with pytest.raises(StreamInterruptedError) as caught:
            await stream.get_final_completion()
    assert caught.value.reason == "malformed"
    assert caught.value.partial.content == "Fo"
    assert stream.current_completion_snapshot.choices[0].message.content == "Fo"
