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
:attr:`KimiStream.finished` telling whether ``[DONE]`` arrived. Only ``[DONE]`` marks
a complete stream (https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api),
and streams do drop mid-reasoning on long contexts, so a stream that breaks (a
dropped connection, a timeout between chunks, an ``error`` event, an event that is not
a JSON object) or simply ends without ``[DONE]`` raises :class:`~kimi_openai.StreamInterruptedError`
carrying a :class:`StreamSnapshot`: the content, reasoning, tool-call fragments
(stitched by ``index``) and usage that did arrive. Nothing received is lost, and a
dropped or timed-out stream is still caught by what catches plain openai's error.

A server or proxy may answer a streamed request with the whole completion as one
``application/json`` body instead of events. openai would read it as an event stream
with no events and yield nothing; these classes yield the chunks a stream of it would
have (the message as one delta, tool calls numbered; then the finish reason and usage)
and end the stream as complete, so iterating, ``.stream()`` and the reasoning echo see
the answer. A JSON body
that is an ``error`` object is raised like an ``error`` event; one that is no completion
at all is a :class:`~kimi_openai.MalformedResponseError` keeping the body in ``raw_body``.

Tool-call deltas are stitched into calls by their ``index``, or, where a server leaves it
out or sends something else, by the rule in ``_stream_index``.

With the client option ``k2_tool_call_markup`` on, each choice's ``delta.content``
goes through a ``K2ToolCallStreamParser`` (see ``kimi_openai._k2_apply``): the
chunks then carry plain text in ``content`` and the parsed calls in ``tool_calls``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from openai import APIConnectionError, APIError, APITimeoutError, AsyncStream, Stream
from openai._streaming import ServerSentEvent
from openai.types.chat import ChatCompletionChunk
from pydantic import BaseModel
from pydantic_core import SchemaError, SchemaValidator
from typing_extensions import override

from ._compat import httpx
from ._errors import (
    MalformedResponseError,
    StreamConnectionError,
    StreamInterruptedError,
    StreamServerError,
    StreamTimeoutError,
    stream_error_event,
)
from ._pipeline import StreamRecord, after_stream
from ._sse import KimiSSEDecoder
from ._state import KimiState, kimi_state_of
from ._stream_snapshot import StreamSnapshot, stream_snapshot
from .types.chat.kimi_chat_completion_chunk import KimiChatCompletionChunk

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI
    from openai._models import FinalRequestOptions

    from ._k2_apply import K2ChunkRewriter
    from ._k2_markup import K2Problem
    from ._reasoning_echo_keys import Prefix

__all__ = ["AsyncKimiStream", "KimiStream"]

_T = TypeVar("_T")

_drain_response_async: Callable[[httpx.Response], Awaitable[None]] | None
try:
    # openai 3.x drains an HTTP/1.1 body after ``[DONE]`` so the connection is reused;
    # 2.x has no such module (the type check runs against both lines).
    from openai._streaming_cleanup import (  # pyright: ignore[reportMissingImports]
        drain_response_async as _drain_response_async,  # pyright: ignore[reportUnknownVariableType]
    )
except ImportError:  # openai 2.x closes without draining
    _drain_response_async = None


class _Parsers(NamedTuple):
    """The compiled strict JSON validators of a Kimi chunk model."""

    full: Callable[[str], BaseModel]
    """The model's validator."""

    plain: Callable[[str], BaseModel]
    """The same without the model's Python step that copies a choice's ``usage`` to the
    chunk; that step does nothing unless the payload has a ``usage`` key. The full
    validator when it cannot be built."""

    def parse(self, data: str) -> BaseModel:
        """One chunk's JSON text as the stream reads it (raises ``ValueError`` where openai's path must decide)."""
        # A key is quoted as written, or spelled with escapes: without a backslash and without
        # ``"usage"``, the payload has no ``usage`` anywhere.
        return self.full(data) if '"usage"' in data or "\\" in data else self.plain(data)


