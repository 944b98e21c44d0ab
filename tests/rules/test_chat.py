"""prepare_chat_request: one table per rule, known / family-prefixed / unknown models."""

from __future__ import annotations

import copy
import logging
from dataclasses import replace
from typing import Any, cast

import pytest

from kimi_openai._errors import KimiValidationError
from kimi_openai._rules.chat import PreparedRequest, prepare_chat_request
from kimi_openai._rules.model_specs import ModelSpec, get_model_spec

USER: dict[str, Any] = {"role": "user", "content": "hi"}
UNKNOWN = "some-future-model"


def _legacy(model: str, **facts: Any) -> ModelSpec:
    return replace(get_model_spec(model), lifecycle="current", lifecycle_date=None, replacement=(), **facts)


# Rules that only retired models had (ranges, near-zero temperature, no thinking, no `keep`), kept
# as spec fixtures: the rules still hold for any spec with these facts (a proxy alias, a new model).
SPEC_FIXTURES: dict[str, ModelSpec] = {
    "legacy-v1-8k": _legacy("moonshot-v1-8k"),
    "legacy-v1-32k": _legacy("moonshot-v1-32k"),
    "legacy-v1-128k": _legacy("moonshot-v1-128k"),
    "legacy-v1-8k-vision": _legacy("moonshot-v1-8k-vision-preview"),
    "legacy-v1-32k-vision": _legacy("moonshot-v1-32k-vision-preview"),
    "legacy-v1-family": _legacy("moonshot-v1-64k-foo"),
    "legacy-v1-vision-family": _legacy("moonshot-v1-64k-vision-preview"),
    "legacy-k2-preview": _legacy("kimi-k2-0905-preview"),
    "legacy-k2-preview-128k": _legacy("kimi-k2-0711-preview"),
    "legacy-k2-turbo": _legacy("kimi-k2-turbo-preview"),
    "legacy-k2-preview-family": _legacy("kimi-k2-1201-preview"),
    "legacy-k2-thinking": _legacy("kimi-k2-thinking"),
    "legacy-k2-thinking-family": _legacy("kimi-k2-thinking-2"),
    "legacy-k2.5": _legacy("kimi-k2.5"),
    "legacy-k2.5-family": _legacy("kimi-k2.5-x"),
}


def _with_fixture(body: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    model = body.get("model")
    if isinstance(model, str) and model in SPEC_FIXTURES and "spec" not in kwargs:
        return {**kwargs, "spec": SPEC_FIXTURES[model]}
    return kwargs


def req(model: str, **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": [USER], **fields}


def rejected(body: dict[str, Any], *fragments: str, **kwargs: Any) -> str:
    """Assert the body is rejected naming every fragment, the model and the escape hatch."""
    kwargs = _with_fixture(body, kwargs)
    snapshot = copy.deepcopy(body)
    with pytest.raises(KimiValidationError) as info:
        prepare_chat_request(body, **kwargs)
    message = str(info.value)
    for fragment in (*fragments, repr(body["model"]), "validation=False"):
        assert fragment in message, (fragment, message)
    assert body == snapshot
    # The escape hatch: nothing raises with validate=False.
    prepare_chat_request(body, validate=False, **kwargs)
    return message


def accepted(body: dict[str, Any], **kwargs: Any) -> PreparedRequest:
    kwargs = _with_fixture(body, kwargs)
    snapshot = copy.deepcopy(body)
    prepared = prepare_chat_request(body, **kwargs)
    assert body == snapshot, "input mutated"
    again = prepare_chat_request(prepared.body, **kwargs)
    assert again.body == prepared.body, "not idempotent"
    return prepared


# --- fixed sampling (K2.5 and later) and ranges ------------------------------------------------

SAMPLING_REJECTED: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "kimi-k2.6",
        {"temperature": 0.3},
        ["temperature=0.3", "sampling is fixed", "1.0 with thinking", "Remove `temperature`"],
    ),
    ("legacy-k2.5", {"temperature": 0.6}, ["temperature=0.6", "sampling is fixed"]),  # thinking on by default
    ("kimi-k2.6", {"temperature": 1.0, "thinking": {"type": "disabled"}}, ["temperature=1", "0.6 without"]),
    ("kimi-k2.6-preview-x", {"top_p": 0.5}, ["top_p=0.5", "top_p 0.95", "Remove `top_p`"]),
    ("kimi-k2.7-code", {"presence_penalty": 0.5}, ["presence_penalty=0.5", "presence_penalty 0", "Remove"]),
    ("legacy-k2.5", {"frequency_penalty": -1}, ["frequency_penalty=-1"]),
    ("kimi-k2.6", {"n": 2}, ["n=2", "n 1"]),
    # K3 and K3.1 Pro: temperature 1, top_p 0.95, n 1, penalties 0 (kimi-k3-quickstart).
    (
        "kimi-k3",
        {"temperature": 0.5},
        ["temperature=0.5", "invalid temperature: only 1 is allowed for this model"],
    ),
    ("kimi-k3", {"top_p": 0.5}, ["top_p=0.5", "top_p 0.95", "Remove `top_p`"]),
    ("kimi-k3", {"n": 2}, ["n=2", "n 1"]),
    ("kimi-k3", {"presence_penalty": 0.5}, ["presence_penalty=0.5", "presence_penalty 0"]),
    ("kimi-k3.1-pro", {"temperature": 0.7}, ["temperature=0.7", "only 1 is allowed"]),
    ("kimi-k3-next", {"frequency_penalty": 1}, ["frequency_penalty=1"]),
    ("kimi-k2.7-code", {"temperature": 0.6}, ["temperature=0.6", "(temperature 1.0)", "only 1 is allowed"]),
    ("legacy-v1-8k", {"temperature": 1.5}, ["temperature=1.5", "[0, 1]", "Pass a temperature in [0, 1]"]),
    ("legacy-v1-family", {"temperature": 2}, ["temperature=2", "[0, 1]"]),
    ("legacy-k2-turbo", {"temperature": -0.1}, ["temperature=-0.1"]),
    ("legacy-v1-32k", {"presence_penalty": 3}, ["presence_penalty=3", "[-2, 2]"]),
    ("legacy-k2-preview", {"n": 6, "temperature": 0.7}, ["n=6", "at most 5", "n <= 5"]),
    (
        "legacy-v1-8k",
        {"n": 2, "temperature": 0.1},
        ["n=2 with temperature 0.1", "near temperature 0", "n=1"],
    ),
    # moonshot-v1 defaults to temperature 0.0, so n > 1 alone is near 0.
    ("legacy-v1-128k", {"n": 3}, ["n=3 with temperature 0", "at least 0.3"]),
]


