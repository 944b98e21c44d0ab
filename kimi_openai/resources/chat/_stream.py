"""The ``.stream()`` helper of the Kimi chat completions resource."""

from __future__ import annotations

from openai.resources.chat.completions import AsyncCompletions, Completions

__all__ = ["AsyncKimiStreamMixin", "KimiStreamMixin"]


class KimiStreamMixin(Completions):
    """``.stream()`` on :class:`~kimi_openai.resources.chat.KimiCompletions`."""


class AsyncKimiStreamMixin(AsyncCompletions):
    """``.stream()`` on :class:`~kimi_openai.resources.chat.AsyncKimiCompletions`."""
