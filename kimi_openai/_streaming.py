"""``KimiStream`` / ``AsyncKimiStream``: openai's streams, parsing chunks with a compiled validator.

openai builds every streamed chunk with ``construct()``, a pure-Python walk over
the model's fields: on a Moonshot thinking stream (thousands of one-token
``reasoning_content`` deltas, https://platform.kimi.ai/docs/guide/use-thinking-models)
that walk is most of the time spent consuming the stream. These classes hand each
``data:`` payload to the chunk model's compiled pydantic-core validator in strict
JSON mode instead. Strict mode only accepts payloads whose every value already has
its declared type, which is exactly when ``construct()`` and validation build
equal objects; anything else (a wrong type, a missing field, an unknown
``finish_reason``, bad JSON) goes through openai's own lenient path, so results do
not change. Only Kimi chunk models take the fast path.

Everything else follows openai's ``Stream.__stream__`` of the installed line:
``[DONE]`` ends the stream, an ``error`` payload raises the same ``APIError``,
Assistants ``thread.*`` events and ``synthesize_event_and_data`` keep openai's
shape, and the response is closed however iteration ends.

The chunks received so far stay on the stream (:attr:`KimiStream.received`), with
:attr:`KimiStream.finished` telling whether ``[DONE]`` arrived: a stream cut off
mid-reasoning (it happens on long contexts) can still be inspected or resumed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

from openai import APIError, AsyncStream, Stream
from openai._streaming import ServerSentEvent
from pydantic import BaseModel
from typing_extensions import override

from ._compat import httpx
from .types.chat.kimi_chat_completion_chunk import KimiChatCompletionChunk

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI
    from openai._models import FinalRequestOptions

__all__ = ["AsyncKimiStream", "KimiStream"]

_T = TypeVar("_T")

_drain_response_async: Callable[[httpx.Response], Awaitable[None]] | None
try:
    # openai 3.x drains an HTTP/1.1 body after ``[DONE]`` so the connection is reused.
    from openai._streaming_cleanup import drain_response_async as _drain_response_async
except ImportError:  # openai 2.x closes without draining
    _drain_response_async = None


@cache
def _fast_parser(cast_to: object) -> Callable[[str], BaseModel] | None:
    """The compiled strict JSON validator for a Kimi chunk model, or ``None`` for any other type."""
    if isinstance(cast_to, type) and issubclass(cast_to, KimiChatCompletionChunk):
        validator = cast_to.__pydantic_validator__

        def parse(data: str) -> BaseModel:
            return cast(BaseModel, validator.validate_json(data, strict=True))

        return parse
    return None


class _Mode:
    """What openai's ``__stream__`` decides once per stream from the request options."""

    __slots__ = ("legacy", "synthesize")

    def __init__(self, options: FinalRequestOptions | None) -> None:
        # ``stream_mode`` exists on openai 3.x only; 2.x always behaves as "legacy".
        self.legacy = options is None or getattr(options, "stream_mode", "legacy") == "legacy"
        self.synthesize = options is not None and bool(getattr(options, "synthesize_event_and_data", False))


def _raise_stream_error(data: dict[str, object], request: httpx.Request) -> None:
    """The ``APIError`` openai raises for an ``error`` payload in a stream, same message and body."""
    error = data.get("error")
    message = cast("dict[str, object]", error).get("message") if isinstance(error, dict) else None
    if not message or not isinstance(message, str):
        message = "An error occurred during streaming"
    raise APIError(message=message, request=request, body=cast(object, error))


def _is_error_payload(data: object) -> bool:
    return isinstance(data, dict) and bool(cast("dict[str, object]", data).get("error"))


def _fast_item(
    sse: ServerSentEvent, parse: Callable[[str], BaseModel] | None, mode: _Mode
) -> BaseModel | None:
    """The chunk from the compiled validator, or ``None`` when openai's path must decide."""
    if parse is None or mode.synthesize or (mode.legacy and sse.event and sse.event.startswith("thread.")):
        return None
    try:
        item = parse(sse.data)
    except ValueError:  # pydantic's ValidationError, bad JSON included
        return None
    if mode.legacy and _is_error_payload(item.__pydantic_extra__):
        return None
    return item


