"""Rewrite JSON schemas into Moonshot Flavored JSON Schema (MFJS).

Tool ``parameters`` and ``response_format.json_schema.schema`` must be MFJS
(https://github.com/MoonshotAI/walle/blob/main/docs/mfjs-spec.md, cited by
https://platform.kimi.ai/docs/api/chat): a subset without ``title``, ``format``,
``$comment``, numeric/array bounds or ``prefixItems``; ``$defs`` only at the
root; ``enum`` values must be scalars of one type. A bare ``enum`` without a
``type`` is rejected with a 400 (seen live: HaseebKhalid1507/SynapsCLI PR #66).

The rewrite keeps what the model can use: dropped constraints (``minimum``,
``format``, ...) are restated in the ``description`` so the model still sees
them. It is idempotent and never mutates its input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

from pydantic import BaseModel

__all__ = ["normalize_tool_schema", "normalize_tools"]

# Keywords MFJS defines (mfjs-spec.md "Field Definitions"), plus `allOf` which
# pydantic emits and which is harmless when kept. Everything else is dropped.
_KEEP: Final = frozenset(
    {"type", "description", "default", "enum", "anyOf", "allOf", "properties", "additionalProperties"}
    | {"items", "required", "$ref", "$id"}
)
# Dropped, but restated in the description: they still guide the model.
_HINTED: Final = (
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)
_DEFS_KEYS: Final = ("$defs", "definitions")
_SCHEMA_MAPS: Final = ("properties", *_DEFS_KEYS)
_SCHEMA_LISTS: Final = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_ONE: Final = ("items", "additionalProperties")


def as_map(value: object) -> Mapping[str, object] | None:
    """``value`` as a JSON object, or None when it is not one."""
    # A dict first: the checks call this for every message, and an isinstance against the
    # Mapping ABC costs a Python-level call.
    if type(value) is dict or isinstance(value, Mapping):
        return cast("Mapping[str, object]", value)
    return None


def as_list(value: object) -> list[object] | None:
    """``value`` as a JSON array, or None when it is not one."""
    return cast("list[object]", value) if type(value) is list or isinstance(value, list | tuple) else None


def as_items(value: object) -> list[object] | tuple[object, ...] | None:
    """``value`` as a JSON array: a list or tuple as is, any other iterable (a generator...) as a list.

    None for what Python iterates but is not an array of items: a str, bytes, a mapping (its
    keys) or a pydantic object (its fields); and for what is not iterable at all.
    """
    if isinstance(value, list | tuple):
        return cast("list[object] | tuple[object, ...]", value)
    if isinstance(value, str | bytes | bytearray | Mapping | BaseModel) or not isinstance(value, Iterable):
        return None
    return list(cast("Iterable[object]", value))


def _esc(name: object) -> str:
    # JSON keys are strings; a Python dict may hold others (json.dumps writes them as str()).
    return str(name).replace("~", "~0").replace("/", "~1")


class _Hoister:
    """Collects every ``$defs``/``definitions`` block, wherever it sits, under unique root names."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # old JSON pointer -> new root $defs name
        self.defs: dict[str, object] = {}

    def collect(self, value: object, pointer: str) -> None:
        node = as_map(value)
        if node is None:
            return
        for key in _DEFS_KEYS:  # defs first, so root names are claimed before nested ones
            for name, sub in (as_map(node.get(key)) or {}).items():
                self._claim(f"{pointer}/{key}/{_esc(name)}", name, sub)
        for key, child, path in _children(node, pointer):
            if key not in _DEFS_KEYS:
                self.collect(child, path)

    def _claim(self, pointer: str, name: str, sub: object) -> None:
        new, i = name, 1
        while new in self.defs and self.defs[new] != sub:
            i += 1
            new = f"{name}_{i}"
        self.names[pointer] = new
        self.defs[new] = sub
        self.collect(sub, pointer)

    def rewrite_ref(self, ref: str) -> str:
        for old in sorted(self.names, key=len, reverse=True):
            if ref == old or ref.startswith(old + "/"):
                return f"#/$defs/{_esc(self.names[old])}{ref[len(old) :]}"
        return ref


def _children(node: Mapping[str, object], pointer: str) -> Iterable[tuple[str, object, str]]:
    """(keyword, subschema, pointer) for every subschema directly under ``node``."""
    for key in _SCHEMA_MAPS:
        for name, sub in (as_map(node.get(key)) or {}).items():
            yield key, sub, f"{pointer}/{key}/{_esc(name)}"
    for key in _SCHEMA_LISTS:
        for i, sub in enumerate(as_list(node.get(key)) or ()):
            yield key, sub, f"{pointer}/{key}/{i}"
    for key in _SCHEMA_ONE:
        if key in node:
            yield key, node[key], f"{pointer}/{key}"


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number" if isinstance(value, float) else "integer"
    if isinstance(value, str):
        return "string"
    return "null" if value is None else "other"


