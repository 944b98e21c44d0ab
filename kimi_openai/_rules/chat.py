"""Pure checks and rewrites of a ``POST /chat/completions`` body, before it is sent.

:func:`prepare_chat_request` takes the JSON body openai would send (``extra_body``
keys such as ``thinking`` merged in) and returns the body to send plus notes. It
never mutates its input and is idempotent, so it can run again on every retry.

What is checked depends on the :class:`~kimi_openai._rules.model_specs.ModelSpec`: a rule
whose spec field is ``None`` (not documented for that model) is not checked, and
the permissive default spec of an unknown id leaves only the rules that hold on
the whole Moonshot platform. Platform rules apply only when the request goes to
Moonshot (``moonshot_hosted``): a vLLM or SGLang server serving the open weights,
even under a Moonshot model name, gets only what holds for the weights. The
server's own 400 remains the final word.

Before any of these, the shape checks of ``chat_shape`` refuse values of the
wrong JSON type (on every base URL), so the rules can read the body as typed.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Final, cast

from openai import Omit
from pydantic import BaseModel

from .chat_request import OFF_SWITCH, Ctx, PreparedRequest, TokenLimitField, TokenLimitSetting, spec_for
from .chat_shape import PLATFORM_RESPONSE_FORMATS as RESPONSE_FORMATS
from .chat_shape import check_response_format_shape, check_shape, check_tools_shape, listify, show
from .model_specs import ModelSpec, ThinkingType, get_model_spec, retired_advice
from .params import check_params, thinking_state
from .partial import excludes_partial, is_partial
from .schema import as_list, as_map, normalize_tool_schema, normalize_tools
from .sources import KD_THINKING

__all__ = [
    "PreparedRequest",
    "TokenLimitField",
    "check_helper_arguments",
    "prepare_chat_request",
]

logger = logging.getLogger("kimi_openai")


# Near temperature 0 only one choice can be returned (KD_MODELS; migrating-from-openai-to-kimi).
# The docs give no number; 0.3 is the floor litellm applies for n > 1
# (BerriAI/litellm moonshot/chat/transformation.py), the only empirical figure found.
NEAR_ZERO_TEMPERATURE: Final = 0.3
# Reasoning tokens count against max_tokens; Moonshot advises at least 16000 (KD_THINKING).
THINKING_MIN_TOKENS: Final = 16_000


def prepare_chat_request(
    body: Mapping[str, object],
    *,
    spec: ModelSpec | None = None,
    validate: bool = True,
    max_tokens_field: TokenLimitSetting = "auto",
    normalize_tool_schemas: bool = True,
    moonshot_hosted: bool = True,
    off_switch: str = OFF_SWITCH,
    whole_request: bool = True,
) -> PreparedRequest:
    """Check ``body`` against the model's rules and return the body to send.

    Args:
        body: the chat completion JSON body, ``extra_body`` keys merged in.
        spec: the model spec; looked up from ``body["model"]`` when omitted.
        validate: False skips every check (nothing raises); field mapping and schema
            normalisation still apply.
        max_tokens_field: the name the output limit is sent under. ``"auto"`` (the default):
            the field the model's spec names, ``max_completion_tokens`` on every current model
            (the chat reference marks ``max_tokens`` deprecated; kimi-k3's quickstart and
            Moonshot's own kimi-cli, PR #2332, send ``max_completion_tokens``), else
            ``max_tokens`` (an unknown id or a self-hosted engine, as before).
        normalize_tool_schemas: rewrite tool and ``json_schema`` schemas into MFJS.
        moonshot_hosted: the request goes to Moonshot's platform. False (a self-hosted
            engine or a proxy) keeps only the rules that hold for the model's weights.
        off_switch: how the caller turns validation off, quoted in error messages.
        whole_request: False when ``body`` holds only some fields (``kimi_params``): then a
            missing ``model`` or empty ``messages`` is not an error.

    Raises:
        KimiValidationError: the request breaks a rule of the model; the message names
            the parameter, the model, what is allowed and the fix.
    """
    # A shallow copy is enough: only top-level keys are set here, and the schema
    # rewrites build new tool and response_format objects instead of editing them.
    out = dict(body)
    listify(out)
    raw_model = out.get("model")
    model = raw_model if isinstance(raw_model, str) else ""
    found = spec if spec is not None else get_model_spec(model)
    ctx = Ctx(out, spec_for(found, moonshot_hosted), model or found.id, off_switch, whole=whole_request)
    if validate:
        # First: every later step (and openai's JSON encoder) reads these values as typed.
        check_shape(ctx)
    limit_field: TokenLimitField = (
        max_tokens_field if max_tokens_field != "auto" else ctx.spec.max_tokens_field or "max_tokens"
    )
    _map_token_field(ctx, limit_field, validate=validate)
    # MFJS is Moonshot's platform rule; a self-hosted engine takes the schema as written.
    if ctx.platform:
        _developer_as_system(ctx)
    if normalize_tool_schemas and ctx.platform:
        _normalize_schemas(out)
    if validate:
        _check_lifecycle(ctx)  # first: no other rule matters for a model that is gone
        for check in _CHECKS:
            check(ctx)
        _check_token_limit(ctx, limit_field)
    return PreparedRequest(out, tuple(ctx.notes))


def check_helper_arguments(arguments: Mapping[str, object], response_format: object) -> None:
    """Check what openai's ``.parse()`` and ``.stream()`` helpers read before a request exists.

    They walk ``tools`` and turn ``response_format`` (a pydantic model or a dict) into the body
    field before the client's request hook runs, and fail on a malformed value with a
    ``TypeError``, ``KeyError`` or ``AttributeError`` from inside openai; these get the same
    checks as in :func:`prepare_chat_request` first (the universal ones: Moonshot's own rules
    and the rest of the request are checked there, when the request is built).
    """
    raw_model = arguments.get("model")
    model = raw_model if isinstance(raw_model, str) else ""
    tools = arguments.get("tools")
    body: dict[str, object] = {"tools": None if isinstance(tools, Omit) else tools}
    ctx = Ctx(body, spec_for(get_model_spec(model), moonshot_hosted=False), model)
    listify(body)
    check_tools_shape(ctx)
    if isinstance(response_format, dict):
        body["response_format"] = response_format
        check_response_format_shape(ctx)
    elif not isinstance(response_format, Omit) and not _is_schema_type(response_format):
        ctx.reject(
            f"response_format={show(response_format)}",
            "the parsing helpers take a pydantic model class (or pydantic dataclass), or an object "
            f"with a `type`: {', '.join(RESPONSE_FORMATS)}",
            "Pass e.g. response_format=MyAnswer (a pydantic.BaseModel subclass), "
            "or response_format={'type': 'json_object'}",
        )


def _is_schema_type(value: object) -> bool:
    # What openai's type_to_response_format_param turns into a JSON schema.
    if hasattr(value, "__pydantic_config__"):
        return True
    return isinstance(value, type) and issubclass(cast("type[object]", value), BaseModel)


def _map_token_field(ctx: Ctx, target: TokenLimitField, *, validate: bool) -> None:
    """Send the output limit under one name only (``max_tokens`` unless configured)."""
    other = "max_completion_tokens" if target == "max_tokens" else "max_tokens"
    if other not in ctx.body:
        return
    moved = ctx.body.pop(other)
    current = ctx.body.get(target)
    if current is None:
        if moved is not None:
            ctx.body[target] = moved
            ctx.limit_param = other
            ctx.note(f"kimi_openai: sending {other}={moved!r} as {target}")
    elif validate and moved is not None and moved != current:
        ctx.reject(
            f"{target}={current!r} together with {other}={moved!r}",
            "only one output limit is sent and the two differ",
            f"Pass only `{target}` (or only `{other}`)",
        )


def _developer_as_system(ctx: Ctx) -> None:
    """Send ``developer`` messages as ``system``: openai code sends ``developer`` for reasoning models,
    and Moonshot answers it with ``invalid request: unsupported role ROLE_UNSPECIFIED``
    (openclaw/openclaw #19260, #9018). The two roles mean the same to a chat model."""
    messages = as_list(ctx.body.get("messages"))
    if messages is None:
        return
    moved = [i for i, item in enumerate(messages) if (as_map(item) or {}).get("role") == "developer"]
    if not moved:
        return
    ctx.body["messages"] = [
        {**cast("Mapping[str, object]", item), "role": "system"} if i in moved else item
        for i, item in enumerate(messages)
    ]
    ctx.note(f"kimi_openai: sending the developer message(s) at {moved} as role 'system' to {ctx.model!r}")


def dynamic_tool_lists(messages: object) -> list[tuple[int, list[object]]]:
    """The ``tools`` of kimi-k3's dynamic tool messages (``{"role": "system", "tools": [...]}``), by index.

    Such a message adds tools from that point on; MFJS and the tool rules apply to them as to
    top-level tools (https://platform.kimi.ai/docs/guide/kimi-k3-tool-calling-best-practice).
    """
    found: list[tuple[int, list[object]]] = []
    for i, item in enumerate(as_list(messages) or ()):
        msg = as_map(item) or {}
        tools = as_list(msg.get("tools"))
        if msg.get("role") == "system" and tools is not None:
            found.append((i, tools))
    return found


def _normalize_schemas(body: dict[str, object]) -> None:
    tools = as_list(body.get("tools"))
    if tools is not None:
        body["tools"] = normalize_tools(tools)
    dynamic = dynamic_tool_lists(body.get("messages"))
    if dynamic:
        messages = list(as_list(body.get("messages")) or ())
        for i, listed in dynamic:
            messages[i] = {**cast("Mapping[str, object]", messages[i]), "tools": normalize_tools(listed)}
        body["messages"] = messages
    fmt = as_map(body.get("response_format"))
    js = as_map(fmt.get("json_schema")) if fmt is not None and fmt.get("type") == "json_schema" else None
    schema = as_map(js.get("schema")) if js is not None else None
    if fmt is not None and js is not None and schema is not None:
        body["response_format"] = {**fmt, "json_schema": {**js, "schema": normalize_tool_schema(schema)}}


def _number(value: object) -> float | None:
    if type(value) is int or type(value) is float:  # the usual case first: no isinstance walk
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None  # non-numbers are left for the server to reject
    return float(value)


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=1e-9)