@cache
def _fast_parser(cast_to: object) -> _Parsers | None:
    """The compiled strict JSON validators for a Kimi chunk model, or ``None`` for any other type."""
    if not (isinstance(cast_to, type) and issubclass(cast_to, KimiChatCompletionChunk)):
        return None
    # A model whose annotations are strings is built on first use: until then its
    # validator is a stand-in that rebuilds the model on every call. Build it now and
    # keep the real validator.
    if not cast_to.__pydantic_complete__ and cast_to.model_rebuild(raise_errors=False) is False:
        return None
    # Partials, not closures: no Python frame per chunk.
    full = partial(cast_to.__pydantic_validator__.validate_json, strict=True)
    plain = _without_usage_step(cast_to)
    return _Parsers(full, full if plain is None else partial(plain.validate_json, strict=True))


def _without_usage_step(cast_to: type[KimiChatCompletionChunk]) -> SchemaValidator | None:
    """The model's validator without its last step when that step is the usage copy, else ``None``.

    Calling into Python once per chunk costs about as much as a sixth of the validation;
    the copy only matters for the one chunk (usually the last) that carries a usage.
    """
    schema = cast("dict[str, Any]", cast_to.__pydantic_core_schema__)
    outer = (
        cast("dict[str, Any]", schema.get("schema") or {}) if schema.get("type") == "definitions" else schema
    )
    step = cast("dict[str, Any]", outer.get("function") or {}).get("function")
    if outer.get("type") != "function-after" or step is not KimiChatCompletionChunk._usage_from_choice:  # pyright: ignore[reportPrivateUsage]
        return None
    inner = outer["schema"]
    try:
        return SchemaValidator(cast(Any, {**schema, "schema": inner} if schema is not outer else inner))
    except SchemaError:  # a schema shape this pydantic-core does not take: keep the full validator
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
    raise stream_error_event(message, request, cast(object, error))


class _NotAnObjectError(ValueError):
    """An event whose data is JSON but not an object (``[1, 2]``, ``null``, ``7``): no chunk can be built from it."""


def _not_an_object(data: object, cast_to: object) -> bool:
    """Whether ``data`` cannot become the model the stream yields (a model needs a JSON object)."""
    return not isinstance(data, dict) and isinstance(cast_to, type) and issubclass(cast_to, BaseModel)


def _is_error_payload(data: object) -> bool:
    return isinstance(data, dict) and bool(cast("dict[str, object]", data).get("error"))


def _chunk_reader(
    parsers: _Parsers | None,
    mode: _Mode,
    fallback: Callable[[ServerSentEvent], object],
    keep: Callable[[object], object],
) -> Callable[[ServerSentEvent | str], object]:
    """What turns one event (or a data-only event's text) into the stream's item, and keeps it.

    The compiled validator builds the item where it can, and ``keep`` gets the JSON text
    (the item is built again from it when :attr:`KimiStream.received` is read); anywhere
    openai's path must decide, ``fallback`` builds it and ``keep`` gets the item. Built once
    per stream, so the per-event work is one call.
    """
    if parsers is None or mode.synthesize:

        def read_lenient(sse: ServerSentEvent | str) -> object:
            item = fallback(_event(sse))
            keep(item)
            return item

        return read_lenient
    legacy = mode.legacy
    full, plain = parsers

    def read(sse: ServerSentEvent | str) -> object:
        if isinstance(sse, str):
            data = sse
        else:
            if legacy and (event := sse.event) and event.startswith("thread."):
                return _kept(fallback(sse), keep)
            data = sse.data
        try:
            # _Parsers.parse, spelled out: this runs for every chunk.
            item = full(data) if '"usage"' in data or "\\" in data else plain(data)
        except ValueError:  # pydantic's ValidationError, bad JSON included
            return _kept(fallback(_event(sse)), keep)
        extra = item.__pydantic_extra__
        if legacy and extra and extra.get("error"):
            return _kept(fallback(_event(sse)), keep)
        keep(data)
        return item

    return read


def _kept(item: object, keep: Callable[[object], object]) -> object:
    keep(item)
    return item


def _event(sse: ServerSentEvent | str) -> ServerSentEvent:
    """The event a data-only event's text stands for (see ``KimiSSEDecoder(texts=True)``)."""
    return ServerSentEvent(data=sse) if isinstance(sse, str) else sse


