"""Reasoning echo: remember the ``reasoning_content`` of returned assistant turns, restore it on the way out.

Kimi's thinking models reject a tool-call assistant message sent back without its
``reasoning_content`` (HTTP 400, "thinking is enabled but reasoning_content is
missing in assistant tool call message at index N":
https://platform.kimi.ai/docs/guide/use-thinking-models). Frameworks rebuild
messages with their own types and drop the field; the client puts it back.
"""

from __future__ import annotations

from typing import Any, Literal

from openai.types.chat import ChatCompletion

__all__ = ["ReasoningEchoPolicy", "ReasoningStore"]

ReasoningEchoPolicy = Literal["auto", "strict", "off"]
"""``auto``: restore what is known; ``strict``: raise before sending; ``off``: send as given."""


class ReasoningStore:
    """What the client remembers of the assistant turns it returned (bounded)."""

    def remember_completion(self, completion: ChatCompletion) -> None:
        """Record the reasoning of a returned completion's assistant turns."""

    def remember_chunks(self, chunks: list[Any]) -> None:
        """Record the reasoning of a finished stream's assistant turns."""

    def restore(self, body: dict[str, Any], policy: ReasoningEchoPolicy) -> dict[str, Any]:
        """The body to send, with known ``reasoning_content`` put back on assistant turns."""
        return body
