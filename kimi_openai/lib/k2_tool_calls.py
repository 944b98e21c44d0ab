"""Kimi K2 tool-call markup, for code that reads it itself: the parser the clients use.

A self-hosted engine started without its Kimi tool-call parser leaves K2's tool calls as
markup in ``content``; the client option ``k2_tool_call_markup=True`` parses them for you
(``kimi_openai._k2_markup`` holds the parser, ``kimi_openai._k2_apply`` applies it).
"""

from __future__ import annotations

from kimi_openai._k2_apply import k2_problems_of as k2_problems_of
from kimi_openai._k2_markup import ARGUMENT_BEGIN_TOKENS as ARGUMENT_BEGIN_TOKENS
from kimi_openai._k2_markup import SECTION_BEGIN_TOKENS as SECTION_BEGIN_TOKENS
from kimi_openai._k2_markup import SECTION_END_TOKENS as SECTION_END_TOKENS
from kimi_openai._k2_markup import TOOL_ARGUMENTS_BEGIN_REPORT as TOOL_ARGUMENTS_BEGIN_REPORT
from kimi_openai._k2_markup import TOOL_CALL_ARGUMENT_BEGIN as TOOL_CALL_ARGUMENT_BEGIN
from kimi_openai._k2_markup import TOOL_CALL_BEGIN as TOOL_CALL_BEGIN
from kimi_openai._k2_markup import TOOL_CALL_END as TOOL_CALL_END
from kimi_openai._k2_markup import TOOL_CALL_SECTION_BEGIN_SINGULAR as TOOL_CALL_SECTION_BEGIN_SINGULAR
from kimi_openai._k2_markup import TOOL_CALL_SECTION_END_SINGULAR as TOOL_CALL_SECTION_END_SINGULAR
from kimi_openai._k2_markup import TOOL_CALLS_SECTION_BEGIN as TOOL_CALLS_SECTION_BEGIN
from kimi_openai._k2_markup import TOOL_CALLS_SECTION_END as TOOL_CALLS_SECTION_END
from kimi_openai._k2_markup import K2MarkupError as K2MarkupError
from kimi_openai._k2_markup import K2ParseResult as K2ParseResult
from kimi_openai._k2_markup import K2Problem as K2Problem
from kimi_openai._k2_markup import K2ProblemKind as K2ProblemKind
from kimi_openai._k2_markup import K2StreamEvent as K2StreamEvent
from kimi_openai._k2_markup import K2ToolCallStreamParser as K2ToolCallStreamParser
from kimi_openai._k2_markup import parse_k2_tool_calls as parse_k2_tool_calls

__all__ = [
    "ARGUMENT_BEGIN_TOKENS",
    "SECTION_BEGIN_TOKENS",
    "SECTION_END_TOKENS",
    "TOOL_ARGUMENTS_BEGIN_REPORT",
    "TOOL_CALLS_SECTION_BEGIN",
    "TOOL_CALLS_SECTION_END",
    "TOOL_CALL_ARGUMENT_BEGIN",
    "TOOL_CALL_BEGIN",
    "TOOL_CALL_END",
    "TOOL_CALL_SECTION_BEGIN_SINGULAR",
    "TOOL_CALL_SECTION_END_SINGULAR",
    "K2MarkupError",
    "K2ParseResult",
    "K2Problem",
    "K2ProblemKind",
    "K2StreamEvent",
    "K2ToolCallStreamParser",
    "k2_problems_of",
    "parse_k2_tool_calls",
]
