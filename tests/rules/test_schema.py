"""normalize_tool_schema / normalize_tools on real pydantic schemas and hand-written edge cases."""

from __future__ import annotations

import copy
import datetime
import enum
import json
from typing import Annotated, Any, Literal, cast

import pytest
from pydantic import BaseModel, Field

from kimi_openai._rules.schema import normalize_tool_schema, normalize_tools

UNSUPPORTED = {
    "title",
    "format",
    "$comment",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "prefixItems",
    "const",
    "oneOf",
    "examples",
    "$schema",
    "discriminator",
}


class Unit(enum.Enum):
    CELSIUS = "c"
    FAHRENHEIT = "f"


class Address(BaseModel):
    street: str = Field(title="Street name", min_length=1)
    postcode: str | None = None


class Node(BaseModel):
    value: float
    next: Node | None = None


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool = True


class Booking(BaseModel):
    """Book a table."""

    name: str = Field(description="Guest name")
    guests: int = Field(ge=1, le=12, description="How many")
    unit: Unit
    mode: Literal["fast", "slow"]
    mixed: Literal["x", 1, None] = None
    when: datetime.datetime
    address: Address
    addresses: list[Address] = Field(min_length=1, max_length=3)
    pair: tuple[int, str]
    chain: Node | None = None
    pet: Annotated[Cat | Dog, Field(discriminator="kind")]
    score: Annotated[float, Field(gt=0, lt=1, examples=[0.5])]
    flag: Literal[True] = True


def walk(node: Any, path: str = "#") -> list[tuple[str, dict[str, Any]]]:
    """Every schema object (not property-name maps) under ``node`` with its path."""
    if not isinstance(node, dict):
        return []
    schema = cast("dict[str, Any]", node)
    found: list[tuple[str, dict[str, Any]]] = [(path, schema)]
    for key, value in schema.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            for name, sub in cast("dict[str, Any]", value).items():
                found += walk(sub, f"{path}/{key}/{name}")
        elif key in ("anyOf", "allOf") and isinstance(value, list):
            for i, sub in enumerate(cast("list[Any]", value)):
                found += walk(sub, f"{path}/{key}/{i}")
        elif key in ("items", "additionalProperties"):
            found += walk(value, f"{path}/{key}")
    return found


def assert_mfjs(schema: dict[str, Any]) -> None:
    assert schema.get("type") == "object"
    defs = schema.get("$defs", {})
    for path, node in walk(schema):
        assert not (UNSUPPORTED & node.keys()), (path, node)
        if path != "#":
            assert "$defs" not in node, path
            assert "definitions" not in node, path
        if "enum" in node:
            values = cast("list[Any]", node["enum"])
            assert node.get("type") in ("string", "integer", "number"), (path, node)
            kinds: set[type] = {type(v) for v in values}
            assert len(kinds) == 1 or node["type"] == "number", (path, values)
        ref = node.get("$ref")
        if ref is not None and ref != "#":
            assert ref.startswith("#/$defs/"), (path, ref)
            assert ref.removeprefix("#/$defs/") in defs, (path, ref)


PYDANTIC_MODELS: list[type[BaseModel]] = [Booking, Address, Node, Cat]


@pytest.mark.parametrize("model", PYDANTIC_MODELS, ids=lambda m: m.__name__)
def test_pydantic_schemas_become_mfjs(model: type[BaseModel]) -> None:
    source = model.model_json_schema()
    snapshot = copy.deepcopy(source)
    result = normalize_tool_schema(source)
    assert source == snapshot, "input mutated"
    assert_mfjs(result)
    assert normalize_tool_schema(result) == result, "not idempotent"
    json.dumps(result)


def test_booking_details() -> None:
    result = normalize_tool_schema(Booking.model_json_schema())
    props = result["properties"]
    assert result["description"] == "Book a table."
    assert props["guests"] == {"type": "integer", "description": "How many (minimum 1, maximum 12)"}
    assert props["mode"] == {"type": "string", "enum": ["fast", "slow"]}
    assert props["mixed"]["anyOf"] == [
        {"type": "string", "enum": ["x"]},
        {"type": "integer", "enum": [1]},
        {"type": "null"},
    ]
    assert props["when"] == {"type": "string", "description": "(format date-time)"}
    assert props["pair"]["items"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert props["flag"]["type"] == "boolean"
    assert result["$defs"]["Unit"] == {"type": "string", "enum": ["c", "f"]}
    assert props["pet"]["anyOf"] == [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}]
    assert result["$defs"]["Cat"]["properties"]["kind"] == {"type": "string", "enum": ["cat"]}
    assert "examples" not in props["score"]
    assert result["required"] == Booking.model_json_schema()["required"]


def test_root_ref_is_inlined() -> None:
    result = normalize_tool_schema(Node.model_json_schema())
    assert result["type"] == "object"
    assert "value" in result["properties"]
    assert_mfjs(result)


