"""A stream that breaks raises ``StreamInterruptedError`` carrying everything that arrived."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._errors import (
    StreamConnectionError,
    StreamInterruptedError,
    StreamServerError,
    StreamTimeoutError,
)
from kimi_openai._retry import is_retryable
from kimi_openai._streaming import AsyncKimiStream, KimiStream
from kimi_openai.testing import MoonshotEmulator, TextReply, ToolCall, ToolCallsReply, Usage
from kimi_openai.types.chat import KimiChatCompletionChunk

BASE_URL = "https://api.moonshot.ai/v1"
MESSAGES: list[Any] = [{"role": "user", "content": "Tell me a story"}]
STORY = "Once upon a time a small kettle learned to sing in the rain"
THOUGHT = "A short story about a kettle will do"


def client(emulator: MoonshotEmulator) -> KimiOpenAI:
    http = httpx.Client(transport=emulator.transport())
    return KimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http)


def async_client(emulator: MoonshotEmulator) -> AsyncKimiOpenAI:
    http = httpx.AsyncClient(transport=emulator.async_transport())
    return AsyncKimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http)


def drain(stream: Iterator[Any], into: list[Any]) -> None:
    for chunk in stream:
        into.append(chunk)


async def adrain(stream: AsyncIterator[Any], into: list[Any]) -> None:
    async for chunk in stream:
        into.append(chunk)


def consume(stream: Iterator[Any]) -> tuple[list[Any], StreamInterruptedError]:
    chunks: list[Any] = []
    with pytest.raises(StreamInterruptedError) as caught:
        drain(stream, chunks)
    return chunks, caught.value


def joined(chunks: list[Any], field: str) -> str:
    return "".join(getattr(c.choices[0].delta, field) or "" for c in chunks if c.choices)


def causes(exc: BaseException) -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    current: BaseException | None = exc.__cause__
    while current is not None:
        found.append(type(current))
        current = current.__cause__
    return found


@pytest.mark.parametrize("after_chunks", [1, 6, 14])
def test_a_drop_keeps_the_content_and_reasoning_that_arrived(after_chunks: int) -> None:
    emulator = MoonshotEmulator().queue_drop(after_chunks, TextReply(STORY, reasoning=THOUGHT))
    stream = client(emulator).chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    chunks, error = consume(stream)
    assert len(chunks) == after_chunks
    assert error.partial.content == joined(chunks, "content")
    assert error.partial.reasoning_content == joined(chunks, "reasoning_content")
    assert STORY.startswith(error.partial.content)
    assert THOUGHT.startswith(error.partial.reasoning_content)
    assert list(error.partial.chunks) == chunks
    assert error.reason == "connection"
    # The transport error is chained: openai 3.x wraps it in APIConnectionError, 2.x does not.
    assert httpx.RemoteProtocolError in causes(error)
    assert isinstance(error, StreamConnectionError)
    assert isinstance(error, openai.APIConnectionError)  # what openai 3.x users caught before
    assert is_retryable(error)


def test_a_drop_late_in_the_stream_keeps_everything_but_done() -> None:
    emulator = MoonshotEmulator().queue_text("Hi there")
    events = len(list(_events(emulator)))
    usage = Usage(prompt_tokens=7, completion_tokens=3)
    emulator.queue_drop(events - 1, TextReply("Hi there", usage=usage))
    chunks, error = consume(
        client(emulator).chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    )
    assert error.partial.content == "Hi there"
    assert error.partial.finish_reason == "stop"
    assert error.partial.usage is not None
    assert error.partial.usage.total_tokens == 10
    assert chunks[-1].usage is not None


def _events(emulator: MoonshotEmulator) -> Iterator[Any]:
    # One full stream, to count its events (the last one is [DONE]).
    stream = client(emulator).chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    yield from stream
    yield "[DONE]"


def full_chunks(reply: TextReply | ToolCallsReply) -> list[KimiChatCompletionChunk]:
    """The chunks of the whole answer, to pick where a test cuts it."""
    emulator = MoonshotEmulator().queue(reply)
    return list(client(emulator).chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True))


def first_fragment_of(chunks: list[KimiChatCompletionChunk], call_index: int) -> int:
    """Position of the first chunk carrying argument text of call ``call_index``."""
    for position, chunk in enumerate(chunks):
        for call in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            if call.index == call_index and call.function and call.function.arguments:
                return position
    raise AssertionError("no such fragment")


def test_tool_call_fragments_are_stitched_by_index() -> None:
    calls = (
        ToolCall("get_weather", {"city": "Beijing", "unit": "celsius"}),
        ToolCall("get_time", {"timezone": "Asia/Shanghai"}),
    )
    reply = ToolCallsReply(calls, content="Checking")
    # Cut right after the first argument fragment of the second call.
    emulator = MoonshotEmulator().queue_drop(first_fragment_of(full_chunks(reply), 1) + 1, reply)
    _, error = consume(
        client(emulator).chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    )
    first, second = error.partial.tool_calls
    assert (first.index, first.id, first.name) == (0, "functions.get_weather:0", "get_weather")
    assert json.loads(first.arguments) == {"city": "Beijing", "unit": "celsius"}
    assert (second.index, second.id, second.name, second.type) == (
        1,
        "functions.get_time:1",
        "get_time",
        "function",
    )
    assert json.dumps({"timezone": "Asia/Shanghai"}, ensure_ascii=False).startswith(second.arguments)
    assert second.arguments != ""
    assert error.partial.content == "Checking"


def _sse_client(body: Iterator[bytes] | bytes) -> KimiOpenAI:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    return KimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http)


def _chunk(delta: dict[str, Any]) -> bytes:
    payload = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "kimi-k2.6",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }
    return f"data: {json.dumps(payload)}\n\n".encode()


def test_a_timeout_between_chunks_is_an_interruption_with_the_text() -> None:
    def body() -> Iterator[bytes]:
        yield _chunk({"role": "assistant", "content": "Hel"})
        yield _chunk({"content": "lo"})
        raise httpx.ReadTimeout("no chunk for 60 s")

    stream = _sse_client(body()).chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    _, error = consume(stream)
    assert error.reason == "timeout"
    assert error.partial.content == "Hello"
    assert isinstance(error, StreamTimeoutError)
    assert isinstance(error, openai.APITimeoutError)  # what openai 3.x raises for it
    assert isinstance(error, openai.APIConnectionError)
    assert is_retryable(error)


BREAKS: list[type[Exception]] = [httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError]


class _BreakingBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """One chunk, then the transport error ``exc``: a connection that drops or stalls mid-stream."""

    def __init__(self, exc: type[Exception]) -> None:
        self._exc = exc

    def __iter__(self) -> Iterator[bytes]:
        yield _chunk({"role": "assistant", "content": "Hel"})
        raise self._exc("mid-stream")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield _chunk({"role": "assistant", "content": "Hel"})
        raise self._exc("mid-stream")


def _breaking_transport(exc: type[Exception]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=_BreakingBody(exc))

    return httpx.MockTransport(handler)


def _break_of(stream: Iterator[Any]) -> Exception:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the test compares the type with openai's
        drain(stream, [])
    return caught.value


@pytest.mark.parametrize("exc", BREAKS)
def test_a_break_is_caught_by_what_catches_plain_openai_s_error(exc: type[Exception]) -> None:
    # openai 3.x raises APITimeoutError / APIConnectionError; openai 2.x lets httpx's error escape.
    plain = openai.OpenAI(
        api_key="sk-test",
        base_url=BASE_URL,
        max_retries=0,
        http_client=httpx.Client(transport=_breaking_transport(exc)),
    )
    theirs = _break_of(plain.chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True))
    kimi = KimiOpenAI(
        api_key="sk-test",
        base_url=BASE_URL,
        max_retries=0,
        http_client=httpx.Client(transport=_breaking_transport(exc)),
    )
    ours = _break_of(kimi.chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True))
    assert isinstance(ours, type(theirs))
    assert isinstance(ours, StreamConnectionError)
    assert ours.partial.content == "Hel"
    assert ours.request.url == BASE_URL + "/chat/completions"
    assert str(ours).startswith("The stream broke after 1 chunks")
    assert isinstance(ours, StreamTimeoutError) == (exc is httpx.ReadTimeout)
    assert type(ours.__cause__) is type(_wrapped_by(theirs)) is exc
    with kimi.chat.completions.stream(model="kimi-k2.6", messages=MESSAGES) as events:
        helper = _break_of(iter(events))
    assert isinstance(helper, type(theirs))
    assert isinstance(helper, StreamConnectionError)
    assert type(helper.__cause__) is exc


def _wrapped_by(error: BaseException) -> BaseException:
    """The transport error openai's own error for a break wraps (3.x), or is (2.x)."""
    return error.__cause__ if isinstance(error, openai.APIConnectionError) and error.__cause__ else error