def _thinking_state(ctx: Ctx) -> ThinkingType | None:
    return thinking_state(ctx.body, ctx.spec)


def _check_legacy_functions(ctx: Ctx) -> None:
    # "functions/function_call are not supported: use tools" (migrating-from-openai-to-kimi).
    for key, fix in (
        ("functions", "tools=[{'type': 'function', 'function': {...}}]"),
        ("function_call", "tool_choice"),
    ):
        if ctx.platform and ctx.body.get(key) is not None:
            ctx.reject(
                f"`{key}`", "the legacy OpenAI function-calling fields are not supported", f"Use `{fix}`"
            )


def _check_thinking_shape(ctx: Ctx) -> None:
    # Shape from the KD_CHAT OpenAPI: an object, `type` required, additionalProperties false.
    value = ctx.body.get("thinking")
    if value is None or not ctx.platform:
        return
    if isinstance(value, bool):  # "expected type object ... bool is not acceptable" (LionSR/TeXRA PR #1905)
        kind = "enabled" if value else "disabled"
        ctx.reject(f"thinking={value}", "`thinking` must be an object", f'Pass thinking={{"type": "{kind}"}}')
    thinking = as_map(value)
    if thinking is None:
        ctx.reject(f"thinking={value!r}", "`thinking` must be an object", 'Pass thinking={"type": "enabled"}')
    kind = thinking.get("type")
    if kind not in ("enabled", "disabled"):
        ctx.reject(
            f"thinking.type={kind!r}",
            '`type` is required: "enabled" or "disabled"',
            'Pass {"type": "enabled"}',
        )
    if thinking.get("keep") not in (None, "all"):
        ctx.reject(
            f"thinking.keep={thinking.get('keep')!r}", '`keep` is null or "all"', 'Pass keep="all" or omit it'
        )
    extra = sorted(set(thinking) - {"type", "keep"})
    if extra and ctx.spec.thinking != "unknown":
        ctx.reject(f"thinking keys {extra}", "`thinking` takes only `type` and `keep`", f"Remove {extra}")


