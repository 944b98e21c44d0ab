"""Kimi's ``chat`` namespace: openai's, with the Kimi completions resource."""

from __future__ import annotations

from functools import cached_property

from openai.resources.chat import AsyncChat, Chat
from typing_extensions import override

from .completions import AsyncKimiCompletions, KimiCompletions

__all__ = ["AsyncKimiChat", "KimiChat"]


class KimiChat(Chat):
    @cached_property
    @override
    def completions(self) -> KimiCompletions:  # pyright: ignore[reportIncompatibleMethodOverride]
        return KimiCompletions(self._client)


class AsyncKimiChat(AsyncChat):
    @cached_property
    @override
    def completions(self) -> AsyncKimiCompletions:  # pyright: ignore[reportIncompatibleMethodOverride]
        return AsyncKimiCompletions(self._client)
