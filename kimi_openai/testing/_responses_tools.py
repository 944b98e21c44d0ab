"""The tools of a ``POST /v1/responses`` request, checked as Moonshot documents them.

Source: Moonshot's Responses page, https://platform.kimi.ai/docs/api/responses (``ResponsesTool``;
summarised in moonshot-api-2026-12.md §3.1): ``function``, ``custom`` (only ``apply_patch``),
``namespace`` and ``web_search``; "other tool types are not supported". ``web_search`` refuses
``search_context_size``, ``blocked_domains`` and ``filters.blocked_domains`` and ignores
``user_location``, ``external_web_access`` and ``indexed_web_access``. ``defer_loading`` on a tool
is answered ``400 tools.0.defer_loading is not supported`` (measured in a 2026-09 tool-search
study). That text is the only one known; the emulator words its other refusals after it (⚠).

A ``null`` field counts as absent, as on chat (⚠ whether Moonshot accepts the explicit nulls
openai-agents sends, ``"filters": null``, was not recorded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ._types import JSONObject
from ._wire import EmulatorError, as_list, as_object, bad_request

SUPPORTED_TYPES = ("function", "custom", "namespace", "web_search")
FUNCTION_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9\-_]{0,127}$")
"""``ResponsesFunctionTool.name``: 1 to 128 characters, unlike chat's 3 to 64."""
CUSTOM_TOOLS = ("apply_patch",)
REFUSED_SEARCH_FIELDS = ("search_context_size", "blocked_domains")
IGNORED_SEARCH_FIELDS = ("user_location", "external_web_access", "indexed_web_access")
"""Accepted and without effect [KR ``ResponsesWebSearchTool``]."""
MAX_ALLOWED_DOMAINS = 100
SEARCH_CONTENT_TYPES = frozenset({"text", "image"})
MAX_IMAGE_RESULTS = 10
DEFAULT_IMAGE_RESULTS = 3


@dataclass(frozen=True)
class WebSearchSettings:
    """What the request's ``web_search`` tool asks for."""

    images: bool = False
    """``search_content_types`` includes ``image``."""
    max_images: int = DEFAULT_IMAGE_RESULTS
    captions: bool = False


@dataclass
class DeclaredTools:
    """The callable tools of a request: top-level ``tools`` and ``additional_tools`` items."""

    functions: dict[str, str | None] = field(default_factory=dict[str, "str | None"])
    """Function name → the namespace it was declared in (``None`` at top level)."""
    custom: dict[str, str | None] = field(default_factory=dict[str, "str | None"])
    web_search: WebSearchSettings | None = None
    declarations: list[Any] = field(default_factory=list[Any])
    """Every tool as sent, for the token count."""


def not_supported(path: str) -> EmulatorError:
    """``400 <path> is not supported``, the wording of the measured ``defer_loading`` answer."""
    return bad_request(f"{path} is not supported")


def read_tools(tools: object, path: str, declared: DeclaredTools) -> None:
    """Check ``tools`` (found at ``path``) and add them to ``declared``."""
    if tools is None:
        return
    items = as_list(tools)
    if items is None:
        raise bad_request(f"Invalid request: {path} must be an array")  # ⚠ wording
    for index, item in enumerate(items):
        tool = as_object(item)
        if tool is None:
            raise bad_request(f"Invalid request: {path}.{index} must be an object")  # ⚠ wording
        _read_tool(tool, f"{path}.{index}", declared, None)
        declared.declarations.append(tool)


def _read_tool(tool: JSONObject, path: str, declared: DeclaredTools, namespace: str | None) -> None:
    if tool.get("defer_loading") is not None:
        raise not_supported(f"{path}.defer_loading")
    kind = tool.get("type")
    if kind == "function":
        declared.functions[_function_name(tool, path)] = namespace
    elif kind == "custom":
        declared.custom[_custom_name(tool, path)] = namespace
    elif kind == "namespace" and namespace is None:
        _read_namespace(tool, path, declared)
    elif kind == "web_search" and namespace is None:
        if declared.web_search is not None:
            raise bad_request("Invalid request: at most one web_search tool is allowed")  # ⚠ wording
        declared.web_search = _web_search(tool, path)
    else:
        raise not_supported(f"{path}.type {kind!r}")  # ⚠ wording


