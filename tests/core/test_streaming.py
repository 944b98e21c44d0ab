"""KimiStream / AsyncKimiStream: same results as openai's streams, faster, and they keep what arrived."""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, cast

import openai
import pytest
from openai import AsyncStream, Stream
from openai.resources.chat import AsyncCompletions, Completions
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from kimi_openai import KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._errors import StreamInterruptedError
from kimi_openai._streaming import AsyncKimiStream, KimiStream
from kimi_openai.types.chat import KimiChatCompletion, KimiChatCompletionChunk, KimiChatCompletionMessage

BASE = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "kimi-k2.6"}
USAGE = {"prompt_tokens": 19, "completion_tokens": 4, "total_tokens": 23, "cached_tokens": 8}


def delta_chunk(delta: dict[str, Any], **choice: Any) -> dict[str, Any]:
    return {**BASE, "choices": [{"index": 0, "delta": delta, "finish_reason": None, **choice}]}


# Reasoning first, then content, then tool calls; usage inside choices[0] of the last chunk
# (https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api).
MOONSHOT_STREAM: list[dict[str, Any]] = [
    delta_chunk({"role": "assistant", "reasoning_content": "Think"}),
    delta_chunk({"reasoning_content": "ing."}),
    delta_chunk({"content": "Hel"}),
    delta_chunk({"content": "lo"}),
    delta_chunk(
        {"tool_calls": [{"index": 0, "id": "search:0", "type": "function", "function": {"name": "search"}}]}
    ),
    delta_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"q": '}}]}),
    delta_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"kimi"}'}}]}),
    delta_chunk({}, finish_reason="tool_calls", usage=USAGE),
]


def sse(*events: str) -> bytes:
    return "".join(events).encode()


def data(payload: object) -> str:
    return f"data: {json.dumps(payload)}\n\n"


DONE = "data: [DONE]\n\n"


def transport(body: bytes | Callable[[], Iterator[bytes]]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("accept") != "text/event-stream" and b'"stream":true' not in request.content:
            message = {"role": "assistant", "content": "2", "reasoning_content": "1+1"}
            completion = {
                **BASE,
                "object": "chat.completion",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            }
            return httpx.Response(200, json={**completion, "usage": USAGE})
        content = body if isinstance(body, bytes) else body()
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=content)

    return httpx.MockTransport(handler)


class WiredCompletions(Completions):
    """What ``KimiCompletions`` does: swap ``cast_to`` and ``stream_cls`` on every post."""

    def __init__(self, client: openai.OpenAI, stream_cls: Any = KimiStream[KimiChatCompletionChunk]) -> None:
        super().__init__(client)
        post = self._post

        def kimi_post(
            path: str, *, cast_to: Any, stream: bool = False, stream_cls: Any = None, **kwargs: Any
        ) -> Any:
            if cast_to is ChatCompletion:
                cast_to = KimiChatCompletion
            if stream_cls is not None:
                stream_cls = wired_stream_cls
            return post(path, cast_to=cast_to, stream=stream, stream_cls=stream_cls, **kwargs)

        wired_stream_cls = stream_cls
        self._post = kimi_post


class AsyncWiredCompletions(AsyncCompletions):
    def __init__(
        self, client: openai.AsyncOpenAI, stream_cls: Any = AsyncKimiStream[KimiChatCompletionChunk]
    ) -> None:
        super().__init__(client)
        post = self._post

        async def kimi_post(
            path: str, *, cast_to: Any, stream: bool = False, stream_cls: Any = None, **kwargs: Any
        ) -> Any:
            if cast_to is ChatCompletion:
                cast_to = KimiChatCompletion
            if stream_cls is not None:
                stream_cls = wired_stream_cls
            return await post(path, cast_to=cast_to, stream=stream, stream_cls=stream_cls, **kwargs)

        wired_stream_cls = stream_cls
        self._post = kimi_post


def completions(
    body: bytes | Callable[[], Iterator[bytes]], stream_cls: Any = KimiStream[KimiChatCompletionChunk]
) -> WiredCompletions:
    client = openai.OpenAI(
        api_key="sk-test",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        http_client=httpx.Client(transport=transport(body)),
    )
    return WiredCompletions(client, stream_cls)


