"""Helpers built on the Kimi clients: conversations, partial mode, web search, tool loops,
files and media parts, batches, stream resume, rate limits, K2 tool-call markup."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kimi_openai._errors import FileExtractionError as FileExtractionError

    from ._files import extracted_file_messages as extracted_file_messages
    from ._files import image_part_from_bytes as image_part_from_bytes
    from ._files import image_part_from_path as image_part_from_path
    from ._files import video_part_from_bytes as video_part_from_bytes
    from ._files import video_part_from_path as video_part_from_path
    from .batch import BatchTimeoutError as BatchTimeoutError
    from .batch import async_resume_batch as async_resume_batch
    from .batch import async_run_batch as async_run_batch
    from .batch import resume_batch as resume_batch
    from .batch import run_batch as run_batch
    from .conversation import AsyncConversation as AsyncConversation
    from .conversation import AsyncConversationStream as AsyncConversationStream
    from .conversation import Conversation as Conversation
    from .conversation import ConversationCheckpoint as ConversationCheckpoint
    from .conversation import ConversationStream as ConversationStream
    from .conversation import ConversationUsage as ConversationUsage
    from .conversation import TokenCounts as TokenCounts
    from .fleet_limits import SharedRateLimits as SharedRateLimits
    from .k2_tool_calls import K2MarkupError as K2MarkupError
    from .k2_tool_calls import K2ParseResult as K2ParseResult
    from .k2_tool_calls import K2ToolCallStreamParser as K2ToolCallStreamParser
    from .k2_tool_calls import k2_problems_of as k2_problems_of
    from .k2_tool_calls import parse_k2_tool_calls as parse_k2_tool_calls
    from .partial import AsyncPartialStream as AsyncPartialStream
    from .partial import PartialChatCompletion as PartialChatCompletion
    from .partial import PartialStream as PartialStream
    from .partial import async_continue_after_length as async_continue_after_length
    from .partial import continue_after_length as continue_after_length
    from .rate_limits import AsyncRateLimiter as AsyncRateLimiter
    from .rate_limits import InProcessWindows as InProcessWindows
    from .rate_limits import RateLimitBackend as RateLimitBackend
    from .rate_limits import RateLimiter as RateLimiter
    from .rate_limits import limited_create as limited_create
    from .rate_limits import rate_limit_of as rate_limit_of
    from .resume import async_stream_with_resume as async_stream_with_resume
    from .resume import stream_with_resume as stream_with_resume
    from .tools import Compactor as Compactor
    from .tools import Formula as Formula
    from .tools import FunctionTool as FunctionTool
    from .tools import async_run_tools as async_run_tools
    from .tools import elide_old_tool_results as elide_old_tool_results
    from .tools import function_tool as function_tool
    from .tools import run_tools as run_tools
    from .web_search import WEB_SEARCH_TOOL as WEB_SEARCH_TOOL
    from .web_search import WebSearchResult as WebSearchResult
    from .web_search import async_run_web_search as async_run_web_search
    from .web_search import run_web_search as run_web_search

# Loaded on first use: importing one helper module (the client imports the stream state
# from here) should not import batches, files and the K2 parser too.
_LAZY: dict[str, str] = {
    "Conversation": ".conversation",
    "AsyncConversation": ".conversation",
    "ConversationStream": ".conversation",
    "AsyncConversationStream": ".conversation",
    "ConversationUsage": ".conversation",
    "ConversationCheckpoint": ".conversation",
    "TokenCounts": ".conversation",
    "PartialChatCompletion": ".partial",
    "PartialStream": ".partial",
    "AsyncPartialStream": ".partial",
    "continue_after_length": ".partial",
    "async_continue_after_length": ".partial",
    "WEB_SEARCH_TOOL": ".web_search",
    "WebSearchResult": ".web_search",
    "run_web_search": ".web_search",
    "async_run_web_search": ".web_search",
    "Compactor": ".tools",
    "Formula": ".tools",
    "elide_old_tool_results": ".tools",
    "FunctionTool": ".tools",
    "function_tool": ".tools",
    "run_tools": ".tools",
    "async_run_tools": ".tools",
    "stream_with_resume": ".resume",
    "async_stream_with_resume": ".resume",
    "rate_limit_of": ".rate_limits",
    "limited_create": ".rate_limits",
    "AsyncRateLimiter": ".rate_limits",
    "RateLimiter": ".rate_limits",
    "InProcessWindows": ".rate_limits",
    "RateLimitBackend": ".rate_limits",
    "SharedRateLimits": ".fleet_limits",
    "k2_problems_of": ".k2_tool_calls",
    "FileExtractionError": "kimi_openai._errors",
    "extracted_file_messages": "._files",
    "image_part_from_bytes": "._files",
    "image_part_from_path": "._files",
    "video_part_from_bytes": "._files",
    "video_part_from_path": "._files",
    "BatchTimeoutError": ".batch",
    "async_resume_batch": ".batch",
    "async_run_batch": ".batch",
    "resume_batch": ".batch",
    "run_batch": ".batch",
    "K2MarkupError": ".k2_tool_calls",
    "K2ParseResult": ".k2_tool_calls",
    "K2ToolCallStreamParser": ".k2_tool_calls",
    "parse_k2_tool_calls": ".k2_tool_calls",
}

__all__ = [
    "WEB_SEARCH_TOOL",
    "AsyncConversation",
    "AsyncConversationStream",
    "AsyncPartialStream",
    "AsyncRateLimiter",
    "BatchTimeoutError",
    "Compactor",
    "Conversation",
    "ConversationCheckpoint",
    "ConversationStream",
    "ConversationUsage",
    "FileExtractionError",
    "Formula",
    "FunctionTool",
    "InProcessWindows",
    "K2MarkupError",
    "K2ParseResult",
    "K2ToolCallStreamParser",
    "PartialChatCompletion",
    "PartialStream",
    "RateLimitBackend",
    "RateLimiter",
    "SharedRateLimits",
    "TokenCounts",
    "WebSearchResult",
    "async_continue_after_length",
    "async_resume_batch",
    "async_run_batch",
    "async_run_tools",
    "async_run_web_search",
    "async_stream_with_resume",
    "continue_after_length",
    "elide_old_tool_results",
    "extracted_file_messages",
    "function_tool",
    "image_part_from_bytes",
    "image_part_from_path",
    "k2_problems_of",
    "limited_create",
    "parse_k2_tool_calls",
    "rate_limit_of",
    "resume_batch",
    "run_batch",
    "run_tools",
    "run_web_search",
    "stream_with_resume",
    "video_part_from_bytes",
    "video_part_from_path",
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
