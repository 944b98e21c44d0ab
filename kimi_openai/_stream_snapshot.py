"""What a stream delivered, stitched: the snapshot an interrupted stream's error carries.

:func:`stream_snapshot` joins the chunks a stream yielded, per choice: the ``content`` and
``reasoning_content`` deltas, the tool-call fragments (placed by the rule of ``_stream_index``:
their ``index``, else their id, else the call before), the finish reason and the last usage.
It never raises, whatever the chunks hold: it runs when a stream has just broken.

A :class:`StreamSnapshot` is what ``StreamInterruptedError.partial`` and ``KimiStream.partial()``
return. It was public as ``PartialStream`` (with ``PartialChoice`` / ``PartialToolCall``); that
name now belongs to partial mode alone (``kimi_openai.lib.PartialStream``), and the old names
stay importable from ``kimi_openai`` with a ``DeprecationWarning``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from openai.types import CompletionUsage

from ._fields import fields_or_empty
from ._stream_index import ToolCallSlots, choice_index

__all__ = ["SnapshotChoice", "SnapshotToolCall", "StreamSnapshot", "stream_snapshot"]


@dataclass(frozen=True, slots=True)
class SnapshotToolCall:
    """One tool call as far as it arrived: its deltas stitched by ``index``."""

    index: int
    """The call's ``index`` in the stream."""
    id: str | None = None
    """The call id (sent in the call's first delta), or ``None`` if that delta never came."""
    type: str | None = None
    """``"function"`` (or ``"builtin_function"`` for ``$web_search``), when sent."""
    name: str | None = None
    """The function name, when sent."""
    arguments: str = ""
    """The argument fragments joined: possibly truncated JSON."""


@dataclass(frozen=True, slots=True)
class SnapshotChoice:
    """What one choice of an interrupted stream had delivered."""

    index: int
    """The choice's ``index``."""
    content: str = ""
    """The ``content`` deltas joined."""
    reasoning_content: str = ""
    """The ``reasoning_content`` deltas joined (thinking models send these first)."""
    tool_calls: tuple[SnapshotToolCall, ...] = ()
    """Tool-call fragments, stitched by ``index``, in index order."""
    finish_reason: str | None = None
    """The choice's ``finish_reason`` if it arrived (then only ``[DONE]`` was missing)."""


@dataclass(frozen=True, slots=True)
class StreamSnapshot:
    """Everything a stream delivered before it broke. The properties read choice 0."""

    choices: tuple[SnapshotChoice, ...] = ()
    """One entry per choice index seen, in index order."""
    usage: CompletionUsage | None = None
    """The last ``usage`` received (top level or from a choice), if any."""
    chunks: tuple[object, ...] = field(default=(), repr=False)
    """The chunks as they were yielded, in order."""

    def choice(self, index: int = 0) -> SnapshotChoice:
        """Choice ``index`` (an empty one if nothing arrived for it)."""
        for choice in self.choices:
            if choice.index == index:
                return choice
        return SnapshotChoice(index)

    @property
    def content(self) -> str:
        """The ``content`` of choice 0 received so far."""
        return self.choice().content

    @property
    def reasoning_content(self) -> str:
        """The ``reasoning_content`` of choice 0 received so far."""
        return self.choice().reasoning_content

    @property
    def tool_calls(self) -> tuple[SnapshotToolCall, ...]:
        """Tool-call fragments of choice 0."""
        return self.choice().tool_calls

    @property
    def finish_reason(self) -> str | None:
        """``finish_reason`` of choice 0, if it arrived."""
        return self.choice().finish_reason


class _ChoiceDraft:
    __slots__ = ("calls", "content", "finish_reason", "reasoning", "slots")

    def __init__(self) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: str | None = None
        self.slots = ToolCallSlots()

    def add(self, choice: object) -> None:
        delta = getattr(choice, "delta", None)
        for name, parts in (("content", self.content), ("reasoning_content", self.reasoning)):
            value = getattr(delta, name, None)
            if isinstance(value, str):
                parts.append(value)
        for call in _as_list(getattr(delta, "tool_calls", None)):
            self._add_call(call)
        finish = getattr(choice, "finish_reason", None)
        if isinstance(finish, str):
            self.finish_reason = finish

    def _add_call(self, call: object) -> None:
        fields = fields_or_empty(call)
        if not fields:  # a bare number or string where a call should be: nothing to stitch
            return
        draft = self.calls.setdefault(
            self.slots.slot(fields.get("index"), fields.get("id")), {"arguments": []}
        )
        function = fields_or_empty(fields.get("function"))
        for key, value in (
            ("id", fields.get("id")),
            ("type", fields.get("type")),
            ("name", function.get("name")),
        ):
            if isinstance(value, str) and value:
                draft.setdefault(key, value)
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            draft["arguments"].append(arguments)

    def build(self, index: int) -> SnapshotChoice:
        calls = tuple(
            SnapshotToolCall(
                index=i,
                id=d.get("id"),
                type=d.get("type"),
                name=d.get("name"),
                arguments="".join(d["arguments"]),
            )
            for i, d in sorted(self.calls.items())
        )
        return SnapshotChoice(
            index, "".join(self.content), "".join(self.reasoning), calls, self.finish_reason
        )


def _as_list(value: object) -> list[object]:
    return cast("list[object]", value) if isinstance(value, list) else []


def stream_snapshot(chunks: list[Any]) -> StreamSnapshot:
    """Stitch the chunks a stream delivered into a :class:`StreamSnapshot`. Never raises."""
    drafts: dict[int, _ChoiceDraft] = {}
    usage: CompletionUsage | None = None
    for chunk in chunks:
        for choice in _as_list(getattr(chunk, "choices", None)):
            drafts.setdefault(choice_index(getattr(choice, "index", None)), _ChoiceDraft()).add(choice)
        found = getattr(chunk, "usage", None)
        if isinstance(found, CompletionUsage):
            usage = found
    choices = tuple(drafts[i].build(i) for i in sorted(drafts))
    return StreamSnapshot(choices, usage, tuple(chunks))
