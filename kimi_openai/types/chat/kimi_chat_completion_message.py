"""The assistant message of a non-streamed Kimi completion."""

from __future__ import annotations

from typing import Optional

from openai.types.chat import ChatCompletionMessage

# Fields say ``Optional[X]``, not ``X | None``: see the note in ``kimi_openai/types/chat/__init__.py``.
__all__ = ["KimiChatCompletionMessage"]


class KimiChatCompletionMessage(ChatCompletionMessage):
    """openai's ``ChatCompletionMessage`` with the thinking models' ``reasoning_content``."""

    reasoning_content: Optional[str] = None  # noqa: UP045
    """The model's reasoning, returned next to ``content`` when thinking is on
    (https://platform.kimi.ai/docs/api/chat). Send it back unchanged with the rest of
    the message inside a tool-call loop, or Moonshot answers 400
    (https://platform.kimi.ai/docs/guide/use-thinking-models)."""
