"""``KimiChatCompletionStreamState``: openai's ``ChatCompletionStreamState``, cheap per chunk, with reasoning events.

Given the same chunks, it yields the events openai's state yields (same classes,
same values, same order) plus ``reasoning.delta`` / ``reasoning.done``, and its
final completion equals openai's with ``reasoning_content`` and ``usage`` typed
(:class:`~kimi_openai.types.KimiParsedChatCompletion`). What differs is the cost:
deltas are appended to per-choice strings and dicts
(:mod:`~kimi_openai.resources.chat._stream_choice`), and the accumulated completion is
built only when read (``current_completion_snapshot``, a ``chunk`` event's
``snapshot``, the final completion), instead of dumped and rebuilt on every chunk.

Thinking models send reasoning before content
(https://platform.kimi.ai/docs/guide/use-thinking-models), often thousands of
one-token chunks: that rebuild is what made openai's ``.stream()`` slow on them.

Choices are kept by ``index`` (a choice that first appears as index 1 is choice 1,
where openai's list puts it first), and an ``index`` that is not an int counts as 0
(``kimi_openai._stream_index``); openai's state raises ``TypeError`` on those, and
on tool-call deltas without an int ``index``, which are placed here as well.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any, Generic, cast

from jiter import from_json
from openai import ContentFilterFinishReasonError, LengthFinishReasonError, Omit, omit
from openai._models import construct_type
from openai.lib._parsing._completions import (
    get_input_tool_by_name,
    has_parseable_input,
    parse_chat_completion,
)
from openai.lib.streaming.chat import (
    ContentDeltaEvent,
    FunctionToolCallArgumentsDeltaEvent,
    LogprobsContentDeltaEvent,
    LogprobsRefusalDeltaEvent,
    RefusalDeltaEvent,
)
from openai.lib.streaming.chat import _completions as openai_stream_module  # pyright: ignore[reportPrivateUsage]
from openai.types.chat import ChatCompletionChunk, ChatCompletionToolUnionParam
from openai.types.chat.chat_completion_chunk import Choice
from openai.types.chat.completion_create_params import ResponseFormat as ResponseFormatParam
from pydantic import BaseModel
from typing_extensions import TypeVar

from kimi_openai._stream_index import choice_index
from kimi_openai.types.chat.kimi_parsed_chat_completion import KimiParsedChatCompletion, to_kimi_parsed
from kimi_openai.types.chat.stream_events import (
    KimiChatCompletionStreamEvent,
    KimiChunkEvent,
    ReasoningDeltaEvent,
)

from ._stream_choice import ChoiceAccumulator, reasoning_delta_of
from ._stream_done import done_events, fast_event, reasoning_done_event

__all__ = ["KimiChatCompletionStreamState"]

ResponseFormatT = TypeVar("ResponseFormatT", default=None)

# openai 3.x copies a chunk's ``moderation`` into the snapshot and passes the completion to
# ``ContentFilterFinishReasonError``; 2.x does neither. Follow the installed line.
_new_chunk_event = KimiChunkEvent.__new__
_set = object.__setattr__
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
        parsed = parse_chat_completion(
            chat_completion=self.current_completion_snapshot,
            response_format=self._rich_response_format,
            input_tools=self._input_tools,
        )
        return to_kimi_parsed(parsed)

    # -- one chunk ---------------------------------------------------------------------------

    def handle_chunk(
        self, chunk: ChatCompletionChunk
    ) -> list[KimiChatCompletionStreamEvent[ResponseFormatT]]:
        """Accumulate one chunk; the events it produces, in openai's order, reasoning events added."""
        self._snapshot = None
        accumulated = self._start(chunk) if self._top is None else self._continue(chunk)
        events: list[KimiChatCompletionStreamEvent[ResponseFormatT]] = [self._chunk_event(chunk)]
        for choice, acc in accumulated:
            self._choice_events(choice, acc, events)
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
        later = self._later
        later["usage"] = chunk.usage
        later["system_fingerprint"] = chunk.system_fingerprint
        moderation = chunk.__dict__.get("moderation") if _TRACKS_MODERATION else None
        if isinstance(moderation, BaseModel):
            later["moderation"] = moderation.to_dict()  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        return accumulated

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
        if finish_reason == "length":
            raise LengthFinishReasonError(completion=self.current_completion_snapshot)
        if finish_reason == "content_filter":
            if _FILTER_ERROR_TAKES_COMPLETION:
                raise ContentFilterFinishReasonError(completion=self.current_completion_snapshot)  # pyright: ignore[reportCallIssue]
            raise ContentFilterFinishReasonError()

    # -- events ------------------------------------------------------------------------------

    def _chunk_event(self, chunk: ChatCompletionChunk) -> KimiChunkEvent:
        # ``fast_event`` spelled out for the one event every chunk makes.
        event = _new_chunk_event(KimiChunkEvent)
        _set(event, "__dict__", {"type": "chunk", "chunk": chunk})
        _set(event, "__pydantic_fields_set__", {"type", "chunk", "snapshot"})
        _set(event, "__pydantic_extra__", {})
        _set(event, "__pydantic_private__", {"_snapshot_source": self._read_snapshot})
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