@pytest.mark.parametrize(("model", "fields", "fragments"), SAMPLING_REJECTED)
def test_sampling_rejected(model: str, fields: dict[str, Any], fragments: list[str]) -> None:
    rejected(req(model, **fields), *fragments)


SAMPLING_ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    (
        "kimi-k2.6",
        {"temperature": 1.0, "top_p": 0.95, "n": 1, "presence_penalty": 0, "frequency_penalty": 0.0},
    ),
    ("kimi-k2.6", {"temperature": 0.6, "thinking": {"type": "disabled"}}),
    ("legacy-k2.5-family", {"temperature": 1}),
    ("legacy-v1-8k", {"temperature": 0.3, "n": 5, "presence_penalty": -2}),
    ("legacy-k2-preview-128k", {"temperature": 0.6, "frequency_penalty": 2}),
    ("kimi-k3", {"temperature": 1, "top_p": 0.95, "n": 1, "presence_penalty": 0, "frequency_penalty": 0}),
    (UNKNOWN, {"temperature": 1.9, "top_p": 0.1, "n": 9, "presence_penalty": 2}),
    ("moonshotai/Kimi-K2-Instruct", {"temperature": 1.4, "n": 8}),
]


@pytest.mark.parametrize(("model", "fields"), SAMPLING_ACCEPTED)
def test_sampling_accepted_unchanged(model: str, fields: dict[str, Any]) -> None:
    body = req(model, **fields)
    assert accepted(body).body == body


# --- thinking ------------------------------------------------------------------------------------

THINKING_REJECTED: list[tuple[str, object, list[str]]] = [
    ("kimi-k2.6", True, ["thinking=True", "must be an object", '{"type": "enabled"}']),
    ("legacy-k2.5", False, ["thinking=False", '{"type": "disabled"}']),
    (UNKNOWN, True, ["thinking=True", '{"type": "enabled"}']),
    (UNKNOWN, "enabled", ["thinking='enabled'", "must be an object"]),
    (UNKNOWN, {"keep": "all"}, ["thinking.type=None", "required"]),
    ("kimi-k2.6", {"type": "on"}, ["thinking.type='on'", '"enabled" or "disabled"']),
    ("kimi-k2.6", {"type": "enabled", "keep": "some"}, ["thinking.keep='some'"]),
    ("kimi-k2.6", {"type": "enabled", "budget_tokens": 10}, ["budget_tokens", "only `type` and `keep`"]),
    ("legacy-k2.5", {"type": "enabled", "keep": "all"}, ["keep", "not supported", "Remove `keep`"]),
    ("legacy-k2.5-family", {"type": "enabled", "keep": "all"}, ["not supported"]),
    # K3 has no `thinking` field (use-reasoning-effort): refused whatever its value, with the fix.
    ("kimi-k3", {"type": "enabled"}, ["no `thinking` field", "reasoning_effort", "Remove `thinking`"]),
    ("kimi-k3", {"type": "disabled"}, ["no `thinking` field", "reasoning_effort='low'"]),
    ("kimi-k3.1-pro-highspeed", {"type": "enabled"}, ["no `thinking` field"]),
    ("kimi-k2.7-code", {"type": "enabled", "keep": "none"}, ["thinking.keep='none'"]),
    ("kimi-k2.7-code-highspeed", {"type": "disabled"}, ["always on"]),
    ("kimi-k2.7-code-next", {"type": "disabled", "keep": "all"}, ["always on"]),
    ("legacy-k2-thinking", {"type": "disabled"}, ["always on", "Remove `thinking`"]),
    ("legacy-k2-thinking-family", {"type": "disabled"}, ["always on"]),
    ("legacy-k2-preview", {"type": "enabled"}, ["no thinking mode", "kimi-k2.6"]),
    ("legacy-v1-8k", {"type": "enabled"}, ["no thinking mode"]),
]


@pytest.mark.parametrize(("model", "thinking", "fragments"), THINKING_REJECTED)
def test_thinking_rejected(model: str, thinking: object, fragments: list[str]) -> None:
    rejected(req(model, thinking=thinking), *fragments)


