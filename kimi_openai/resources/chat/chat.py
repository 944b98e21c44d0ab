"""Kimi's ``chat`` namespace: openai's, with the Kimi completions resource.

Its response-wrapper namespaces (``client.chat.with_raw_response``, and through them
``client.with_raw_response.chat``) lead to the Kimi completions' wrappers, so
``partial`` is there too.
"""

from __future__ import annotations

from functools import cached_property

from openai.resources.chat import (
    AsyncChat,
    AsyncChatWithRawResponse,
    AsyncChatWithStreamingResponse,
    Chat,
    ChatWithRawResponse,
    ChatWithStreamingResponse,
)
from typing_extensions import override

from ._partial import (
    AsyncKimiCompletionsWithRawResponse,
    AsyncKimiCompletionsWithStreamingResponse,
    KimiCompletionsWithRawResponse,
    KimiCompletionsWithStreamingResponse,
)
from .completions import AsyncKimiCompletions, KimiCompletions

__all__ = [
    "AsyncKimiChat",
    "AsyncKimiChatWithRawResponse",
    "AsyncKimiChatWithStreamingResponse",
    "KimiChat",
    "KimiChatWithRawResponse",
    "KimiChatWithStreamingResponse",
]


class KimiChat(Chat):
    @cached_property
    @override
    def completions(self) -> KimiCompletions:  # pyright: ignore[reportIncompatibleMethodOverride]
        return KimiCompletions(self._client)

    @cached_property
    @override
    def with_raw_response(self) -> KimiChatWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return KimiChatWithRawResponse(self)

    @cached_property
    @override
    def with_streaming_response(self) -> KimiChatWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return KimiChatWithStreamingResponse(self)


class AsyncKimiChat(AsyncChat):
    @cached_property
    @override
    def completions(self) -> AsyncKimiCompletions:  # pyright: ignore[reportIncompatibleMethodOverride]
        return AsyncKimiCompletions(self._client)

    @cached_property
    @override
    def with_raw_response(self) -> AsyncKimiChatWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return AsyncKimiChatWithRawResponse(self)

    @cached_property
    @override
    def with_streaming_response(self) -> AsyncKimiChatWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return AsyncKimiChatWithStreamingResponse(self)


class KimiChatWithRawResponse(ChatWithRawResponse):
    def __init__(self, chat: KimiChat) -> None:
        super().__init__(chat)
        self._kimi_chat = chat

    @cached_property
    @override
    def completions(self) -> KimiCompletionsWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_chat.completions.with_raw_response


class AsyncKimiChatWithRawResponse(AsyncChatWithRawResponse):
    def __init__(self, chat: AsyncKimiChat) -> None:
        super().__init__(chat)
        self._kimi_chat = chat

    @cached_property
    @override
    def completions(self) -> AsyncKimiCompletionsWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_chat.completions.with_raw_response


class KimiChatWithStreamingResponse(ChatWithStreamingResponse):
    def __init__(self, chat: KimiChat) -> None:
        super().__init__(chat)
        self._kimi_chat = chat

    @cached_property
    @override
    def completions(self) -> KimiCompletionsWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_chat.completions.with_streaming_response


class AsyncKimiChatWithStreamingResponse(AsyncChatWithStreamingResponse):
    def __init__(self, chat: AsyncKimiChat) -> None:
        super().__init__(chat)
        self._kimi_chat = chat

    @cached_property
    @override
    def completions(self) -> AsyncKimiCompletionsWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return self._kimi_chat.completions.with_streaming_response
