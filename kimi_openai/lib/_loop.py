"""Pieces shared by the chat loops (``continue_after_length``, ``run_web_search``, ``run_tools``).

* The errors a bounded loop raises (defined with every other error in ``kimi_openai._errors``).
* How an assistant turn is echoed (:func:`echo_dict`): by the public ``echo_message``, ids and ``type`` verbatim,
  ``reasoning_content`` kept (thinking models answer 400 without it:
  https://platform.kimi.ai/docs/guide/use-thinking-models), tool-call ids never rewritten
  (K2 degrades when ids are regenerated: MoonshotAI/Kimi-K2 ``docs/tool_call_guidance.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionMessage

from kimi_openai._errors import (
    ContinuationLimitError,
    MaxStepsExceededError,
    TokenBudgetExceededError,
    ToolExecutionError,
    ToolLoopError,
)
from kimi_openai._reasoning_echo import echo_message

__all__ = [
    "ContinuationLimitError",
    "MaxStepsExceededError",
    "TokenBudgetExceededError",
    "ToolExecutionError",
    "ToolLoopError",
    "echo_dict",
    "total_tokens",
]


def echo_dict(message: ChatCompletionMessage | Mapping[str, object]) -> dict[str, Any]:
    """The assistant message to send back, as the public :func:`kimi_openai.echo_message` makes it.

    Typed as the plain dict the loops keep their transcripts in.
    """
    return dict(echo_message(message))


def total_tokens(completion: ChatCompletion) -> int:
    """``usage.total_tokens`` of a completion, 0 when the server sent no usage."""
    return completion.usage.total_tokens if completion.usage is not None else 0