_PARAM_KEYS: Final = (
    "temperature",
    "top_p",
    "n",
    "presence_penalty",
    "frequency_penalty",
    "thinking",
    "reasoning_effort",
    "tool_choice",
    "tools",
)


def _check_params(ctx: Ctx) -> None:
    """The per-model parameter rules (``params``), shared with the Responses API."""
    params = {key: ctx.body[key] for key in _PARAM_KEYS if key in ctx.body}
    if not params:
        return  # every rule reads one of these fields: a call that sets none meets them all
    changes, notes = check_params(params, ctx.spec, model=ctx.model, off_switch=ctx.off_switch)
    ctx.body.update(changes)
    for note in notes:
        ctx.note(note)


def _fixed_reason(what: str) -> str:
    return f"sampling is fixed ({what})"


def _check_temperature_range(ctx: Ctx) -> None:
    spec, temp = ctx.spec, _number(ctx.body.get("temperature"))
    if temp is None or spec.fixed_temperature_thinking is not None or spec.temperature_range is None:
        return  # fixed temperatures are a parameter rule (params.check_sampling)
    lo, hi = spec.temperature_range  # Kimi's range is [0, 1], not OpenAI's [0, 2] (migrating guide)
    if not lo <= temp <= hi:
        ctx.reject(
            f"temperature={_fmt(temp)}",
            f"the range is [{lo:g}, {hi:g}]",
            f"Pass a temperature in [{lo:g}, {hi:g}]",
        )


