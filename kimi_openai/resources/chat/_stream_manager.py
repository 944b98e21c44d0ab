"""What the Kimi ``.stream()`` returns: a context manager over an event stream, sync and async.

Same surface as openai's ``ChatCompletionStreamManager`` / ``ChatCompletionStream``
(iterate events, ``get_final_completion()``, ``until_done()``,
``current_completion_snapshot``, ``close()``), driven by
:class:`~kimi_openai.resources.chat._stream_state.KimiChatCompletionStreamState` over the chunks of the Kimi
``create(stream=True)``, which are parsed once and not rebuilt.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from types import TracebackType
from typing import Generic, Self

from openai import AsyncStream, Omit, Stream
from openai.types.chat import ChatCompletionChunk, ChatCompletionToolUnionParam
from openai.types.chat.completion_create_params import ResponseFormat as ResponseFormatParam
from typing_extensions import TypeVar

from kimi_openai.types.chat.kimi_parsed_chat_completion import KimiParsedChatCompletion
from kimi_openai.types.chat.stream_events import KimiChatCompletionStreamEvent

from ._stream_state import KimiChatCompletionStreamState

__all__ = [
    "AsyncKimiChatCompletionStream",
    "AsyncKimiChatCompletionStreamManager",
    "KimiChatCompletionStream",
    "KimiChatCompletionStreamManager",
]

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
        yield from self._iterator

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
        for chunk in self._raw_stream:
            if chunk.object == _CHUNK_OBJECT:
                yield from handle(chunk)


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

    async def __aiter__(self) -> AsyncIterator[KimiChatCompletionStreamEvent[ResponseFormatT]]:
        async for event in self._iterator:
            yield event

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
        async for chunk in self._raw_stream:
            if chunk.object == _CHUNK_OBJECT:
                for event in handle(chunk):
                    yield event


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
