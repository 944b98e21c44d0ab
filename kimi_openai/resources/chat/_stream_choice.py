"""One choice of a streamed chat completion, accumulated as plain strings and dicts.

openai's ``ChatCompletionStreamState`` dumps the accumulated message to a dict,
merges the delta in and rebuilds the model, on every chunk. Here the message stays
a dict: string fields grow by concatenation, anything else is merged with openai's
own ``accumulate_delta`` (so both lines keep their own merge rules), and a model
is built only when a snapshot is asked for. The merge follows openai's rules:
strings concatenate, ``index`` and ``type`` are replaced, ``None`` never overwrites
a value. Tool calls are placed by the rule in ``kimi_openai._stream_index`` (their
``index``, or their id, or the call before, when a server sends no int ``index``) at
positions in the order they first arrive, where openai's merge requires an int
``index`` that is the call's position and raises otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from openai import BaseModel
from openai._models import construct_type
from openai.lib.streaming._deltas import accumulate_delta
from openai.types.chat.chat_completion import ChoiceLogprobs

from kimi_openai._stream_index import ToolCallSlots

if TYPE_CHECKING:
    from openai.types.chat.chat_completion_chunk import Choice, ChoiceDelta
    from openai.types.chat.chat_completion_chunk import ChoiceLogprobs as ChunkLogprobs
    from openai.types.chat.chat_completion_token_logprob import ChatCompletionTokenLogprob

__all__ = ["ChoiceAccumulator", "reasoning_delta_of"]

_REPLACED = frozenset({"index", "type"})


def reasoning_delta_of(delta: ChoiceDelta) -> str | None:
    """``delta.reasoning_content``, a declared field on Kimi deltas and an extra on openai's."""
    value = delta.__dict__.get("reasoning_content")
    if value is None and delta.__pydantic_extra__:
        value = delta.__pydantic_extra__.get("reasoning_content")
    return value if isinstance(value, str) else None


def _dumped(value: object) -> object:
    if isinstance(value, list):
        return [_dumped(item) for item in cast("list[object]", value)]
    # No serializer warnings: a value of the wrong type (a list ``index``) is dumped as it arrived.
    return value.to_dict(warnings=False) if isinstance(value, BaseModel) else value


