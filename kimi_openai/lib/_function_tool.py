"""``function_tool``: a Kimi tool declaration built from a plain Python function.

The JSON schema comes from the signature (types, defaults, ``Annotated[T, "description"]`` and
pydantic ``Field``s), the descriptions from the docstring (first paragraph; an ``Args:`` section
for parameters), and is rewritten into Moonshot's schema dialect (MFJS) by
``normalize_tool_schema``: Moonshot rejects ``title``, untyped ``enum`` and friends
(https://platform.kimi.ai/docs/api/chat ToolDefinition; moonshot-api.md §2.2 tools).
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import (
    Annotated,
    Any,
    ClassVar,
    Generic,
    ParamSpec,
    TypeVar,
    cast,
    get_args,
    get_origin,
    get_type_hints,
    overload,
)

import pydantic
import pydantic_core
from openai.types.chat import ChatCompletionFunctionToolParam
from pydantic.fields import FieldInfo

from kimi_openai._errors import KimiValidationError
from kimi_openai._rules.schema import normalize_tool_schema

__all__ = ["FunctionTool", "function_tool"]

TOOL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9\-_]{2,63}$")
"""[KD-chat] ToolDefinition name rule; ``$`` names are Moonshot's builtins."""
_P = ParamSpec("_P")
_R = TypeVar("_R")
_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_ARG_LINE = re.compile(r"^\s*\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


@dataclass(frozen=True)
class FunctionTool(Generic[_P, _R]):
    """A Python function offered to the model as a ``function`` tool; calling it calls the function."""

    name: str
    """The tool name the model calls."""
    description: str
    """What the tool does, for the model."""
    parameters: dict[str, Any]
    """The MFJS parameters schema."""
    fn: Callable[_P, _R] = field(repr=False)
    """The function."""
    arguments_model: type[pydantic.BaseModel] = field(repr=False)
    """Validates the model's arguments before the call."""
    read_only: bool = False
    """The tool only reads: a streak of such calls counts toward ``read_only_streak_limit``."""
    parallel: bool = True
    """May run beside the other calls of a turn; ``False`` runs it after them, one at a time."""
    __name__: ClassVar[str]  # pyright: ignore[reportIncompatibleVariableOverride]
    """The function's name (set per instance, as ``functools.wraps`` does)."""

    def __post_init__(self) -> None:
        # The decorated name keeps the function's identity for help(), inspect and pickling by name.
        # (frozen: set past the dataclass's __setattr__, once, at construction).
        for attribute in functools.WRAPPER_ASSIGNMENTS:
            if hasattr(self.fn, attribute):
                object.__setattr__(self, attribute, getattr(self.fn, attribute))
        object.__setattr__(self, "__wrapped__", self.fn)

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Call the function itself, as if it had not been decorated."""
        return self.fn(*args, **kwargs)

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


@overload
def function_tool(
    fn: Callable[_P, _R],
    *,
    name: str | None = None,
    description: str | None = None,
    read_only: bool = False,
    parallel: bool = True,
) -> FunctionTool[_P, _R]: ...
@overload
def function_tool(
    fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    read_only: bool = False,
    parallel: bool = True,
) -> Callable[[Callable[_P, _R]], FunctionTool[_P, _R]]: ...
def function_tool(
    fn: Callable[_P, _R] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    read_only: bool = False,
    parallel: bool = True,
) -> FunctionTool[_P, _R] | Callable[[Callable[_P, _R]], FunctionTool[_P, _R]]:
    """A tool from ``fn``: name, description and parameter schema read from the function.

    Works as a call (``function_tool(fn)``) and as a decorator, bare (``@function_tool``) or
    with options (``@function_tool(read_only=True)``); the result still calls ``fn`` when called.

    Args:
        fn: a function or coroutine function; every parameter is passed by keyword.
        name: the tool name (default ``fn.__name__``); 3 to 64 letters, digits, ``_`` or ``-``.
        description: what the tool does (default: the docstring's summary).
        read_only: the tool changes nothing; counted by the loops' ``read_only_streak_limit`` guard.
        parallel: ``False`` keeps the tool from running beside the other calls of a turn: it
            runs after them, one at a time, and its result still goes back in the model's order.

    Raises:
        KimiValidationError: the name breaks Moonshot's rule, an option is not a bool, or the
            function takes ``*args`` / ``**kwargs`` / positional-only parameters.
    """
    for option, value in (("read_only", read_only), ("parallel", parallel)):
        if not isinstance(value, bool):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise KimiValidationError(f"function_tool({option}={value!r}): pass True or False.")

    def build(function: Callable[_P, _R]) -> FunctionTool[_P, _R]:
        return _build(function, name, description, read_only=read_only, parallel=parallel)

    return build if fn is None else build(fn)


def _build(
    fn: Callable[_P, _R], name: str | None, description: str | None, *, read_only: bool, parallel: bool
) -> FunctionTool[_P, _R]:
    if isinstance(fn, FunctionTool):
        # Decorating a tool again (or passing one) keeps its function, with the new options.
        fn = cast("FunctionTool[_P, _R]", fn).fn
    tool_name = name or getattr(fn, "__name__", "")
    if not TOOL_NAME.match(tool_name):
        raise KimiValidationError(
            f"tool name {tool_name!r} is not allowed: use 3-64 letters, digits, '_' or '-', starting with a "
            "letter or '_' (https://platform.kimi.ai/docs/api/chat). Pass name=..."
        )
    summary, docs = _docstring(inspect.getdoc(fn))
    model = _arguments_model(fn, tool_name, docs)
    schema = normalize_tool_schema(model.model_json_schema())
    return FunctionTool(tool_name, description or summary, schema, fn, model, read_only, parallel)