def _lenient_item(stream: Stream[Any] | AsyncStream[Any], sse: ServerSentEvent, mode: _Mode) -> object:
    """One event decoded exactly as openai's ``__stream__`` does (both lines)."""
    client = stream._client  # pyright: ignore[reportPrivateUsage]
    cast_to = cast(Any, stream._cast_to)  # pyright: ignore[reportPrivateUsage]
    request = stream.response.request
    data = sse.json()
    if mode.legacy and sse.event and sse.event.startswith("thread."):
        if sse.event == "error" and _is_error_payload(data):
            _raise_stream_error(data, request)
        wrapped = {"data": data, "event": sse.event}
        return client._process_response_data(data=wrapped, cast_to=cast_to, response=stream.response)  # pyright: ignore[reportPrivateUsage]
    if mode.legacy and _is_error_payload(data):
        _raise_stream_error(data, request)
    payload = {"data": data, "event": sse.event} if mode.synthesize else data
    return client._process_response_data(data=payload, cast_to=cast_to, response=stream.response)  # pyright: ignore[reportPrivateUsage]


def _choice_text(chunks: list[Any], field: str, index: int) -> str:
    parts: list[str] = []
    for chunk in chunks:
        for choice in getattr(chunk, "choices", None) or ():
            if getattr(choice, "index", None) == index:
                value = getattr(getattr(choice, "delta", None), field, None)
                if isinstance(value, str):
                    parts.append(value)
    return "".join(parts)


def _stream_done(client: object, received: list[Any]) -> None:
    """Tell a Kimi client that a stream finished, so it can remember what the stream carried."""
    done = getattr(client, "_kimi_stream_done", None)
    if done is not None:
        done(received)


class _Received:
    """What a stream has delivered so far; shared by the sync and async classes."""

    received: list[Any]
    """Every item yielded so far, in order (kept by reference: appending is the whole cost)."""

    finished: bool
    """``True`` once ``data: [DONE]`` arrived: the stream was complete, not cut off."""

    def received_content(self, index: int = 0) -> str:
        """The ``content`` of choice ``index`` received so far."""
        return _choice_text(self.received, "content", index)

    def received_reasoning(self, index: int = 0) -> str:
        """The ``reasoning_content`` of choice ``index`` received so far."""
        return _choice_text(self.received, "reasoning_content", index)


class KimiStream(Stream[_T], _Received):
    """openai's ``Stream`` that parses Kimi chunks with a compiled validator and keeps what arrived."""

    @override
    def __init__(
        self,
        *,
        cast_to: type[_T],
        response: httpx.Response,
        client: OpenAI,
        options: FinalRequestOptions | None = None,
    ) -> None:
        self.received = []
        self.finished = False
        super().__init__(cast_to=cast_to, response=response, client=client, options=options)

    @override
    def __stream__(self) -> Iterator[_T]:
        parse = _fast_parser(self._cast_to)
        mode = _Mode(self._options)
        received = self.received
        try:
            for sse in self._iter_events():
                if sse.data.startswith("[DONE]"):
                    self.finished = True
                    _stream_done(self._client, received)
                    break
                item = _fast_item(sse, parse, mode)
                value = cast(_T, _lenient_item(self, sse, mode) if item is None else item)
                received.append(value)
                yield value
        finally:
            self.response.close()


class AsyncKimiStream(AsyncStream[_T], _Received):
    """openai's ``AsyncStream`` that parses Kimi chunks with a compiled validator and keeps what arrived."""

    @override
    def __init__(
        self,
        *,
        cast_to: type[_T],
        response: httpx.Response,
        client: AsyncOpenAI,
        options: FinalRequestOptions | None = None,
    ) -> None:
        self.received = []
        self.finished = False
        super().__init__(cast_to=cast_to, response=response, client=client, options=options)

    @override
    async def __stream__(self) -> AsyncIterator[_T]:
        parse = _fast_parser(self._cast_to)
        mode = _Mode(self._options)
        received = self.received
        response = self.response
        try:
            async for sse in self._iter_events():
                if sse.data.startswith("[DONE]"):
                    self.finished = True
                    _stream_done(self._client, received)
                    if _drain_response_async is not None and response.http_version == "HTTP/1.1":
                        await _drain_response_async(response)
                    break
                item = _fast_item(sse, parse, mode)
                value = cast(_T, _lenient_item(self, sse, mode) if item is None else item)
                received.append(value)
                yield value
        finally:
            await response.aclose()
