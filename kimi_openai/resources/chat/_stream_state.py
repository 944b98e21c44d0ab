"""``KimiChatCompletionStreamState``: openai's ``ChatCompletionStreamState``, cheap per chunk, with reasoning events.

Given the same chunks, it yields the events openai's state yields (same classes,
same values, same order) plus ``reasoning.delta`` / ``reasoning.done``, and its
final completion equals openai's with ``reasoning_content`` and ``usage`` typed
(:class:`~kimi_openai.types.KimiParsedChatCompletion`). What differs is the cost:
deltas are appended to per-choice strings and dicts (:class:`ChoiceAccumulator`), and
the accumulated completion is built only when read (``current_completion_snapshot``, a
``chunk`` event's ``snapshot``, the final completion), instead of dumped and rebuilt on
every chunk.

Thinking models send reasoning before content
(https://platform.kimi.ai/docs/guide/use-thinking-models), often thousands of
one-token chunks: that rebuild is what made openai's ``.stream()`` slow on them.

One choice (:class:`ChoiceAccumulator`): its message stays a dict; string fields grow by
concatenation, anything else is merged with openai's own ``accumulate_delta`` (so both
lines keep their own merge rules), and a model is built only when a snapshot is asked
for. The merge follows openai's rules: strings concatenate, ``index`` and ``type`` are
replaced, ``None`` never overwrites a value. Tool calls are placed by the rule in
``kimi_openai._stream_index`` (their ``index``, or their id, or the call before, when a
server sends no int ``index``) at positions in the order they first arrive, where
openai's merge requires an int ``index`` that is the call's position and raises otherwise.

The ``*.done`` events fire when openai's ``.stream()`` fires them: ``content.done`` /
``refusal.done`` / ``logprobs.*.done`` when the choice finishes or its first tool call
starts, a tool call's ``arguments.done`` when the next call starts or the choice
finishes. Kimi's ``reasoning.done`` fires when the answer, a tool call or the finish
reason arrives: reasoning comes first.

Choices are kept by ``index`` (a choice that first appears as index 1 is choice 1,
where openai's list puts it first), and an ``index`` that is not an int counts as 0
(``kimi_openai._stream_index``); openai's state raises ``TypeError`` on those, and
on tool-call deltas without an int ``index``, which are placed here as well.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, cast

from jiter import from_json
from openai import BaseModel, ContentFilterFinishReasonError, LengthFinishReasonError, Omit, omit
from openai._models import construct_type
from openai.lib._parsing._completions import (
    get_input_tool_by_name,
    has_parseable_input,
    maybe_parse_content,
    parse_chat_completion,
    parse_function_tool_arguments,
)
from openai.lib.streaming._deltas import accumulate_delta
from openai.lib.streaming.chat import (
    ContentDeltaEvent,
    ContentDoneEvent,
    FunctionToolCallArgumentsDeltaEvent,
    FunctionToolCallArgumentsDoneEvent,
    LogprobsContentDeltaEvent,
    LogprobsContentDoneEvent,
    LogprobsRefusalDeltaEvent,
    LogprobsRefusalDoneEvent,
    RefusalDeltaEvent,
    RefusalDoneEvent,
)
from openai.lib.streaming.chat import _completions as openai_stream_module  # pyright: ignore[reportPrivateUsage]
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessage, ChatCompletionToolUnionParam
from openai.types.chat.chat_completion import ChoiceLogprobs
from openai.types.chat.chat_completion_chunk import Choice
from openai.types.chat.chat_completion_message_function_tool_call import Function
from openai.types.chat.completion_create_params import ResponseFormat as ResponseFormatParam
from pydantic import BaseModel as PydanticModel
from pydantic import ValidationError
from typing_extensions import TypeVar

from kimi_openai._pipeline import StreamRecord
from kimi_openai._stream_index import ToolCallSlots, choice_index
from kimi_openai.resources.chat._parse_errors import explained as _explained
from kimi_openai.resources.chat._parse_errors import raise_for_empty
from kimi_openai.types.chat.kimi_parsed_chat_completion import KimiParsedChatCompletion, to_kimi_parsed
from kimi_openai.types.chat.stream_events import (
    KimiChatCompletionStreamEvent,
    KimiChunkEvent,
    ReasoningDeltaEvent,
    ReasoningDoneEvent,
)

if TYPE_CHECKING:
    from openai.types.chat.chat_completion_chunk import Choice, ChoiceDelta
    from openai.types.chat.chat_completion_chunk import ChoiceLogprobs as ChunkLogprobs
    from openai.types.chat.chat_completion_token_logprob import ChatCompletionTokenLogprob


ResponseFormatT = TypeVar("ResponseFormatT", default=None)

# openai 3.x copies a chunk's ``moderation`` into the snapshot and passes the completion to
# ``ContentFilterFinishReasonError``; 2.x does neither. Follow the installed line.
# Events are built by filling pydantic's slots directly (what ``construct`` ends with):
# through the slot descriptors, as ``object.__setattr__`` is slower and pydantic's own
# ``__setattr__`` validates.
_new = object.__new__
_set_dict = PydanticModel.__dict__["__dict__"].__set__
_set_fields_set = PydanticModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = PydanticModel.__dict__["__pydantic_extra__"].__set__
_set_private = PydanticModel.__dict__["__pydantic_private__"].__set__
_TRACKS_MODERATION = hasattr(openai_stream_module, "Moderation")
_FILTER_ERROR_TAKES_COMPLETION = "completion" in inspect.signature(ContentFilterFinishReasonError).parameters


def _choices(chunk: ChatCompletionChunk) -> list[Choice]:
    """A chunk's choices; none when a server sent something else there."""
    choices = chunk.__dict__.get("choices")
    return cast("list[Choice]", choices) if isinstance(choices, list) else []


