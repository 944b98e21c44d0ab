"""Where a streamed delta belongs when its ``index`` is missing or is not an int.

openai's chunk format numbers each choice and each tool call of a delta with an int
``index``; the fragments of one tool call (its id and name first, then its arguments
in pieces) share it. Moonshot sends it
(https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api),
but proxies and self-hosted engines have been seen to drop it after a call's first
delta, or to send a list or an object instead. openai's own types keep whatever
arrived, so every reader of a stream decides the same way, here:

* an int ``index`` names its slot, as the format says;
* otherwise a delta carrying a call ``id`` continues the call with that id, or starts
  the next free slot if the id is new;
* otherwise (no index, no id) it continues the call the previous tool-call delta of
  the choice belonged to: argument fragments follow their call's first delta.

A choice whose ``index`` is not an int counts as choice 0.
"""

from __future__ import annotations

__all__ = ["ToolCallSlots", "choice_index"]


def choice_index(value: object) -> int:
    """A choice's ``index`` as an int: the value when it is one (``bool`` is not), else 0."""
    return value if type(value) is int else 0


class ToolCallSlots:
    """Assigns the tool-call deltas of one choice to their calls, in stream order."""

    __slots__ = ("_by_id", "_last", "_next")

    def __init__(self) -> None:
        self._by_id: dict[str, int] = {}
        self._last: int | None = None
        self._next = 0

    def slot(self, index: object, call_id: object) -> int:
        """The slot of one tool-call delta, given its ``index`` and ``id`` as received."""
        key = call_id if isinstance(call_id, str) and call_id else None
        if type(index) is int:
            slot = index
        elif key is not None:
            slot = self._by_id.get(key, self._next)
        elif self._last is not None:
            slot = self._last
        else:
            slot = self._next
        if key is not None:
            self._by_id.setdefault(key, slot)
        self._last = slot
        self._next = max(self._next, slot + 1)
        return slot