def async_completions(
    body: bytes, stream_cls: Any = AsyncKimiStream[KimiChatCompletionChunk]
) -> AsyncWiredCompletions:
    client = openai.AsyncOpenAI(
        api_key="sk-test",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        http_client=httpx.AsyncClient(transport=transport(body)),
    )
    return AsyncWiredCompletions(client, stream_cls)


def run(body: bytes, stream_cls: Any = KimiStream[KimiChatCompletionChunk]) -> tuple[Any, list[Any]]:
    stream = completions(body, stream_cls).create(model="kimi-k2.6", messages=[], stream=True)
    return stream, list(stream)


def dumps(items: list[Any]) -> list[Any]:
    return [
        (type(item), item.model_dump(warnings=False)) if isinstance(item, BaseModel) else item
        for item in items
    ]


MOONSHOT_BODY = sse(*(data(c) for c in MOONSHOT_STREAM), DONE)


def test_a_read_stream_holds_its_chunks_as_text_until_received_is_read() -> None:
    """A thinking answer is thousands of chunks: held as objects they would cost memory and garbage
    collector time for as long as the stream lives. The stream holds each chunk's JSON text and builds
    ``received`` from it when asked, equal to what was yielded."""
    pieces = [data(delta_chunk({"reasoning_content": f" step{i}"})) for i in range(2_000)]
    body = sse(*pieces, data(delta_chunk({"content": "Done."}, finish_reason="stop", usage=USAGE)), DONE)
    client = KimiOpenAI(
        api_key="sk-test",
        base_url="http://127.0.0.1:9/v1",
        http_client=httpx.Client(transport=transport(body)),
    )
    stream = client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    gc.collect()
    before = len(gc.get_objects())
    seen = [chunk.model_dump_json() for chunk in stream]
    gc.collect()
    assert len(gc.get_objects()) - before < 200  # not a handful of objects per chunk
    assert stream.finished
    assert [chunk.model_dump_json() for chunk in stream.received] == seen
    assert stream.received_reasoning().endswith(" step1999")
    assert client.usage.requests == 1


def test_create_stream_returns_kimi_chunks() -> None:
    stream, chunks = run(MOONSHOT_BODY)
    assert isinstance(stream, KimiStream)
    assert isinstance(stream, Stream)
    assert all(isinstance(c, KimiChatCompletionChunk) for c in chunks)
    assert chunks[0].choices[0].delta.reasoning_content == "Think"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.cached_tokens == 8
    assert stream.finished
    assert stream.received == chunks
    assert stream.received_reasoning() == "Thinking."
    assert stream.received_content() == "Hello"
    assert stream.received_content(index=1) == ""


def test_same_chunks_as_openai_stream_with_the_same_type() -> None:
    _, fast = run(MOONSHOT_BODY)
    _, lenient = run(MOONSHOT_BODY, Stream[KimiChatCompletionChunk])
    assert dumps(fast) == dumps(lenient)


ODD_EVENTS = sse(
    ": a comment line\n\n",
    "event: ping\n" + data(delta_chunk({"content": "a"})),
    data(delta_chunk({"content": "b"}, finish_reason="content_filter_v2")),
    data({**delta_chunk({"content": "c"}), "created": "yesterday"}),
    data(
        {
            "choices": [
                {
                    "delta": {
                        "tool_calls": [
                            {"index": 0, "type": "builtin_function", "function": {"name": "$web_search"}}
                        ]
                    }
                }
            ]
        }
    ),
    "event: thread.run.created\n" + data({"id": "run_1"}),
    "id: 7\nretry: 10\n" + data(delta_chunk({"content": "d"})),
    'data: {"id": "x", "object": "chat.completion.chunk",\ndata: "created": 1, "model": "m", "choices": []}\n\n',
    DONE,
    data(delta_chunk({"content": "after done"})),
)