def _index(choice: Choice) -> int:
    return choice_index(choice.__dict__.get("index"))


class KimiChatCompletionStreamState(Generic[ResponseFormatT]):
    """Accumulates Kimi (or openai) chat completion chunks into events and a final completion.

    Use it like openai's ``ChatCompletionStreamState`` on chunks from
    ``create(stream=True)``::

        state = KimiChatCompletionStreamState()
        for chunk in client.chat.completions.create(..., stream=True):
            for event in state.handle_chunk(chunk):
                ...
        completion = state.get_final_completion()
    """

    def __init__(
        self,
        *,
        input_tools: Iterable[ChatCompletionToolUnionParam] | Omit = omit,
        response_format: type[ResponseFormatT] | ResponseFormatParam | Omit = omit,
    ) -> None:
        self._input_tools: list[ChatCompletionToolUnionParam] = (
            [] if isinstance(input_tools, Omit) else list(input_tools)
        )
        self._response_format = response_format
        self._rich_response_format: type[ResponseFormatT] | Omit = (
            cast("type[ResponseFormatT]", response_format) if inspect.isclass(response_format) else omit
        )
        self._rich = not isinstance(self._rich_response_format, Omit)
        self._parseable = has_parseable_input(response_format=response_format, input_tools=self._input_tools)
        self._choices: dict[int, ChoiceAccumulator] = {}
        self._top: dict[str, Any] | None = None
        self._later: dict[str, Any] = {}
        self._chunk_private: dict[str, Any] = {"_snapshot_source": self._read_snapshot}
        self._record: StreamRecord | None = None
        """The private attributes of every ``chunk`` event: one dict, read only (the snapshot is built when read)."""
        self._snapshot: KimiParsedChatCompletion[object] | None = None

    # -- results -----------------------------------------------------------------------------

    @property
    def current_completion_snapshot(self) -> KimiParsedChatCompletion[object]:
        """The completion accumulated so far, built now if a chunk arrived since it was last built."""
        if self._snapshot is None:
            self._snapshot = self._build_snapshot()
        return self._snapshot

    def get_final_completion(self) -> KimiParsedChatCompletion[ResponseFormatT]:
        """The parsed completion, ``reasoning_content`` and usage included; call once the stream is done."""
        snapshot = self.current_completion_snapshot
        try:
            parsed = parse_chat_completion(
                chat_completion=snapshot,
                response_format=self._rich_response_format,
                input_tools=self._input_tools,
            )
        except (LengthFinishReasonError, ContentFilterFinishReasonError, ValidationError) as error:
            raise _explained(error, snapshot) from error
        if self._rich:
            raise_for_empty(parsed, None)  # as .parse() does (see _parse_errors)
        return to_kimi_parsed(parsed)

    def gather_into(self, record: StreamRecord | None) -> None:
        """Also gather what the client keeps from the stream into ``record`` (see ``KimiStream.gather_elsewhere``)."""
        self._record = record

    # -- one chunk ---------------------------------------------------------------------------

    def handle_chunk(
        self, chunk: ChatCompletionChunk
    ) -> list[KimiChatCompletionStreamEvent[ResponseFormatT]]:
        """Accumulate one chunk; the events it produces, in openai's order, reasoning events added.

        Most chunks of a stream are one choice's next reasoning or content token and nothing
        else. For those, the first part does what :meth:`_continue` and :meth:`_choice_events`
        would (the same merge, the same events, built the same way) without their general
        walk; what :meth:`_later_fields`, :meth:`_chunk_event` and the record's ``add`` do is
        spelled out there too. Every other chunk takes the general walk.
        """
        self._snapshot = None
        if self._top is None or self._rich:
            return self._handle(chunk)
        top: Mapping[str, Any] = chunk.__dict__
        choices: list[Choice] | None = top.get("choices")
        if type(choices) is not list or len(choices) != 1:
            return self._handle(chunk)
        values: Mapping[str, Any] = choices[0].__dict__
        delta: ChoiceDelta | None = values.get("delta")
        if delta is None:
            return self._handle(chunk)
        fields: set[str] = delta.__pydantic_fields_set__
        if (
            len(fields) != 1
            or delta.__pydantic_extra__
            or values.get("finish_reason")
            or values.get("logprobs") is not None
        ):
            return self._handle(chunk)
        index: int | None = values.get("index")
        acc = self._choices.get(index) if type(index) is int else None
        if index is None or acc is None or acc.delta_calls or acc.fields.get("finish_reason"):
            return self._handle(chunk)
        (field,) = fields
        key = _TEXT_KEYS.get(field)
        if key is None:
            return self._handle(chunk)
        text: object = delta.__dict__.get(key)
        message = acc.message
        current: object = message.get(key)
        if type(text) is not str or (current is not None and type(current) is not str):
            return self._handle(chunk)
        snapshot = message[key] = text if current is None else current + text
        acc.parsed = None
        later = self._later
        usage = later["usage"] = top.get("usage")
        later["system_fingerprint"] = top.get("system_fingerprint")
        if _TRACKS_MODERATION and top.get("moderation") is not None:
            self._later_fields(chunk)
        reasoning = key == "reasoning_content"
        if self._record is not None:
            self._record.add_text(chunk, usage, index, reasoning, text)
        event = _new(KimiChunkEvent)
        _set_dict(event, {"type": "chunk", "chunk": chunk})
        _set_fields_set(event, set(_CHUNK_FIELDS))
        _set_extra(event, {})
        _set_private(event, self._chunk_private)
        if reasoning:
            acc.reasoning_done = False
            return [event, _text_event(ReasoningDeltaEvent, "reasoning.delta", text, snapshot)]
        events: list[Any] = [event]
        if text:
            reasoning_done_event(acc, events)
        events.append(_content_delta_event(text, snapshot))
        return events

    def _handle(self, chunk: ChatCompletionChunk) -> list[KimiChatCompletionStreamEvent[ResponseFormatT]]:
        """:meth:`handle_chunk` for any chunk: the general walk."""
        if self._record is not None:
            self._record.add(chunk)
        accumulated = self._start(chunk) if self._top is None else self._continue(chunk)
        events: list[KimiChatCompletionStreamEvent[ResponseFormatT]] = [self._chunk_event(chunk)]
        try:
            for choice, acc in accumulated:
                self._choice_events(choice, acc, events)
        except ValidationError as error:  # content.done parses the content: explained as .parse() does
            raise _explained(error, self.current_completion_snapshot) from error
        return events

    def _start(self, chunk: ChatCompletionChunk) -> list[tuple[Choice, ChoiceAccumulator]]:
        top = chunk.to_dict(warnings=False)
        top.pop("obfuscation", None)
        top.pop("choices", None)
        self._top = top
        accumulated: list[tuple[Choice, ChoiceAccumulator]] = []
        for choice in _choices(chunk):
            index = _index(choice)
            acc = self._choices[index] = ChoiceAccumulator(choice, index)
            accumulated.append((choice, acc))
        return accumulated

    def _continue(self, chunk: ChatCompletionChunk) -> list[tuple[Choice, ChoiceAccumulator]]:
        accumulated: list[tuple[Choice, ChoiceAccumulator]] = []
        for choice in _choices(chunk):
            index = choice.__dict__.get("index")
            if type(index) is not int:
                index = choice_index(index)
            acc = self._choices.get(index)
            if acc is None:
                acc = self._choices[index] = ChoiceAccumulator(choice, index)
            else:
                acc.add_delta(choice.delta)
            accumulated.append((choice, acc))
            acc.parsed = None  # openai rebuilds the message, dropping the previous partial parse
            # Most chunks carry one text fragment and nothing else: skip the rest for them.
            if self._rich or choice.finish_reason or choice.logprobs is not None or acc.delta_calls:
                self._after_delta(choice, acc)
        self._later_fields(chunk)
        return accumulated

    def _later_fields(self, chunk: ChatCompletionChunk) -> None:
        """What openai copies from every chunk after the first: the usage, the fingerprint (and 3.x's moderation)."""
        later = self._later
        later["usage"] = chunk.usage
        later["system_fingerprint"] = chunk.system_fingerprint
        if _TRACKS_MODERATION:
            moderation = chunk.__dict__.get("moderation")
            if isinstance(moderation, PydanticModel):
                later["moderation"] = moderation.to_dict()  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]

    def _after_delta(self, choice: Choice, acc: ChoiceAccumulator) -> None:
        if choice.finish_reason:
            acc.fields["finish_reason"] = choice.finish_reason
            if self._parseable:
                self._raise_for_finish(choice.finish_reason)
        content = acc.content
        if content and not acc.refusal and self._rich and content.lstrip():
            acc.parsed = from_json(content.encode(), partial_mode=True)
        for position, _ in acc.delta_calls:
            call = acc.tool_call(position)
            if call.get("type") != "function":
                continue
            function = acc.function(position)
            tool = get_input_tool_by_name(input_tools=self._input_tools, name=function.get("name", ""))
            arguments = function.get("arguments")
            if tool and tool.get("function", {}).get("strict") and arguments:
                acc.parsed_arguments[position] = from_json(arguments.encode(), partial_mode=True)
        if choice.logprobs is not None:
            acc.add_logprobs(choice.logprobs)

    def _raise_for_finish(self, finish_reason: str) -> None:
        # openai's errors, explained (see _parse_errors): still caught as openai's. The snapshot
        # is built only here: built earlier, it would miss the rest of this chunk.
        if finish_reason == "length":
            snapshot = self.current_completion_snapshot
            raise _explained(LengthFinishReasonError(completion=snapshot), snapshot)
        if finish_reason == "content_filter":
            snapshot = self.current_completion_snapshot
            if _FILTER_ERROR_TAKES_COMPLETION:
                raise _explained(ContentFilterFinishReasonError(completion=snapshot), snapshot)  # pyright: ignore[reportCallIssue]
            raise _explained(ContentFilterFinishReasonError(), snapshot)

    # -- events ------------------------------------------------------------------------------

    def _chunk_event(self, chunk: ChatCompletionChunk) -> KimiChunkEvent:
        # ``fast_event`` spelled out for the one event every chunk makes.
        event = _new(KimiChunkEvent)
        _set_dict(event, {"type": "chunk", "chunk": chunk})
        _set_fields_set(event, set(_CHUNK_FIELDS))
        _set_extra(event, {})
        _set_private(event, self._chunk_private)
        return event

    def _read_snapshot(self) -> KimiParsedChatCompletion[object]:
        return self.current_completion_snapshot

    def _choice_events(self, choice: Choice, acc: ChoiceAccumulator, events: list[Any]) -> None:
        delta = choice.delta
        values = delta.__dict__  # read once: this runs for every chunk
        content, refusal, calls = values.get("content"), values.get("refusal"), acc.delta_calls
        reasoning = values.get("reasoning_content")
        if type(reasoning) is not str:  # an openai delta carries it as an extra (or it is absent)
            reasoning = reasoning_delta_of(delta)
        message = acc.message
        if reasoning is not None and isinstance(snapshot := message.get("reasoning_content"), str):
            acc.reasoning_done = False
            events.append(
                fast_event(ReasoningDeltaEvent, type="reasoning.delta", delta=reasoning, snapshot=snapshot)
            )
        if content or refusal or calls:
            reasoning_done_event(acc, events)
        if content is not None and (snapshot := message.get("content")) is not None:
            events.append(
                fast_event(
                    ContentDeltaEvent,
                    type="content.delta",
                    delta=content,
                    snapshot=snapshot,
                    parsed=acc.parsed,
                )
            )
        if refusal is not None and (snapshot := message.get("refusal")) is not None:
            events.append(
                fast_event(RefusalDeltaEvent, type="refusal.delta", delta=refusal, snapshot=snapshot)
            )
        if calls:
            self._tool_call_events(acc, events)
        if choice.logprobs is not None:
            self._logprobs_events(choice, acc, events)
        if calls or acc.fields.get("finish_reason"):
            events.extend(done_events(acc, self._response_format, self._input_tools))

    @staticmethod
    def _tool_call_events(acc: ChoiceAccumulator, events: list[Any]) -> None:
        for position, call_delta in acc.delta_calls:
            if acc.tool_call(position).get("type") != "function":
                continue
            function = acc.function(position)
            arguments_delta = getattr(getattr(call_delta, "function", None), "arguments", None)
            events.append(
                fast_event(
                    FunctionToolCallArgumentsDeltaEvent,
                    type="tool_calls.function.arguments.delta",
                    name=function.get("name"),
                    index=position,
                    arguments=function.get("arguments"),
                    parsed_arguments=acc.parsed_arguments.get(position),
                    arguments_delta=arguments_delta if isinstance(arguments_delta, str) else "",
                )
            )

    @staticmethod
    def _logprobs_events(choice: Choice, acc: ChoiceAccumulator, events: list[Any]) -> None:
        if choice.logprobs is None or acc.logprobs is None:
            return
        if choice.logprobs.content and acc.logprobs.content:
            events.append(
                fast_event(
                    LogprobsContentDeltaEvent,
                    type="logprobs.content.delta",
                    content=list(choice.logprobs.content),
                    snapshot=list(acc.logprobs.content),
                )
            )
        if choice.logprobs.refusal and acc.logprobs.refusal:
            events.append(
                fast_event(
                    LogprobsRefusalDeltaEvent,
                    type="logprobs.refusal.delta",
                    refusal=list(choice.logprobs.refusal),
                    snapshot=list(acc.logprobs.refusal),
                )
            )

    # -- snapshot ----------------------------------------------------------------------------

    def _build_snapshot(self) -> KimiParsedChatCompletion[object]:
        assert self._top is not None, "no chunk received yet"
        data: dict[str, Any] = {
            "system_fingerprint": None,
            **self._top,
            **self._later,
            "object": "chat.completion",
        }
        accumulators = [self._choices[index] for index in sorted(self._choices)]
        data["choices"] = [acc.snapshot_value() for acc in accumulators]
        snapshot = cast(
            "KimiParsedChatCompletion[object]",
            construct_type(type_=KimiParsedChatCompletion[object], value=data),
        )
        for acc, choice in zip(accumulators, snapshot.choices, strict=True):
            message = choice.message
            if acc.parsed is not None:
                message.parsed = acc.parsed
            for position, arguments in acc.parsed_arguments.items():
                calls = message.tool_calls or []
                calls[position].function.parsed_arguments = arguments
        return snapshot