THINKING_ACCEPTED: list[tuple[str, object]] = [
    ("kimi-k2.6", {"type": "enabled", "keep": "all"}),
    ("kimi-k2.6", {"type": "disabled", "keep": None}),
    ("legacy-k2.5", {"type": "disabled"}),
    ("kimi-k2.7-code", {"type": "enabled", "keep": "all"}),
    # An omitted or null `keep` means "all" on kimi-k2.7-code (the chat reference's thinking field).
    ("kimi-k2.7-code", {"type": "enabled"}),
    ("kimi-k2.7-code", {"type": "enabled", "keep": None}),
    ("kimi-k2.7-code-highspeed", {"type": "enabled"}),
    ("legacy-k2-thinking", {"type": "enabled"}),
    ("legacy-v1-8k", {"type": "disabled"}),
    (UNKNOWN, {"type": "enabled", "keep": "all"}),
    ("moonshotai/Kimi-K2-Instruct", True),  # self-hosted: the server decides
]


@pytest.mark.parametrize(("model", "thinking"), THINKING_ACCEPTED)
def test_thinking_accepted(model: str, thinking: object) -> None:
    body = req(model, thinking=thinking)
    assert accepted(body).body == body


# --- tool_choice ---------------------------------------------------------------------------------

NAMED = {"type": "function", "function": {"name": "get_weather"}}

TOOL_CHOICE_REJECTED: list[tuple[str, object, dict[str, Any], list[str]]] = [
    ("kimi-k2.6", "required", {}, ['"required" is not supported', "tool_choice='required'", "kimi-k3"]),
    ("kimi-k2.6", "required", {"thinking": {"type": "disabled"}}, ['"required" is not supported']),
    ("kimi-k2.7-code", "required", {}, ['"required" is not supported']),
    ("legacy-v1-8k", "required", {}, ['"required" is not supported', 'tool_choice="auto"']),
    ("legacy-k2-turbo", "required", {}, ['"required" is not supported']),
    (
        "kimi-k2.6",
        NAMED,
        {"thinking": {"type": "enabled"}},
        ["'get_weather'", "incompatible with thinking", '{"type": "disabled"}'],
    ),
    ("kimi-k2.6-x", NAMED, {"thinking": {"type": "enabled", "keep": "all"}}, ["incompatible with thinking"]),
    ("kimi-k2.7-code", NAMED, {}, ["incompatible with thinking", "cannot be turned off"]),
    ("legacy-k2-thinking", NAMED, {}, ["cannot be turned off"]),
]


@pytest.mark.parametrize(("model", "choice", "fields", "fragments"), TOOL_CHOICE_REJECTED)
def test_tool_choice_rejected(
    model: str, choice: object, fields: dict[str, Any], fragments: list[str]
) -> None:
    rejected(req(model, tool_choice=choice, **fields), *fragments)


@pytest.mark.parametrize("model", ["kimi-k2.6", "legacy-k2.5", "kimi-k2.6-something"])
def test_named_tool_choice_turns_default_thinking_off(model: str, caplog: pytest.LogCaptureFixture) -> None:
    body = req(model, tool_choice=NAMED)
    with caplog.at_level(logging.DEBUG, logger="kimi_openai"):
        prepared = accepted(body)
    assert prepared.body["thinking"] == {"type": "disabled"}
    assert prepared.body["tool_choice"] == NAMED
    assert any("thinking" in note and "disabled" in note for note in prepared.notes)
    assert any("get_weather" in rec.getMessage() for rec in caplog.records if rec.name == "kimi_openai")


def test_auto_disabled_thinking_allows_the_no_thinking_temperature() -> None:
    assert accepted(req("kimi-k2.6", tool_choice=NAMED, temperature=0.6)).body["thinking"] == {
        "type": "disabled"
    }


TOOL_CHOICE_ACCEPTED: list[tuple[str, object, dict[str, Any]]] = [
    ("kimi-k3", "required", {}),
    ("kimi-k2.6", NAMED, {"thinking": {"type": "disabled"}}),
    ("kimi-k2.6", "auto", {}),
    ("kimi-k2.6", "none", {}),
    ("legacy-v1-8k", NAMED, {}),
    ("legacy-k2-preview", NAMED, {}),
    (UNKNOWN, "required", {}),
    (UNKNOWN, NAMED, {}),
]


@pytest.mark.parametrize(("model", "choice", "fields"), TOOL_CHOICE_ACCEPTED)
def test_tool_choice_accepted_unchanged(model: str, choice: object, fields: dict[str, Any]) -> None:
    body = req(model, tool_choice=choice, **fields)
    assert accepted(body).body == body


# --- tools ---------------------------------------------------------------------------------------


def fn(name: str, parameters: object = None) -> dict[str, Any]:
    function: dict[str, Any] = {"name": name}
    if parameters is not None:
        function["parameters"] = parameters
    return {"type": "function", "function": function}


WEB_SEARCH = {"type": "builtin_function", "function": {"name": "$web_search"}}

