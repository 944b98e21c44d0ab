"""Kimi request and response types: openai's, extended where Moonshot sends or takes more."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .assistant_message_param import KimiAssistantMessageParam as KimiAssistantMessageParam
    from .balance import Balance as Balance
    from .balance import Currency as Currency
    from .batch_result import BatchRequestFailure as BatchRequestFailure
    from .batch_result import BatchResult as BatchResult
    from .chat import KimiChatCompletion as KimiChatCompletion
    from .chat import KimiChatCompletionChunk as KimiChatCompletionChunk
    from .chat import KimiChatCompletionMessage as KimiChatCompletionMessage
    from .chat import KimiChoice as KimiChoice
    from .chat import KimiChoiceDelta as KimiChoiceDelta
    from .chat import KimiChunkChoice as KimiChunkChoice
    from .chat import KimiCompletionUsage as KimiCompletionUsage
    from .chat import KimiParsedChatCompletion as KimiParsedChatCompletion
    from .chat import KimiParsedChatCompletionMessage as KimiParsedChatCompletionMessage
    from .chat import KimiParsedChoice as KimiParsedChoice
    from .chat import reasoning_content_of as reasoning_content_of
    from .file_content import ExtractedFile as ExtractedFile
    from .file_content import KimiFilePurpose as KimiFilePurpose
    from .formula import FiberContext as FiberContext
    from .formula import FiberResult as FiberResult
    from .kimi_response import KimiResponse as KimiResponse
    from .kimi_response import reasoning_text as reasoning_text
    from .model import KimiModel as KimiModel
    from .thinking_param import ThinkingParam as ThinkingParam
    from .token_estimate import TokenEstimate as TokenEstimate
    from .tool_run import ToolCallRecord as ToolCallRecord
    from .tool_run import ToolRunResult as ToolRunResult
    from .video_part_param import ChatCompletionContentPartVideoParam as ChatCompletionContentPartVideoParam
    from .video_part_param import MediaContentPartParam as MediaContentPartParam
    from .video_part_param import VideoURL as VideoURL

# Loaded on first use, so that importing one type does not import them all.
_LAZY: dict[str, str] = {
    "KimiAssistantMessageParam": ".assistant_message_param",
    "Balance": ".balance",
    "Currency": ".balance",
    "BatchRequestFailure": ".batch_result",
    "BatchResult": ".batch_result",
    "KimiChatCompletion": ".chat",
    "KimiChatCompletionChunk": ".chat",
    "KimiChatCompletionMessage": ".chat",
    "KimiChoice": ".chat",
    "KimiChoiceDelta": ".chat",
    "KimiChunkChoice": ".chat",
    "KimiCompletionUsage": ".chat",
    "KimiParsedChatCompletion": ".chat",
    "KimiParsedChatCompletionMessage": ".chat",
    "KimiParsedChoice": ".chat",
    "reasoning_content_of": ".chat",
    "ExtractedFile": ".file_content",
    "KimiFilePurpose": ".file_content",
    "FiberContext": ".formula",
    "FiberResult": ".formula",
    "KimiModel": ".model",
    "KimiResponse": ".kimi_response",
    "reasoning_text": ".kimi_response",
    "ThinkingParam": ".thinking_param",
    "TokenEstimate": ".token_estimate",
    "ToolCallRecord": ".tool_run",
    "ToolRunResult": ".tool_run",
    "ChatCompletionContentPartVideoParam": ".video_part_param",
    "MediaContentPartParam": ".video_part_param",
    "VideoURL": ".video_part_param",
}

__all__ = [
    "Balance",
    "BatchRequestFailure",
    "BatchResult",
    "ChatCompletionContentPartVideoParam",
    "Currency",
    "ExtractedFile",
    "FiberContext",
    "FiberResult",
    "KimiAssistantMessageParam",
    "KimiChatCompletion",
    "KimiChatCompletionChunk",
    "KimiChatCompletionMessage",
    "KimiChoice",
    "KimiChoiceDelta",
    "KimiChunkChoice",
    "KimiCompletionUsage",
    "KimiFilePurpose",
    "KimiModel",
    "KimiParsedChatCompletion",
    "KimiParsedChatCompletionMessage",
    "KimiParsedChoice",
    "KimiResponse",
    "MediaContentPartParam",
    "ThinkingParam",
    "TokenEstimate",
    "ToolCallRecord",
    "ToolRunResult",
    "VideoURL",
    "reasoning_content_of",
    "reasoning_text",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