@pytest.mark.anyio
@pytest.mark.parametrize("exc", BREAKS)
async def test_async_a_break_is_caught_by_what_catches_plain_openai_s_error(exc: type[Exception]) -> None:
    errors: list[BaseException] = []
    for cls in (openai.AsyncOpenAI, AsyncKimiOpenAI):
        http = httpx.AsyncClient(transport=_breaking_transport(exc))
        api = cls(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http)
        stream = await api.chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
        with pytest.raises(Exception) as caught:  # noqa: PT011 - compared with openai's below
            await adrain(stream, [])
        errors.append(caught.value)
    theirs, ours = errors
    assert isinstance(ours, type(theirs))
    assert isinstance(ours, StreamConnectionError)
    assert ours.partial.content == "Hel"
    assert ours.reason == ("timeout" if exc is httpx.ReadTimeout else "connection")
    assert type(ours.__cause__) is type(_wrapped_by(theirs)) is exc


def test_an_error_event_mid_stream_carries_the_partial_and_stays_an_api_error() -> None:
    error_event = {"error": {"type": "engine_overloaded_error", "message": "The engine is overloaded"}}
    body = _chunk({"content": "Part one"}) + f"data: {json.dumps(error_event)}\n\n".encode()
    _, error = consume(
        _sse_client(body).chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    )
    assert isinstance(error, StreamServerError)
    assert isinstance(error, openai.APIError)
    assert error.message == "The engine is overloaded"
    assert error.body == error_event["error"]
    assert error.type == "engine_overloaded_error"
    assert error.partial.content == "Part one"
    assert error.reason == "server_error"