TOOLS_REJECTED: list[tuple[str, list[Any], list[str]]] = [
    ("kimi-k2.6", [fn(f"tool_{i}") for i in range(129)], ["tools (129 entries)", "at most 128"]),
    (UNKNOWN, [fn(f"tool_{i}") for i in range(129)], ["at most 128"]),
    ("kimi-k2.6", [fn("ab")], ["tools[0] name 'ab'", "^[a-zA-Z_][a-zA-Z0-9-_]{2,63}$", "Rename"]),
    ("legacy-v1-8k", [fn("ok_name"), fn("1starts_with_digit")], ["tools[1] name '1starts_with_digit'"]),
    (UNKNOWN, [fn("has space")], ["tools[0] name 'has space'"]),
    ("kimi-k2.6", [fn("x" * 65)], ["tools[0] name"]),
    ("kimi-k2.6", [fn("get_weather\n")], ["tools[0] name"]),
    (UNKNOWN, [fn("$web_search")], ["reserved for builtin_function", '"type": "builtin_function"']),
    (
        "kimi-k2.6",
        [fn("get_list", {"type": "array", "items": {"type": "string"}})],
        ["parameters", "must be an object"],
    ),
]


@pytest.mark.parametrize(("model", "tools", "fragments"), TOOLS_REJECTED)
def test_tools_rejected(model: str, tools: list[Any], fragments: list[str]) -> None:
    rejected(req(model, tools=tools), *fragments)


@pytest.mark.parametrize("model", ["kimi-k2.6", "legacy-v1-8k", UNKNOWN, "moonshotai/Kimi-K2-Instruct"])
def test_tools_accepted(model: str) -> None:
    tools = [fn(f"tool-{i}_x", {"type": "object", "properties": {}}) for i in range(127)] + [WEB_SEARCH]
    body = req(model, tools=tools)
    assert accepted(body).body == body


def test_self_hosted_skips_platform_tool_rules() -> None:
    body = req("moonshotai/Kimi-K2-Instruct", tools=[fn("$x")] * 200)
    assert accepted(body).body == body


# --- stop ----------------------------------------------------------------------------------------

STOP_REJECTED: list[tuple[str, object, list[str]]] = [
    ("kimi-k2.6", ["a", "b", "c", "d", "e", "f"], ["stop (6 sequences)", "at most 5"]),
    (UNKNOWN, "x" * 33, ["stop sequence", "32 bytes", "this one: 33"]),
    ("legacy-v1-8k", ["ok", "\u4f60" * 11], ["33"]),  # 11 CJK chars = 33 UTF-8 bytes
]


@pytest.mark.parametrize(("model", "stop", "fragments"), STOP_REJECTED)
def test_stop_rejected(model: str, stop: object, fragments: list[str]) -> None:
    rejected(req(model, stop=stop), *fragments)


@pytest.mark.parametrize("stop", ["x" * 32, ["a", "b", "c", "d", "e"], None, ["\u4f60" * 10]])
@pytest.mark.parametrize("model", ["kimi-k2.6", UNKNOWN])
def test_stop_accepted(model: str, stop: object) -> None:
    body = req(model, stop=stop)
    assert accepted(body).body == body


# --- legacy functions ----------------------------------------------------------------------------


LEGACY: list[tuple[str, object, str]] = [
    ("functions", [{"name": "f", "parameters": {}}], "tools="),
    ("function_call", "auto", "tool_choice"),
]


@pytest.mark.parametrize("model", ["kimi-k2.6", "legacy-v1-8k", "kimi-k2.6-x", UNKNOWN])
@pytest.mark.parametrize(
    ("key", "value", "fix"),
    LEGACY,
)
def test_legacy_functions_rejected(model: str, key: str, value: object, fix: str) -> None:
    rejected(req(model, **{key: value}), f"`{key}`", "not supported", fix)


# --- messages: partial and empty assistant -------------------------------------------------------

PARTIAL = {"role": "assistant", "content": "```python\n", "partial": True}

MESSAGES_REJECTED: list[tuple[str, list[Any], dict[str, Any], list[str]]] = [
    ("kimi-k2.6", [USER, PARTIAL, USER], {}, ["messages[1].partial=true", "only the last message"]),
    (
        UNKNOWN,
        [USER, {"role": "user", "content": "x", "partial": True}],
        {},
        ["only an assistant message", "'user'"],
    ),
    ("legacy-v1-8k", [USER, PARTIAL], {"response_format": {"type": "json_object"}}, ["json_object"]),
    (
        "kimi-k2.6",
        [USER, {"role": "assistant", "content": ""}, USER],
        {},
        ["messages[1] (empty assistant message)"],
    ),
    (
        UNKNOWN,
        [USER, {"role": "assistant", "content": None, "tool_calls": []}],
        {},
        ["messages[1]", "content or tool_calls"],
    ),
    ("legacy-k2-preview", [USER, {"role": "assistant"}], {}, ["messages[1]"]),
    ("legacy-k2.5", [USER, {"role": "assistant", "content": []}], {}, ["messages[1]"]),
]


@pytest.mark.parametrize(("model", "messages", "fields", "fragments"), MESSAGES_REJECTED)
def test_messages_rejected(
    model: str, messages: list[Any], fields: dict[str, Any], fragments: list[str]
) -> None:
    rejected({"model": model, "messages": messages, **fields}, *fragments)


MESSAGES_ACCEPTED: list[list[Any]] = [
    [USER, PARTIAL],
    [USER, {"role": "assistant", "name": "Kelsier", "content": "", "partial": True}],  # role-play prefill
    [USER, {"role": "assistant", "content": "", "tool_calls": [{"id": "search:0"}]}, USER],
    [USER, {"role": "assistant", "content": "fine", "partial": False}, USER],
]


