"""Formulas, the "official tools" (moonshot-api.md §1.8).

``GET /v1/formulas/{uri}/tools`` declares ordinary function tools; ``POST /v1/formulas/{uri}/fibers``
runs one. The URI holds a slash (``moonshot/web-search:latest``), so the router matches it greedily.
Outputs are deterministic stand-ins: the emulator knows no web and no real clock.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._types import EmulatorResponse, JSONObject, RecordedRequest
from ._wire import as_object, json_response, load_json, not_found, request_object

if TYPE_CHECKING:
    from ._state import State

FORMULAS = (
    "convert", "web-search", "rethink", "random-choice", "mew", "memory",
    "excel", "date", "base64", "fetch", "quickjs", "code_runner",
)  # fmt: skip
"""The documented formula names (https://platform.kimi.ai/docs/guide/use-official-tools)."""
_URI = re.compile(r"^moonshot/(?P<name>[A-Za-z0-9_\-]+)(?::[A-Za-z0-9_.\-]+)?$")
ENCRYPTED = "----MOONSHOT ENCRYPTED BEGIN----{}----MOONSHOT ENCRYPTED END----"
"""The envelope of a web-search result seen in a third-party test (§1.8)."""

_PARAMETERS: dict[str, tuple[str, str]] = {
    "web-search": ("query", "What to search the web for."),
    "date": ("format", "An strftime format for the answer."),
    "base64": ("data", "The text to encode."),
    "random-choice": ("choices", "The options to choose from, comma separated."),
}


def function_name(formula: str) -> str:
    return formula.replace("-", "_")


def tool_declaration(formula: str) -> JSONObject:
    argument, description = _PARAMETERS.get(formula, ("input", "The input of the tool."))
    parameters = {
        "type": "object",
        "properties": {argument: {"type": "string", "description": description}},
        "required": [argument],
    }
    return {
        "type": "function",
        "function": {
            "name": function_name(formula),
            "description": f"The {formula} official tool.",
            "parameters": parameters,
        },
    }


def _formula(uri: str) -> str:
    found = _URI.match(uri)
    if found is None or found["name"] not in FORMULAS:
        raise not_found(f"Not found the formula {uri} or Permission denied")  # ⚠ wording
    return found["name"]


def tools(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del state, request
    return json_response({"tools": [tool_declaration(_formula(match["uri"]))]})


def fibers(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    formula = _formula(match["uri"])
    failure = state.script.take_fiber_failure(request.path)
    if failure is not None:
        if failure.in_context:
            return json_response({"status": "failed", "context": {"error": failure.error}})
        return json_response({"status": "failed", "error": failure.error})
    body = request_object(request.body)
    if body.get("name") != function_name(formula):
        return json_response(
            {"status": "failed", "error": f"unknown function {body.get('name')!r} for {formula}"}
        )
    try:
        arguments = as_object(load_json(str(body.get("arguments") or "{}")))
    except ValueError:
        return json_response({"status": "failed", "error": "arguments must be a JSON string"})
    if arguments is None:
        return json_response({"status": "failed", "error": "arguments must be a JSON object"})
    if formula == "web-search":
        secret = base64.b64encode(json.dumps(arguments, sort_keys=True).encode()).decode()
        return json_response(
            {"status": "succeeded", "context": {"encrypted_output": ENCRYPTED.format(secret)}}
        )
    output = _RUNNERS.get(formula, _echo)(state, arguments)
    return json_response({"status": "succeeded", "context": {"output": output}})


def _date(state: State, arguments: JSONObject) -> str:
    moment = datetime.datetime.fromtimestamp(state.clock(), tz=datetime.UTC)
    return moment.strftime(str(arguments.get("format") or "%Y-%m-%d %H:%M:%S %Z"))


def _base64(state: State, arguments: JSONObject) -> str:
    del state
    return base64.b64encode(str(arguments.get("data", "")).encode()).decode()


def _random_choice(state: State, arguments: JSONObject) -> str:
    # Deterministic: the first option, so recorded answers stay stable.
    del state
    return str(arguments.get("choices", "")).split(",")[0].strip()


def _echo(state: State, arguments: JSONObject) -> str:
    del state
    return json.dumps(arguments, ensure_ascii=False, sort_keys=True)


_RUNNERS: dict[str, Callable[[State, JSONObject], str]] = {
    "date": _date,
    "base64": _base64,
    "random-choice": _random_choice,
}
