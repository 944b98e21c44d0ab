"""What ``run_tools`` / ``async_run_tools`` return (``kimi_openai.lib.tools``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .chat import KimiChatCompletion

__all__ = ["ToolCallRecord", "ToolRunResult"]


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call the loop answered, in the order the model made them."""

    id: str
    """The call id, exactly as the model sent it (echoed verbatim)."""
    name: str
    """The tool name (``$web_search`` for the builtin)."""
    arguments: str
    """The arguments JSON string as the model sent it."""
    content: str
    """What was sent back as the tool message's content."""
    error: str | None = None
    """The error text when the tool failed (its text was sent back as ``content``)."""
    step: int = 0
    """The 1-based request whose answer made this call."""


@dataclass
class ToolRunResult:
    """The end of a tool loop: the final answer and everything that led to it."""

    completion: KimiChatCompletion
    """The last completion: the model's answer."""
    messages: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    """The request messages, then every echoed assistant turn and tool message, in order."""
    tool_calls: list[ToolCallRecord] = field(default_factory=list[ToolCallRecord])
    """Every call answered, in the model's order."""
    steps: int = 0
    """Chat requests sent."""
    total_tokens: int = 0
    """The sum of ``usage.total_tokens`` over those requests."""

    @property
    def content(self) -> str:
        """The text of the final answer."""
        return self.completion.choices[0].message.content or ""
