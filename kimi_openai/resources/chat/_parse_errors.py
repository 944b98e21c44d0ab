"""Why ``.parse()`` produced no value, told as a :class:`~kimi_openai.StructuredOutputError`.

openai's ``.parse()`` raises ``LengthFinishReasonError`` with only the token counts, a bare
``pydantic.ValidationError`` for content that does not fit the schema, and returns
``parsed=None`` when there is no content at all. With Kimi's thinking models the usual
cause is the reasoning: it counts against ``max_tokens`` (https://platform.kimi.ai/docs/guide/use-kimi-k2-thinking-model),
and an answer can end with everything in ``reasoning_content`` and nothing in ``content``.
Each case becomes a subclass of the exception openai (or pydantic) raises for it, whose
message says what happened (the reasoning's share when thinking was on) and what to change.

The errors are made where openai's parser runs: the post-parser of a chat request (every
``.parse()`` path, the raw and streaming-response wrappers included) and the state of a
``.stream()`` (its events and its final completion).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import openai
import pydantic

from kimi_openai._errors import (
    StructuredOutputContentFilterError,
    StructuredOutputEmptyError,
    StructuredOutputInvalidError,
    StructuredOutputLengthError,
)
from kimi_openai._fields import fields_or_empty
from kimi_openai._rules.model_specs import get_model_spec

__all__ = ["explained", "parsing_to_a_type", "raise_for_empty", "wants_a_value"]

_TO_A_TYPE: ContextVar[bool] = ContextVar("kimi_parse_to_a_type", default=False)
_CONTENT_QUOTED = 200


@contextmanager
def parsing_to_a_type(response_format: object) -> Generator[None]:
    """Around openai's ``.parse()``: whether its ``response_format`` is a type (a value is expected)."""
    token = _TO_A_TYPE.set(isinstance(response_format, type))
    try:
        yield
    finally:
        _TO_A_TYPE.reset(token)


def wants_a_value() -> bool:
    """Read when the request is posted: the ``.parse()`` being sent expects a value of a type."""
    return _TO_A_TYPE.get()


def explained(error: Exception, completion: object, request: Mapping[str, Any] | None = None) -> Exception:
    """The Kimi error for what openai's parser raised, or ``error`` itself for anything else."""
    if isinstance(error, StructuredOutputLengthError | StructuredOutputInvalidError):
        return error
    if isinstance(error, openai.LengthFinishReasonError):
        return StructuredOutputLengthError(_cut_off(completion, request), completion=completion)
    if isinstance(error, openai.ContentFilterFinishReasonError):
        # openai's own words stay the message (its tests, and callers, compare it); nothing
        # about the request explains a filtered answer, so the advice goes in a note.
        filtered = StructuredOutputContentFilterError(str(error), completion=completion)
        filtered.add_note(
            "Moonshot's content filter stopped the answer (finish_reason='content_filter'): "
            "rephrase the input; retrying it unchanged gives the same."
        )
        return filtered
    if isinstance(error, pydantic.ValidationError):
        try:
            return StructuredOutputInvalidError.of(error, _invalid(error, completion, request), completion)
        except Exception:  # an error pydantic cannot rebuild (a custom type): say it as a note
            error.add_note(_invalid(error, completion, request))
            return error
    return error


def raise_for_empty(parsed: object, request: Mapping[str, Any] | None) -> None:
    """:class:`StructuredOutputEmptyError` when an answer to a ``.parse()`` to a type has nothing to parse.

    A choice that called a tool or refused keeps openai's ``parsed=None``: that is an answer.
    """
    for choice in _choices(parsed):
        message = fields_or_empty(fields_or_empty(choice).get("message"))
        content = message.get("content")
        if message.get("parsed") is not None or message.get("tool_calls") or message.get("refusal"):
            continue
        if isinstance(content, str) and content.strip():
            continue
        raise StructuredOutputEmptyError(_empty(parsed, choice, request), completion=parsed)


# -- the messages -----------------------------------------------------------------------------


