"""The ``*.done`` events of one choice, fired when openai's ``.stream()`` fires them, and cheap events.

openai fires ``content.done`` / ``refusal.done`` / ``logprobs.*.done`` when the
choice finishes or its first tool call starts, and a tool call's
``arguments.done`` when the next call starts or the choice finishes. Kimi's
``reasoning.done`` fires when the answer, a tool call or the finish reason
arrives: reasoning comes first (https://platform.kimi.ai/docs/guide/use-thinking-models).
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from openai import BaseModel, Omit
from openai.lib._parsing._completions import maybe_parse_content, parse_function_tool_arguments
from openai.lib.streaming.chat import (
    ContentDoneEvent,
    FunctionToolCallArgumentsDoneEvent,
    LogprobsContentDoneEvent,
    LogprobsRefusalDoneEvent,
    RefusalDoneEvent,
)
from openai.types.chat import ChatCompletionMessage, ChatCompletionToolUnionParam
from openai.types.chat.chat_completion_message_function_tool_call import Function
from openai.types.chat.completion_create_params import ResponseFormat as ResponseFormatParam

from kimi_openai.types.chat.stream_events import ReasoningDoneEvent

from ._stream_choice import ChoiceAccumulator

__all__ = ["done_events", "fast_event", "reasoning_done_event"]

_M = TypeVar("_M", bound=BaseModel)
_set = object.__setattr__


@cache
def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    return {name: field.default for name, field in cls.model_fields.items() if not field.is_required()}


def fast_event(cls: type[_M], private: dict[str, Any] | None = None, /, **values: Any) -> _M:
    """The event openai's ``build(cls, **values)`` makes (same fields, same set fields), without its type walk.

    Every value is already of its field's type here, which is the only case where
    ``construct_type`` returns it unchanged; lists are passed as fresh copies, as it would make.
    """
    event = cls.__new__(cls)
    defaults = _defaults(cls)
    _set(event, "__dict__", {**defaults, **values} if defaults else values)
    _set(event, "__pydantic_fields_set__", set(values))
    _set(event, "__pydantic_extra__", {})
    _set(event, "__pydantic_private__", private)
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