@pytest.mark.parametrize("messages", MESSAGES_ACCEPTED)
@pytest.mark.parametrize("model", ["kimi-k2.6", "legacy-v1-8k", UNKNOWN])
def test_messages_accepted(model: str, messages: list[Any]) -> None:
    body = {"model": model, "messages": messages}
    assert accepted(body).body == body


# --- media ---------------------------------------------------------------------------------------


def image(url: str, *, bare: bool = False) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "image_url", "image_url": url if bare else {"url": url}}]}


def video(url: str) -> dict[str, Any]:
    return {
        "role": "user",
        "content": [{"type": "text", "text": "?"}, {"type": "video_url", "video_url": {"url": url}}],
    }


DATA = "data:image/png;base64,iVBORw0KGgo="

MEDIA_REJECTED: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "legacy-k2-preview",
        image(DATA),
        ["image part in messages[0]", "does not accept image", "kimi-k2.6"],
    ),
    ("legacy-v1-8k", image(DATA), ["does not accept image"]),
    ("legacy-k2-preview-family", image(DATA), ["does not accept image"]),
    ("legacy-v1-8k", video("ms://file-1"), ["video part in messages[0]", "does not accept video"]),
    (
        "kimi-k2.6",
        image("https://example.com/cat.png"),
        ["https://example.com/cat.png", "data: URLs and ms://", "upload"],
    ),
    ("legacy-k2.5", image("http://example.com/cat.png", bare=True), ["http://example.com/cat.png"]),
    ("legacy-v1-8k-vision", image("HTTPS://example.com/a.png"), ["not http(s)"]),
    ("kimi-k2.6", video("https://example.com/v.mp4"), ["video part", 'purpose="video"']),
]


@pytest.mark.parametrize(("model", "message", "fragments"), MEDIA_REJECTED)
def test_media_rejected(model: str, message: dict[str, Any], fragments: list[str]) -> None:
    rejected({"model": model, "messages": [message]}, *fragments)


MEDIA_ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("kimi-k2.6", image(DATA)),
    ("kimi-k2.6", video("ms://file-abc")),
    ("legacy-k2.5", image("ms://file-abc", bare=True)),
    ("legacy-v1-32k-vision", image(DATA)),
    ("legacy-v1-vision-family", image(DATA)),  # family prefix + marker
    ("legacy-v1-family", image(DATA)),  # might be a vision model: not rejected
    ("legacy-v1-8k-vision", video("ms://f")),  # video support undocumented: not rejected
    ("kimi-k3", image(DATA)),
    (UNKNOWN, image("https://example.com/cat.png")),
    ("moonshotai/Kimi-K2-Instruct", image("https://example.com/cat.png")),
]


@pytest.mark.parametrize(("model", "message"), MEDIA_ACCEPTED)
def test_media_accepted(model: str, message: dict[str, Any]) -> None:
    body = {"model": model, "messages": [message]}
    assert accepted(body).body == body


# --- a Moonshot model name on another engine (moonshot_hosted=False) -----------------------------


def test_a_moonshot_name_on_another_engine_keeps_only_the_rules_of_the_weights() -> None:
    local: dict[str, Any] = {"moonshot_hosted": False}
    # What the weights are: a 256K context, text-only K2.
    rejected(req("kimi-k2.6", max_tokens=300_000), "262,144", **local)
    rejected({"model": "legacy-k2-preview", "messages": [image(DATA)]}, "does not accept image", **local)
    # What Moonshot's API demands: not forced elsewhere (each rejected on Moonshot).
    for body in (
        {"model": "kimi-k2.6", "messages": [image("https://example.com/cat.png")]},
        req("kimi-k2.6", temperature=0.2, n=3),
        req("kimi-k2.7-code", temperature=1.5, thinking={"type": "disabled"}),
        req("kimi-k3", temperature=0.5, thinking={"type": "enabled"}),
        req("kimi-k2.6", tools=[fn("f", {"type": "object"})], stop=["1", "2", "3", "4", "5", "6"]),
        req("kimi-k2.7-code", functions=[{"name": "f"}]),
    ):
        with pytest.raises(KimiValidationError):
            prepare_chat_request(body)
        assert accepted(body, **local).body == body


# --- output token limit --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "configured", "expected_key"),
    [
        ("max_completion_tokens", "max_tokens", "max_tokens"),
        ("max_tokens", "max_tokens", "max_tokens"),
        ("max_tokens", "max_completion_tokens", "max_completion_tokens"),
        ("max_completion_tokens", "max_completion_tokens", "max_completion_tokens"),
    ],
)
@pytest.mark.parametrize("model", ["kimi-k2.6", "legacy-v1-8k", UNKNOWN])
def test_token_field_mapping(model: str, field: str, configured: Any, expected_key: str) -> None:
    body = req(model, **{field: 4000})
    prepared = accepted(body, max_tokens_field=configured)  # silent: filterwarnings=error
    other = "max_completion_tokens" if expected_key == "max_tokens" else "max_tokens"
    assert prepared.body[expected_key] == 4000
    assert other not in prepared.body


