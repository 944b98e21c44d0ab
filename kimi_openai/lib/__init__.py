"""Helpers built on the Kimi clients: files and media parts, batches, K2 tool-call markup."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._files import FileExtractionError as FileExtractionError
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
    from .k2_tool_calls import K2MarkupError as K2MarkupError
    from .k2_tool_calls import K2ParseResult as K2ParseResult
    from .k2_tool_calls import K2ToolCallStreamParser as K2ToolCallStreamParser
    from .k2_tool_calls import parse_k2_tool_calls as parse_k2_tool_calls

# Loaded on first use: importing one helper module (the client imports the stream state
# from here) should not import batches, files and the K2 parser too.
_LAZY: dict[str, str] = {
    "FileExtractionError": "._files",
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
    "BatchTimeoutError",
    "FileExtractionError",
    "K2MarkupError",
    "K2ParseResult",
    "K2ToolCallStreamParser",
    "async_resume_batch",
    "async_run_batch",
    "extracted_file_messages",
    "image_part_from_bytes",
    "image_part_from_path",
    "parse_k2_tool_calls",
    "resume_batch",
    "run_batch",
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
