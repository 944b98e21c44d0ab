"""A non-streamed Kimi chat completion (``POST /v1/chat/completions``).

Same wire shape as OpenAI's (https://platform.kimi.ai/docs/api/chat), with
``message.reasoning_content`` and ``usage.cached_tokens`` typed instead of left
as untyped extras.
"""

from __future__ import annotations

from typing import Optional

from openai.types.chat import ChatCompletion
from openai.types.chat.chat_completion import Choice

from .kimi_chat_completion_message import KimiChatCompletionMessage
from .kimi_completion_usage import KimiCompletionUsage

# Fields say ``Optional[X]``, not ``X | None``: see the note in ``kimi_openai/types/chat/__init__.py``.
__all__ = ["KimiChatCompletion", "KimiChoice"]


class KimiChoice(Choice):
    """One choice of a :class:`KimiChatCompletion`."""

    message: KimiChatCompletionMessage  # pyright: ignore[reportIncompatibleVariableOverride]
    """The assistant message, with ``reasoning_content``."""


class KimiChatCompletion(ChatCompletion):
    """openai's ``ChatCompletion`` with Kimi's choices and usage: still ``isinstance(x, ChatCompletion)``."""

    choices: list[KimiChoice]  # pyright: ignore[reportIncompatibleVariableOverride]
    """The completion choices (one unless ``n`` > 1)."""

    usage: Optional[KimiCompletionUsage] = None  # noqa: UP045 # pyright: ignore[reportIncompatibleVariableOverride]
    """Token counts, with ``cached_tokens`` read from wherever Moonshot put it."""
