"""Kimi's chat response models: openai's, subclassed, with Moonshot's extra fields typed.

Optional fields are annotated ``Optional[X]`` like openai's own models, not
``X | None``: on openai 2.x, ``construct_type`` (how every response is built)
raises ``TypeError`` on a ``types.UnionType`` whenever the value does not
validate, because it caches discriminator details in a ``WeakKeyDictionary``
keyed by the union, and ``X | None`` cannot be weakly referenced.
"""

from __future__ import annotations

from ._reasoning import reasoning_content_of as reasoning_content_of
from .kimi_chat_completion import KimiChatCompletion as KimiChatCompletion
from .kimi_chat_completion import KimiChoice as KimiChoice
from .kimi_chat_completion_chunk import KimiChatCompletionChunk as KimiChatCompletionChunk
from .kimi_chat_completion_chunk import KimiChoiceDelta as KimiChoiceDelta
from .kimi_chat_completion_chunk import KimiChunkChoice as KimiChunkChoice
from .kimi_chat_completion_message import KimiChatCompletionMessage as KimiChatCompletionMessage
from .kimi_completion_usage import KimiCompletionUsage as KimiCompletionUsage
from .kimi_parsed_chat_completion import KimiParsedChatCompletion as KimiParsedChatCompletion
from .kimi_parsed_chat_completion import KimiParsedChatCompletionMessage as KimiParsedChatCompletionMessage
from .kimi_parsed_chat_completion import KimiParsedChoice as KimiParsedChoice
from .kimi_parsed_chat_completion import to_kimi_parsed as to_kimi_parsed

__all__ = [
    "KimiChatCompletion",
    "KimiChatCompletionChunk",
    "KimiChatCompletionMessage",
    "KimiChoice",
    "KimiChoiceDelta",
    "KimiChunkChoice",
    "KimiCompletionUsage",
    "KimiParsedChatCompletion",
    "KimiParsedChatCompletionMessage",
    "KimiParsedChoice",
    "reasoning_content_of",
    "to_kimi_parsed",
]