@pytest.mark.parametrize(
    ("model", "expected_key"),
    [
        # Moonshot documents max_completion_tokens on every current model (max_tokens is deprecated).
        ("kimi-k3", "max_completion_tokens"),
        ("kimi-k3.1-pro", "max_completion_tokens"),
        ("kimi-k2.7-code", "max_completion_tokens"),
        ("kimi-k2.7-code-highspeed", "max_completion_tokens"),
        ("kimi-k2.6", "max_completion_tokens"),
        (UNKNOWN, "max_tokens"),
        ("moonshotai/Kimi-K2.5", "max_tokens"),
    ],
)
@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_auto_token_field_follows_the_model(model: str, field: str, expected_key: str) -> None:
    prepared = accepted(req(model, **{field: 40_000}))
    other = "max_completion_tokens" if expected_key == "max_tokens" else "max_tokens"
    assert prepared.body[expected_key] == 40_000
    assert other not in prepared.body


def test_both_token_fields_equal_collapse_and_differing_rejected() -> None:
    body = req("legacy-v1-8k", max_tokens=100, max_completion_tokens=100)
    assert accepted(body).body == req("legacy-v1-8k", max_tokens=100)
    rejected(
        req("legacy-v1-8k", max_tokens=100, max_completion_tokens=200),
        "max_tokens=100",
        "max_completion_tokens=200",
    )
    loose = prepare_chat_request(req(UNKNOWN, max_tokens=1, max_completion_tokens=2), validate=False)
    assert loose.body == req(UNKNOWN, max_tokens=1)


TOKEN_LIMIT_REJECTED: list[tuple[str, dict[str, Any], list[str]]] = [
    ("legacy-v1-8k", {"max_tokens": 8193}, ["max_tokens=8193", "8,192 tokens", "<= 8192"]),
    # Named as the caller passed it, though it is sent as max_tokens.
    ("kimi-k2.6", {"max_completion_tokens": 300_000}, ["max_completion_tokens=300000", "262,144"]),
    ("legacy-k2-preview-128k", {"max_tokens": 131_073}, ["131,072"]),
    ("kimi-k3", {"max_tokens": 2_000_000}, ["1,048,576"]),
]


@pytest.mark.parametrize(("model", "fields", "fragments"), TOKEN_LIMIT_REJECTED)
def test_token_limit_rejected(model: str, fields: dict[str, Any], fragments: list[str]) -> None:
    rejected(req(model, **fields), *fragments)


@pytest.mark.parametrize(
    # moonshotai/Kimi-K2-Thinking now has a 256K row; an unlisted open-weight id has no known context.
    "model",
    ["legacy-v1-family", UNKNOWN, "kimi-k3.1-pro", "moonshotai/Kimi-K2-Base"],
)
def test_token_limit_unknown_context_passes(model: str) -> None:
    body = req(model, max_tokens=5_000_000, thinking={"type": "enabled", "keep": "all"})
    if model == "moonshotai/Kimi-K2-Instruct" or model == UNKNOWN:
        assert accepted(body).body == body
    else:
        body.pop("thinking")
        assert accepted(body, max_tokens_field="max_tokens").body == body


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        ("kimi-k2.6", {"max_tokens": 1024}),
        ("kimi-k2.7-code", {"max_completion_tokens": 8000}),
        ("kimi-k3.1-pro", {"max_tokens": 2000}),
        ("kimi-k2.7-code-highspeed", {"max_tokens": 15_999}),
        ("kimi-k3", {"max_completion_tokens": 1000}),  # thinking is always on
    ],
)
def test_low_limit_on_thinking_model_is_logged_not_warned(
    model: str, fields: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # An ordinary call: filterwarnings=error fails the test on any warning.
    with caplog.at_level(logging.INFO, logger="kimi_openai"):
        prepared = prepare_chat_request(req(model, **fields))
    [(param, value)] = fields.items()
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(logged) == 1
    assert "the reasoning budget (reasoning_content tokens) is part of this limit" in logged[0]
    assert f"{param}={value}" in logged[0]
    assert "16000" in logged[0]
    assert logged[0] in prepared.notes


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        ("kimi-k2.6", {"max_tokens": 1024, "thinking": {"type": "disabled"}}),
        ("kimi-k2.6", {"max_tokens": 16_000}),
        ("legacy-v1-8k", {"max_tokens": 100}),
        (UNKNOWN, {"max_tokens": 100}),
        ("kimi-k3", {"max_tokens": 200_000}),
    ],
)
def test_no_limit_advice_otherwise(
    model: str, fields: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="kimi_openai"):
        prepared = prepare_chat_request(req(model, **fields))
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]
    assert not [note for note in prepared.notes if "reasoning tokens" in note]


# --- reasoning_effort ----------------------------------------------------------------------------


def test_reasoning_effort() -> None:
    rejected(req("kimi-k3", reasoning_effort="medium"), "reasoning_effort='medium'", "low, high, max")
    for model in ("kimi-k3", "kimi-k3-preview", "kimi-k2.6", UNKNOWN):
        body = req(model, reasoning_effort="high")
        assert accepted(body).body == body
    # Moonshot answers "none" with a 400 on K2 models (pydantic/pydantic-ai PR #6208).
    for model in ("kimi-k2.6", "legacy-k2.5", "legacy-k2-thinking", "legacy-k2-preview"):
        rejected(req(model, reasoning_effort="none"), "reasoning_effort='none'", "minimal, low, medium, high")
    for model in ("kimi-k2.6", "legacy-k2-thinking"):
        for value in ("minimal", "low", "medium", "high"):
            assert accepted(req(model, reasoning_effort=value)).body["reasoning_effort"] == value
    # Not seen on other models, nor on a local engine serving K2 weights.
    for model in (UNKNOWN, "legacy-v1-8k", "moonshotai/Kimi-K2.5"):
        assert accepted(req(model, reasoning_effort="none")).body["reasoning_effort"] == "none"
    assert prepare_chat_request(req("kimi-k2.6", reasoning_effort="none"), moonshot_hosted=False).body