def _check_fixed_or_range(
    ctx: Ctx, key: str, fixed: float | None, bounds: tuple[float, float] | None
) -> None:
    value = _number(ctx.body.get(key))
    if value is None:
        return
    if fixed is not None and not _same(value, fixed):
        ctx.reject(f"{key}={_fmt(value)}", _fixed_reason(f"{key} {fixed:g}"), f"Remove `{key}` from the call")
    if fixed is None and bounds is not None and not bounds[0] <= value <= bounds[1]:
        lo, hi = bounds
        ctx.reject(
            f"{key}={_fmt(value)}", f"the range is [{lo:g}, {hi:g}]", f"Pass {key} in [{lo:g}, {hi:g}]"
        )


_RANGE_KEYS: Final = frozenset({"temperature", "presence_penalty", "frequency_penalty", "n"})


def _check_sampling_ranges(ctx: Ctx) -> None:
    """Ranges of models whose sampling is not fixed (fixed values: ``params.check_sampling``)."""
    if _RANGE_KEYS.isdisjoint(ctx.body):
        return  # nothing to check: most calls leave sampling to the model
    spec = ctx.spec
    _check_temperature_range(ctx)
    for key in ("presence_penalty", "frequency_penalty"):
        _check_fixed_or_range(ctx, key, spec.fixed_penalty, spec.penalty_range)
    n = _number(ctx.body.get("n"))
    if n is None:
        return
    if spec.max_n is not None and n > spec.max_n:
        ctx.reject(f"n={_fmt(n)}", f"at most {spec.max_n} choices are returned", f"Pass n <= {spec.max_n}")
    temp = _number(ctx.body.get("temperature"))
    temp = spec.default_temperature if temp is None else temp
    if n > 1 and spec.temperature_range is not None and temp is not None and temp < NEAR_ZERO_TEMPERATURE:
        ctx.reject(
            f"n={_fmt(n)} with temperature {_fmt(temp)}",
            f"near temperature 0 (below {NEAR_ZERO_TEMPERATURE}) only one choice can be returned",
            f"Pass n=1, or a temperature of at least {NEAR_ZERO_TEMPERATURE}",
        )