def _text_decoder(stream: Stream[Any] | AsyncStream[Any]) -> None:
    """Give the stream a decoder that hands data-only events over as their text, when it has Kimi's own."""
    if type(stream._decoder) is KimiSSEDecoder:  # pyright: ignore[reportPrivateUsage]
        stream._decoder = KimiSSEDecoder(texts=True)  # pyright: ignore[reportPrivateUsage]


def _lenient_item(stream: Stream[Any] | AsyncStream[Any], sse: ServerSentEvent, *, mode: _Mode) -> object:
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
    if not mode.synthesize and _not_an_object(data, cast_to):
        # openai would yield the bare list or number as if it were a chunk.
        raise _NotAnObjectError(f"the event data {sse.data[:80]!r} is not a JSON object")
    payload = {"data": data, "event": sse.event} if mode.synthesize else data
    return client._process_response_data(data=payload, cast_to=cast_to, response=stream.response)  # pyright: ignore[reportPrivateUsage]


def _interruption(
    exc: Exception, received: list[Any], request: httpx.Request
) -> StreamInterruptedError | None:
    """The typed error for a stream that broke with ``exc``, or ``None`` if ``exc`` is not a break."""
    if isinstance(exc, StreamInterruptedError | MalformedResponseError):
        return None
    if isinstance(exc, APIConnectionError | httpx.TransportError):
        return _connection_error(exc, received, request)
    if isinstance(exc, APIError):  # an ``error`` event
        return StreamServerError(
            exc.message, request=exc.request, body=exc.body, partial=stream_snapshot(received)
        )
    if isinstance(exc, json.JSONDecodeError | _NotAnObjectError):
        what = "not a JSON object" if isinstance(exc, _NotAnObjectError) else "not JSON"
        message = f"The stream sent an event that is {what} after {len(received)} chunks: {exc}"
        return StreamInterruptedError(message, partial=stream_snapshot(received), reason="malformed")
    return None


def _wrapped(exc: Exception) -> BaseException:
    """What the Kimi error for a break is raised from: what openai's own error for it wraps.

    openai 3.x raises ``APIConnectionError`` / ``APITimeoutError`` from the transport error;
    the Kimi error is one of those in its place, so it is raised from that transport error
    too. openai 2.x lets the transport error itself escape: the Kimi error is raised from it.
    Anything else (an ``error`` event's ``APIError``, a decoding error) stays the cause.
    """
    if isinstance(exc, APIConnectionError) and exc.__cause__ is not None:
        return exc.__cause__
    return exc


def _connection_error(exc: Exception, received: list[Any], request: httpx.Request) -> StreamConnectionError:
    """A dropped or timed-out stream, typed so that what the user catches for plain openai still catches it.

    openai 3.x wraps the transport error in ``APIConnectionError`` (``APITimeoutError`` for a
    timeout), which our classes subclass; openai 2.x lets the ``httpx`` error itself escape
    the body iterator, so the error raised is then also an instance of that ``httpx`` class.
    """
    timed_out = isinstance(exc, APITimeoutError | httpx.TimeoutException) or "Timeout" in type(exc).__name__
    reason = "timeout" if timed_out else "connection"
    message = f"The stream broke after {len(received)} chunks ({reason}: {exc})"
    cls: type[StreamConnectionError] = StreamTimeoutError if timed_out else StreamConnectionError
    if isinstance(exc, httpx.TransportError):
        cls = _also(cls, type(exc))
    return cls(message, request=request, partial=stream_snapshot(received))


