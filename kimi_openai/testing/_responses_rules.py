"""The rules the server applies to a ``POST /v1/responses`` request.

Sources: Moonshot's Responses page, https://platform.kimi.ai/docs/api/responses ([KR]:
``ResponsesRequest``), and moonshot-api-2026-12.md §3.1. The model rules (fixed sampling, effort
values, forced tool choice with thinking, context length) are chat's, applied to the chat form of
the request (``_responses_input``), since Moonshot serves both from the same models.

Open questions the emulator answers one way, with a setting for the other (⚠ in the docs):

- which models ``/v1/responses`` serves (``responses_models``): [KR] says "currently supports
  kimi-k3"; the emulator serves every catalogue model unless told otherwise;
- ``store``, ``background``, ``previous_response_id`` and ``conversation`` are not in the request
  schema and the answer always reports them false/null. Moonshot ignored a chat field it did not
  know (``max_completion_tokens`` in 2025, Roo-Code PR #7673), so by default they are ignored
  (``responses_stateless="ignore"``);
  ``"refuse"`` answers a true or non-null value with a 400;
- whether a replayed call without the reasoning item before it is refused, as chat refuses an
  assistant tool-call message without ``reasoning_content``: no source says so for Responses, so it
  is accepted unless ``responses_reasoning="required"``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ._catalogue import Catalogue, ModelCard
from ._chat_rules import (
    check_length,
    check_reasoning_effort,
    check_sampling,
    check_tool_choice,
    check_types,
    find_model,
    resolve_thinking,
)
from ._responses_input import ConvertedInput, convert_input
from ._responses_tools import not_supported
from ._tokens import prompt_tokens
from ._types import JSONObject, ReasoningReplay, StatelessFields
from ._wire import as_object, bad_request

BODY_TYPES: dict[str, tuple[str, ...]] = {
    "model": ("string",),
    "input": ("string", "[]object"),
    "instructions": ("string",),
    "stream": ("bool",),
    "max_output_tokens": ("int",),
    "reasoning": ("object",),
    "text": ("object",),
    "tools": ("[]object",),
    "tool_choice": ("string", "object"),
    "include": ("[]string",),
    "prompt_cache_key": ("string",),
    "safety_identifier": ("string",),
    "temperature": ("number",),
    "top_p": ("number",),
    "store": ("bool",),
    "background": ("bool",),
    "previous_response_id": ("string",),
    "metadata": ("object",),
    "parallel_tool_calls": ("bool",),
}
"""The JSON type of each field [KR ``ResponsesRequest``, plus what openai sends]; ``null`` is absent."""
STATELESS_FIELDS = ("store", "background", "previous_response_id", "conversation")
TEXT_FORMATS = ("text", "json_schema")
"""[KR] documents ``json_schema`` only; ``text`` is the format every answer has (⚠ accepted)."""


@dataclass(frozen=True)
class ResponsesRules:
    """The emulator settings that decide what ``/v1/responses`` accepts."""

    models: Collection[str] | None = None
    """Model ids served on ``/v1/responses``; ``None``: every model of the catalogue."""
    stateless: StatelessFields = "ignore"
    reasoning: ReasoningReplay = "optional"


@dataclass(frozen=True)
class ResponsesContext:
    """A Responses request that passed every rule."""

    body: JSONObject
    card: ModelCard
    thinking: bool
    converted: ConvertedInput
    prompt_tokens: int


def validate_responses(catalogue: Catalogue, rules: ResponsesRules, body: JSONObject) -> ResponsesContext:
    """Check a Responses request; raise ``EmulatorError`` with the server's answer on the first failure."""
    check_types(body, BODY_TYPES, "")
    card = find_model(catalogue, body)
    if rules.models is not None and card.id not in rules.models:
        # [KR]: "This endpoint currently supports kimi-k3". ⚠ status and wording never recorded.
        raise bad_request(f"Invalid request: model {card.id} is not supported by /v1/responses")
    if body.get("input") is None:
        raise bad_request("Invalid request: input is required")  # required [KR]; ⚠ wording
    if rules.stateless == "refuse":
        _refuse_state(body)
    thinking = resolve_thinking(body.get("thinking", None), "thinking" in body, card)
    check_sampling(body, card, thinking)
    check_reasoning_effort((as_object(body.get("reasoning")) or {}).get("effort"), card, "reasoning.effort")
    _check_text_format(as_object(body.get("text")) or {})
    converted = convert_input(body)
    check_tool_choice(body.get("tool_choice"), card, thinking)
    if rules.reasoning == "required" and thinking and converted.unreasoned_call is not None:
        # Chat's live text [moonshot-api.md §3], the index counting input items. ⚠ not seen on Responses
        raise bad_request(
            "thinking is enabled but reasoning_content is missing in assistant tool call message "
            f"at index {converted.unreasoned_call}"
        )
    tokens = prompt_tokens(converted.messages, converted.tools.declarations)
    check_length(tokens, body.get("max_output_tokens"), card)
    return ResponsesContext(body, card, thinking, converted, tokens)


def _refuse_state(body: JSONObject) -> None:
    # "Always false" / "Always null" in the answer [KR]: a false or null value asks for nothing.
    for name in STATELESS_FIELDS:
        value = body.get(name)
        if value is not None and value is not False:
            raise not_supported(name)  # ⚠ status and wording never recorded


def _check_text_format(text: JSONObject) -> None:
    fmt = as_object(text.get("format"))
    if fmt is None:
        return
    kind = fmt.get("type")
    if kind not in TEXT_FORMATS:
        raise not_supported(f"text.format.type {kind!r}")  # ⚠ wording
    if kind == "json_schema" and as_object(fmt.get("schema")) is None:
        raise bad_request("Invalid request: text.format.schema is required")  # required [KR]; ⚠ wording