def test_a_clean_close_without_done_is_treated_as_a_break() -> None:
    body = _chunk({"role": "assistant", "content": "Half a sent"})
    stream = _sse_client(body).chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    assert isinstance(stream, KimiStream)
    _, error = consume(stream)
    assert type(error) is StreamInterruptedError
    assert error.reason == "incomplete"
    assert error.partial.content == "Half a sent"
    assert not stream.finished
    assert is_retryable(error)


def test_stopping_early_is_not_an_interruption() -> None:
    emulator = MoonshotEmulator().queue_text(STORY)
    stream = client(emulator).chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    for _ in stream:
        break
    stream.close()
    assert not stream.finished


def test_a_complete_stream_raises_nothing_and_its_partial_is_the_whole_answer() -> None:
    emulator = MoonshotEmulator().queue_text(STORY, reasoning=THOUGHT)
    stream = client(emulator).chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    assert isinstance(stream, KimiStream)
    list(stream)
    assert stream.finished
    assert stream.partial().content == STORY
    assert stream.partial().reasoning_content == THOUGHT


@pytest.mark.anyio
async def test_async_drop_keeps_reasoning_content_and_tool_fragments() -> None:
    calls = (ToolCall("get_weather", {"city": "Beijing"}),)
    reply = ToolCallsReply(calls, content="Let me look", reasoning=THOUGHT)
    emulator = MoonshotEmulator().queue_drop(first_fragment_of(full_chunks(reply), 0) + 1, reply)
    stream = await async_client(emulator).chat.completions.create(
        model="kimi-k2.6", messages=MESSAGES, stream=True
    )
    assert isinstance(stream, AsyncKimiStream)
    chunks: list[Any] = []
    with pytest.raises(StreamInterruptedError) as caught:
        await adrain(stream, chunks)
    error = caught.value
    assert httpx.RemoteProtocolError in causes(error)
    assert error.partial.reasoning_content == THOUGHT
    assert error.partial.content == "Let me look"
    assert error.partial.content == joined(chunks, "content")
    (call,) = error.partial.tool_calls
    assert call.id == "functions.get_weather:0"
    assert '{"city": "Beijing"}'.startswith(call.arguments)
    assert is_retryable(error)


@pytest.mark.anyio
async def test_async_clean_close_without_done_is_a_break() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        body = _chunk({"role": "assistant", "content": "Half"})
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    kimi = AsyncKimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http)
    stream = await kimi.chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    with pytest.raises(StreamInterruptedError) as caught:
        async for _ in stream:
            pass
    assert caught.value.reason == "incomplete"
    assert caught.value.partial.content == "Half"
