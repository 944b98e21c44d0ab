"""Every cut of a stream: at each byte, at each network chunk, and the body split anywhere.

A thinking answer whose tool-call deltas carry no ``index`` after a call's first one (see
``kimi_openai._stream_index``), with non-ASCII text, streamed as Moonshot does
(https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api);
and the same answer as one JSON body (a proxy that does not stream). Whatever the cut, the
stream yields the chunks that arrived and then raises a typed error whose ``partial`` is a
prefix of the whole answer: nothing received is lost, nothing is invented.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from kimi_openai import (
    AsyncKimiOpenAI,
    KimiOpenAI,
    MalformedResponseError,
    StreamConnectionError,
    StreamInterruptedError,
)
from kimi_openai._compat import httpx
from kimi_openai._stream_snapshot import StreamSnapshot, stream_snapshot
from kimi_openai._streaming import AsyncKimiStream, KimiStream
from kimi_openai.types.chat import KimiChatCompletionChunk
from tests._helpers import Recorder

URL = "https://api.moonshot.ai/v1/chat/completions"
HEAD: dict[str, Any] = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "kimi-k2.6"}


def _event(delta: dict[str, Any], finish: str | None = None, **top: Any) -> bytes:
    payload = {**HEAD, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **top}
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


EVENTS: list[bytes] = [
    _event({"role": "assistant", "reasoning_content": "巴黎的天气"}),
    _event({"reasoning_content": " call get_weather,"}),
    _event({"reasoning_content": " then get_time."}),
    _event({"content": "Checking — "}),
    _event({"content": "un instant."}),
    _event(
        {
            "tool_calls": [
                {
                    "id": "functions.get_weather:0",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": ""},
                }
            ]
        }
    ),
    _event({"tool_calls": [{"function": {"arguments": '{"city": '}}]}),
    _event({"tool_calls": [{"function": {"arguments": '"巴黎"}'}}]}),
    _event(
        {
            "tool_calls": [
                {
                    "id": "functions.get_time:1",
                    "type": "function",
                    "function": {"name": "get_time", "arguments": '{"tz"'},
                }
            ]
        }
    ),
    _event({"tool_calls": [{"function": {"arguments": ': "CET"}'}}]}),
    _event({}, "tool_calls", usage={"prompt_tokens": 20, "completion_tokens": 30, "total_tokens": 50}),
    b"data: [DONE]\n\n",
]
BODY = b"".join(EVENTS)
ANSWER = json.dumps(
    {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "kimi-k2.6",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Checking — un instant.",
                    "reasoning_content": "巴黎的天气 call get_weather, then get_time.",
                    "tool_calls": [
                        {
                            "id": "functions.get_weather:0",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "巴黎"}'},
                        },
                        {
                            "id": "functions.get_time:1",
                            "type": "function",
                            "function": {"name": "get_time", "arguments": '{"tz": "CET"}'},
                        },
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 30, "total_tokens": 50},
    },
    ensure_ascii=False,
).encode()
CLIENT = KimiOpenAI(api_key="sk-test", max_retries=0)
ASYNC_CLIENT = AsyncKimiOpenAI(api_key="sk-test", max_retries=0)


class _Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """``pieces`` as network chunks, then a dropped connection if ``drop``, else a clean end."""

    def __init__(self, pieces: list[bytes], drop: bool) -> None:
        self.pieces = [piece for piece in pieces if piece]
        self.drop = drop

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces
        if self.drop:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece
        if self.drop:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def _response(
    pieces: list[bytes], *, drop: bool = False, content_type: str = "text/event-stream"
) -> httpx.Response:
    request = httpx.Request("POST", URL)
    return httpx.Response(
        200, headers={"content-type": content_type}, stream=_Body(pieces, drop), request=request
    )


def read(pieces: list[bytes], **kwargs: Any) -> tuple[list[Any], BaseException | None, KimiStream[Any]]:
    stream = KimiStream(cast_to=KimiChatCompletionChunk, response=_response(pieces, **kwargs), client=CLIENT)
    chunks: list[Any] = []
    try:
        for chunk in stream:
            chunks.append(chunk)
    except (StreamInterruptedError, MalformedResponseError) as caught:
        return chunks, caught, stream
    return chunks, None, stream


async def aread(pieces: list[bytes], **kwargs: Any) -> tuple[list[Any], BaseException | None]:
    stream = AsyncKimiStream(
        cast_to=KimiChatCompletionChunk, response=_response(pieces, **kwargs), client=ASYNC_CLIENT
    )  # pyright: ignore[reportArgumentType]
    chunks: list[Any] = []
    try:
        async for chunk in stream:
            chunks.append(chunk)
    except (StreamInterruptedError, MalformedResponseError) as caught:
        return chunks, caught
    return chunks, None


WHOLE = stream_snapshot(read([BODY])[0])


def test_the_whole_answer() -> None:
    assert WHOLE.content == "Checking — un instant."
    assert WHOLE.reasoning_content == "巴黎的天气 call get_weather, then get_time."
    assert [(c.id, c.name, c.arguments) for c in WHOLE.tool_calls] == [
        ("functions.get_weather:0", "get_weather", '{"city": "巴黎"}'),
        ("functions.get_time:1", "get_time", '{"tz": "CET"}'),
    ]
    assert WHOLE.finish_reason == "tool_calls"


def assert_prefix(partial: StreamSnapshot) -> None:
    """``partial`` is what a prefix of the whole answer holds."""
    assert WHOLE.content.startswith(partial.content)
    assert WHOLE.reasoning_content.startswith(partial.reasoning_content)
    assert len(partial.tool_calls) <= len(WHOLE.tool_calls)
    for got, whole in zip(partial.tool_calls, WHOLE.tool_calls, strict=False):
        assert (got.index, got.id, got.name) == (whole.index, whole.id, whole.name)
        assert whole.arguments.startswith(got.arguments)


def _check_cut(chunks: list[Any], error: BaseException | None, reason: str) -> None:
    assert isinstance(error, StreamInterruptedError)
    assert error.reason == reason
    assert list(error.partial.chunks) == chunks
    assert_prefix(error.partial)


@pytest.mark.parametrize("events", range(len(EVENTS)))
def test_dropped_after_each_network_chunk(events: int) -> None:
    chunks, error, stream = read(EVENTS[:events], drop=True)
    _check_cut(chunks, error, "connection")
    assert isinstance(error, StreamConnectionError)
    assert len(chunks) == min(events, len(EVENTS) - 1)
    assert error.partial == stream_snapshot(read(EVENTS[:events])[0])  # exactly what those events hold
    assert not stream.finished


@pytest.mark.anyio
@pytest.mark.parametrize("events", range(len(EVENTS)))
async def test_async_dropped_after_each_network_chunk(events: int) -> None:
    chunks, error = await aread(EVENTS[:events], drop=True)
    _check_cut(chunks, error, "connection")


class _Streamed(Recorder):
    def __init__(self, pieces: list[bytes]) -> None:
        super().__init__()
        self.respond = lambda _r: _response(pieces, drop=True)


@pytest.mark.parametrize("events", range(len(EVENTS)))
def test_stream_helper_dropped_after_each_network_chunk(events: int) -> None:
    client = KimiOpenAI(api_key="sk-test", max_retries=0, http_client=_Streamed(EVENTS[:events]).client())
    with client.chat.completions.stream(
        model="kimi-k2.6", messages=[{"role": "user", "content": "?"}]
    ) as stream:
        seen: list[Any] = []
        with pytest.raises(StreamInterruptedError) as caught:
            seen.extend(stream)
    assert_prefix(caught.value.partial)
    chunks = [event.chunk for event in seen if event.type == "chunk"]
    assert chunks == list(caught.value.partial.chunks)
    if chunks:
        snapshot = stream.current_completion_snapshot.choices[0].message
        assert (snapshot.content or "", snapshot.reasoning_content or "") == (
            caught.value.partial.content,
            caught.value.partial.reasoning_content,
        )


@pytest.mark.slow
def test_cut_at_every_byte() -> None:
    reference = read([BODY])[0]
    for cut in range(len(BODY)):
        # Split there, the whole body arrives: the same chunks, complete.
        chunks, error, stream = read([BODY[:cut], BODY[cut:]])
        assert (error, stream.finished, chunks) == (None, True, reference), cut
        # The connection drops there, or the body just ends there.
        for drop, reason in ((True, "connection"), (False, "incomplete")):
            chunks, error, stream = read([BODY[:cut]], drop=drop)
            _check_cut(chunks, error, reason)
            assert not stream.finished


@pytest.mark.slow
@pytest.mark.anyio
async def test_async_cut_at_every_byte() -> None:
    reference = read([BODY])[0]
    for cut in range(len(BODY)):
        chunks, error = await aread([BODY[:cut], BODY[cut:]])
        assert (error, chunks) == (None, reference), cut
        chunks, error = await aread([BODY[:cut]], drop=True)
        _check_cut(chunks, error, "connection")


# -- the answer as one JSON body -------------------------------------------------------------------


def test_the_json_answer_gives_the_whole_answer() -> None:
    chunks, error, stream = read([ANSWER], content_type="application/json")
    assert (error, stream.finished) == (None, True)
    assert stream_snapshot(chunks) == StreamSnapshot(
        WHOLE.choices, WHOLE.usage, tuple(chunks)
    )  # the same content, reasoning, calls and usage as the stream


@pytest.mark.slow
def test_the_json_answer_cut_at_every_byte() -> None:
    for cut in range(len(ANSWER)):
        chunks, error, stream = read([ANSWER[:cut], ANSWER[cut:]], content_type="application/json")
        assert (error, stream.finished, len(chunks)) == (None, True, 2), cut
        chunks, error, _ = read([ANSWER[:cut]], drop=True, content_type="application/json")
        assert isinstance(error, StreamConnectionError)
        assert (chunks, error.partial.chunks) == ([], ())
        chunks, error, _ = read([ANSWER[:cut]], content_type="application/json")
        assert chunks == []
        if cut == 0:  # nothing arrived at all
            assert isinstance(error, StreamInterruptedError)
            assert error.reason == "incomplete"
        else:
            assert isinstance(error, MalformedResponseError)
            assert error.raw_body == ANSWER[:cut].decode(errors="replace")


@pytest.mark.slow
@pytest.mark.anyio
async def test_async_the_json_answer_cut_at_every_byte() -> None:
    for cut in range(len(ANSWER)):
        chunks, error = await aread([ANSWER[:cut], ANSWER[cut:]], content_type="application/json")
        assert (error, len(chunks)) == (None, 2), cut
        chunks, error = await aread([ANSWER[:cut]], drop=True, content_type="application/json")
        assert isinstance(error, StreamConnectionError)