# -- one choice, accumulated as plain strings and dicts --------------------------------------------


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


# -- the *.done events, and events built cheaply ---------------------------------------------------


_M = TypeVar("_M", bound=BaseModel)


@cache
def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    return {name: field.default for name, field in cls.model_fields.items() if not field.is_required()}


def fast_event(cls: type[_M], private: dict[str, Any] | None = None, /, **values: Any) -> _M:
    """The event openai's ``build(cls, **values)`` makes (same fields, same set fields), without its type walk.

    Every value is already of its field's type here, which is the only case where
    ``construct_type`` returns it unchanged; lists are passed as fresh copies, as it would make.
    """
    event = _new(cls)
    defaults = _defaults(cls)
    _set_dict(event, {**defaults, **values} if defaults else values)
    _set_fields_set(event, set(values))
    _set_extra(event, {})
    _set_private(event, private)
    return event


_TEXT_KEYS = {"content": "content", "reasoning_content": "reasoning_content"}
"""The delta fields :meth:`KimiChatCompletionStreamState._text_only` takes (the key itself, interned)."""
_CHUNK_FIELDS = frozenset({"type", "chunk", "snapshot"})
_DELTA_FIELDS = frozenset({"type", "delta", "snapshot"})
_CONTENT_DELTA_FIELDS = frozenset({"type", "delta", "snapshot", "parsed"})