@cache
def _also(cls: type[StreamConnectionError], transport: type[Exception]) -> type[StreamConnectionError]:
    """``cls`` that is also a ``transport`` error (both trees end in ``Exception``); ``cls`` if they cannot mix."""
    try:
        mixed = type(
            cls.__name__, (cls, transport), {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        )
    except TypeError:  # a custom transport error with an incompatible layout
        return cls
    return cast("type[StreamConnectionError]", mixed)


def _incomplete(received: list[Any]) -> StreamInterruptedError:
    message = f"The stream ended after {len(received)} chunks without data: [DONE]"
    return StreamInterruptedError(message, partial=stream_snapshot(received), reason="incomplete")


def _json_answer(response: httpx.Response, cast_to: object) -> bool:
    """Whether a chat stream's body is one JSON document rather than events (its content type says so)."""
    if not (isinstance(cast_to, type) and issubclass(cast_to, ChatCompletionChunk)):
        return False
    media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _answer_events(response: httpx.Response) -> list[ServerSentEvent] | None:
    """The events a JSON body (already read) stands for; ``None`` when it is events after all.

    A completion is the two chunks a stream of it would have (see :func:`_chunks_of`) and
    ``[DONE]``; an ``error`` object is an ``error`` event. A body that starts like events
    (a proxy that mislabels its stream) is read as events.

    Raises:
        MalformedResponseError: the body is JSON but no completion, or not JSON at all.
    """
    text = response.text
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        data: object = json.loads(text)
    except ValueError as exc:
        raise MalformedResponseError(response, str(exc)) from exc
    if _is_error_payload(data):
        return [ServerSentEvent(data=text)]
    chunks = _chunks_of(data)
    if chunks is None:
        raise MalformedResponseError(response, "it is no chat completion, and the request asked for a stream")
    return [*(ServerSentEvent(data=json.dumps(chunk)) for chunk in chunks), ServerSentEvent(data="[DONE]")]


def _chunks_of(data: object) -> list[dict[str, object]] | None:
    """A chat completion as stream chunks, or ``None`` when ``data`` is not one.

    The first chunk carries each choice's message as its delta (tool calls numbered); the
    second each choice's ``finish_reason`` and the usage, as a stream ends: so ``.stream()``
    fires its ``*.done`` events and finish-reason checks as it would on a stream.
    """
    if not isinstance(data, dict):
        return None
    completion = cast("dict[str, object]", data)
    choices = completion.get("choices")
    if not isinstance(choices, list):
        return None
    found = [_as_delta(choice, position) for position, choice in enumerate(cast("list[object]", choices))]
    deltas = [delta for delta in found if delta is not None]
    if len(deltas) != len(found):
        return None
    head = {key: value for key, value in completion.items() if key not in ("choices", "usage")}
    head["object"] = "chat.completion.chunk"
    # The finish reason moves from the first chunk to the second.
    ends: list[dict[str, object]] = [
        {"index": d["index"], "delta": {}, "finish_reason": d.pop("finish_reason", None)} for d in deltas
    ]
    return [{**head, "choices": deltas}, {**head, "choices": ends, "usage": completion.get("usage")}]


def _as_delta(choice: object, position: int) -> dict[str, object] | None:
    """A completion choice as a chunk choice: its message becomes the delta, tool calls numbered."""
    if not isinstance(choice, dict):
        return None
    fields = cast("dict[str, object]", choice)
    message = fields.get("message")
    if not isinstance(message, dict):
        return None
    delta = dict(cast("dict[str, object]", message))
    calls = delta.get("tool_calls")
    if isinstance(calls, list):
        delta["tool_calls"] = [
            {**cast("dict[str, object]", call), "index": i} if isinstance(call, dict) else call
            for i, call in enumerate(cast("list[object]", calls))
        ]
    out = {key: value for key, value in fields.items() if key != "message"}
    out.setdefault("index", position)
    out["delta"] = delta
    return out


def _stream_started(state: KimiState | None) -> Prefix | None:
    """Asked while still in the request's context: which request this stream answers, for its reasoning."""
    return None if state is None else state.reasoning.take_pending()


class _Received:
    """What a stream has delivered so far; shared by the sync and async classes."""

    _kept: list[object]
    """Every item yielded so far, in order: the JSON text of a chunk the compiled validator
    built, else the item itself. A string is all the garbage collector skips: thousands of
    kept chunk objects would be walked over and over while the stream is read."""

    _built: list[Any]
    """:attr:`received`: the items of ``_kept``, built the first time it is read."""

    _parsers: _Parsers | None
    """The compiled validators the kept texts were built with."""

    finished: bool
    """``True`` once ``data: [DONE]`` arrived: the stream was complete, not cut off."""

    k2_problems: list[K2Problem]
    """Defects in K2 tool-call markup found so far (with the client's ``k2_tool_call_markup`` on)."""

    _kimi_state: KimiState | None
    """The state of the Kimi client that opened the stream (``None`` for a plain openai client)."""

    _record: StreamRecord | None
    """What the Kimi client learns from the stream, gathered as it is read."""

    _gathered_outside: bool
    """The reader of the items gathers ``_record`` (see :meth:`gather_elsewhere`)."""

    _began: bool
    """Iteration has started (the stream's generator ran)."""

    started: Prefix | None
    """The request the stream answers, as the client's reasoning memory noted it when the stream was created."""

    def _start(self, client: object, cast_to: object) -> None:
        self._kept = []
        self._built = []
        self._parsers = _fast_parser(cast_to)
        self.finished = False
        self.k2_problems = []
        self._kimi_state = kimi_state_of(client)
        self._record = (
            None if self._kimi_state is None else StreamRecord(kimi_chunks=self._parsers is not None)
        )
        self._gathered_outside = False
        self._began = False
        self.started = _stream_started(self._kimi_state)

    @property
    def received(self) -> list[Any]:
        """Every item yielded so far, in order: equal to the items the stream yielded.

        A chunk the compiled validator built is kept as its JSON text and built again, the
        same way, the first time this is read; anything else is the very item yielded.
        """
        built, kept = self._built, self._kept
        if len(built) < len(kept):
            parsers = self._parsers
            built.extend(
                parsers.parse(item) if parsers is not None and isinstance(item, str) else item
                for item in kept[len(built) :]
            )
        return built

    def gather_elsewhere(self) -> StreamRecord | None:
        """Let the caller gather the stream's :class:`StreamRecord`; the record, ``None`` if there is none to gather.

        For a reader that looks at every item anyway (``.stream()``'s state): the stream then
        does not look at each item a second time. Only before iteration starts; afterwards the
        stream keeps gathering itself and this returns ``None``.
        """
        if self._began:
            return None
        self._gathered_outside = True
        return self._record

    def _remember(self) -> None:
        """``[DONE]`` arrived: the client remembers the reasoning and usage this stream carried."""
        if self._kimi_state is not None and self._record is not None:
            after_stream(self._record, self._kimi_state, self.started)

    def _markup_rewriter(self, cast_to: object) -> K2ChunkRewriter | None:
        """A K2 markup rewriter when the client asks for one (and the stream is of chat chunks)."""
        state = self._kimi_state
        if state is None or not state.settings.k2_tool_call_markup or _fast_parser(cast_to) is None:
            return None
        from ._k2_apply import K2ChunkRewriter  # the parser is loaded only when asked for

        return K2ChunkRewriter(self.k2_problems)

    def received_content(self, index: int = 0) -> str:
        """The ``content`` of choice ``index`` received so far."""
        return self.partial().choice(index).content

    def received_reasoning(self, index: int = 0) -> str:
        """The ``reasoning_content`` of choice ``index`` received so far."""
        return self.partial().choice(index).reasoning_content

    def partial(self) -> StreamSnapshot:
        """What arrived so far, stitched (the same snapshot an interruption error carries)."""
        return stream_snapshot(self.received)


def _discard(item: object) -> None:
    """Keeps nothing: the K2 rewriter's chunks are kept instead of the ones it was given."""


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
        self._start(client, cast_to)
        super().__init__(cast_to=cast_to, response=response, client=client, options=options)
        _text_decoder(self)

    @override
    def __iter__(self) -> Iterator[_T]:
        # openai wraps the chunk generator in one more generator; handing out the generator
        # itself saves a hop per chunk; iterating and ``next()`` read the same generator.
        return self._iterator

    @override
    def __stream__(self) -> Iterator[_T]:
        self._began = True
        mode = _Mode(self._options)
        k2 = self._markup_rewriter(self._cast_to)
        kept, record = self._kept, None if self._gathered_outside else self._record
        read: Callable[[ServerSentEvent | str], Any] = _chunk_reader(
            self._parsers, mode, partial(_lenient_item, self, mode=mode), _discard if k2 else kept.append
        )
        try:
            try:
                for sse in self._kimi_events():
                    if (sse if isinstance(sse, str) else sse.data).startswith("[DONE]"):
                        if k2 is not None:
                            yield from _keep(kept, record, k2.flush())
                        self.finished = True
                        self._remember()
                        break
                    value: _T = read(sse)
                    if k2 is not None:
                        yield from _keep(kept, record, k2.rewrite(value))
                        continue
                    if record is not None:
                        record.add(value)
                    yield value
            except Exception as exc:
                interrupted = _interruption(exc, self.received, self.response.request)
                if interrupted is None:
                    raise
                raise interrupted from _wrapped(exc)
            if not self.finished:
                raise _incomplete(self.received)
        finally:
            self.response.close()

    def _kimi_events(self) -> Iterator[ServerSentEvent | str]:
        """openai's events (data-only ones as their text), or the ones a whole JSON answer stands for.

        Not a generator: no extra layer per event.
        """
        if _json_answer(self.response, self._cast_to):
            self.response.read()
            events = _answer_events(self.response)
            if events is not None:
                return iter(events)
        # The decoder is Kimi's (see _text_decoder): a data-only event is its text.
        return cast("Iterator[ServerSentEvent | str]", self._iter_events())


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
        self._start(client, cast_to)
        super().__init__(cast_to=cast_to, response=response, client=client, options=options)
        _text_decoder(self)

    @override
    def __aiter__(self) -> AsyncIterator[_T]:
        # As in KimiStream.__iter__: no wrapping async generator, one hop less per chunk.
        return self._iterator

    @override
    async def __stream__(self) -> AsyncIterator[_T]:
        self._began = True
        mode = _Mode(self._options)
        k2 = self._markup_rewriter(self._cast_to)
        kept, record = self._kept, None if self._gathered_outside else self._record
        read: Callable[[ServerSentEvent | str], Any] = _chunk_reader(
            self._parsers, mode, partial(_lenient_item, self, mode=mode), _discard if k2 else kept.append
        )
        response = self.response
        try:
            try:
                async for sse in await self._kimi_events():
                    if (sse if isinstance(sse, str) else sse.data).startswith("[DONE]"):
                        # As openai 3.x: the rest of an HTTP/1.1 body is read at once, within
                        # openai's deadline, so the connection goes back to the pool.
                        if _drain_response_async is not None and response.http_version == "HTTP/1.1":
                            await _drain_response_async(response)
                        if k2 is not None:
                            for value in _keep(kept, record, k2.flush()):
                                yield value
                        self.finished = True
                        self._remember()
                        break
                    value: _T = read(sse)
                    if k2 is not None:
                        for rewritten in _keep(kept, record, k2.rewrite(value)):
                            yield rewritten
                        continue
                    if record is not None:
                        record.add(value)
                    yield value
            except Exception as exc:
                interrupted = _interruption(exc, self.received, response.request)
                if interrupted is None:
                    raise
                raise interrupted from _wrapped(exc)
            if not self.finished:
                raise _incomplete(self.received)
        finally:
            await response.aclose()

    async def _kimi_events(self) -> AsyncIterator[ServerSentEvent | str]:
        """openai's events (data-only ones as their text), or the ones a whole JSON answer stands for."""
        if _json_answer(self.response, self._cast_to):
            await self.response.aread()
            events = _answer_events(self.response)
            if events is not None:
                return _aiter(events)
        # The decoder is Kimi's (see _text_decoder): a data-only event is its text.
        return cast("AsyncIterator[ServerSentEvent | str]", self._iter_events())


async def _aiter(items: list[ServerSentEvent]) -> AsyncIterator[ServerSentEvent]:
    for item in items:
        yield item


def _keep(kept: list[object], record: StreamRecord | None, values: list[Any]) -> Iterator[Any]:
    """Keep, record and hand out rewritten chunks."""
    for value in values:
        kept.append(value)
        if record is not None:
            record.add(value)
        yield value
