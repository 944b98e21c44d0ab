"""``.stream()`` on the Kimi chat completions resource, and what it returns.

Takes what openai's ``.stream()`` takes, plus ``thinking=``, and sends the request
through the Kimi ``create(stream=True)`` (Kimi chunks, parsed once by the compiled
validator). The events are openai's plus ``reasoning.delta`` / ``reasoning.done``
(thinking models stream ``reasoning_content`` first:
https://platform.kimi.ai/docs/guide/use-thinking-models); the final completion
carries ``reasoning_content``, the tool calls and the usage, wherever Moonshot put
it (https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api).

Tools are not checked for auto-parsing: Moonshot's builtin tools
(``{"type": "builtin_function", "function": {"name": "$web_search"}}``,
https://platform.kimi.ai/docs/guide/use-web-search) are passed as given, where
openai 2.x's async ``.stream()`` rejects any tool that is not a strict function.

It returns a context manager with the surface of openai's ``ChatCompletionStreamManager`` /
``ChatCompletionStream`` (iterate events, ``get_final_completion()``, ``until_done()``,
``current_completion_snapshot``, ``close()``), driven by the state machine of
``_stream_state`` over the chunks of the Kimi ``create(stream=True)``, which are parsed
once and not rebuilt.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from functools import partial
from types import TracebackType
from typing import Any, Generic, Self, cast, overload

from openai import AsyncStream, Omit, Stream, omit
from openai.lib._parsing._completions import type_to_response_format_param
from openai.resources.chat.completions import AsyncCompletions, Completions
from openai.types.chat import ChatCompletionChunk, ChatCompletionToolUnionParam
from openai.types.chat.completion_create_params import ResponseFormat as ResponseFormatParam
from typing_extensions import TypeVar, Unpack

from kimi_openai._pipeline import StreamRecord, check_helper_call
from kimi_openai._streaming import AsyncKimiStream, KimiStream
from kimi_openai.types.chat.kimi_parsed_chat_completion import KimiParsedChatCompletion
from kimi_openai.types.chat.stream_events import KimiChatCompletionStreamEvent
from kimi_openai.types.thinking_param import ThinkingParam

from ._params import KimiParseArgs, read_once
from ._stream_state import KimiChatCompletionStreamState

__all__ = [
    "AsyncKimiChatCompletionStream",
    "AsyncKimiChatCompletionStreamManager",
    "AsyncKimiStreamMixin",
    "KimiChatCompletionStream",
    "KimiChatCompletionStreamManager",
    "KimiStreamMixin",
]

_T = TypeVar("_T", default=None)
_HELPER_HEADER = {"X-Stainless-Helper-Method": "chat.completions.stream"}


def _request_arguments(
    kwargs: dict[str, Any], response_format: object, thinking: ThinkingParam | Omit
) -> tuple[dict[str, Any], list[Any] | Omit]:
    """The ``create(stream=True)`` arguments, and the tools as a list (read twice: sent, then parsed)."""
    tools = kwargs.pop("tools", omit)
    input_tools: list[Any] | Omit = omit if isinstance(tools, Omit) else list(cast("list[Any]", tools))
    headers: dict[str, Any] = {**_HELPER_HEADER, **(kwargs.pop("extra_headers", None) or {})}
    arguments: dict[str, Any] = {
        **kwargs,
        "stream": True,
        "thinking": thinking,
        "response_format": type_to_response_format_param(cast(Any, response_format)),
        "tools": input_tools,
        "extra_headers": headers,
    }
    return arguments, input_tools


class KimiStreamMixin(Completions):
    """``.stream()`` on :class:`~kimi_openai.resources.chat.KimiCompletions`."""

    @overload
    def stream(
        self,
        *,
        response_format: type[_T],
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiParseArgs],
    ) -> KimiChatCompletionStreamManager[_T]: ...
    @overload
    def stream(
        self,
        *,
        response_format: Omit = omit,
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiParseArgs],
    ) -> KimiChatCompletionStreamManager[None]: ...
    # The implementation's parameters are create's (openai's tests keep the two in sync); the
    # overloads above type them.
    def stream(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, *, response_format: type[_T] | Omit = omit, thinking: ThinkingParam | Omit = omit, **kwargs: Any
    ) -> KimiChatCompletionStreamManager[_T] | KimiChatCompletionStreamManager[None]:
        """Stream a completion as events (openai's, plus ``reasoning.delta`` / ``reasoning.done``).

        ```py
        with client.chat.completions.stream(model="kimi-k2.6", messages=[...]) as stream:
            for event in stream:
                if event.type == "reasoning.delta":
                    print(event.delta, end="")
            completion = stream.get_final_completion()
        ```

        Use it as a context manager: the request is sent on entering, and the response
        closed on leaving, read or not.
        """
        listed = read_once(kwargs)
        check_helper_call(self._client, listed, response_format)
        arguments, input_tools = _request_arguments(listed, response_format, thinking)
        create = cast(Any, self.create)
        return KimiChatCompletionStreamManager(
            partial(create, **arguments), response_format=response_format, input_tools=input_tools
        )


class AsyncKimiStreamMixin(AsyncCompletions):
    """``.stream()`` on :class:`~kimi_openai.resources.chat.AsyncKimiCompletions`."""

    @overload
    def stream(
        self,
        *,
        response_format: type[_T],
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiParseArgs],
    ) -> AsyncKimiChatCompletionStreamManager[_T]: ...
    @overload
    def stream(
        self,
        *,
        response_format: Omit = omit,
        thinking: ThinkingParam | Omit = omit,
        **kwargs: Unpack[KimiParseArgs],
    ) -> AsyncKimiChatCompletionStreamManager[None]: ...
    # The implementation's parameters are create's (openai's tests keep the two in sync); the
    # overloads above type them.
    def stream(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, *, response_format: type[_T] | Omit = omit, thinking: ThinkingParam | Omit = omit, **kwargs: Any
    ) -> AsyncKimiChatCompletionStreamManager[_T] | AsyncKimiChatCompletionStreamManager[None]:
        """Async :meth:`KimiStreamMixin.stream`: ``async with client.chat.completions.stream(...) as stream:``.

        The request is sent on entering.
        """
        listed = read_once(kwargs)
        check_helper_call(self._client, listed, response_format)
        arguments, input_tools = _request_arguments(listed, response_format, thinking)
        create = cast(Any, self.create)
        return AsyncKimiChatCompletionStreamManager(
            partial(create, **arguments), response_format=response_format, input_tools=input_tools
        )


# -- what .stream() returns: a context manager over an event stream, sync and async ----------------


ResponseFormatT = TypeVar("ResponseFormatT", default=None)
_CHUNK_OBJECT = "chat.completion.chunk"
"""openai skips stream items of any other ``object`` (Azure's content-filter events); so do we."""


class KimiChatCompletionStream(Generic[ResponseFormatT]):
    """Events of one streamed completion, with ``reasoning.*`` events and the completion accumulated cheaply."""

    def __init__(
        self,
        *,
        raw_stream: Stream[ChatCompletionChunk],
        response_format: type[ResponseFormatT] | ResponseFormatParam | Omit,
        input_tools: Iterable[ChatCompletionToolUnionParam] | Omit,
    ) -> None:
        self._raw_stream = raw_stream
        self._state = KimiChatCompletionStreamState[ResponseFormatT](
            response_format=response_format, input_tools=input_tools
        )
        self._iterator = self.__stream__()

    def __next__(self) -> KimiChatCompletionStreamEvent[ResponseFormatT]:
        return self._iterator.__next__()

    def __iter__(self) -> Iterator[KimiChatCompletionStreamEvent[ResponseFormatT]]:
        # The event generator itself: no wrapping generator, one hop less per event.
        return self._iterator

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, exc_tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the response and release the connection (done for you once the stream is read)."""
        self._raw_stream.response.close()

    def until_done(self) -> Self:
        """Read the stream to its end."""
        for _ in self:
            pass
        return self

    def get_final_completion(self) -> KimiParsedChatCompletion[ResponseFormatT]:
        """Read the stream to its end; the completion with ``parsed`` content, ``reasoning_content`` and usage."""
        self.until_done()
        return self._state.get_final_completion()

    @property
    def current_completion_snapshot(self) -> KimiParsedChatCompletion[object]:
        """The completion accumulated so far (built when read)."""
        return self._state.current_completion_snapshot

    def __stream__(self) -> Iterator[KimiChatCompletionStreamEvent[ResponseFormatT]]:
        handle = self._state.handle_chunk
        record = _gather_in(self._state, self._raw_stream)
        for chunk in self._raw_stream:
            if chunk.object == _CHUNK_OBJECT:
                yield from handle(chunk)
            elif record is not None:
                record.add(chunk)


def _gather_in(state: KimiChatCompletionStreamState[Any], raw: object) -> StreamRecord | None:
    """The state gathers what the client keeps from a Kimi stream (it reads every chunk anyway); the record for the rest."""
    if not isinstance(raw, KimiStream | AsyncKimiStream):
        return None
    record = raw.gather_elsewhere()
    state.gather_into(record)
    return record


class KimiChatCompletionStreamManager(Generic[ResponseFormatT]):
    """``with client.chat.completions.stream(...) as stream:``; the request is sent on entering."""

    def __init__(
        self,
        api_request: Callable[[], Stream[ChatCompletionChunk]],
        *,
        response_format: type[ResponseFormatT] | ResponseFormatParam | Omit,
        input_tools: Iterable[ChatCompletionToolUnionParam] | Omit,
    ) -> None:
        self._stream: KimiChatCompletionStream[ResponseFormatT] | None = None
        self._api_request = api_request
        self._response_format = response_format
        self._input_tools = input_tools

    def __enter__(self) -> KimiChatCompletionStream[ResponseFormatT]:
        self._stream = KimiChatCompletionStream(
            raw_stream=self._api_request(),
            response_format=self._response_format,
            input_tools=self._input_tools,
        )
        return self._stream

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, exc_tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            self._stream.close()


class AsyncKimiChatCompletionStream(Generic[ResponseFormatT]):
    """Async :class:`KimiChatCompletionStream`."""

    def __init__(
        self,
        *,
        raw_stream: AsyncStream[ChatCompletionChunk],
        response_format: type[ResponseFormatT] | ResponseFormatParam | Omit,
        input_tools: Iterable[ChatCompletionToolUnionParam] | Omit,
    ) -> None:
        self._raw_stream = raw_stream
        self._state = KimiChatCompletionStreamState[ResponseFormatT](
            response_format=response_format, input_tools=input_tools
        )
        self._iterator = self.__stream__()

    async def __anext__(self) -> KimiChatCompletionStreamEvent[ResponseFormatT]:
        return await self._iterator.__anext__()

    def __aiter__(self) -> AsyncIterator[KimiChatCompletionStreamEvent[ResponseFormatT]]:
        # The event generator itself: no wrapping async generator, one hop less per event.
        return self._iterator

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, exc_tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the response and release the connection (done for you once the stream is read)."""
        await self._raw_stream.response.aclose()

    async def until_done(self) -> Self:
        """Read the stream to its end."""
        async for _ in self:
            pass
        return self

    async def get_final_completion(self) -> KimiParsedChatCompletion[ResponseFormatT]:
        """Read the stream to its end; the completion with ``parsed`` content, ``reasoning_content`` and usage."""
        await self.until_done()
        return self._state.get_final_completion()

    @property
    def current_completion_snapshot(self) -> KimiParsedChatCompletion[object]:
        """The completion accumulated so far (built when read)."""
        return self._state.current_completion_snapshot

    async def __stream__(self) -> AsyncIterator[KimiChatCompletionStreamEvent[ResponseFormatT]]:
        handle = self._state.handle_chunk
        record = _gather_in(self._state, self._raw_stream)
        async for chunk in self._raw_stream:
            if chunk.object == _CHUNK_OBJECT:
                for event in handle(chunk):
                    yield event
            elif record is not None:
                record.add(chunk)


class AsyncKimiChatCompletionStreamManager(Generic[ResponseFormatT]):
    """``async with client.chat.completions.stream(...) as stream:``; the request is sent on entering."""

    def __init__(
        self,
        api_request: Callable[[], Awaitable[AsyncStream[ChatCompletionChunk]]],
        *,
        response_format: type[ResponseFormatT] | ResponseFormatParam | Omit,
        input_tools: Iterable[ChatCompletionToolUnionParam] | Omit,
    ) -> None:
        self._stream: AsyncKimiChatCompletionStream[ResponseFormatT] | None = None
        self._api_request = api_request
        self._response_format = response_format
        self._input_tools = input_tools

    async def __aenter__(self) -> AsyncKimiChatCompletionStream[ResponseFormatT]:
        self._stream = AsyncKimiChatCompletionStream(
            raw_stream=await self._api_request(),
            response_format=self._response_format,
            input_tools=self._input_tools,
        )
        return self._stream

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, exc_tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            await self._stream.close()