def _text_event(cls: type[_M], type_: str, delta: str, snapshot: str) -> _M:
    """``fast_event(cls, type=type_, delta=delta, snapshot=snapshot)`` for a class without defaults, spelled out."""
    event = _new(cls)
    _set_dict(event, {"type": type_, "delta": delta, "snapshot": snapshot})
    _set_fields_set(event, set(_DELTA_FIELDS))
    _set_extra(event, {})
    _set_private(event, None)
    return event


def _content_delta_event(delta: str, snapshot: str) -> ContentDeltaEvent:
    """``fast_event(ContentDeltaEvent, ..., parsed=None)`` spelled out: the same dict, in the same order."""
    event = _new(ContentDeltaEvent)
    _set_dict(event, {"parsed": None, "type": "content.delta", "delta": delta, "snapshot": snapshot})
    _set_fields_set(event, set(_CONTENT_DELTA_FIELDS))
    _set_extra(event, {})
    _set_private(event, None)
    return event


def reasoning_done_event(acc: ChoiceAccumulator, events: list[Any]) -> None:
    reasoning = acc.reasoning
    if reasoning and not acc.reasoning_done:
        acc.reasoning_done = True
        events.append(fast_event(ReasoningDoneEvent, type="reasoning.done", reasoning_content=reasoning))


