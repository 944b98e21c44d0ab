"""``function_tool``: a Kimi tool declaration built from a plain Python function.

The JSON schema comes from the signature (types, defaults, ``Annotated[T, "description"]`` and
pydantic ``Field``s), the descriptions from the docstring (first paragraph; an ``Args:`` section
for parameters), and is rewritten into Moonshot's schema dialect (MFJS) by
``normalize_tool_schema``: Moonshot rejects ``title``, untyped ``enum`` and friends
(https://platform.kimi.ai/docs/api/chat ToolDefinition; moonshot-api.md §2.2 tools).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, cast, get_args, get_origin, get_type_hints

import pydantic
import pydantic_core
from openai.types.chat import ChatCompletionFunctionToolParam
from pydantic.fields import FieldInfo

from kimi_openai._errors import KimiValidationError
from kimi_openai._rules.schema import normalize_tool_schema

__all__ = ["FunctionTool", "function_tool"]

TOOL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9\-_]{2,63}$")
"""[KD-chat] ToolDefinition name rule; ``$`` names are Moonshot's builtins."""
_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_ARG_LINE = re.compile(r"^\s*\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


@dataclass(frozen=True)
class FunctionTool:
    """A Python function offered to the model as a ``function`` tool."""

    name: str
    """The tool name the model calls."""
    description: str
    """What the tool does, for the model."""
    parameters: dict[str, Any]
    """The MFJS parameters schema."""
    fn: Callable[..., Any] = field(repr=False)
    """The function."""
    arguments_model: type[pydantic.BaseModel] = field(repr=False)
    """Validates the model's arguments before the call."""

    @property
    def param(self) -> ChatCompletionFunctionToolParam:
        """The declaration for ``tools=``."""
        function: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            function["description"] = self.description
        return cast("ChatCompletionFunctionToolParam", {"type": "function", "function": function})

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.fn)

    def bind(self, arguments: str) -> dict[str, Any]:
        """The keyword arguments for ``fn`` from the model's JSON arguments (validated)."""
        raw: object = json.loads(arguments) if arguments.strip() else {}
        validated = self.arguments_model.model_validate(raw)
        return {name: getattr(validated, name) for name in type(validated).model_fields}


def tool_output(value: object) -> str:
    """A tool's return value as tool-message content: text as is, anything else as JSON."""
    if isinstance(value, str):
        return value
    return pydantic_core.to_json(value, fallback=str).decode()


def _docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """The summary (text before the first section) and the ``Args:`` descriptions."""
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    for line in lines:
        header = _SECTION.match(line)
        if header:
            section, current = header.group(1), None
            continue
        if section is None:
            summary.append(line)
        elif section in ("Args", "Arguments", "Parameters") and line.strip():
            found = _ARG_LINE.match(line)
            if found and (current is None or len(line) - len(line.lstrip()) <= 4):
                name: str = found.group(1)
                params[name] = found.group(2).strip()
                current = name
            elif current is not None:
                params[current] = f"{params[current]} {line.strip()}".strip()
    return " ".join(" ".join(summary).split()), params


def _annotated_description(annotation: object) -> str | None:
    """``Annotated[T, "text"]`` or ``Annotated[T, Field(description="text")]``."""
    if get_origin(annotation) is not Annotated:
        return None
    metadata = get_args(annotation)[1:]
    texts = [m for m in metadata if isinstance(m, str)]
    texts += [m.description for m in metadata if isinstance(m, FieldInfo) and m.description]
    return " ".join(texts) or None


def _field(parameter: inspect.Parameter, annotation: object, doc: str | None) -> tuple[object, FieldInfo]:
    description = _annotated_description(annotation) or doc
    default = parameter.default
    if isinstance(default, FieldInfo):
        if default.description is None and description:
            default.description = description
        return annotation, default
    required = default is inspect.Parameter.empty
    # description=None would override one given in Annotated[T, Field(...)]: pass it only when known.
    extra: dict[str, Any] = {"description": description} if description else {}
    info = cast("FieldInfo", pydantic.Field(default=... if required else default, **extra))
    return annotation, info


def _arguments_model(fn: Callable[..., Any], name: str, docs: dict[str, str]) -> type[pydantic.BaseModel]:
    hints = get_type_hints(fn, include_extras=True)
    fields: dict[str, Any] = {}
    for parameter in inspect.signature(fn).parameters.values():
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise KimiValidationError(
                f"function_tool({name}): *args/**kwargs cannot be described to the model; name every parameter."
            )
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise KimiValidationError(
                f"function_tool({name}): positional-only parameters cannot be passed by name."
            )
        annotation = hints.get(parameter.name, Any)
        fields[parameter.name] = _field(parameter, annotation, docs.get(parameter.name))
    return pydantic.create_model(f"{name}_arguments", **fields)


def function_tool(
    fn: Callable[..., Any], *, name: str | None = None, description: str | None = None
) -> FunctionTool:
    """A tool from ``fn``: name, description and parameter schema read from the function.

    Args:
        fn: a function or coroutine function; every parameter is passed by keyword.
        name: the tool name (default ``fn.__name__``); 3 to 64 letters, digits, ``_`` or ``-``.
        description: what the tool does (default: the docstring's summary).

    Raises:
        KimiValidationError: the name breaks Moonshot's rule, or the function takes ``*args`` /
            ``**kwargs`` / positional-only parameters.
    """
    tool_name = name or getattr(fn, "__name__", "")
    if not TOOL_NAME.match(tool_name):
        raise KimiValidationError(
            f"tool name {tool_name!r} is not allowed: use 3-64 letters, digits, '_' or '-', starting with a "
            "letter or '_' (https://platform.kimi.ai/docs/api/chat). Pass name=..."
        )
    summary, docs = _docstring(inspect.getdoc(fn))
    model = _arguments_model(fn, tool_name, docs)
    schema = normalize_tool_schema(model.model_json_schema())
    return FunctionTool(tool_name, description or summary, schema, fn, model)