# --- schemas, pass-through, purity ---------------------------------------------------------------


def test_tool_and_response_schemas_normalised_unless_disabled() -> None:
    schema = {
        "title": "Args",
        "type": "object",
        "properties": {"unit": {"enum": ["c", "f"], "title": "Unit"}},
    }
    body = req(
        "kimi-k2.6",
        tools=[fn("get_weather", schema), WEB_SEARCH],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "r", "schema": schema, "strict": True},
        },
    )
    prepared = accepted(body)
    expected = {"type": "object", "properties": {"unit": {"type": "string", "enum": ["c", "f"]}}}
    assert prepared.body["tools"] == [fn("get_weather", expected), WEB_SEARCH]
    assert prepared.body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "r", "schema": expected, "strict": True},
    }
    assert prepare_chat_request(body, normalize_tool_schemas=False).body == body
    assert prepare_chat_request(body, validate=False).body == prepared.body


@pytest.mark.parametrize(
    "model", ["kimi-k2.6", "kimi-k2.6-x", "legacy-v1-8k", UNKNOWN, "moonshotai/Kimi-K2-Instruct"]
)
def test_unknown_keys_pass_through(model: str) -> None:
    body = req(
        model,
        store=True,
        prompt_cache_key="s-1",
        safety_identifier="u-1",
        prediction={"type": "content", "content": "x"},
        x_vendor={"nested": [1, 2]},
    )
    prepared = accepted(body)
    assert prepared.body == body
    assert prepared.body is not body


def test_nested_input_never_mutated_and_rewritten_parts_never_shared() -> None:
    # Unchanged nested values (messages) are shared with the input, not copied: the body
    # is prepared on every request, and a deep copy of a long conversation costs.
    body = req("kimi-k2.6", tool_choice=NAMED, tools=[fn("get_weather", {"type": "object", "title": "T"})])
    snapshot = copy.deepcopy(body)
    prepared = prepare_chat_request(body)
    assert body == snapshot
    assert prepared.body["tools"] is not body["tools"]
    tool = cast("list[dict[str, Any]]", prepared.body["tools"])[0]
    tool["function"]["parameters"]["extra"] = 1
    assert body == snapshot
    assert prepared.body["messages"] is body["messages"]


def test_explicit_spec_overrides_lookup() -> None:
    body = req("my-proxy-alias", temperature=0.3)
    rejected_message = rejected(body, "temperature=0.3", spec=get_model_spec("kimi-k2.6"))
    assert "my-proxy-alias" in rejected_message


@pytest.mark.parametrize(
    ("model", "date", "replacement"),
    [
        ("kimi-k2.5", "2026-08-31", "'kimi-k3' (or 'kimi-k2.6')"),
        ("moonshot-v1-8k", "2026-08-31", "'kimi-k3' (or 'kimi-k2.6')"),
        ("moonshot-v1-8k-vision-preview", "2026-08-31", "'kimi-k3'"),
        ("moonshot-v1-64k-foo", "2026-08-31", "'kimi-k3'"),  # every moonshot-v1 id, listed or not
        ("kimi-k2-thinking", "2026-05-25", "'kimi-k2.6'"),
        ("kimi-k2-turbo-preview", "2026-05-25", "'kimi-k2.6'"),
        ("kimi-latest", "2026-01-28", "'kimi-k3'"),
        ("kimi-thinking-preview", "2025-11-11", "'kimi-k2.6'"),
    ],
)
def test_retired_model_is_refused_before_the_404(model: str, date: str, replacement: str) -> None:
    rejected(
        req(model),
        f"model={model!r}",
        f"retired it on {date}",
        f"Not found the model {model} or Permission denied",
        f"Use {replacement}",
    )


def test_retired_model_passes_a_self_hosted_engine_and_validate_false() -> None:
    assert accepted(req("kimi-k2.5"), moonshot_hosted=False).body == req("kimi-k2.5")
    assert accepted(req("kimi-k2.5"), validate=False).body == req("kimi-k2.5")


def test_missing_model_is_refused_and_a_fragment_uses_the_permissive_default() -> None:
    body: dict[str, Any] = {"messages": [USER], "temperature": 5}
    with pytest.raises(
        KimiValidationError, match=r"model=None is not allowed: the model id is a non-empty string"
    ):
        prepare_chat_request(body)
    # kimi_params checks only the fields it builds: no model, no rule tied to one.
    assert accepted(body, whole_request=False).body == body


# --- the developer role and kimi-k3's dynamic tool messages --------------------------------------


