"""Pieces shared by the chat loops (``continue_after_length``, ``run_web_search``, ``run_tools``).

* The errors a bounded loop raises, each a :class:`~kimi_openai.KimiError`.
* How an assistant turn is echoed: by the public ``echo_message``, ids and ``type`` verbatim,
  ``reasoning_content`` kept (thinking models answer 400 without it:
  https://platform.kimi.ai/docs/guide/use-thinking-models), tool-call ids never rewritten
  (K2 degrades when ids are regenerated: MoonshotAI/Kimi-K2 ``docs/tool_call_guidance.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionMessage

from kimi_openai._errors import KimiError
from kimi_openai._reasoning_echo import echo_message as _echo_message

__all__ = [
    "ContinuationLimitError",
    "MaxStepsExceededError",
    "TokenBudgetExceededError",
    "ToolExecutionError",
    "ToolLoopError",
    "echo_message",
    "total_tokens",
]


class ContinuationLimitError(KimiError):
    """``continue_after_length`` stopped while the answer was still cut off (``finish_reason == "length"``).

    ``text`` holds everything written so far, prefix and continuations joined.
    """

    def __init__(self, message: str, *, text: str, continuations: int) -> None:
        super().__init__(message)
        self.text = text
        """The joined text so far."""
        self.continuations = continuations
        """How many continuation requests were sent."""


class ToolLoopError(KimiError):
    """A tool loop (``run_tools``, ``run_web_search``) stopped before the model answered.

    ``messages`` is the transcript up to that point (the request messages, then every echoed
    assistant turn and tool result), ready to resume from.
    """

    def __init__(
        self, message: str, *, messages: list[dict[str, Any]], steps: int, total_tokens: int
    ) -> None:
        super().__init__(message)
        self.messages = messages
        """The transcript so far."""
        self.steps = steps
        """Chat requests sent."""
        self.total_tokens = total_tokens
        """The sum of ``usage.total_tokens`` of those requests."""


class MaxStepsExceededError(ToolLoopError):
    """The model still asked for tools after ``max_steps`` requests (or ``max_searches`` searches)."""


class TokenBudgetExceededError(ToolLoopError):
    """The requests so far used more than ``max_tokens_budget`` tokens (sum of ``usage.total_tokens``)."""


class ToolExecutionError(ToolLoopError):
    """A tool raised and ``on_tool_error="raise"`` was chosen; the tool's exception is ``__cause__``."""

    def __init__(
        self,
        message: str,
        *,
        messages: list[dict[str, Any]],
        steps: int,
        total_tokens: int,
        tool_name: str,
        tool_call_id: str,
    ) -> None:
        super().__init__(message, messages=messages, steps=steps, total_tokens=total_tokens)
        self.tool_name = tool_name
        """The tool that raised."""
        self.tool_call_id = tool_call_id
        """The id of the call, as the model sent it."""


def echo_message(message: ChatCompletionMessage | Mapping[str, object]) -> dict[str, Any]:
    """The assistant message to send back, as the public :func:`kimi_openai.echo_message` makes it.

    Typed as the plain dict the loops keep their transcripts in.
    """
    return dict(_echo_message(message))


def total_tokens(completion: ChatCompletion) -> int:
    """``usage.total_tokens`` of a completion, 0 when the server sent no usage."""
    return completion.usage.total_tokens if completion.usage is not None else 0
