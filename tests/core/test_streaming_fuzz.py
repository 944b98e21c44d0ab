"""Malformed SSE through KimiStream and ``.stream()``: valid chunks (events) or a typed error, never anything else.

Garbage lines, truncated JSON, ``data:`` without payload, ``error`` events, comments,
odd ``event:`` names and a missing ``[DONE]`` are mixed with valid Moonshot chunks
(https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api).
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._errors import StreamInterruptedError
from kimi_openai.types.chat import KimiChatCompletionChunk

HEAD = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "kimi-k2.6"}
HELLO: list[Any] = [{"role": "user", "content": "hi"}]  # a request the client sends


def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    return json.dumps({**HEAD, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


VALID = st.sampled_from(
    [
        chunk({"role": "assistant", "content": ""}),
        chunk({"reasoning_content": "Hmm"}),
        chunk({"content": "Hello "}),
        chunk({"content": "<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0"}),
        chunk({"tool_calls": [{"index": 0, "id": "f:0", "type": "function", "function": {"name": "f"}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a": '}}]}),
        chunk({}, "stop"),
        json.dumps(
            {**HEAD, "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}
        ),
        # Indexes a proxy or engine got wrong: missing, a list, an object (kimi_openai._stream_index).
        chunk(
            {"tool_calls": [{"id": "g:1", "type": "function", "function": {"name": "g", "arguments": "{"}}]}
        ),
        chunk({"tool_calls": [{"function": {"arguments": "}"}}]}),
        chunk({"tool_calls": [{"index": {"a": 1}, "function": {"arguments": "1"}}]}),
        chunk({"tool_calls": ["x", 5]}),
        json.dumps({**HEAD, "choices": [{"index": [0], "delta": {"content": "x"}, "finish_reason": None}]}),
        json.dumps({**HEAD, "choices": [{"index": 1, "delta": {"content": "y"}, "finish_reason": None}]}),
    ]
)
NOT_OBJECTS = ["[1, 2]", "null", "7", '"text"']
PAYLOAD = st.one_of(
    VALID,
    VALID.flatmap(lambda text: st.integers(0, len(text) - 1).map(lambda cut: text[:cut])),  # truncated JSON
    st.text(max_size=20),  # garbage
    st.just(""),  # data: without payload
    st.sampled_from(['{"error": {"type": "server_error", "message": "boom"}}', '{"error": {"message": 3}}']),
    st.sampled_from([*NOT_OBJECTS, "{}", '{"choices": "x"}', '{"choices": [{"delta": 5}]}']),
)
EVENT = st.one_of(
    PAYLOAD.map(lambda p: f"data: {p}\n\n"),
    PAYLOAD.map(lambda p: f"event: error\ndata: {p}\n\n"),
    PAYLOAD.map(lambda p: f"event: thread.run.failed\ndata: {p}\n\n"),
    st.sampled_from([": keep-alive\n\n", "data\n\n", "retry: x\n\n", "id: 1\n\n", "\n", "data:\n\n"]),
)
BODY = st.tuples(st.lists(EVENT, max_size=8), st.booleans()).map(
    lambda parts: ("".join(parts[0]) + ("data: [DONE]\n\n" if parts[1] else "")).encode()
)
TYPED = (openai.APIError, StreamInterruptedError)


def sse(body: bytes) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


def sync_client(body: bytes, markup: bool) -> KimiOpenAI:
    http = httpx.Client(transport=httpx.MockTransport(lambda _r: sse(body)))
    return KimiOpenAI(
        api_key="sk-test",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        k2_tool_call_markup=markup,
        http_client=http,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODY, markup=st.booleans())
def test_sync_stream_gives_chunks_or_a_typed_error(body: bytes, markup: bool) -> None:
    stream = sync_client(body, markup).chat.completions.create(model="kimi-k2.6", messages=HELLO, stream=True)
    items: list[Any] = []
    error: BaseException | None = None
    try:
        for item in stream:
            items.append(item)
    except TYPED as caught:
        error = caught
    if error is None:
        assert stream.finished
        assert b"data: [DONE]" in body
    else:
        assert not stream.finished
    if isinstance(error, StreamInterruptedError):
        assert list(error.partial.chunks) == items
    assert stream.received == items
    assert all(isinstance(item, KimiChatCompletionChunk) for item in items)  # never a bare list or number


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODY, markup=st.booleans())
def test_sync_stream_method_gives_events_or_a_typed_error(body: bytes, markup: bool) -> None:
    chunks: list[Any] = []
    error: BaseException | None = None
    manager = sync_client(body, markup).chat.completions.stream(model="kimi-k2.6", messages=HELLO)
    with manager as stream:
        try:
            for event in stream:
                if event.type == "chunk":
                    chunks.append(event.chunk)
        except TYPED as caught:
            error = caught
    if error is None:
        assert b"data: [DONE]" in body
    if isinstance(error, StreamInterruptedError):
        # ``.stream()`` skips items whose ``object`` is not a chunk's, as openai's does; the
        # snapshot holds every item that arrived (equal to the ones yielded, rebuilt from their text).
        received = [c for c in error.partial.chunks if getattr(c, "object", None) == "chat.completion.chunk"]
        assert received == chunks


@pytest.mark.anyio
async def test_async_stream_gives_chunks_or_a_typed_error() -> None:
    # Hypothesis drives the sync test; the async path shares the decoding, so a fixed sample does.
    bodies = [b'data: {"choi', b"data: \n\n", b'event: error\ndata: {"error": {}}\n\n', b"garbage\n\n"]
    bodies += [f"data: {chunk({'content': 'x'})}\n\ndata: oops\n\n".encode()]
    bodies += [
        f"data: {chunk({'content': 'x'})}\n\ndata: {p}\n\ndata: [DONE]\n\n".encode() for p in NOT_OBJECTS
    ]
    for body in bodies:

        async def handler(request: httpx.Request, body: bytes = body) -> httpx.Response:
            return sse(body)

        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        kimi = AsyncKimiOpenAI(
            api_key="sk-test", base_url="http://127.0.0.1:9/v1", max_retries=0, http_client=http
        )
        stream = await kimi.chat.completions.create(model="kimi-k2.6", messages=HELLO, stream=True)
        with pytest.raises(TYPED):
            async for _ in stream:
                pass
        async with kimi.chat.completions.stream(model="kimi-k2.6", messages=HELLO) as events:
            with pytest.raises(TYPED):
                await events.until_done()
