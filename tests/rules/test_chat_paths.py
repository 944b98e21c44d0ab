"""Every validation rule, through the real client, on every call path, sync and async.

``tests/rules/test_chat.py`` covers the rules as pure functions; here each rule family runs
through ``create``, ``create(stream=True)``, ``.stream()``, ``with_raw_response.create``,
``with_streaming_response.create`` and ``.parse()``: the request never reaches the transport,
and the error names the parameter, the model, what is allowed and the fix. An unknown model and
an unknown keyword reach the wire untouched, and a forced tool turns thinking off (with a debug
log) only when the caller did not ask for thinking.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import openai
import pytest
from _helpers import Recorder, answer_completion_or_stream

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError, kimi_params
from kimi_openai.lib.batch import batch_lines

KEY = "sk-test-paths-0123456789"
USER: list[dict[str, Any]] = [{"role": "user", "content": "hi"}]


def _tool(name: str) -> dict[str, Any]:
    # Strict function tools: `.parse()` refuses any other kind before sending anything.
    schema: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
    return {"type": "function", "function": {"name": name, "strict": True, "parameters": schema}}


def _forced(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}


def _media(kind: str, url: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"type": kind, kind: {"url": url}}]}]


@dataclass(frozen=True)
class Case:
    model: str
    kwargs: dict[str, Any]
    param: str
    """How the message names the parameter."""
    allowed: str
    """How it states what is allowed."""
    fix: str
    """How it says to fix the call."""


TWO: list[dict[str, Any]] = [
    *USER,
    {"role": "assistant", "content": ""},
    {"role": "user", "content": "again"},
]
PARTIAL: list[dict[str, Any]] = [*USER, {"role": "assistant", "content": "{", "partial": True}]

TWO_TOOLS: list[dict[str, Any]] = [_tool("get_x"), _tool("get_y")]
DYNAMIC: list[dict[str, Any]] = [*USER, {"role": "system", "tools": [_tool("$x")]}]

CASES: dict[str, Case] = {
    # retired ids: refused before the 404, with the date and the replacement
    "retired-k2.5": Case("kimi-k2.5", {}, "model='kimi-k2.5'", "retired it on 2026-08-31", "Use 'kimi-k3'"),
    "retired-v1": Case("moonshot-v1-8k", {}, "model='moonshot-v1-8k'", "Not found the model moonshot-v1-8k", "Use 'kimi-k3' (or 'kimi-k2.6')"),
    "retired-k2-thinking": Case("kimi-k2-thinking", {}, "model='kimi-k2-thinking'", "retired it on 2026-05-25", "Use 'kimi-k2.6'"),
    # fixed sampling (K2.6 and later, K3, K3.1)
    "temperature-k2.6": Case("kimi-k2.6", {"temperature": 0.3}, "temperature=0.3", "1.0 with thinking, 0.6 without", "Remove `temperature`"),
    "temperature-k3": Case("kimi-k3", {"temperature": 0.5}, "temperature=0.5", "invalid temperature: only 1 is allowed for this model", "Remove `temperature`"),
    "temperature-k3.1": Case("kimi-k3.1-pro", {"temperature": 0.2}, "temperature=0.2", "only 1 is allowed", "Remove `temperature`"),
    "top_p-k2.7": Case("kimi-k2.7-code", {"top_p": 0.5}, "top_p=0.5", "top_p 0.95", "Remove `top_p`"),
    "n-k3": Case("kimi-k3", {"n": 6}, "n=6", "n 1", "Remove `n`"),
    "penalty-k2.7-hs": Case("kimi-k2.7-code-highspeed", {"presence_penalty": 0.5}, "presence_penalty=0.5", "presence_penalty 0", "Remove `presence_penalty`"),
    # thinking shape and per-model thinking
    "thinking-bool": Case("kimi-k2.6", {"extra_body": {"thinking": True}}, "thinking=True", "must be an object", 'thinking={"type": "enabled"}'),
    "thinking-type": Case("kimi-k2.6", {"extra_body": {"thinking": {"type": "on"}}}, "thinking.type='on'", '"enabled" or "disabled"', 'Pass {"type": "enabled"}'),
    "thinking-keep-k2.7": Case("kimi-k2.7-code", {"extra_body": {"thinking": {"type": "enabled", "keep": "none"}}}, "thinking.keep='none'", '`keep` is null or "all"', 'Pass keep="all" or omit it'),
    "thinking-off-k2.7": Case("kimi-k2.7-code", {"extra_body": {"thinking": {"type": "disabled"}}}, "thinking=", "always on", "Remove `thinking`"),
    "thinking-k3": Case("kimi-k3", {"extra_body": {"thinking": {"type": "enabled"}}}, "thinking=", "no `thinking` field", "Remove `thinking`"),
    "thinking-and-effort-k2.6": Case("kimi-k2.6", {"reasoning_effort": "high", "extra_body": {"thinking": {"type": "enabled"}}}, "together with reasoning_effort='high'", "cannot specify both 'thinking' and 'reasoning_effort'", "Keep `thinking` and remove `reasoning_effort`"),
    "effort-k3": Case("kimi-k3", {"reasoning_effort": "medium"}, "reasoning_effort='medium'", "low, high, max", "Pass one of"),
    # tool_choice and thinking
    "required-k2.6": Case("kimi-k2.6", {"tools": [_tool("get_x")], "tool_choice": "required"}, "tool_choice='required'", "not supported", 'tool_choice="auto"'),
    "required-k2.7": Case("kimi-k2.7-code", {"tools": [_tool("get_x")], "tool_choice": "required"}, "tool_choice='required'", "tool_choice 'required' is incompatible with thinking enabled", 'tool_choice="auto"'),
    "named-with-thinking": Case("kimi-k2.6", {"tools": [_tool("get_x")], "tool_choice": _forced("get_x"), "extra_body": {"thinking": {"type": "enabled"}}}, "function 'get_x'", "incompatible with thinking enabled", 'thinking={"type": "disabled"}'),
    "named-always-on": Case("kimi-k2.7-code", {"tools": [_tool("get_x")], "tool_choice": _forced("get_x")}, "function 'get_x'", "tool_choice 'specified' is incompatible with thinking enabled", "cannot be turned off"),
    "named-k3-two-tools": Case("kimi-k3", {"tools": TWO_TOOLS, "tool_choice": _forced("get_x")}, "function 'get_x'", "tool_choice 'specified' is incompatible with thinking enabled", 'tool_choice="required"'),
    # tools: count, name, reserved `$`, in kimi-k3's dynamic tool messages too
    "tools-129": Case("kimi-k2.6", {"tools": [_tool(f"tool_{i}") for i in range(129)]}, "tools (129 entries)", "at most 128", "Drop unused tools"),
    "tool-name": Case("kimi-k2.7-code-highspeed", {"tools": [_tool("1x")]}, "tools[0] name '1x'", "^[a-zA-Z_]", "Rename the function"),
    "tool-dollar": Case("kimi-k3", {"tools": [_tool("$web_search")]}, "'$web_search'", "reserved for builtin_function", '{"type": "builtin_function"'),
    "dynamic-tool-dollar": Case("kimi-k3", {"messages": DYNAMIC}, "messages[1].tools[0] name '$x'", "reserved for builtin_function", '{"type": "builtin_function"'),
    # stop
    "stop-count": Case("kimi-k2.6", {"stop": ["a", "b", "c", "d", "e", "f"]}, "stop (6 sequences)", "at most 5", "Drop some"),
    "stop-bytes": Case("kimi-k3", {"stop": "x" * 40}, "stop sequence", "at most 32 bytes", "Shorten it"),
    # legacy functions
    "functions": Case("kimi-k2.6", {"functions": [{"name": "f", "parameters": {}}]}, "`functions`", "not supported", "Use `tools="),
    "function_call": Case("kimi-k3", {"function_call": "auto"}, "`function_call`", "not supported", "Use `tool_choice`"),
    # partial + json_object, empty assistant message
    "partial-json": Case("kimi-k2.6", {"messages": PARTIAL, "response_format": {"type": "json_object"}}, "messages[1].partial=true", "cannot be combined", "Drop one"),
    "empty-assistant": Case("kimi-k2.7-code", {"messages": TWO}, "messages[1] (empty assistant message)", "needs content or tool_calls", "Drop the message"),
    # the output limit beyond the context window, named as the caller passed it
    "max_tokens-k3": Case("kimi-k3", {"max_tokens": 2_000_000}, "max_tokens=2000000", "1,048,576 tokens", "Pass max_tokens <= 1048576"),
    "max_tokens-k2.6": Case("kimi-k2.6", {"max_completion_tokens": 300_000}, "max_completion_tokens=300000", "262,144 tokens", "Pass max_completion_tokens <= 262144"),
    # media: plain http image URLs
    "http-image": Case("kimi-k2.6", {"messages": _media("image_url", "http://example.com/a.png")}, "'http://example.com/a.png'", "only base64 data: URLs and ms://", 'purpose="image"'),
    "https-image-k3": Case("kimi-k3", {"messages": _media("image_url", "https://example.com/a.png")}, "'https://example.com/a.png'", "not http(s) URLs", "data: URL"),
    "http-video-k2.7": Case("kimi-k2.7-code", {"messages": _media("video_url", "https://example.com/a.mp4")}, "'https://example.com/a.mp4'", "not http(s) URLs", 'purpose="video"'),
}  # fmt: skip


def _call_args(model: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"model": model, "messages": USER, **kwargs}


# --- the call paths: each sends the request and consumes the answer ---------------------------


def _create(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    c.chat.completions.create(**kw)


def _stream(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    for _chunk in c.chat.completions.create(stream=True, **kw):
        pass


def _stream_helper(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    with c.chat.completions.stream(**kw) as stream:
        for _event in stream:
            pass


def _raw(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    raw = cast("Any", c.chat.completions.with_raw_response.create(**kw))  # kw does not pick an overload
    raw.parse()


def _streaming_response(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    manager = cast("Any", c.chat.completions.with_streaming_response.create(**kw))
    with manager as response:
        response.parse()


def _parse(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    c.chat.completions.parse(**kw)


async def _acreate(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    await c.chat.completions.create(**kw)


async def _astream(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    async for _chunk in await c.chat.completions.create(stream=True, **kw):
        pass


async def _astream_helper(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    async with c.chat.completions.stream(**kw) as stream:
        async for _event in stream:
            pass


async def _araw(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    raw = cast("Any", await c.chat.completions.with_raw_response.create(**kw))
    raw.parse()


async def _astreaming_response(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    manager = cast("Any", c.chat.completions.with_streaming_response.create(**kw))
    async with manager as response:
        await response.parse()


async def _aparse(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    await c.chat.completions.parse(**kw)


SYNC: dict[str, Callable[[KimiOpenAI, dict[str, Any]], None]] = {
    "create": _create,
    "stream=True": _stream,
    ".stream()": _stream_helper,
    "raw": _raw,
    "streaming_response": _streaming_response,
    "parse": _parse,
}
ASYNC: dict[str, Callable[[AsyncKimiOpenAI, dict[str, Any]], Awaitable[None]]] = {
    "create": _acreate,
    "stream=True": _astream,
    ".stream()": _astream_helper,
    "raw": _araw,
    "streaming_response": _astreaming_response,
    "parse": _aparse,
}


def _batch_line(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    batch_lines([kw], client=c)


def _estimate(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    c.tokenizers.estimate_token_count(**kw)


async def _aestimate(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    await c.tokenizers.estimate_token_count(**kw)


# Paths that build the same chat body without sending a chat completion.
SYNC_BODIES: dict[str, Callable[[KimiOpenAI, dict[str, Any]], None]] = {
    **SYNC,
    "batch line": _batch_line,
    "token estimate": _estimate,
}
ASYNC_BODIES: dict[str, Callable[[AsyncKimiOpenAI, dict[str, Any]], Awaitable[None]]] = {
    **ASYNC,
    "token estimate": _aestimate,
}


def _clients() -> tuple[Recorder, KimiOpenAI, AsyncKimiOpenAI]:
    recorder = Recorder(respond=answer_completion_or_stream)
    sync = KimiOpenAI(api_key=KEY, http_client=recorder.client(), max_retries=0)
    return recorder, sync, AsyncKimiOpenAI(api_key=KEY, http_client=recorder.async_client(), max_retries=0)


def _assert_names_everything(error: KimiValidationError, case: Case) -> None:
    message = str(error)
    for part in (case.param, repr(case.model), case.allowed, case.fix):
        assert part in message, f"{part!r} missing from: {message}"


# --- every rule, every path ---------------------------------------------------------------------


@pytest.mark.parametrize("path", SYNC_BODIES)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rule_is_enforced_before_the_wire(case: Case, path: str) -> None:
    recorder, client, _ = _clients()
    with pytest.raises(KimiValidationError) as info:
        SYNC_BODIES[path](client, _call_args(case.model, case.kwargs))
    assert recorder.requests == []
    _assert_names_everything(info.value, case)


@pytest.mark.anyio
@pytest.mark.parametrize("path", ASYNC_BODIES)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_async_rule_is_enforced_before_the_wire(case: Case, path: str) -> None:
    recorder, _, client = _clients()
    with pytest.raises(KimiValidationError) as info:
        await ASYNC_BODIES[path](client, _call_args(case.model, case.kwargs))
    assert recorder.requests == []
    _assert_names_everything(info.value, case)


# --- what passes: unknown model and keywords untouched; forced tool turns thinking off ----------

UNKNOWN_MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "hi", "vendor_flag": 1}]
UNKNOWN_CALL: dict[str, Any] = {
    "model": "kimi-k9-future",
    "messages": UNKNOWN_MESSAGES,
    "temperature": 1.7,  # outside every known model's rules: the unknown model is not judged
    "extra_body": {"brand_new_option": {"a": [1, 2]}},
}


def _assert_untouched(body: dict[str, Any]) -> None:
    assert body["model"] == "kimi-k9-future"
    assert body["messages"] == UNKNOWN_MESSAGES
    assert body["temperature"] == 1.7
    assert body["brand_new_option"] == {"a": [1, 2]}
    assert set(body) - {"stream"} == {"model", "messages", "temperature", "brand_new_option"}


@pytest.mark.parametrize("path", SYNC)
def test_unknown_model_and_keyword_reach_the_wire_untouched(path: str) -> None:
    recorder, client, _ = _clients()
    SYNC[path](client, dict(UNKNOWN_CALL))
    _assert_untouched(recorder.last_json())


@pytest.mark.anyio
@pytest.mark.parametrize("path", ASYNC)
async def test_async_unknown_model_and_keyword_reach_the_wire_untouched(path: str) -> None:
    recorder, _, client = _clients()
    await ASYNC[path](client, dict(UNKNOWN_CALL))
    _assert_untouched(recorder.last_json())


# What the client rewrites instead of refusing, as it reaches the wire on every path.
REWRITES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # One declared tool named on kimi-k3 (always thinking): "required" forces the same tool.
    "k3-single-named-tool": (
        {"model": "kimi-k3", "messages": USER, "tools": [_tool("get_x")], "tool_choice": _forced("get_x")},
        {"tool_choice": "required"},
    ),
    "k3.1-single-named-tool": (
        {
            "model": "kimi-k3.1-pro",
            "messages": USER,
            "tools": [_tool("get_x")],
            "tool_choice": _forced("get_x"),
        },
        {"tool_choice": "required"},
    ),
    # openai code sends `developer` for reasoning models; Moonshot knows only `system`.
    "developer-k3": (
        {"model": "kimi-k3", "messages": [{"role": "developer", "content": "Be brief."}, *USER]},
        {"messages": [{"role": "system", "content": "Be brief."}, *USER]},
    ),
    "developer-k2.6": (
        {"model": "kimi-k2.6", "messages": [{"role": "developer", "content": "Be brief."}, *USER]},
        {"messages": [{"role": "system", "content": "Be brief."}, *USER]},
    ),
    # The output limit goes under the field the model documents.
    "limit-field-k2.7": (
        {"model": "kimi-k2.7-code", "messages": USER, "max_tokens": 4000},
        {"max_completion_tokens": 4000},
    ),
    # kimi-k2.7-code: an omitted `keep` means "all" and is accepted as sent.
    "keep-omitted-k2.7": (
        {"model": "kimi-k2.7-code", "messages": USER, "extra_body": {"thinking": {"type": "enabled"}}},
        {"thinking": {"type": "enabled"}},
    ),
}


def _assert_sent(body: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        assert body[key] == value, (key, body)
    assert "max_tokens" not in body or "max_completion_tokens" not in expected


@pytest.mark.parametrize("path", SYNC)
@pytest.mark.parametrize(("call", "expected"), REWRITES.values(), ids=REWRITES.keys())
def test_rewrites_reach_the_wire(call: dict[str, Any], expected: dict[str, Any], path: str) -> None:
    recorder, client, _ = _clients()
    SYNC[path](client, dict(call))
    _assert_sent(recorder.last_json(), expected)


@pytest.mark.anyio
@pytest.mark.parametrize("path", ASYNC)
@pytest.mark.parametrize(("call", "expected"), REWRITES.values(), ids=REWRITES.keys())
async def test_async_rewrites_reach_the_wire(
    call: dict[str, Any], expected: dict[str, Any], path: str
) -> None:
    recorder, _, client = _clients()
    await ASYNC[path](client, dict(call))
    _assert_sent(recorder.last_json(), expected)


@pytest.mark.parametrize(("call", "expected"), REWRITES.values(), ids=REWRITES.keys())
def test_rewrites_reach_a_batch_line(call: dict[str, Any], expected: dict[str, Any]) -> None:
    _, client, _ = _clients()
    [line] = batch_lines([dict(call)], client=client)
    _assert_sent(cast("dict[str, Any]", line["body"]), expected)


FORCED_CALL: dict[str, Any] = {
    "model": "kimi-k2.6",
    "messages": USER,
    "tools": [_tool("get_x")],
    "tool_choice": _forced("get_x"),
}


def _assert_thinking_turned_off(recorder: Recorder, caplog: pytest.LogCaptureFixture) -> None:
    assert recorder.last_json()["thinking"] == {"type": "disabled"}
    logged = [
        r.getMessage() for r in caplog.records if r.name == "kimi_openai" and r.levelno == logging.DEBUG
    ]
    assert any("forces a tool" in m and "'kimi-k2.6'" in m for m in logged), logged


@pytest.mark.parametrize("path", SYNC)
def test_forced_tool_turns_default_thinking_off_with_a_debug_log(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    recorder, client, _ = _clients()
    with caplog.at_level(logging.DEBUG, logger="kimi_openai"):
        SYNC[path](client, dict(FORCED_CALL))
    _assert_thinking_turned_off(recorder, caplog)


@pytest.mark.anyio
@pytest.mark.parametrize("path", ASYNC)
async def test_async_forced_tool_turns_default_thinking_off_with_a_debug_log(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    recorder, _, client = _clients()
    with caplog.at_level(logging.DEBUG, logger="kimi_openai"):
        await ASYNC[path](client, dict(FORCED_CALL))
    _assert_thinking_turned_off(recorder, caplog)


def test_explicit_thinking_off_with_a_forced_tool_is_sent_as_given_without_a_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder, client, _ = _clients()
    with caplog.at_level(logging.DEBUG, logger="kimi_openai"):
        client.chat.completions.create(**FORCED_CALL, thinking={"type": "disabled"})
    assert recorder.last_json()["thinking"] == {"type": "disabled"}
    assert not any("forces a tool" in r.getMessage() for r in caplog.records)


# A retry after a forced tool call (what instructor does): the assistant turn was rebuilt
# without its reasoning_content, and this client never saw it.
REBUILT_TURN: list[Any] = [
    *USER,
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "Answer:0", "type": "function", "function": {"name": "Answer", "arguments": "{}"}}
        ],
    },
    {"role": "tool", "tool_call_id": "Answer:0", "content": "missing field"},
]


@pytest.mark.parametrize("policy", ["strict", "auto"])
def test_forced_tool_retry_needs_no_reasoning_echo_once_thinking_is_off(policy: str) -> None:
    # Validation turns thinking off for the forced tool before the echo looks at the turn, so
    # "strict" does not raise and "auto" sends no placeholder (nor warns: filterwarnings=error).
    recorder, client, _ = _clients()
    echoing = client.with_options(reasoning_echo=policy)  # type: ignore[arg-type]
    forced: Any = _forced("Answer")
    echoing.chat.completions.create(
        model="kimi-k2.6", messages=REBUILT_TURN, tools=[cast(Any, _tool("Answer"))], tool_choice=forced
    )
    sent = recorder.last_json()
    assert sent["thinking"] == {"type": "disabled"}
    assert "reasoning_content" not in sent["messages"][1]


def test_the_same_turn_with_thinking_on_still_needs_its_reasoning() -> None:
    recorder, client, _ = _clients()
    with pytest.raises(KimiValidationError, match=r"messages\[1\].*'kimi-k2\.6' thinks"):
        client.with_options(reasoning_echo="strict").chat.completions.create(
            model="kimi-k2.6", messages=REBUILT_TURN, tools=[cast(Any, _tool("Answer"))], tool_choice="auto"
        )
    assert recorder.requests == []


# --- validation off, and kimi_params on a plain openai client ------------------------------------


@pytest.mark.parametrize(
    "case", [CASES["temperature-k2.6"], CASES["functions"]], ids=["temperature", "functions"]
)
def test_validation_off_per_client_and_per_call_sends_the_request(case: Case) -> None:
    recorder, client, _ = _clients()
    client.with_options(validation=False).chat.completions.create(**_call_args(case.model, case.kwargs))
    KimiOpenAI(api_key=KEY, http_client=recorder.client(), validation=False).chat.completions.parse(
        **_call_args(case.model, case.kwargs)
    )
    assert len(recorder.requests) == 2
    key = next(iter(case.kwargs))
    assert all(json.loads(r.content)[key] == case.kwargs[key] for r in recorder.requests)


def test_kimi_params_extra_body_reaches_the_wire_from_a_plain_openai_client() -> None:
    recorder = Recorder()
    client = openai.OpenAI(api_key=KEY, base_url="https://api.moonshot.ai/v1", http_client=recorder.client())
    client.chat.completions.create(
        model="kimi-k2.6",
        messages=[{"role": "user", "content": "Write a haiku about tea."}],
        extra_body=kimi_params(
            model="kimi-k2.6",
            thinking="disabled",
            prompt_cache_key="chat-42",
            messages=[{"role": "user", "content": "Write a haiku about tea."}],
            partial="Steam",
        ),
    )
    body = recorder.last_json()
    assert body["thinking"] == {"type": "disabled"}
    assert body["prompt_cache_key"] == "chat-42"
    assert body["messages"][-1] == {"role": "assistant", "content": "Steam", "partial": True}
    assert body["messages"][0] == {"role": "user", "content": "Write a haiku about tea."}


def test_kimi_params_rejects_before_a_plain_client_sends_anything() -> None:
    with pytest.raises(KimiValidationError, match=r"kimi-k2\.7-code.*always on") as info:
        kimi_params(model="kimi-k2.7-code", thinking="disabled")
    # kimi_params' own switch is named, not the client option it does not have.
    assert "validate=False on kimi_params" in str(info.value)
    assert "validation=False" not in str(info.value)