def _check_token_limit(ctx: Ctx, key: TokenLimitField) -> None:
    limit = _number(ctx.body.get(key))
    if limit is None:
        return
    ceiling, param = ctx.spec.max_output_tokens, ctx.limit_param or key
    if ceiling is not None and limit > ceiling:
        # input + max_tokens > context is an invalid_request_error (KD_CHAT).
        ctx.reject(
            f"{param}={_fmt(limit)}",
            f"the context window is {ceiling:,} tokens (input + output)",
            f"Pass {param} <= {ceiling} minus the input length",
        )
    if _thinking_state(ctx) == "enabled" and limit < THINKING_MIN_TOKENS:
        known = ctx.spec.default_max_output_tokens
        default = "" if known is None else f"; without a limit this model allows {known:,} tokens"
        # Advice, not an error: a few thousand tokens is a common, deliberate choice, so
        # it is logged (INFO) rather than warned; finish_reason='length' shows a cut-off.
        message = (
            f"kimi_openai: {param}={_fmt(limit)} on {ctx.model!r} with thinking enabled: "
            "the reasoning budget (reasoning_content tokens) is part of this limit, so the answer may be "
            f"cut off (finish_reason='length'). Moonshot advises at least {THINKING_MIN_TOKENS} ({KD_THINKING})"
            f"{default}."
        )
        logger.info("%s", message)
        ctx.notes.append(message)


def _check_lifecycle(ctx: Ctx) -> None:
    """A retired id is refused before the 404 on Moonshot's platform; a deprecated one gets a note.

    Moonshot answers a retired id with 404 "Not found the model <id> or Permission denied"
    (https://platform.kimi.ai/docs/models; live in diillson/chatcli #1344). An id the table does
    not know always passes: a new model works on day one.
    """
    spec = ctx.spec
    if spec.lifecycle == "retired" and ctx.platform and ctx.whole:
        ctx.reject(f"model={ctx.model!r}", *retired_advice(spec, ctx.model))
    if spec.lifecycle == "deprecated":
        ctx.note(
            f"kimi_openai: model {ctx.model!r} is {spec.lifecycle} ({spec.lifecycle_date}; {spec.lifecycle_source})"
        )


# -- what a request carries: tools, stop sequences, messages and media -------------------------

MAX_TOOLS: Final = 128  # https://platform.moonshot.cn/docs/api/tool-use
MAX_STOP: Final = 5  # KD_CHAT `stop`
MAX_STOP_BYTES: Final = 32  # KD_CHAT `stop`
# KD_CHAT ToolDefinition.name; `$` names are builtins (https://platform.kimi.ai/docs/guide/use-web-search).
TOOL_NAME: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]{2,63}")


def check_tools(ctx: Ctx) -> None:
    if not ctx.platform:
        return
    tools = as_list(ctx.body.get("tools"))
    if tools is not None:
        _check_tool_list(ctx, tools, "tools")
    for index, listed in dynamic_tool_lists(ctx.body.get("messages")):
        _check_tool_list(ctx, listed, f"messages[{index}].tools")


def _check_tool_list(ctx: Ctx, tools: list[object], where: str) -> None:
    if len(tools) > MAX_TOOLS:
        ctx.reject(
            f"{where} ({len(tools)} entries)", f"at most {MAX_TOOLS} tools are accepted", "Drop unused tools"
        )
    for i, tool in enumerate(tools):
        spec = as_map(tool) or {}
        fn = as_map(spec.get("function")) or {}
        name = fn.get("name")
        if not isinstance(name, str) or spec.get("type") == "builtin_function":
            continue
        if name.startswith("$"):
            ctx.reject(
                f"{where}[{i}] name {name!r}",
                "names starting with '$' are reserved for builtin_function tools",
                f'Declare it as {{"type": "builtin_function", "function": {{"name": "{name}"}}}}',
            )
        if not TOOL_NAME.fullmatch(name):
            ctx.reject(
                f"{where}[{i}] name {name!r}",
                "names must match ^[a-zA-Z_][a-zA-Z0-9-_]{2,63}$ (3-64 chars, no leading digit)",
                "Rename the function",
            )
        params = as_map(fn.get("parameters"))
        if params is not None and params.get("type", "object") != "object":
            ctx.reject(
                f"{where}[{i}] parameters", "the schema root must be an object", "Wrap the value in an object"
            )