def _function_name(tool: JSONObject, path: str) -> str:
    name = tool.get("name")
    if not isinstance(name, str) or not FUNCTION_NAME.match(name):
        raise bad_request(  # the pattern is documented [KR]; ⚠ the wording is not
            f"Invalid request: {path}.name {name!r} must match ^[a-zA-Z_][a-zA-Z0-9-_]{{0,127}}$"
        )
    parameters = tool.get("parameters")
    if parameters is not None and as_object(parameters) is None:
        raise bad_request(f"Invalid request: {path}.parameters must be a JSON Schema object")  # ⚠ wording
    return name


def _custom_name(tool: JSONObject, path: str) -> str:
    # Only apply_patch, with a required lark grammar format [KR ResponsesCustomTool].
    name = tool.get("name")
    if name not in CUSTOM_TOOLS:
        raise not_supported(f"{path}.name {name!r}")  # ⚠ wording
    fmt = as_object(tool.get("format")) or {}
    if (
        fmt.get("type") != "grammar"
        or fmt.get("syntax") != "lark"
        or not isinstance(fmt.get("definition"), str)
    ):
        raise bad_request(  # ⚠ wording
            f'Invalid request: {path}.format must be {{"type": "grammar", "syntax": "lark", "definition": ...}}'
        )
    return str(name)


def _read_namespace(tool: JSONObject, path: str, declared: DeclaredTools) -> None:
    name, description, members = tool.get("name"), tool.get("description"), as_list(tool.get("tools"))
    if not isinstance(name, str) or not isinstance(description, str) or members is None:
        raise bad_request(  # name, description and tools are required [KR]; ⚠ wording
            f"Invalid request: {path} needs a name, a description and tools"
        )
    for index, item in enumerate(members):
        member = as_object(item) or {}
        if member.get("type") not in ("function", "custom"):
            raise not_supported(f"{path}.tools.{index}.type {member.get('type')!r}")  # ⚠ wording
        _read_tool(member, f"{path}.tools.{index}", declared, name)


def _web_search(tool: JSONObject, path: str) -> WebSearchSettings:
    for name in REFUSED_SEARCH_FIELDS:
        if tool.get(name) is not None:
            raise not_supported(f"{path}.{name}")  # invalid_request_error [KR]; ⚠ wording
    filters = as_object(tool.get("filters")) or {}
    if filters.get("blocked_domains") is not None:
        raise not_supported(f"{path}.filters.blocked_domains")
    allowed = as_list(filters.get("allowed_domains")) or []
    if len(allowed) > MAX_ALLOWED_DOMAINS:
        raise bad_request(  # ⚠ wording
            f"Invalid request: {path}.filters.allowed_domains holds at most {MAX_ALLOWED_DOMAINS} domains"
        )
    kinds = as_list(tool.get("search_content_types")) or ["text"]
    if not set(kinds) <= SEARCH_CONTENT_TYPES:
        raise bad_request(f"Invalid request: {path}.search_content_types must be text or image")  # ⚠
    settings = as_object(tool.get("image_settings")) or {}
    max_images = settings.get("max_results", DEFAULT_IMAGE_RESULTS)
    if (
        not isinstance(max_images, int)
        or isinstance(max_images, bool)
        or not 1 <= max_images <= MAX_IMAGE_RESULTS
    ):
        raise bad_request(  # ⚠ wording
            f"Invalid request: {path}.image_settings.max_results must be between 1 and {MAX_IMAGE_RESULTS}"
        )
    return WebSearchSettings("image" in kinds, max_images, settings.get("caption") is True)
