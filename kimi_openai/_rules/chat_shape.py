"""Checks of a chat request's shape: the JSON types of its fields, before any rule reads them.

Part of :func:`kimi_openai._rules.chat.prepare_chat_request`, which runs them first, so
that the model rules after them (and openai's JSON encoder) only ever see well-typed values.

Two scopes (docs/validation.md, "What is checked where"):

* **Universal**, on every base URL: what the Chat Completions API itself defines
  (https://platform.openai.com/docs/api-reference/chat/create, and the openai SDK's request
  types), which Moonshot, vLLM and SGLang all refuse: ``model`` a non-empty string,
  ``messages`` a non-empty array of message objects with a string ``role``, numbers that are
  numbers within the API's own bounds, ``stop``/``tools``/``tool_choice``/``response_format``
  of the right JSON type, and a body JSON can carry (no NaN, no infinity, no lone surrogate).
* **Moonshot platform** (``ctx.platform``): what Moonshot's API adds
  (https://platform.kimi.ai/docs/api/chat): the roles it knows, ``tool_call_id`` on tool
  messages, the content-part and ``response_format`` types it knows. Self-hosted engines
  accept more (vLLM takes custom roles and more part types), so they are not held to these.

What the openai SDK's own types allow is never refused: any iterable of message dicts or
message objects, ``stop`` as a string or a list of strings, ``content`` as a string or a list
of parts, ``tool_choice`` as a mode string or a named object, ``None`` for optional numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Final, NamedTuple, cast

from pydantic import BaseModel

from .chat_request import Ctx
from .schema import as_items, as_list, as_map
from .sources import KD_CHAT

__all__ = ["check_shape", "check_tools_shape", "listify", "show"]

EXAMPLE_MESSAGES: Final = "messages=[{'role': 'user', 'content': 'Hello'}]"
# The roles of the openai SDK's message types, plus Moonshot's context-cache role
# (https://platform.moonshot.cn/docs/api/caching: {"role": "cache", "content": "cache_id=..."}).
# Moonshot answers `developer` with a 400 on K2 models (moonshot-api-2026-12.md), but it is an
# openai type, so it is left for the server to judge.
PLATFORM_ROLES: Final = ("system", "user", "assistant", "tool", "developer", "function", "cache")
# KD_CHAT content parts (text, image_url, video_url) plus the openai SDK's other part types.
_PLATFORM_ROLES: Final = frozenset(PLATFORM_ROLES)
PLATFORM_PART_TYPES: Final = ("text", "image_url", "video_url", "input_audio", "file", "refusal")
PLATFORM_RESPONSE_FORMATS: Final = ("text", "json_object", "json_schema")  # KD_CHAT response_format
TOOL_CHOICE_MODES: Final = ("none", "auto", "required")
_SHOW: Final = 60


class _Number(NamedTuple):
    integer: bool
    low: float
    high: float | None


# The Chat Completions API's own types and bounds (OpenAI's API reference; vLLM's SamplingParams
# enforces the same). Moonshot's narrower ranges and fixed values are model rules (model_specs.py).
# No upper bound on temperature: OpenAI's is 2, Moonshot's 1, vLLM has none.
NUMBERS: Final[dict[str, _Number]] = {
    "temperature": _Number(integer=False, low=0, high=None),
    "top_p": _Number(integer=False, low=0, high=1),
    "presence_penalty": _Number(integer=False, low=-2, high=2),
    "frequency_penalty": _Number(integer=False, low=-2, high=2),
    "n": _Number(integer=True, low=1, high=None),
    "max_tokens": _Number(integer=True, low=1, high=None),
    "max_completion_tokens": _Number(integer=True, low=1, high=None),
}


def show(value: object) -> str:
    """``repr(value)``, cut to a length that fits in an error message."""
    text = repr(value)
    return text if len(text) <= _SHOW else f"{text[: _SHOW - 3]}..."


def listify(body: dict[str, object]) -> None:
    """``messages`` and ``tools`` given as another iterable (a tuple, a generator) become lists.

    openai's own request transform does the same for chat calls; batch lines and token
    estimates come here without it. A str, a mapping or a non-iterable is left for the checks.
    """
    for key in ("messages", "tools"):
        value = body.get(key)
        if value is not None and not isinstance(value, list):
            items = as_items(value)
            if items is not None:
                body[key] = list(items)


def check_shape(ctx: Ctx) -> None:
    """Every shape check, universal and (on Moonshot's platform) Moonshot's."""
    _check_model(ctx)
    _check_messages_shape(ctx)
    _check_numbers(ctx)
    _check_stop_shape(ctx)
    check_tools_shape(ctx)
    check_tool_choice_shape(ctx)
    check_response_format_shape(ctx)
    _check_json(ctx)


def _check_model(ctx: Ctx) -> None:
    model = ctx.body.get("model")
    if not ctx.whole or (isinstance(model, str) and model.strip()):
        return
    ctx.reject(
        f"model={show(model)}",
        "the model id is a non-empty string",
        "Pass a model id, e.g. model='kimi-k2.6' (client.models.list() lists them)",
    )


def _given(messages: object) -> str:
    return "one message" if isinstance(messages, Mapping | BaseModel) else type(messages).__name__


def _messages_fix(messages: object) -> str:
    if isinstance(messages, Mapping | BaseModel):
        return "Wrap the one message in a list: messages=[{...}]"
    if isinstance(messages, str):
        return "Pass the text as a message: messages=[{'role': 'user', 'content': <the text>}]"
    return f"Pass a list of messages, e.g. {EXAMPLE_MESSAGES}"


def _check_messages_shape(ctx: Ctx) -> None:
    messages = ctx.body.get("messages")
    items = as_list(messages)
    if items is None:
        ctx.reject(
            f"messages={show(messages)}",
            f"messages is a list of message objects ({_given(messages)} given)",
            _messages_fix(messages),
        )
    if not items and ctx.whole:
        ctx.reject("messages=[]", "at least one message is needed", f"Pass e.g. {EXAMPLE_MESSAGES}")
    platform = ctx.platform
    for index, item in enumerate(items):
        if not _is_plain(item, platform):
            _check_message(ctx, index, item, platform)


def _is_plain(item: object, platform: bool) -> bool:
    """A message dict with a string role and string (or no) content, that needs no more checks.

    The common case, checked cheaply: every request carries the whole conversation.
    """
    if type(item) is not dict:
        return False
    message = cast("dict[str, object]", item)
    role, content = message.get("role"), message.get("content")
    if type(role) is not str or not role or not (content is None or type(content) is str):
        return False
    return not platform or (role in _PLATFORM_ROLES and role != "tool")


def _check_message(ctx: Ctx, index: int, item: object, platform: bool) -> None:
    if isinstance(item, BaseModel):
        return  # a message object taken from a response: openai sends the fields it holds
    message = as_map(item)
    where = f"messages[{index}]"
    if message is None:
        ctx.reject(
            f"{where}={show(item)}",
            "each message is an object with a `role` and a `content`",
            "Pass each message as a dict, e.g. {'role': 'user', 'content': 'Hello'}",
        )
    role = message.get("role")
    if not isinstance(role, str) or not role:
        subject = f"{where} without a role" if role is None else f"{where}.role={show(role)}"
        ctx.reject(subject, "each message has a `role` string", f"Add 'role': one of {PLATFORM_ROLES[:4]}")
    _check_content_shape(ctx, where, message.get("content"))
    if not platform:
        return
    if role not in PLATFORM_ROLES:
        ctx.reject(
            f"{where}.role={role!r}",
            f"Moonshot knows the roles {', '.join(PLATFORM_ROLES)} ({KD_CHAT})",
            "Use 'user', 'assistant', 'system' or 'tool'",
        )
    call_id = message.get("tool_call_id")
    if role == "tool" and (not isinstance(call_id, str) or not call_id):
        ctx.reject(
            f"{where} (role 'tool') with tool_call_id={show(call_id)}",
            "a tool result names the call it answers",
            "Add 'tool_call_id': the `id` of the assistant's tool call",
        )


def _check_content_shape(ctx: Ctx, where: str, content: object) -> None:
    if content is None or isinstance(content, str):
        return
    parts = as_list(content)
    if parts is None:
        ctx.reject(
            f"{where}.content={show(content)}",
            "content is a string, a list of content parts, or None",
            "Pass the text as a string, or [{'type': 'text', 'text': ...}]",
        )
    for index, item in enumerate(parts):
        _check_part(ctx, f"{where}.content[{index}]", item)


def _check_part(ctx: Ctx, where: str, item: object) -> None:
    if isinstance(item, BaseModel):
        return
    part = as_map(item)
    if part is None:
        ctx.reject(
            f"{where}={show(item)}",
            "each content part is an object with a `type`",
            "Pass text parts as {'type': 'text', 'text': '...'}, or the whole content as one string",
        )
    kind = part.get("type")
    if kind == "text" and not isinstance(part.get("text"), str):
        ctx.reject(
            f"{where}.text={show(part.get('text'))}", "a text part carries a `text` string", "Pass the text"
        )
    if ctx.platform and kind not in PLATFORM_PART_TYPES:
        ctx.reject(
            f"{where}.type={show(kind)}",
            f"Moonshot takes text, image_url and video_url parts ({KD_CHAT})",
            "Send text as {'type': 'text', 'text': ...}, media as image_url or video_url parts",
        )


def _bounds(spec: _Number) -> str:
    kind = "an integer" if spec.integer else "a finite number"
    if spec.high is None:
        return f"{kind} >= {spec.low:g}"
    return f"{kind} in [{spec.low:g}, {spec.high:g}]"


def _as_number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _number_fix(key: str, value: object, spec: _Number) -> str:
    number = _as_number(value) if isinstance(value, str) else None
    if number is not None and (not spec.integer or number.is_integer()):
        written = int(number) if spec.integer else number
        return f"Pass {key}={written!r}, a number, not a string, or leave it out"
    return f"Pass {key} as {_bounds(spec)}, or leave it out"


def _number_problem(value: object, spec: _Number) -> str | None:
    """Why ``value`` is not a number ``spec`` allows, or None when it is one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{type(value).__name__} given"
    if isinstance(value, float) and not math.isfinite(value):
        return "JSON has no NaN or infinity"
    if spec.integer and isinstance(value, float) and not value.is_integer():
        return "not a whole number"
    if value < spec.low or (spec.high is not None and value > spec.high):
        return "out of range"
    return None


def _check_numbers(ctx: Ctx) -> None:
    for key, spec in NUMBERS.items():
        value = ctx.body.get(key)
        if value is None:
            continue
        problem = _number_problem(value, spec)
        if problem is not None:
            ctx.reject(
                f"{key}={show(value)}", f"{key} is {_bounds(spec)} ({problem})", _number_fix(key, value, spec)
            )


def _check_stop_shape(ctx: Ctx) -> None:
    stop = ctx.body.get("stop")
    items = as_list(stop)
    if (
        stop is None
        or isinstance(stop, str)
        or (items is not None and all(isinstance(s, str) for s in items))
    ):
        return
    ctx.reject(
        f"stop={show(stop)}", "stop is a string or a list of strings", "Pass e.g. stop='\\n' or stop=['END']"
    )


def check_tools_shape(ctx: Ctx) -> None:
    """``tools``: a list of tool objects; a function tool names its function."""
    tools = ctx.body.get("tools")
    items = as_list(tools)
    if tools is None:
        return
    example = "tools=[{'type': 'function', 'function': {'name': ..., 'parameters': {...}}}]"
    if items is None:
        ctx.reject(f"tools={show(tools)}", "tools is a list of tool objects", f"Pass e.g. {example}")
    for index, item in enumerate(items):
        tool = as_map(item)
        if tool is None or not isinstance(tool.get("type"), str):
            subject = (
                f"tools[{index}]={show(item)}"
                if tool is None
                else f"tools[{index}].type={show(tool.get('type'))}"
            )
            ctx.reject(subject, "each tool is an object with a `type` string", f"Pass e.g. {example}")
        if tool.get("type") in ("function", "builtin_function"):
            _check_function_tool(ctx, f"tools[{index}].function", tool.get("function"))


def _check_function_tool(ctx: Ctx, where: str, value: object) -> None:
    function = as_map(value)
    name = function.get("name") if function is not None else None
    if function is None or not isinstance(name, str) or not name:
        subject = f"{where}={show(value)}" if function is None else f"{where}.name={show(name)}"
        ctx.reject(
            subject, "a function tool carries a `function` object with a `name` string", "Name the function"
        )
    parameters = function.get("parameters")
    if parameters is not None and as_map(parameters) is None:
        ctx.reject(
            f"{where}.parameters={show(parameters)}",
            "parameters is a JSON Schema object",
            "Pass e.g. {'type': 'object', 'properties': {...}}",
        )


def check_tool_choice_shape(ctx: Ctx) -> None:
    """``tool_choice``: a mode string or an object with a ``type``; a named function has a name."""
    choice = ctx.body.get("tool_choice")
    if choice is None or (isinstance(choice, str) and choice in TOOL_CHOICE_MODES):
        return
    named = as_map(choice)
    kind = named.get("type") if named is not None else None
    function = as_map(named.get("function")) if named is not None and kind == "function" else None
    if isinstance(kind, str) and (
        kind != "function" or (function is not None and isinstance(function.get("name"), str))
    ):
        return
    name = choice if isinstance(choice, str) and choice else "<tool name>"
    ctx.reject(
        f"tool_choice={show(choice)}",
        '"none", "auto", "required", or {"type": "function", "function": {"name": ...}}',
        f'Pass tool_choice="auto", or {{"type": "function", "function": {{"name": "{name}"}}}} to force one',
    )


def check_response_format_shape(ctx: Ctx) -> None:
    """``response_format``: an object with a ``type`` (a known one on Moonshot's platform)."""
    value = ctx.body.get("response_format")
    if value is None:
        return
    fmt = as_map(value)
    kind = fmt.get("type") if fmt is not None else None
    allowed = f"an object with a `type`: {', '.join(PLATFORM_RESPONSE_FORMATS)}"
    fix = "Pass e.g. response_format={'type': 'json_object'}"
    if fmt is None or not isinstance(kind, str):
        subject = f"response_format={show(value)}" if fmt is None else f"response_format.type={show(kind)}"
        ctx.reject(subject, allowed, fix)
    if kind == "json_schema" and as_map(fmt.get("json_schema")) is None:
        ctx.reject(
            f"response_format.json_schema={show(fmt.get('json_schema'))}",
            "a json_schema format carries a `json_schema` object ({'name': ..., 'schema': {...}})",
            "Add it, or pass a pydantic model to .parse(response_format=...)",
        )
    if ctx.platform and kind not in PLATFORM_RESPONSE_FORMATS:
        ctx.reject(f"response_format.type={kind!r}", f"Moonshot accepts {allowed} ({KD_CHAT})", fix)


# --- a body JSON can carry -----------------------------------------------------------------------


def _json_default(value: object) -> object:
    # What openai's encoder adds to json's types (openai/_utils/_json.py): dates and pydantic models.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_unset=True, mode="json", by_alias=True)
    raise TypeError(type(value).__name__)


# openai's encoder settings (openai/_utils/_json.py: strict JSON, UTF-8 text), built once: the
# check runs on every request, and building an encoder costs more than encoding a short body.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=_json_default)


def _check_json(ctx: Ctx) -> None:
    """The body encodes as openai encodes it, else the first value that does not (and why)."""
    try:
        _ENCODER.encode(ctx.body).encode()
    except (ValueError, TypeError, RecursionError):
        found = _unencodable(ctx.body, "", set())
        where, value, reason, fix = found or ("the body", ctx.body, "it cannot be encoded as JSON", "")
        ctx.reject(
            f"{where}={show(value)}",
            f"{reason}, so the request cannot be sent",
            fix or "Pass plain str, int, float, bool, None, lists and dicts",
            switch=False,
        )


_Found = tuple[str, object, str, str]


def _surrogate_at(text: str) -> int | None:
    return next((i for i, ch in enumerate(text) if 0xD800 <= ord(ch) <= 0xDFFF), None)


def _unencodable(value: object, where: str, seen: set[int]) -> _Found | None:
    """The first value json cannot encode under ``value``: (where, value, why, fix)."""
    if value is None or isinstance(value, bool | int | datetime):
        return None
    if isinstance(value, float):
        return (
            None
            if math.isfinite(value)
            else (where, value, "JSON has no NaN or infinity", "Pass a finite number")
        )
    if isinstance(value, str):
        return _bad_text(where, value)
    if isinstance(value, BaseModel):
        return _unencodable(_json_default(value), where, seen)
    if id(value) in seen:
        return (where, "...", "it contains itself", "Pass a copy without the cycle")
    if isinstance(value, dict | list | tuple):
        return _unencodable_children(value, where, seen | {id(value)})  # pyright: ignore[reportUnknownArgumentType]
    kind = type(value).__name__
    return (
        where,
        value,
        f"a {kind} is not a JSON value",
        f"Convert the {kind} to a str, number, list or dict",
    )


def _bad_text(where: str, text: str) -> _Found | None:
    at = _surrogate_at(text)
    if at is None:
        return None
    return (
        where,
        text,
        f"it holds a lone surrogate {text[at]!r} at index {at}, which is not Unicode text and has no UTF-8 form",
        "Clean the text first, e.g. text.encode('utf-8', 'replace').decode()",
    )


def _child_path(where: str, key: object) -> str:
    if not isinstance(key, str):
        return f"{where}[{key!r}]"
    return f"{where}.{key}" if where else key


def _unencodable_children(
    value: dict[object, object] | list[object] | tuple[object, ...], where: str, seen: set[int]
) -> _Found | None:
    if isinstance(value, dict):
        for key, child in value.items():
            path = _child_path(where, key)
            bad_key = _bad_text(f"{where} key", key) if isinstance(key, str) else None
            if not isinstance(key, str | int | float | bool) and key is not None:
                bad_key = (f"{where} key", key, "JSON object keys are strings", "Use str keys")
            found = bad_key or _unencodable(child, path, seen)
            if found is not None:
                return found
        return None
    for index, child in enumerate(value):
        found = _unencodable(child, f"{where}[{index}]", seen)
        if found is not None:
            return found
    return None