@pytest.mark.parametrize("model", ["kimi-k3", "kimi-k2.6", "kimi-k2.7-code", UNKNOWN])
def test_developer_role_is_sent_as_system(model: str, caplog: pytest.LogCaptureFixture) -> None:
    body = req(model)
    body["messages"] = [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    with caplog.at_level(logging.DEBUG, logger="kimi_openai"):
        sent: Any = accepted(body).body["messages"]
    assert sent[0] == {"role": "system", "content": "Be brief."}
    assert sent[1] == {"role": "user", "content": "hi"}
    assert any("developer" in rec.getMessage() and "'system'" in rec.getMessage() for rec in caplog.records)


def test_developer_role_is_kept_for_a_self_hosted_engine() -> None:
    body = req("moonshotai/Kimi-K2.5")
    body["messages"] = [{"role": "developer", "content": "Be brief."}]
    assert accepted(body).body == body


def dynamic(*tools: dict[str, Any]) -> dict[str, Any]:
    return {"role": "system", "tools": list(tools)}


def test_dynamic_tool_messages_are_normalised_like_top_level_tools() -> None:
    email = {"type": "object", "properties": {"to": {"type": "string", "format": "email"}}}
    body = req("kimi-k3")
    body["messages"].append(dynamic(fn("send_mail", email)))
    sent: Any = cast("list[Any]", accepted(body).body["messages"])[-1]
    [tool] = sent["tools"]
    assert "format" not in tool["function"]["parameters"]["properties"]["to"]
    assert sent["role"] == "system"
    assert "content" not in sent
    unnormalised: Any = cast("list[Any]", accepted(body, normalize_tool_schemas=False).body["messages"])[-1]
    assert unnormalised["tools"][0]["function"]["parameters"]["properties"]["to"]["format"] == "email"


@pytest.mark.parametrize(
    ("tools", "fragments"),
    [
        ([fn("$search")], ["messages[1].tools[0] name '$search'", "builtin_function"]),
        ([fn("1bad")], ["messages[1].tools[0] name '1bad'", "names must match"]),
        ([fn("ok_name", {"type": "array"})], ["messages[1].tools[0] parameters", "root must be an object"]),
        ([fn(f"tool_{i}") for i in range(129)], ["messages[1].tools (129 entries)", "at most 128"]),
    ],
)
def test_dynamic_tool_messages_are_checked_like_top_level_tools(
    tools: list[Any], fragments: list[str]
) -> None:
    body = req("kimi-k3")
    body["messages"].append(dynamic(*tools))
    rejected(body, *fragments)


# --- every parameter rule on every current model and an unknown id ------------------------------

CURRENT = (
    "kimi-k3",
    "kimi-k3.1-pro",
    "kimi-k3.1-pro-highspeed",
    "kimi-k2.7-code",
    "kimi-k2.7-code-highspeed",
    "kimi-k2.6",
    UNKNOWN,
)
TOOL_A = fn("get_a", {"type": "object"})
TOOL_B = fn("get_b", {"type": "object"})
NAMED_A = {"type": "function", "function": {"name": "get_a"}}
DEVELOPER = [{"role": "developer", "content": "Be brief."}, USER]

# R: refused before sending; P: sent unchanged; W: sent rewritten. One letter per CURRENT model.
RULE_MATRIX: dict[str, tuple[dict[str, Any], str]] = {
    "temperature=0.5": ({"temperature": 0.5}, "RRRRRRP"),
    "top_p=0.5": ({"top_p": 0.5}, "RRRRRRP"),
    "n=2": ({"n": 2}, "RRRRRRP"),
    "presence_penalty=0.5": ({"presence_penalty": 0.5}, "RRRRRRP"),
    "frequency_penalty=0.5": ({"frequency_penalty": 0.5}, "RRRRRRP"),
    "thinking enabled": ({"thinking": {"type": "enabled"}}, "RRRPPPP"),
    "thinking disabled": ({"thinking": {"type": "disabled"}}, "RRRRRPP"),
    "thinking keep omitted": ({"thinking": {"type": "enabled", "keep": None}}, "RRRPPPP"),
    "thinking + reasoning_effort": ({"thinking": {"type": "enabled"}, "reasoning_effort": "high"}, "RRRRRRR"),
    "reasoning_effort=medium": ({"reasoning_effort": "medium"}, "RRRPPPP"),
    "reasoning_effort=none": ({"reasoning_effort": "none"}, "RRRRRRP"),
    "reasoning_effort=low": ({"reasoning_effort": "low"}, "PPPPPPP"),
    "named tool, one declared": ({"tools": [TOOL_A], "tool_choice": NAMED_A}, "WWWRRWP"),
    "named tool, two declared": ({"tools": [TOOL_A, TOOL_B], "tool_choice": NAMED_A}, "RRRRRWP"),
    "tool_choice=required": ({"tools": [TOOL_A], "tool_choice": "required"}, "PPPRRRP"),
    "developer role": ({"messages": DEVELOPER}, "WWWWWWW"),
    "max_tokens": ({"max_tokens": 40_000}, "WWWWWWP"),
}


@pytest.mark.parametrize("model_index", range(len(CURRENT)), ids=CURRENT)
@pytest.mark.parametrize(("fields", "outcomes"), RULE_MATRIX.values(), ids=RULE_MATRIX.keys())
def test_every_rule_on_every_current_model(fields: dict[str, Any], outcomes: str, model_index: int) -> None:
    model, outcome = CURRENT[model_index], outcomes[model_index]
    body = req(model, **fields)
    if outcome == "R":
        rejected(body)
    elif outcome == "P":
        assert accepted(body).body == body
    else:
        prepared = accepted(body)
        assert prepared.body != body
        assert prepared.notes, "a rewrite is logged"
