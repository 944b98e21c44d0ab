"""A deterministic token estimate, shared by chat usage and the estimate endpoint.

The real tokenizer is not public; the emulator only promises that the same request always gets
the same count, and that ``usage.prompt_tokens`` of a chat answer equals what
``POST /v1/tokenizers/estimate-token-count`` says for the same messages and tools.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ._wire import as_list, as_object

IMAGE_TOKENS = 1024
"""Added per image part: images are billed as tokens (moonshot-api.md §8)."""
VIDEO_TOKENS = 4096
"""Added per video part."""
MESSAGE_OVERHEAD = 4
"""Role and separators of one message."""


def text_tokens(text: str) -> int:
    """About four UTF-8 bytes per token, rounded up."""
    return (len(text.encode("utf-8")) + 3) // 4


def content_tokens(content: Any) -> int:
    if isinstance(content, str):
        return text_tokens(content)
    total = 0
    for item in as_list(content) or []:
        part = as_object(item) or {}
        kind = part.get("type")
        if kind == "image_url":
            total += IMAGE_TOKENS
        elif kind == "video_url":
            total += VIDEO_TOKENS
        elif kind == "text":
            total += text_tokens(str(part.get("text", "")))
    return total


def message_tokens(message: dict[str, Any]) -> int:
    total = MESSAGE_OVERHEAD + content_tokens(message.get("content"))
    for key in ("name", "reasoning_content", "tool_call_id"):
        value = message.get(key)
        if isinstance(value, str):
            total += text_tokens(value)
    if message.get("tool_calls"):
        total += text_tokens(json.dumps(message["tool_calls"], sort_keys=True))
    return total


def prompt_tokens(messages: Sequence[dict[str, Any]], tools: Sequence[Any] | None = None) -> int:
    """Messages plus tool declarations, which count toward the context [MS-2026-01 tool-calls]."""
    total = sum(message_tokens(m) for m in messages)
    if tools:
        total += text_tokens(json.dumps(list(tools), sort_keys=True))
    return total
