"""The rules the server applies to a chat request, answered as the server answers them.

Messages quoted from live answers are kept verbatim (sources in moonshot-api.md §2.2, §3, §9).
Where no live text is known the emulator words its own, marked ⚠ below.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._catalogue import Catalogue, ModelCard
from ._tokens import prompt_tokens
from ._types import JSONObject
from ._wire import as_list, as_object, bad_request, not_found

ROLES = frozenset({"system", "user", "assistant", "tool"})
TOOL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9\-_]{2,63}$")
"""[KD-chat] ToolDefinition; ``$`` names are reserved for builtins [KD-websearch]."""
MAX_TOOLS = 128
MAX_N = 5
NEAR_ZERO_TEMPERATURE = 0.3
"""Below this, ``n`` must be 1 [KD-models]; litellm clamps to 0.3 for n>1, hence the bound."""
BOTH_CONTROLS = "cannot specify both 'thinking' and 'reasoning_effort'"
NON_K3_EFFORTS = frozenset({"minimal", "low", "medium", "high"})
"""Accepted on k2.x although undocumented (pydantic-ai PR #6208)."""

BODY_TYPES: dict[str, tuple[str, ...]] = {
    "model": ("string",),
    "temperature": ("number",),
    "top_p": ("number",),
    "n": ("int",),
    "max_tokens": ("int",),
    "max_completion_tokens": ("int",),
    "presence_penalty": ("number",),
    "frequency_penalty": ("number",),
    "stream": ("bool",),
    "stream_options": ("object",),
    "stop": ("string", "[]string"),
    "tools": ("[]object",),
    "tool_choice": ("string", "object"),
    "response_format": ("object",),
    "thinking": ("object",),
    "reasoning_effort": ("string",),
    "prompt_cache_key": ("string",),
    "safety_identifier": ("string",),
    "user": ("string",),
}
"""The JSON type of each documented chat field ([KD-chat] ChatRequest; moonshot-api.md §2.2).

The server decodes into typed fields and refuses any other type with 400; ``null`` counts as
absent. Fields not listed here pass unchecked, as unknown fields do.
"""
MESSAGE_TYPES: dict[str, tuple[str, ...]] = {
    "role": ("string",),
    "content": ("string", "[]object"),
    "name": ("string",),
    "tool_call_id": ("string",),
    "tool_calls": ("[]object",),
    "reasoning_content": ("string",),
    "partial": ("bool",),
    "tools": ("[]object",),
}
"""The same for the fields of one message [KD-chat] Message (``tools``: kimi-k3's dynamic tool messages)."""


@dataclass(frozen=True)
class ChatContext:
    """A chat request that passed every rule."""

    body: JSONObject
    card: ModelCard
    thinking: bool
    messages: list[JSONObject]
    tools: list[Any]
    prompt_tokens: int

    @property
    def partial(self) -> JSONObject | None:
        """The last message when it is an assistant prefill [KD-chat Message.partial]."""
        last = self.messages[-1]
        return last if last.get("role") == "assistant" and last.get("partial") else None


def find_model(catalogue: Catalogue, body: JSONObject) -> ModelCard:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("Invalid request: model is required")  # ⚠ wording
    card = catalogue.get(model)
    if card is None:
        raise not_found(f"Not found the model {model} or Permission denied")  # [KD-errors]
    return card


def validate_chat(catalogue: Catalogue, body: JSONObject) -> ChatContext:
    """Check a chat request; raise ``EmulatorError`` with the server's answer on the first failure."""
    check_types(body, BODY_TYPES, "")
    card = find_model(catalogue, body)
    messages = _messages(body)
    if body.get("thinking") is not None and body.get("reasoning_effort") is not None:
        # Live on K2.x (HKUDS/nanobot PR #3940); the text reported for K3 as well.
        raise bad_request(BOTH_CONTROLS)
    thinking = resolve_thinking(body.get("thinking", None), "thinking" in body, card)
    check_sampling(body, card, thinking)
    check_reasoning_effort(body.get("reasoning_effort"), card)
    check_messages(messages, thinking)
    tools = check_tools(body, card, thinking)
    _check_partial(body, messages)
    tokens = prompt_tokens(messages, tools)
    check_length(tokens, body.get("max_completion_tokens") or body.get("max_tokens"), card)
    return ChatContext(body, card, thinking, messages, tools, tokens)


def _messages(body: JSONObject) -> list[JSONObject]:
    messages = as_list(body.get("messages"))
    if not messages:
        raise bad_request("Invalid request: messages must not be empty")  # ⚠ wording
    checked: list[JSONObject] = []
    for item in messages:
        message = as_object(item)
        if message is None:
            raise bad_request(
                "Invalid request: the messages.content field in the request (expected type []object) is illegal"
            )
        check_types(message, MESSAGE_TYPES, "messages.")
        checked.append(message)
    return checked


def _json_type(value: object) -> str:
    # Go's names, as the live message shows them: "... and bool is not acceptable".
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array" if isinstance(value, list) else "null"


def _has_type(value: object, expected: str) -> bool:
    if expected.startswith("[]"):
        items = as_list(value)
        return items is not None and all(_has_type(item, expected[2:]) for item in items)
    if expected == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return _json_type(value) == expected


def check_types(fields: JSONObject, types: dict[str, tuple[str, ...]], prefix: str) -> None:
    """Refuse a field of the wrong JSON type, worded as the live answer for ``thinking: true``."""
    for name, expected in types.items():
        value = fields.get(name)
        if value is not None and not any(_has_type(value, kind) for kind in expected):
            # Template verbatim from LionSR/TeXRA PR #1905; ⚠ a choice of types is spelt "a or b".
            raise bad_request(
                f"the {prefix}{name} field in the request (expected type {' or '.join(expected)}) "
                f"is illegal, and {_json_type(value)} is not acceptable"
            )


def resolve_thinking(raw: object, present: bool, card: ModelCard) -> bool:
    """Whether this request thinks (moonshot-api.md §2.2 ``thinking``)."""
    if not present or raw is None:
        return card.thinking != "none"
    if card.thinking == "effort_only":
        # K3 has no `thinking` field (use-reasoning-effort guide; mnfst/modelparams.dev #168):
        # K3 always applies an effort, hence the reported text. ⚠ a single third-party source
        raise bad_request(BOTH_CONTROLS)
    thinking = as_object(raw)
    if thinking is None:
        # Verbatim from LionSR/TeXRA PR #1905.
        raise bad_request(
            f"the thinking field in the request (expected type object) is illegal, and {_json_type(raw)} is not acceptable"
        )
    kind, keep = thinking.get("type"), thinking.get("keep")
    unknown = sorted(k for k in thinking if k not in ("type", "keep"))
    if kind not in ("enabled", "disabled") or unknown:
        raise bad_request("Invalid request: thinking.type must be 'enabled' or 'disabled'")  # ⚠ wording
    if keep not in (None, "all") or (keep is not None and not card.supports_keep):
        raise bad_request(f"Invalid request: thinking.keep is not supported for model {card.id}")  # ⚠ wording
    if card.thinking == "keep_all_only" and kind != "enabled":
        # An omitted or null keep means "all" [KD-chat thinking.keep]; "disabled" errors.
        raise bad_request(  # ⚠ wording; the rule is [KD-chat]
            f'Invalid request: model {card.id} only supports thinking {{"type":"enabled","keep":"all"}}'
        )
    if card.thinking in ("none", "always"):
        # ⚠ Undocumented: the emulator lets the model decide and ignores the parameter.
        return card.thinking == "always"
    return kind == "enabled"


def _fixed_values(thinking: bool, card: ModelCard) -> tuple[tuple[str, float], ...]:
    # [KD-models]: 1.0 with thinking, 0.6 without; top_p 0.95; n 1; penalties 0.
    off = card.fixed_temperature_off
    return (
        ("temperature", 1.0 if thinking or off is None else off),
        ("top_p", 0.95),
        ("n", 1),
        ("presence_penalty", 0.0),
        ("frequency_penalty", 0.0),
    )


def check_sampling(body: JSONObject, card: ModelCard, thinking: bool) -> None:
    if card.fixed_sampling:
        for name, fixed in _fixed_values(thinking, card):
            value = body.get(name)
            if value is not None and value != fixed:
                # Live text: "invalid temperature: only 1 is allowed for this model" (litellm PR #29687).
                raise bad_request(f"invalid {name}: only {fixed:g} is allowed for this model")
        return
    temperature = _number(body, "temperature")
    n = _number(body, "n")
    if temperature is not None and not 0 <= temperature <= 1:
        raise bad_request(f"Invalid request: temperature must be in [0, 1], got {temperature:g}")  # ⚠ wording
    if n is not None and not 1 <= n <= MAX_N:
        raise bad_request(f"Invalid request: n must be between 1 and {MAX_N}, got {n:g}")  # ⚠ wording
    if n is not None and n > 1 and temperature is not None and temperature < NEAR_ZERO_TEMPERATURE:
        raise bad_request("Invalid request: n must be 1 when temperature is close to 0")  # ⚠ wording
    for name in ("presence_penalty", "frequency_penalty"):
        value = _number(body, name)
        if value is not None and not -2 <= value <= 2:
            raise bad_request(f"Invalid request: {name} must be in [-2, 2], got {value:g}")  # ⚠ wording


def _number(body: JSONObject, name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"Invalid request: {name} must be a number")  # ⚠ wording
    return float(value)


def check_reasoning_effort(effort: object, card: ModelCard, name: str = "reasoning_effort") -> None:
    """The effort values of the model; ``name`` is the field as the request spells it."""
    if effort is None:
        return
    allowed = set(card.reasoning_efforts) or NON_K3_EFFORTS
    if effort not in allowed:
        # "none" is rejected with 400 (pydantic-ai PR #6208). ⚠ wording
        raise bad_request(f"Invalid request: {name} {effort!r} is not supported for model {card.id}")


def _is_empty(content: object) -> bool:
    return content is None or content == "" or content == []


def check_messages(messages: Sequence[JSONObject], thinking: bool) -> None:
    """Roles, empty assistant turns, reasoning echo and tool-call pairing."""
    declared: dict[str, int] = {}
    answered: set[str] = set()
    last = len(messages) - 1
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "developer":
            # Verbatim from openclaw/openclaw #19260 (2026-02-17).
            raise bad_request("invalid request: unsupported role ROLE_UNSPECIFIED")
        if role not in ROLES:
            raise bad_request(f"Invalid request: unknown role {role!r} at position {index}")  # ⚠ wording
        if message.get("partial") and (index != last or role != "assistant"):
            raise bad_request(
                "Invalid request: only the last message can be a partial assistant message"
            )  # ⚠
        if role == "assistant":
            for call_id in _check_assistant(index, message, thinking):
                declared[call_id] = index
        elif role == "tool":
            call_id = str(message.get("tool_call_id"))
            if call_id not in declared:
                raise bad_request(
                    f"Invalid request: tool_call_id {call_id} not found"
                )  # [MS-2026-01 tool-calls] ⚠
            answered.add(call_id)
    for call_id in declared:
        if call_id not in answered:
            # Every tool call needs its tool message [MS-2026-01 tool-calls]. ⚠ wording
            raise bad_request(f"Invalid request: tool_call_id {call_id} not found")


def _check_assistant(index: int, message: JSONObject, thinking: bool) -> list[str]:
    calls = as_list(message.get("tool_calls"))
    if not calls:
        if _is_empty(message.get("content")) and not message.get("partial"):
            # Verbatim from AstrBotDevs/AstrBot #7200 (position counts from 0 here ⚠).
            raise bad_request(
                f"Invalid request: the message at position {index} with role 'assistant' must not be empty"
            )
        return []
    reasoning = message.get("reasoning_content")
    if thinking and (not isinstance(reasoning, str) or reasoning == ""):
        # Verbatim [moonshot-api.md §3]; an empty string counts as missing (llmgateway PR #2093).
        raise bad_request(
            f"thinking is enabled but reasoning_content is missing in assistant tool call message at index {index}"
        )
    return [str((as_object(call) or {}).get("id")) for call in calls]


def check_tools(body: JSONObject, card: ModelCard, thinking: bool) -> list[Any]:
    tools = as_list(body.get("tools") or [])
    if tools is None:
        raise bad_request("Invalid request: tools must be an array")  # ⚠ wording
    if len(tools) > MAX_TOOLS:
        raise bad_request(
            f"Invalid request: at most {MAX_TOOLS} tools are allowed"
        )  # [CN-chat tool-use] ⚠ wording
    for tool in tools:
        _check_tool(tool)
    dynamic = dynamic_tools(body)
    for tool in dynamic:
        _check_tool(tool)
    check_tool_choice(body.get("tool_choice"), card, thinking)
    return [*tools, *dynamic]


def dynamic_tools(body: JSONObject) -> list[Any]:
    """Tools added mid-conversation by ``{"role": "system", "tools": [...]}`` messages (kimi-k3;
    chat OpenAPI ``KimiK3DynamicToolMessage``; the K3 tool-calling guide)."""
    found: list[Any] = []
    for item in as_list(body.get("messages")) or []:
        message = as_object(item) or {}
        if message.get("role") == "system" and "tools" in message:
            listed = as_list(message.get("tools"))
            if listed is None:
                raise bad_request("Invalid request: tools must be an array")  # ⚠ wording
            found.extend(listed)
    return found


def check_tool_choice(choice: object, card: ModelCard, thinking: bool) -> None:
    """A forced tool call conflicts with thinking [moonshot-api-2026-12.md §1.3, §1.5]."""
    if choice == "required" and not card.required_tool_choice:
        if thinking:
            raise bad_request("tool_choice 'required' is incompatible with thinking enabled")  # AstrBot #7805
        raise bad_request(
            f"Invalid request: tool_choice 'required' is not supported for model {card.id}"
        )  # ⚠
    if isinstance(choice, dict) and thinking:
        # Quoted form, live on K3 (enricoros/big-AGI #1161, 2026-07-17); oh-my-pi #1077 saw it unquoted.
        raise bad_request("tool_choice 'specified' is incompatible with thinking enabled")


def _check_tool(tool: object) -> None:
    declaration = as_object(tool) or {}
    kind = declaration.get("type")
    name = (as_object(declaration.get("function")) or {}).get("name")
    if kind == "builtin_function" and isinstance(name, str) and name.startswith("$"):
        return
    if kind != "function" or not isinstance(name, str) or not TOOL_NAME.match(name):
        raise bad_request(f"Invalid request: invalid tool definition {name!r}")  # ⚠ wording


def _check_partial(body: JSONObject, messages: Sequence[JSONObject]) -> None:
    last = messages[-1]
    json_mode = (as_object(body.get("response_format")) or {}).get("type") == "json_object"
    if last.get("role") == "assistant" and last.get("partial") and json_mode:
        # The restriction is documented [KD-chat; docs/api/partial]; ⚠ the wording is not.
        raise bad_request("Invalid request: partial mode is not supported with response_format json_object")


def check_length(tokens: int, limit: object, card: ModelCard) -> None:
    """The prompt, and the prompt plus the output limit, must fit the model's context."""
    if tokens > card.context_length:
        raise bad_request("Input token length too long")  # [KD-errors]
    if isinstance(limit, int) and tokens + limit > card.context_length:
        raise bad_request(f"Your request exceeded model token limit : {card.context_length}")  # [KD-errors]