def test_odd_events_match_openai() -> None:
    stream, fast = run(ODD_EVENTS)
    _, lenient = run(ODD_EVENTS, Stream[KimiChatCompletionChunk])
    assert dumps(fast) == dumps(lenient)
    assert len(fast) == 7
    assert stream.finished


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {"error": {"type": "engine_overloaded_error", "message": "The engine is currently overloaded"}},
            "The engine is currently overloaded",
        ),
        ({"error": {"type": "server_error"}}, "An error occurred during streaming"),
        ({**delta_chunk({"content": "x"}), "error": {"message": "mid-stream failure"}}, "mid-stream failure"),
    ],
)
def test_error_payload_raises_like_openai(payload: dict[str, Any], message: str) -> None:
    body = sse(data(delta_chunk({"content": "x"})), data(payload), DONE)
    errors: list[openai.APIError] = []
    for stream_cls in (KimiStream[KimiChatCompletionChunk], Stream[KimiChatCompletionChunk]):
        with pytest.raises(openai.APIError) as caught:
            run(body, stream_cls)
        errors.append(caught.value)
    assert [e.message for e in errors] == [message, message]
    assert errors[0].body == errors[1].body == payload["error"]


def test_falsy_error_field_is_not_an_error() -> None:
    body = sse(data({**delta_chunk({"content": "x"}), "error": None}), DONE)
    _, fast = run(body)
    _, lenient = run(body, Stream[KimiChatCompletionChunk])
    assert dumps(fast) == dumps(lenient)


def test_bad_json_raises_a_typed_interruption_caused_by_the_decode_error() -> None:
    body = sse(data(delta_chunk({"content": "x"})), "data: {not json\n\n", DONE)
    with pytest.raises(StreamInterruptedError) as caught:
        run(body)
    assert caught.value.reason == "malformed"
    assert isinstance(caught.value.__cause__, json.JSONDecodeError)
    assert caught.value.partial.content == "x"


NOT_OBJECTS = ["[1, 2]", "null", "7", '"text"', "true"]
"""JSON that no chunk can be built from: openai's own stream would yield it as if it were one."""


def not_an_object_body(payload: str) -> bytes:
    return sse(
        data(delta_chunk({"content": "x"})), f"data: {payload}\n\n", data(delta_chunk({"content": "y"})), DONE
    )


def drain(stream: Iterator[Any], into: list[Any]) -> None:
    for item in stream:
        into.append(item)


async def adrain(stream: AsyncIterator[Any], into: list[Any]) -> None:
    async for item in stream:
        into.append(item)


def assert_malformed(error: StreamInterruptedError, items: list[Any]) -> None:
    assert error.reason == "malformed"
    assert "not a JSON object" in str(error)
    assert error.partial.content == "x"
    assert list(error.partial.chunks) == items
    assert [type(item) for item in items] == [KimiChatCompletionChunk]


@pytest.mark.parametrize("payload", NOT_OBJECTS)
def test_an_event_that_is_not_a_json_object_is_a_malformed_interruption(payload: str) -> None:
    stream = completions(not_an_object_body(payload)).create(model="kimi-k2.6", messages=[], stream=True)
    items: list[Any] = []
    with pytest.raises(StreamInterruptedError) as caught:
        drain(stream, items)
    assert_malformed(caught.value, items)
    assert isinstance(stream, KimiStream)
    assert not stream.finished


@pytest.mark.anyio
@pytest.mark.parametrize("payload", NOT_OBJECTS)
async def test_async_an_event_that_is_not_a_json_object_is_a_malformed_interruption(payload: str) -> None:
    stream = await async_completions(not_an_object_body(payload)).create(
        model="kimi-k2.6", messages=[], stream=True
    )
    items: list[Any] = []
    with pytest.raises(StreamInterruptedError) as caught:
        await adrain(stream, items)
    assert_malformed(caught.value, items)


def test_interrupted_stream_keeps_what_arrived() -> None:
    def cut_off() -> Iterator[bytes]:
        yield sse(*(data(c) for c in MOONSHOT_STREAM[:3]))
        raise httpx.ReadError("connection reset")

    stream = completions(cut_off).create(model="kimi-k2.6", messages=[], stream=True)
    assert isinstance(stream, KimiStream)
    with pytest.raises((httpx.ReadError, openai.APIConnectionError)):
        for _ in stream:
            pass
    assert not stream.finished
    assert len(stream.received) == 3
    assert stream.received_reasoning() == "Thinking."
    assert stream.received_content() == "Hel"