def _cut_off(completion: object, request: Mapping[str, Any] | None) -> str:
    usage = fields_or_empty(fields_or_empty(completion).get("usage"))
    output = usage.get("completion_tokens")
    limit = _limit(request)
    spent = f"{output} output tokens" if isinstance(output, int) else "the output tokens"
    told = f" (max_tokens={limit})" if limit is not None else ""
    reasoning = _reasoning_share(completion)
    return (
        f".parse() made no value: the answer was cut off by the output limit before the JSON was "
        f"complete (finish_reason='length', {spent}{told}){reasoning}. Fix: a larger max_tokens"
        f"{_model_limit(completion, request)}{_thinking_off(completion, request, reasoning)}, or a simpler schema."
    )


def _empty(completion: object, choice: object, request: Mapping[str, Any] | None) -> str:
    reason = fields_or_empty(choice).get("finish_reason")
    reasoning = _reasoning_share(completion)
    where = " The answer may have stayed in message.reasoning_content." if reasoning else ""
    return (
        f".parse() made no value: the answer has no content to parse (finish_reason={reason!r}, no tool "
        f"call, no refusal){reasoning}.{where} Fix: ask for the JSON in the prompt"
        f"{_thinking_off(completion, request, reasoning)}, or a simpler schema."
    )


def _invalid(error: pydantic.ValidationError, completion: object, request: Mapping[str, Any] | None) -> str:
    first = error.errors(include_url=False)[0] if error.error_count() else None
    where = ".".join(str(part) for part in first["loc"]) if first and first["loc"] else "the content"
    problem = f"{where}: {first['msg']}" if first else str(error)
    content = next((c for c in _contents(completion) if c), "")
    quoted = content[:_CONTENT_QUOTED] + ("..." if len(content) > _CONTENT_QUOTED else "")
    return (
        f".parse() made no value: the content is not valid JSON for {error.title} "
        f"({error.error_count()} error(s); first: {problem}). Content ({len(content)} characters): {quoted!r}. "
        f"Fix: a simpler schema (fewer nested or optional fields), say in the prompt to answer in JSON"
        f"{_thinking_off(completion, request, _reasoning_share(completion))}."
    )


def _reasoning_share(completion: object) -> str:
    """``", of which the reasoning took N"`` when the answer has reasoning (thinking was on)."""
    usage = fields_or_empty(fields_or_empty(completion).get("usage"))
    details = fields_or_empty(usage.get("completion_tokens_details"))
    tokens = details.get("reasoning_tokens")
    if isinstance(tokens, int) and tokens > 0:
        return f", of which the reasoning took {tokens} tokens (thinking was on)"
    reasoning = sum(len(r) for r in _reasonings(completion))
    if reasoning:
        return f", with {reasoning} characters of reasoning (thinking was on)"
    return ""


def _thinking_off(completion: object, request: Mapping[str, Any] | None, reasoning: str) -> str:
    if not reasoning:
        return ""
    spec = get_model_spec(_model(completion, request))
    if spec.thinking == "configurable":
        return ", thinking off for this call (thinking={'type': 'disabled'})"
    if spec.reasoning_effort_values:
        return f", a lower reasoning_effort ({spec.reasoning_effort_values[0]!r}) for this call"
    return ""


def _model_limit(completion: object, request: Mapping[str, Any] | None) -> str:
    largest = get_model_spec(_model(completion, request)).max_output_tokens
    return f" (up to {largest} for this model, input included)" if largest else ""


# -- reading the request and the answer ------------------------------------------------------------


def _limit(request: Mapping[str, Any] | None) -> object:
    if request is None:
        return None
    return next((request[k] for k in ("max_tokens", "max_completion_tokens") if request.get(k)), None)


def _model(completion: object, request: Mapping[str, Any] | None) -> str:
    model = (request or {}).get("model") or fields_or_empty(completion).get("model")
    return model if isinstance(model, str) else ""


def _choices(completion: object) -> list[object]:
    choices = fields_or_empty(completion).get("choices")
    return list(choices) if isinstance(choices, list) else []  # pyright: ignore[reportUnknownArgumentType]


def _messages(completion: object) -> Iterator[Mapping[str, object]]:
    for choice in _choices(completion):
        yield fields_or_empty(fields_or_empty(choice).get("message"))


def _contents(completion: object) -> Iterator[str]:
    for message in _messages(completion):
        content = message.get("content")
        yield content if isinstance(content, str) else ""


def _reasonings(completion: object) -> Iterator[str]:
    for message in _messages(completion):
        reasoning = message.get("reasoning_content")
        yield reasoning if isinstance(reasoning, str) else ""
