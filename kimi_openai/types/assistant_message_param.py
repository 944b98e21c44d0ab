"""An assistant message as Kimi takes it back in ``messages``.

openai's ``ChatCompletionAssistantMessageParam`` plus the fields Moonshot reads
from an assistant turn (https://platform.kimi.ai/docs/api/chat): the thinking
models' ``reasoning_content``, which a tool-call turn must carry back
(https://platform.kimi.ai/docs/guide/use-thinking-models), and ``partial`` for
Partial Mode (https://platform.kimi.ai/docs/api/partial). ``name`` is openai's.

A Moonshot builtin tool call (``$web_search``) comes back with
``type: "builtin_function"`` and goes back the same way; openai's tool-call param
types say ``"function"``, so such a call is typed loosely at run time only.
"""

from __future__ import annotations

from openai.types.chat import ChatCompletionAssistantMessageParam

__all__ = ["KimiAssistantMessageParam"]


class KimiAssistantMessageParam(ChatCompletionAssistantMessageParam, total=False):
    """openai's assistant message param with ``reasoning_content`` and ``partial``.

    Still a ``ChatCompletionAssistantMessageParam``: it goes into ``messages`` of any
    openai client, typed.
    """

    reasoning_content: str
    """The model's reasoning for this turn, sent back unchanged. Required by thinking models on a
    turn with ``tool_calls`` (an empty string counts as missing)."""

    partial: bool
    """``True`` on the last message to have Kimi continue it (Partial Mode)."""