def test_nested_defs_hoisted_and_refs_rewritten() -> None:
    schema = {
        "type": "object",
        "definitions": {"Tag": {"type": "string", "title": "Tag"}},
        "properties": {
            "tag": {"$ref": "#/definitions/Tag"},
            "inner": {
                "type": "object",
                "$defs": {"Tag": {"type": "integer"}, "Leaf": {"type": "boolean"}},
                "properties": {
                    "a": {"$ref": "#/properties/inner/$defs/Tag"},
                    "b": {"$ref": "#/properties/inner/$defs/Leaf"},
                    "c": {"$ref": "#"},
                },
            },
        },
    }
    result = normalize_tool_schema(schema)
    assert result["$defs"] == {
        "Tag": {"type": "string"},
        "Tag_2": {"type": "integer"},
        "Leaf": {"type": "boolean"},
    }
    inner = result["properties"]["inner"]
    assert "$defs" not in inner
    assert inner["properties"] == {
        "a": {"$ref": "#/$defs/Tag_2"},
        "b": {"$ref": "#/$defs/Leaf"},
        "c": {"$ref": "#"},
    }
    assert result["properties"]["tag"] == {"$ref": "#/$defs/Tag"}
    assert_mfjs(result)
    assert normalize_tool_schema(result) == result


ENUM_CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"enum": ["a", "b"]}, {"type": "string", "enum": ["a", "b"]}),
    ({"enum": [1, 2]}, {"type": "integer", "enum": [1, 2]}),
    ({"enum": [1, 2.5]}, {"type": "number", "enum": [1, 2.5]}),
    ({"enum": [1, 2], "type": "number"}, {"type": "number", "enum": [1, 2]}),
    ({"enum": [True, False]}, {"type": "boolean"}),
    ({"enum": [None]}, {"type": "null"}),
    ({"const": "x", "description": "d"}, {"description": "d", "type": "string", "enum": ["x"]}),
    ({"enum": ["a", None]}, {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "null"}]}),
    ({"enum": [{"a": 1}]}, {"enum": [{"a": 1}]}),  # not fixable: left for the server
    (
        {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    ),
    ({"allOf": [{"$ref": "#"}], "description": "d"}, {"description": "d", "$ref": "#"}),
]


@pytest.mark.parametrize(("node", "expected"), ENUM_CASES)
def test_enum_and_combinators(node: dict[str, Any], expected: dict[str, Any]) -> None:
    result = normalize_tool_schema({"type": "object", "properties": {"p": node}})
    assert result["properties"]["p"] == expected


def test_property_names_that_look_like_keywords_survive() -> None:
    schema = {"type": "object", "properties": {"title": {"type": "string"}, "format": {"type": "string"}}}
    assert normalize_tool_schema(schema) == schema


ROOTS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {"type": "object"}),
    ({"properties": {"a": {"type": "string"}}}, {"properties": {"a": {"type": "string"}}, "type": "object"}),
    ({"type": "array", "items": {"type": "string"}}, {"type": "array", "items": {"type": "string"}}),
]


@pytest.mark.parametrize(("schema", "expected"), ROOTS)
def test_root(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    assert normalize_tool_schema(schema) == expected


def test_normalize_tools() -> None:
    tools: list[object] = [
        {
            "type": "function",
            "function": {"name": "f", "parameters": Address.model_json_schema(), "strict": True},
        },
        {"type": "function", "function": {"name": "g"}},
        {"type": "builtin_function", "function": {"name": "$web_search"}},
        "not-a-tool",
    ]
    snapshot = copy.deepcopy(tools)
    result = normalize_tools(tools)
    assert tools == snapshot
    assert result[1:] == tools[1:]
    first = result[0]
    assert isinstance(first, dict)
    assert first["function"]["strict"] is True  # pyright: ignore[reportUnknownMemberType]
    assert_mfjs(first["function"]["parameters"])  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
    assert normalize_tools(result) == result


def test_open_weight_models_get_their_tool_schemas_untouched() -> None:
    from kimi_openai._rules.chat import prepare_chat_request

    schema = {"type": "object", "title": "Args", "properties": {"when": {"type": "string", "format": "date"}}}
    tools = [{"type": "function", "function": {"name": "pick_day", "parameters": schema}}]
    body = {
        "model": "moonshotai/Kimi-K2-Instruct",
        "messages": [{"role": "user", "content": "x"}],
        "tools": tools,
    }
    sent = prepare_chat_request(body).body
    assert sent["tools"] == tools
    hosted = prepare_chat_request({**body, "model": "kimi-k2.6"}).body
    assert hosted["tools"] != tools


def test_keys_that_are_not_strings_are_written_as_json_writes_them() -> None:
    # A Python dict may use int keys; json.dumps sends them as strings, and so do the pointers.
    schema: dict[Any, Any] = {
        "type": "object",
        "properties": {1: {"$ref": "#/$defs/2"}},
        "$defs": {2: {"type": "integer", "minimum": 0}},
    }
    out = normalize_tool_schema(schema)
    assert out["properties"][1] == {"$ref": "#/$defs/2"}
    assert out["$defs"][2] == {"type": "integer", "description": "(minimum 0)"}