class ChoiceAccumulator:
    """What one choice has accumulated, plus which of its ``*.done`` events have fired."""

    __slots__ = (
        "content_done",
        "current_tool_index",
        "delta_calls",
        "done_tool_calls",
        "fields",
        "logprobs",
        "logprobs_content_done",
        "logprobs_refusal_done",
        "message",
        "parsed",
        "parsed_arguments",
        "positions",
        "reasoning_done",
        "refusal_done",
        "slots",
    )

    def __init__(self, choice: Choice, index: int) -> None:
        # What openai keeps of a choice's first chunk: every set field but the delta; the index as an int.
        self.fields: dict[str, Any] = choice.model_dump(
            exclude_unset=True, exclude={"delta", "index"}, warnings=False
        )
        self.fields["index"] = index
        logprobs = self.fields.get("logprobs")
        self.logprobs: ChoiceLogprobs | None = (
            cast(ChoiceLogprobs, construct_type(type_=ChoiceLogprobs, value=logprobs))
            if logprobs is not None
            else None
        )
        self.message: dict[str, Any] = {}
        self.parsed: object = None
        self.parsed_arguments: dict[int, object] = {}
        self.content_done = self.refusal_done = self.reasoning_done = False
        self.logprobs_content_done = self.logprobs_refusal_done = False
        self.done_tool_calls: set[int] = set()
        self.current_tool_index: int | None = None
        self.slots = ToolCallSlots()
        self.positions: dict[int, int] = {}
        """Tool-call slot -> position in the message's ``tool_calls``."""
        self.delta_calls: list[tuple[int, object]] = []
        """The last delta's tool calls with their positions."""
        self.add_delta(choice.delta)

    # -- accumulation ------------------------------------------------------------------------

    def add_delta(self, delta: ChoiceDelta) -> None:
        """Merge one delta into the message, as openai's ``accumulate_delta`` would."""
        message = self.message
        values = delta.__dict__
        if self.delta_calls:
            self.delta_calls = []
        for key in delta.__pydantic_fields_set__:
            if key in values:
                if key == "tool_calls" and values[key] is not None:
                    self._merge_calls(values[key])
                else:
                    self._merge(message, key, values[key])
        extra = delta.__pydantic_extra__
        if extra:
            for key, value in extra.items():
                self._merge(message, key, value)

    def _merge_calls(self, value: object) -> None:
        """Merge a delta's tool calls at their positions; entries that are no object are skipped."""
        if not isinstance(value, list):
            return
        calls = self.message.get("tool_calls")
        if not isinstance(calls, list):
            calls = self.message["tool_calls"] = []
        calls = cast("list[dict[str, Any]]", calls)
        for call in cast("list[object]", value):
            entry = _dumped(call)
            if not isinstance(entry, dict):
                continue
            entry = cast("dict[str, Any]", entry)
            slot = self.slots.slot(entry.get("index"), entry.get("id"))
            position = self.positions.setdefault(slot, len(self.positions))
            entry = {**entry, "index": position}
            if position < len(calls):
                accumulate_delta(
                    cast("dict[object, object]", calls[position]), cast("dict[object, object]", entry)
                )
            else:
                calls.append(entry)
            self.delta_calls.append((position, call))

    @staticmethod
    def _merge(message: dict[str, Any], key: str, value: object) -> None:
        if isinstance(value, str) and key not in _REPLACED:
            current = message.get(key)
            if current is None:
                message[key] = value
            elif isinstance(current, str):
                message[key] = current + value
        elif value is None:
            if message.get(key) is None:
                message[key] = None
        else:
            accumulate_delta(cast("dict[object, object]", message), {key: _dumped(value)})

    def add_logprobs(self, logprobs: ChunkLogprobs) -> None:
        """Extend the choice's logprobs, as openai does (the chunk's lists are copied, not shared)."""
        if self.logprobs is None:
            self.logprobs = cast(
                ChoiceLogprobs,
                construct_type(
                    type_=ChoiceLogprobs,
                    value={"content": _copy(logprobs.content), "refusal": _copy(logprobs.refusal)},
                ),
            )
            return
        if logprobs.content:
            if self.logprobs.content is None:
                self.logprobs.content = []
            self.logprobs.content.extend(logprobs.content)
        if logprobs.refusal:
            if self.logprobs.refusal is None:
                self.logprobs.refusal = []
            self.logprobs.refusal.extend(logprobs.refusal)

    # -- views -------------------------------------------------------------------------------

    @property
    def content(self) -> str | None:
        return self.message.get("content")

    @property
    def refusal(self) -> str | None:
        return self.message.get("refusal")

    @property
    def reasoning(self) -> str | None:
        value = self.message.get("reasoning_content")
        return value if isinstance(value, str) else None

    @property
    def finish_reason(self) -> str | None:
        return self.fields.get("finish_reason")

    def tool_call(self, position: int) -> dict[str, Any]:
        """The accumulated tool call at ``position`` (openai indexes the list the same way)."""
        return cast("list[dict[str, Any]]", self.message.get("tool_calls") or [])[position]

    def function(self, position: int) -> dict[str, Any]:
        """The ``function`` part (``name``, ``arguments``) of the tool call at ``position``."""
        return cast("dict[str, Any]", self.tool_call(position).get("function") or {})

    def snapshot_value(self) -> dict[str, Any]:
        """The choice as a dict for ``construct_type``, messages copied so later merges don't leak in."""
        message = {**self.message}
        calls = message.get("tool_calls")
        if isinstance(calls, list):
            message["tool_calls"] = [_deep_copy(call) for call in cast("list[object]", calls)]
        value = {**self.fields, "message": message}
        if self.logprobs is not None:
            value["logprobs"] = self.logprobs
        return value


def _copy(items: list[ChatCompletionTokenLogprob] | None) -> list[ChatCompletionTokenLogprob] | None:
    return None if items is None else list(items)


def _deep_copy(value: object) -> object:
    if isinstance(value, dict):
        return {key: _deep_copy(item) for key, item in cast("dict[str, object]", value).items()}
    if isinstance(value, list):
        return [_deep_copy(item) for item in cast("list[object]", value)]
    return value
