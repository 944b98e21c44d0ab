"""Pure checks and rewrites of a ``POST /responses`` body, before it is sent.

Source: Moonshot's Responses page, https://platform.kimi.ai/docs/api/responses (its request
schema ``ResponsesRequest`` and tools ``ResponsesTool``), as summarised in the team's reference
(moonshot-api-2026-12.md §3.1):

- the endpoint is stateless: ``store`` and ``background`` are always false, ``previous_response_id``
  and ``conversation`` always null. A request asking for state is refused here, naming the fix
  (the client expands ``previous_response_id`` itself before these rules run: ``_responses_memory``);
- tools are ``function``, ``namespace``, ``custom`` (only ``apply_patch``) and ``web_search``;
  ``defer_loading`` on a tool is answered ``400 tools.0.defer_loading is not supported`` (a 2026-09
  tool-search study);
- a ``web_search`` tool refuses ``search_context_size``, ``blocked_domains`` and
  ``filters.blocked_domains`` and ignores ``user_location``, ``external_web_access`` and
  ``indexed_web_access`` (sent as given: the server ignores them);
- Moonshot validates schemas with MFJS: function tools' ``parameters`` (top level, in a
  ``namespace``, in an ``additional_tools`` input item) and a ``json_schema`` ``text.format`` are
  rewritten by the same function as chat's (:mod:`.schema`).

A self-hosted engine serving the Responses API (vLLM keeps responses, takes any tool its
parser knows) gets none of Moonshot's platform rules: only the MFJS rewrite is Moonshot's too,
so it is skipped there as on chat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from kimi_openai._errors import KimiValidationError

from .chat_request import Ctx, PreparedRequest, spec_for
from .model_specs import get_model_spec
from .params import check_params
from .schema import as_list, as_map, normalize_tool_schema

__all__ = [
    "DEFAULT_SEARCH_CONTEXT_SIZE",
    "KD_RESPONSES",
    "SUPPORTED_TOOL_TYPES",
    "prepare_responses_request",
]

KD_RESPONSES: Final = "https://platform.kimi.ai/docs/api/responses"
SUPPORTED_TOOL_TYPES: Final = ("function", "namespace", "custom", "web_search")
CUSTOM_TOOL_NAMES: Final = ("apply_patch",)
REFUSED_SEARCH_FIELDS: Final = ("search_context_size", "blocked_domains")
DEFAULT_SEARCH_CONTEXT_SIZE: Final = "medium"
"""OpenAI's default, which openai-agents' ``WebSearchTool`` always sends: dropped, not refused,
since nothing in the request asked for it (a client cannot tell it from an explicit ``"medium"``)."""
_STATE_FIX: Final = (
    "Moonshot's Responses API is stateless and keeps nothing between requests "
    f"({KD_RESPONSES}): it answers store=false and background=false"
)


def prepare_responses_request(
    body: Mapping[str, object],
    *,
    validate: bool = True,
    normalize_tool_schemas: bool = True,
    moonshot_hosted: bool = True,
) -> PreparedRequest:
    """Check a Responses ``body`` against Moonshot's rules and return the body to send.

    Never mutates ``body`` and is idempotent (it runs again on every retry).

    Raises:
        KimiValidationError: the request asks for something Moonshot's Responses API does not
            offer; the message names the field, what is allowed and the fix.
    """
    out = dict(body)
    raw_model = out.get("model")
    model = raw_model if isinstance(raw_model, str) else ""
    ctx = Ctx(out, spec_for(get_model_spec(model), moonshot_hosted), model)
    platform = moonshot_hosted and ctx.platform
    if platform and validate:
        _check_state(ctx)
    if validate:
        _check_params(ctx)
    tools = as_list(out.get("tools"))
    if tools is not None:
        out["tools"] = [_tool(ctx, f"tools[{i}]", t, platform, validate) for i, t in enumerate(tools)]
    items = as_list(out.get("input"))
    if items is not None and any(_is_additional_tools(item) for item in items):
        out["input"] = [_input_item(ctx, i, item, platform, validate) for i, item in enumerate(items)]
    if platform and normalize_tool_schemas:
        _normalize_text_format(out)
    if not normalize_tool_schemas or not platform:
        return PreparedRequest(out, tuple(ctx.notes))
    return PreparedRequest(_normalized_tools(out), tuple(ctx.notes))


def _check_state(ctx: Ctx) -> None:
    body = ctx.body
    for name in ("store", "background"):
        if body.get(name) is True:
            ctx.reject(f"{name}=True", _STATE_FIX, f"Leave `{name}` out (or pass {name}=False)")
    if body.get("conversation") is not None:
        ctx.reject(
            "conversation=...",
            _STATE_FIX + " and has no conversations",
            "Send the earlier items in `input`, or chain turns with previous_response_id=<an id this "
            "client returned> (the client keeps the history and sends it in `input`)",
        )


def _check_params(ctx: Ctx) -> None:
    """The model's rules (fixed sampling, thinking, effort, forced tool), the ones chat applies (``params``)."""
    body = ctx.body
    reasoning = as_map(body.get("reasoning"))
    params: dict[str, object] = {
        key: body[key] for key in ("temperature", "top_p", "thinking", "tool_choice", "tools") if key in body
    }
    if reasoning is not None and reasoning.get("effort") is not None:
        params["reasoning_effort"] = reasoning["effort"]  # Responses' name for chat's reasoning_effort
    try:
        changes, notes = check_params(params, ctx.spec, model=ctx.model, off_switch=ctx.off_switch)
    except KimiValidationError as exc:
        # The refusal names chat's parameter; name the one this request used.
        message = str(exc)
        if message.startswith("reasoning_effort="):
            raise KimiValidationError(
                "reasoning.effort=" + message.removeprefix("reasoning_effort=")
            ) from None
        raise
    for key, value in changes.items():
        if key == "reasoning_effort":
            body["reasoning"] = {**(reasoning or {}), "effort": value}
        else:
            body[key] = value
    for note in notes:
        ctx.note(note)


