"""Kimi's ``chat.completions``: openai's resource, subclassed."""

from __future__ import annotations

from openai.resources.chat.completions import AsyncCompletions, Completions

__all__ = ["AsyncKimiCompletions", "KimiCompletions"]


class KimiCompletions(Completions):
    """``client.chat.completions`` on a :class:`~kimi_openai.KimiOpenAI` client."""


class AsyncKimiCompletions(AsyncCompletions):
    """``client.chat.completions`` on an :class:`~kimi_openai.AsyncKimiOpenAI` client."""