def _enum_branches(values: list[object]) -> list[dict[str, object]] | None:
    """Split an enum into one typed branch per JSON type (MFJS allows only same-type scalars)."""
    groups: dict[str, list[object]] = {}
    for value in values:
        groups.setdefault(_json_type(value), []).append(value)
    if "other" in groups:
        return None  # objects/arrays in an enum: nothing sensible to rewrite to
    if "integer" in groups and "number" in groups:
        groups["number"] = groups.pop("integer") + groups["number"]
    branches: list[dict[str, object]] = []
    for kind, members in groups.items():
        if kind in ("boolean", "null"):
            branches.append({"type": kind})  # MFJS enum values are str/int/float only
        else:
            branches.append({"type": kind, "enum": members})
    return branches


def _fix_enum(node: dict[str, object]) -> None:
    if "const" in node:
        const = node.pop("const")
        node.setdefault("enum", [const])
    values = as_list(node.get("enum"))
    if not values:
        return
    branches = _enum_branches(values)
    if branches is None:
        return
    if len(branches) == 1:
        declared = node.get("type")
        node.pop("enum")
        node.update(branches[0])
        if (
            isinstance(declared, str)
            and declared in ("number", "integer")
            and branches[0]["type"] != "string"
        ):
            node["type"] = declared  # keep the caller's numeric type
    elif "anyOf" not in node:
        node.pop("enum")
        node.pop("type", None)
        node["anyOf"] = branches


def _hint(node: Mapping[str, object]) -> str:
    parts: list[str] = []
    for key in _HINTED:
        if key in node:
            value = node[key]
            parts.append(key if value is True else f"{key} {value}")
    return ", ".join(parts)


def _transform(value: object, hoister: _Hoister) -> object:
    node = as_map(value)
    if node is None:
        return value  # boolean schemas (true/false) pass through
    out: dict[str, object] = {}
    for key, sub in node.items():
        props, seq = as_map(sub), as_list(sub)
        if key == "properties" and props is not None:
            out[key] = {name: _transform(v, hoister) for name, v in props.items()}
        elif key in ("anyOf", "oneOf", "allOf") and seq is not None:
            out["anyOf" if key == "oneOf" else key] = [_transform(v, hoister) for v in seq]
        elif key in _SCHEMA_ONE:
            out[key] = _transform(sub, hoister)
        elif key == "prefixItems" and seq is not None and "items" not in node:
            # Tuples are not MFJS: keep the element types, lose the positions.
            items = [_transform(v, hoister) for v in seq]
            unique = [s for i, s in enumerate(items) if s not in items[:i]]
            out["items"] = unique[0] if len(unique) == 1 else {"anyOf": unique}
        elif key == "$ref" and isinstance(sub, str):
            out[key] = hoister.rewrite_ref(sub)
        elif key in _KEEP or key == "const":
            out[key] = sub
    _flatten_all_of(out)
    _fix_enum(out)
    hint = _hint(node)
    if hint:
        desc = out.get("description")
        out["description"] = f"{desc} ({hint})" if isinstance(desc, str) and desc else f"({hint})"
    return out


def _flatten_all_of(node: dict[str, object]) -> None:
    """``allOf`` with one branch (pydantic's way of adding a description to a ``$ref``) is inlined."""
    branches = as_list(node.get("allOf"))
    only = as_map(branches[0]) if branches and len(branches) == 1 else None
    if only is not None:
        node.pop("allOf")
        for key, value in only.items():
            node.setdefault(key, value)


def normalize_tool_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return an MFJS version of ``schema`` (a tool's ``parameters`` or a response JSON schema).

    - drops keywords MFJS does not define (``title``, ``$comment``, ``examples``, ``$schema``,
      ``discriminator``, ...) and restates bounds/``format``/``pattern`` in ``description``;
    - gives every ``enum`` (and ``const``) a ``type``; a mixed-type enum becomes an ``anyOf``
      of one typed enum per type; ``oneOf`` becomes ``anyOf``;
    - moves nested ``$defs``/``definitions`` to the root ``$defs`` and rewrites ``$ref``;
    - makes the root an object (a root ``$ref`` is inlined; a missing ``type`` becomes ``"object"``).

    A root that is explicitly not an object is left for validation to report.
    """
    hoister = _Hoister()
    hoister.collect(schema, "#")
    root = cast("dict[str, object]", _transform(schema, hoister))
    defs = {name: _transform(sub, hoister) for name, sub in hoister.defs.items()}
    ref = root.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and "type" not in root:
        target = as_map(defs.get(ref.removeprefix("#/$defs/").replace("~1", "/").replace("~0", "~")))
        if target is not None:
            root.pop("$ref")
            root = {**target, **root}
    if not any(key in root for key in ("type", "anyOf", "allOf", "enum", "$ref")):
        root["type"] = "object"
    if defs:
        root["$defs"] = defs
    return root


def normalize_tools(tools: Iterable[object]) -> list[object]:
    """Normalise the ``parameters`` schema of every function tool; other tools pass through unchanged."""
    out: list[object] = []
    for tool in tools:
        spec = as_map(tool)
        fn = as_map(spec.get("function")) if spec is not None else None
        params = as_map(fn.get("parameters")) if fn is not None else None
        if spec is not None and fn is not None and params is not None:
            out.append({**spec, "function": {**fn, "parameters": normalize_tool_schema(params)}})
        else:
            out.append(tool)
    return out