def _tool(ctx: Ctx, where: str, tool: object, platform: bool, validate: bool) -> object:
    spec = as_map(tool)
    if spec is None or not platform:
        return tool
    if validate:
        _check_tool(ctx, where, spec)
    if spec.get("type") == "web_search" and spec.get("search_context_size") == DEFAULT_SEARCH_CONTEXT_SIZE:
        ctx.note(f"kimi_openai: dropping {where}.search_context_size='medium', which Moonshot refuses")
        return {key: value for key, value in spec.items() if key != "search_context_size"}
    if spec.get("type") == "namespace":
        members = as_list(spec.get("tools"))
        if members is not None:
            inner = [_tool(ctx, f"{where}.tools[{i}]", m, platform, validate) for i, m in enumerate(members)]
            return {**spec, "tools": inner}
    return tool


def _check_tool(ctx: Ctx, where: str, spec: Mapping[str, object]) -> None:
    kind = spec.get("type")
    if spec.get("defer_loading") is not None:
        ctx.reject(
            f"{where}.defer_loading",
            "Moonshot answers `tools.N.defer_loading is not supported`: it has no tool search",
            "Declare the tool without `defer_loading`",
        )
    if kind not in SUPPORTED_TOOL_TYPES:
        ctx.reject(
            f"{where} of type {kind!r}",
            f"Moonshot's Responses API takes tools of type {', '.join(SUPPORTED_TOOL_TYPES)} only ({KD_RESPONSES})",
            "Use a function tool your code runs, or the `web_search` tool for searches",
        )
    if kind == "custom" and spec.get("name") not in CUSTOM_TOOL_NAMES:
        ctx.reject(
            f"{where}, a custom tool named {spec.get('name')!r}",
            "Moonshot takes one custom tool, `apply_patch` (with a lark grammar format)",
            "Declare it as a function tool with a JSON schema instead",
        )
    if kind == "web_search":
        _check_web_search(ctx, where, spec)


def _check_web_search(ctx: Ctx, where: str, spec: Mapping[str, object]) -> None:
    size = spec.get("search_context_size")
    if size is not None and size != DEFAULT_SEARCH_CONTEXT_SIZE:
        ctx.reject(
            f"{where}.search_context_size={size!r}",
            "Moonshot's web_search refuses search_context_size (invalid_request_error)",
            "Leave it out: Moonshot decides how much of each page it reads",
        )
    filters = as_map(spec.get("filters")) or {}
    for name, value in (
        ("blocked_domains", spec.get("blocked_domains")),
        ("filters.blocked_domains", filters.get("blocked_domains")),
    ):
        if value is not None:
            ctx.reject(
                f"{where}.{name}",
                "Moonshot's web_search refuses blocked domains (invalid_request_error)",
                "Leave it out, or list the domains to search in filters.allowed_domains (at most 100)",
            )


def _is_additional_tools(item: object) -> bool:
    spec = as_map(item)
    return spec is not None and spec.get("type") == "additional_tools"


def _input_item(ctx: Ctx, index: int, item: object, platform: bool, validate: bool) -> object:
    # An `additional_tools` item declares tools from that point of the conversation on: the
    # same rules as top-level tools [KR ResponsesInputItem].
    spec = as_map(item)
    tools = as_list(spec.get("tools")) if spec is not None else None
    if spec is None or tools is None or not _is_additional_tools(spec):
        return item
    where = f"input[{index}].tools"
    checked = [_tool(ctx, f"{where}[{i}]", t, platform, validate) for i, t in enumerate(tools)]
    return {**spec, "tools": checked}


def _normalized_tool(tool: object) -> object:
    spec = as_map(tool)
    if spec is None:
        return tool
    kind = spec.get("type")
    params = as_map(spec.get("parameters"))
    if kind == "function" and params is not None:
        return {**spec, "parameters": normalize_tool_schema(params)}
    members = as_list(spec.get("tools"))
    if kind in ("namespace", "additional_tools") and members is not None:
        return {**spec, "tools": [_normalized_tool(m) for m in members]}
    return tool


def _normalized_tools(body: dict[str, object]) -> dict[str, object]:
    tools = as_list(body.get("tools"))
    if tools is not None:
        body["tools"] = [_normalized_tool(t) for t in tools]
    items = as_list(body.get("input"))
    if items is not None and any(_is_additional_tools(item) for item in items):
        body["input"] = [_normalized_tool(item) if _is_additional_tools(item) else item for item in items]
    return body


def _normalize_text_format(body: dict[str, object]) -> None:
    text = as_map(body.get("text"))
    fmt = as_map(text.get("format")) if text is not None else None
    schema = as_map(fmt.get("schema")) if fmt is not None and fmt.get("type") == "json_schema" else None
    if text is not None and fmt is not None and schema is not None:
        body["text"] = {**text, "format": {**fmt, "schema": normalize_tool_schema(schema)}}
