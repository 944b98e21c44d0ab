"""Scripted answers: what a test queues for the next requests, consumed first in, first out.

Each queued item has a path pattern (``fnmatch`` style, ``"*"`` for any path; several patterns
joined by ``|`` match any of them). By default model answers and errors target the two model
endpoints, ``/v1/chat/completions`` and ``/v1/responses`` (whichever is called next consumes them,
so one script drives a chat client and a Responses client alike), file statuses target
``/v1/files`` and fiber failures target the formula fibers.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TypeAlias

from ._types import Usage

CHAT_PATH = "/v1/chat/completions"
RESPONSES_PATH = "/v1/responses"
MODEL_PATHS = f"{CHAT_PATH}|{RESPONSES_PATH}"
"""The default pattern of answers and errors: the next model call, chat or Responses."""


@dataclass(frozen=True)
class ToolCall:
    """One tool call of a scripted answer.

    ``arguments`` is sent as given when it is a string, else as compact JSON. Without ``id``, the
    emulator names the call ``functions.{name}:{idx}`` on chat and gives a Responses
    ``function_call`` the ``call_id`` ``{name}_{idx}`` (``id`` becomes the ``call_id`` when given).
    On ``/v1/responses`` a call of the request's ``custom`` tool (``apply_patch``) is answered as a
    ``custom_tool_call`` whose ``input`` is ``arguments``.
    """

    name: str
    arguments: str | Mapping[str, object] = "{}"
    id: str | None = None


@dataclass(frozen=True)
class TextReply:
    """A plain answer. ``reasoning`` is sent whether or not thinking is on: as ``reasoning_content``
    on chat, as a ``reasoning`` item on ``/v1/responses``.

    On ``/v1/responses``, ``finish_reason="length"`` gives ``status: "incomplete"`` with the reason
    ``max_output_tokens`` and ``"content_filter"`` the reason ``content_filter``.
    """

    content: str
    reasoning: str | None = None
    finish_reason: str = "stop"
    usage: Usage | None = None


@dataclass(frozen=True)
class ToolCallsReply:
    """An answer with ``finish_reason: "tool_calls"``."""

    calls: tuple[ToolCall, ...]
    content: str = ""
    reasoning: str | None = None
    usage: Usage | None = None


@dataclass(frozen=True)
class ErrorReply:
    """An error answer with the documented body ``{"error": {"type", "message"}}``."""

    status: int
    type: str
    message: str
    headers: Mapping[str, str] = field(default_factory=dict[str, str])


@dataclass(frozen=True)
class RawReply:
    """Any status and body, sent as they are (for example the HTML 504 page)."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict[str, str])


@dataclass(frozen=True)
class DroppedStream:
    """An answer whose connection breaks after ``after_chunks`` body parts.

    For a streamed request the parts are SSE events; for a plain one the single body part, so
    ``after_chunks=0`` loses the whole body. ``reply`` is the answer that was being sent
    (the default answer when ``None``).
    """

    after_chunks: int
    reply: TextReply | ToolCallsReply | None = None


@dataclass(frozen=True)
class FileStatus:
    """The status the next uploaded file gets, e.g. a failed extraction (moonshot-api.md §1.4)."""

    status: str = "error"
    status_details: str = "Failed to extract file: the file is damaged"


@dataclass(frozen=True)
class FiberFailure:
    """A failed formula fiber. The error sits in ``context.error`` or, with ``in_context=False``, in
    a top-level ``error`` (moonshot-api.md §1.8 lists both)."""

    error: str = "quota exhausted"
    in_context: bool = True


ChatReply: TypeAlias = TextReply | ToolCallsReply | DroppedStream
ScriptItem: TypeAlias = (
    TextReply | ToolCallsReply | DroppedStream | ErrorReply | RawReply | FileStatus | FiberFailure
)

_DEFAULT_PATHS: dict[type, str] = {
    FileStatus: "/v1/files",
    FiberFailure: "/v1/formulas/*/fibers",
}


def default_path(item: ScriptItem) -> str:
    """The path an item targets when the test names none."""
    return _DEFAULT_PATHS.get(type(item), MODEL_PATHS)


def path_matches(path: str, pattern: str) -> bool:
    """Whether ``path`` matches the fnmatch ``pattern``, or one of several joined by ``|``."""
    return any(fnmatchcase(path, alternative) for alternative in pattern.split("|"))


@dataclass(frozen=True)
class QueuedItem:
    """An item waiting in the script, with the path pattern it answers."""

    item: ScriptItem
    path: str


class Script:
    """A thread-safe FIFO of scripted items."""

    def __init__(self) -> None:
        self._items: list[QueuedItem] = []
        self._lock = threading.Lock()

    def push(self, item: ScriptItem, path: str | None) -> None:
        with self._lock:
            self._items.append(QueuedItem(item, path or default_path(item)))

    def pending(self) -> tuple[QueuedItem, ...]:
        with self._lock:
            return tuple(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def take_error(self, path: str) -> ErrorReply | RawReply | None:
        """Pop the first item for ``path`` if it is an error or raw answer."""
        item = self._take(path, (ErrorReply, RawReply))
        return item if isinstance(item, ErrorReply | RawReply) else None

    def take_chat(self, path: str) -> ChatReply | None:
        """Pop the first item for ``path`` if it is a chat answer."""
        item = self._take(path, (TextReply, ToolCallsReply, DroppedStream))
        return item if isinstance(item, TextReply | ToolCallsReply | DroppedStream) else None

    def take_file_status(self, path: str) -> FileStatus | None:
        item = self._take(path, (FileStatus,))
        return item if isinstance(item, FileStatus) else None

    def take_fiber_failure(self, path: str) -> FiberFailure | None:
        item = self._take(path, (FiberFailure,))
        return item if isinstance(item, FiberFailure) else None

    def _take(self, path: str, kinds: tuple[type, ...]) -> ScriptItem | None:
        # Only the first item aimed at this path counts: a queued error must not be skipped
        # by a later answer of another kind.
        with self._lock:
            for position, queued in enumerate(self._items):
                if path_matches(path, queued.path):
                    if isinstance(queued.item, kinds):
                        del self._items[position]
                        return queued.item
                    return None
        return None