def done_events(
    acc: ChoiceAccumulator,
    response_format: type[Any] | ResponseFormatParam | Omit,
    input_tools: list[ChatCompletionToolUnionParam],
) -> list[Any]:
    """openai's ``ChoiceEventState.get_done_events``, with ``reasoning.done`` first when the choice finishes.

    Reads the choice's last delta from ``acc`` (its tool calls at their positions).
    """
    events: list[Any] = []
    if acc.finish_reason:
        reasoning_done_event(acc, events)
        _content_done(acc, response_format, events)
        current = acc.current_tool_index
        if current is not None and current not in acc.done_tool_calls:
            _tool_done(acc, current, input_tools, events)
    for position, _ in acc.delta_calls:
        if acc.current_tool_index != position:
            _content_done(acc, response_format, events)
            if acc.current_tool_index is not None:
                _tool_done(acc, acc.current_tool_index, input_tools, events)
        acc.current_tool_index = position
    return events


def _content_done(
    acc: ChoiceAccumulator, response_format: type[Any] | ResponseFormatParam | Omit, events: list[Any]
) -> None:
    content = acc.content
    if content and not acc.content_done:
        acc.content_done = True
        message = ChatCompletionMessage.construct(role="assistant", content=content, refusal=acc.refusal)
        parsed = maybe_parse_content(response_format=response_format, message=message)
        acc.parsed = parsed
        events.append(fast_event(ContentDoneEvent, type="content.done", content=content, parsed=parsed))
    if acc.refusal is not None and not acc.refusal_done:
        acc.refusal_done = True
        events.append(fast_event(RefusalDoneEvent, type="refusal.done", refusal=acc.refusal))
    logprobs = acc.logprobs
    if logprobs is not None and logprobs.content is not None and not acc.logprobs_content_done:
        acc.logprobs_content_done = True
        events.append(
            fast_event(LogprobsContentDoneEvent, type="logprobs.content.done", content=list(logprobs.content))
        )
    if logprobs is not None and logprobs.refusal is not None and not acc.logprobs_refusal_done:
        acc.logprobs_refusal_done = True
        events.append(
            fast_event(LogprobsRefusalDoneEvent, type="logprobs.refusal.done", refusal=list(logprobs.refusal))
        )


def _tool_done(
    acc: ChoiceAccumulator, position: int, input_tools: list[ChatCompletionToolUnionParam], events: list[Any]
) -> None:
    if position in acc.done_tool_calls:
        return
    acc.done_tool_calls.add(position)
    call = acc.tool_call(position)
    if call.get("type") != "function":
        return
    function = acc.function(position)
    name, arguments = function.get("name"), function.get("arguments")
    parsed = parse_function_tool_arguments(
        input_tools=input_tools, function=Function.construct(name=name, arguments=arguments)
    )
    acc.parsed_arguments[position] = parsed
    events.append(
        fast_event(
            FunctionToolCallArgumentsDoneEvent,
            type="tool_calls.function.arguments.done",
            index=position,
            name=name,
            arguments=arguments,
            parsed_arguments=parsed,
        )
    )
