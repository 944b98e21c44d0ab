"""An offline Moonshot (Kimi) API for tests: ``MoonshotEmulator`` and its scripted answers.

Use it in process::

    emulator = MoonshotEmulator()
    client = openai.OpenAI(
        api_key="sk-test",
        base_url="http://emulator.local/v1",
        http_client=httpx.Client(transport=emulator.transport()),
    )

or over a loopback socket: ``with emulator.serve() as base_url: ...``, or from a shell:
``python -m kimi_openai emulator --port 8000`` (``--rpm``/``--tpm`` enforce a rate limit).
"""

from __future__ import annotations

from ._catalogue import DEFAULT_MODELS as DEFAULT_MODELS
from ._catalogue import ModelCard as ModelCard
from ._catalogue import ThinkingMode as ThinkingMode
from ._emulator import RESPONSES_MODELS_AS_DOCUMENTED as RESPONSES_MODELS_AS_DOCUMENTED
from ._emulator import MoonshotEmulator as MoonshotEmulator
from ._script import DroppedStream as DroppedStream
from ._script import ErrorReply as ErrorReply
from ._script import FiberFailure as FiberFailure
from ._script import FileStatus as FileStatus
from ._script import QueuedItem as QueuedItem
from ._script import RawReply as RawReply
from ._script import ScriptItem as ScriptItem
from ._script import TextReply as TextReply
from ._script import ToolCall as ToolCall
from ._script import ToolCallsReply as ToolCallsReply
from ._types import Balance as Balance
from ._types import EmulatorResponse as EmulatorResponse
from ._types import FileContentFormat as FileContentFormat
from ._types import RateLimit as RateLimit
from ._types import ReasoningReplay as ReasoningReplay
from ._types import RecordedRequest as RecordedRequest
from ._types import StatelessFields as StatelessFields
from ._types import StreamUsagePlacement as StreamUsagePlacement
from ._types import UnservedAnswer as UnservedAnswer
from ._types import Usage as Usage

__all__ = [
    "DEFAULT_MODELS",
    "RESPONSES_MODELS_AS_DOCUMENTED",
    "Balance",
    "DroppedStream",
    "EmulatorResponse",
    "ErrorReply",
    "FiberFailure",
    "FileContentFormat",
    "FileStatus",
    "ModelCard",
    "MoonshotEmulator",
    "QueuedItem",
    "RateLimit",
    "RawReply",
    "ReasoningReplay",
    "RecordedRequest",
    "ScriptItem",
    "StatelessFields",
    "StreamUsagePlacement",
    "TextReply",
    "ThinkingMode",
    "ToolCall",
    "ToolCallsReply",
    "UnservedAnswer",
    "Usage",
]
