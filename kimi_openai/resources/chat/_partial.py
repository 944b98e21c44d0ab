"""Partial mode (assistant prefill) on the Kimi chat completions resource.

https://platform.kimi.ai/docs/api/partial
"""

from __future__ import annotations

from openai.resources.chat.completions import AsyncCompletions, Completions

__all__ = ["AsyncPartialMixin", "PartialMixin"]


class PartialMixin(Completions):
    """Partial-mode methods of :class:`~kimi_openai.resources.chat.KimiCompletions`."""


class AsyncPartialMixin(AsyncCompletions):
    """Partial-mode methods of :class:`~kimi_openai.resources.chat.AsyncKimiCompletions`."""