def test_stream_without_done_is_not_finished() -> None:
    stream = completions(sse(*(data(c) for c in MOONSHOT_STREAM[:2]))).create(
        model="kimi-k2.6", messages=[], stream=True
    )
    assert isinstance(stream, KimiStream)
    chunks: list[Any] = []
    with pytest.raises(StreamInterruptedError) as caught:
        chunks.extend(stream)
    assert len(stream.received) == 2
    assert not stream.finished
    assert caught.value.reason == "incomplete"
    assert caught.value.partial.reasoning_content == "Thinking."


def test_non_stream_create_is_typed() -> None:
    completion = completions(b"").create(model="kimi-k2.6", messages=[])
    assert isinstance(completion, KimiChatCompletion)
    assert isinstance(completion.choices[0].message, KimiChatCompletionMessage)
    assert completion.choices[0].message.reasoning_content == "1+1"
    assert completion.usage is not None
    assert completion.usage.cached_tokens == 8


def test_raw_response_parses_to_kimi_stream() -> None:
    raw = completions(MOONSHOT_BODY).with_raw_response.create(model="kimi-k2.6", messages=[], stream=True)
    stream = raw.parse()
    assert isinstance(stream, KimiStream)
    assert len(list(cast("KimiStream[KimiChatCompletionChunk]", stream))) == len(MOONSHOT_STREAM)


def test_stream_method_accumulates_reasoning_tools_and_usage() -> None:
    with completions(MOONSHOT_BODY).stream(model="kimi-k2.6", messages=[]) as stream:
        events = [event.type for event in stream]
        final = stream.get_final_completion()
    assert "content.done" in events
    assert "tool_calls.function.arguments.done" in events
    message = final.choices[0].message
    assert message.content == "Hello"
    assert (message.model_extra or {}).get("reasoning_content") == "Thinking."
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.arguments == '{"q": "kimi"}'
    # Moonshot's usage is in choices[0]; the chunk surfaces it so .stream() keeps it.
    assert final.usage is not None
    assert final.usage.total_tokens == 23


@pytest.mark.anyio
async def test_async_stream_matches_openai() -> None:
    stream = await async_completions(ODD_EVENTS).create(model="kimi-k2.6", messages=[], stream=True)
    assert isinstance(stream, AsyncKimiStream)
    fast = [item async for item in stream]
    reference = await async_completions(ODD_EVENTS, AsyncStream[KimiChatCompletionChunk]).create(
        model="kimi-k2.6", messages=[], stream=True
    )
    lenient = [item async for item in reference]
    assert dumps(fast) == dumps(lenient)
    assert stream.finished
    assert stream.received == fast


@pytest.mark.anyio
async def test_async_moonshot_stream_and_error() -> None:
    stream = await async_completions(MOONSHOT_BODY).create(model="kimi-k2.6", messages=[], stream=True)
    assert isinstance(stream, AsyncKimiStream)
    chunks = [chunk async for chunk in stream]
    assert chunks[-1].usage is not None
    assert stream.received_reasoning() == "Thinking."
    failing = await async_completions(sse(data({"error": {"message": "boom"}}))).create(
        model="kimi-k2.6", messages=[], stream=True
    )
    with pytest.raises(openai.APIError, match="boom"):
        async for _ in failing:
            pass


@pytest.mark.anyio
async def test_async_stream_method_keeps_usage() -> None:
    async with async_completions(MOONSHOT_BODY).stream(model="kimi-k2.6", messages=[]) as stream:
        async for _ in stream:
            pass
        final = await stream.get_final_completion()
    assert final.usage is not None
    assert final.usage.total_tokens == 23
    assert (final.choices[0].message.model_extra or {}).get("reasoning_content") == "Thinking."


@pytest.mark.anyio
async def test_async_non_stream_create_is_typed() -> None:
    completion = await async_completions(b"").create(model="kimi-k2.6", messages=[])
    assert isinstance(completion, KimiChatCompletion)
    assert completion.choices[0].message.reasoning_content == "1+1"