def check_stop(ctx: Ctx) -> None:
    stop = ctx.body.get("stop")
    items = [stop] if isinstance(stop, str) else as_list(stop)
    if items is None or not ctx.platform:
        return
    if len(items) > MAX_STOP:
        ctx.reject(f"stop ({len(items)} sequences)", f"at most {MAX_STOP} stop sequences", "Drop some")
    for item in items:
        size = len(item.encode()) if isinstance(item, str) else 0
        if size > MAX_STOP_BYTES:
            ctx.reject(
                f"stop sequence {item!r}",
                f"each is at most {MAX_STOP_BYTES} bytes (this one: {size})",
                "Shorten it",
            )


def _is_empty(content: object) -> bool:
    return content is None or content == "" or content == [] or content == ()


def check_messages(ctx: Ctx) -> None:
    messages = as_list(ctx.body.get("messages"))
    if messages is None:
        return
    json_mode = excludes_partial(ctx.body.get("response_format"))
    for i, item in enumerate(messages):
        msg = as_map(item) or {}
        _check_media(ctx, i, msg.get("content"))
        if not ctx.platform:
            continue
        if is_partial(msg):
            subject = f"messages[{i}].partial=true"
            # Partial mode's rules (see _rules/partial.py): the last message, role assistant, not with json_object.
            if i != len(messages) - 1:
                ctx.reject(
                    subject, "only the last message can be partial", "Move it to the end or drop `partial`"
                )
            if msg.get("role") != "assistant":
                ctx.reject(
                    subject,
                    f"only an assistant message can be partial (role is {msg.get('role')!r})",
                    "Drop `partial`",
                )
            if json_mode:
                ctx.reject(
                    subject,
                    'partial mode cannot be combined with response_format {"type": "json_object"}',
                    "Drop one",
                )
        elif msg.get("role") == "assistant" and _is_empty(msg.get("content")) and not msg.get("tool_calls"):
            # "the message at position N with role 'assistant' must not be empty" (AstrBotDevs/AstrBot #7200).
            ctx.reject(
                f"messages[{i}] (empty assistant message)",
                "an assistant message needs content or tool_calls",
                "Drop the message or give it content",
            )


def _media_url(part: Mapping[str, object], kind: str) -> str | None:
    ref = part.get(kind)  # {"url": ...} or, since 2026, a bare string (KD_CHAT)
    inner = as_map(ref)
    url = inner.get("url") if inner is not None else ref
    return url if isinstance(url, str) else None


def _check_media(ctx: Ctx, index: int, content: object) -> None:
    for item in as_list(content) or ():
        part = as_map(item) or {}
        kind = part.get("type")
        if kind not in ("image_url", "video_url"):
            continue
        label = "image" if kind == "image_url" else "video"
        supported = ctx.spec.supports_image_in if kind == "image_url" else ctx.spec.supports_video_in
        subject = f"{'an' if label == 'image' else 'a'} {label} part in messages[{index}]"
        if supported is False:
            ctx.reject(
                subject, f"this model does not accept {label} input", "Use a vision model such as 'kimi-k2.6'"
            )
        url = _media_url(part, str(kind))
        # "Plain http(s) image URLs are NOT supported" (use-kimi-vision-model, Features and Limitations).
        if (
            ctx.spec.accepts_http_media_urls is False
            and url
            and url.lower().startswith(("http://", "https://"))
        ):
            ctx.reject(
                f"{subject} with URL {url[:80]!r}",
                "only base64 data: URLs and ms://<file_id> are accepted, not http(s) URLs",
                f'Send it as a data: URL, or upload it with purpose="{label}" and use ms://<file_id>',
            )


# Order matters: the tool_choice rule may turn thinking off, which the later rules then see.
_CHECKS: Final = (
    _check_legacy_functions,
    _check_thinking_shape,
    _check_params,
    _check_sampling_ranges,
    check_tools,
    check_stop,
    check_messages,
)
