"""Bad input gets a ``KimiValidationError`` before any HTTP call, on every request path.

One table of malformed chat inputs (wrong JSON types, out-of-range numbers, NaN and
infinity, lone surrogates, malformed messages, tools, ``tool_choice``, ``response_format``
and ``stop``). Each row runs through ``create``, ``create(stream=True)``, ``.stream()``,
``.parse()``, ``with_raw_response`` and ``with_streaming_response`` (sync and async), a batch
(``run_batch``) and the token estimate: the error names the parameter with its value, what
is allowed and the fix, and nothing reaches the transport.

The universal rows are refused on any base URL; the Moonshot rows only on Moonshot's
platform, and a self-hosted engine gets them as written. What the openai SDK's own request
types allow is sent, and ``validation=False`` sends anything JSON can carry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from _helpers import COMPLETION, Recorder, answer_completion_or_stream
from openai.types.chat import ChatCompletionMessage
from pydantic import BaseModel

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError
from kimi_openai._compat import httpx
from kimi_openai.lib.batch import batch_lines, run_batch

KEY = "sk-test-input-0123456789"
SELF_HOSTED = "http://localhost:8000/v1"
MODEL = "kimi-k2.6"
USER: list[dict[str, Any]] = [{"role": "user", "content": "hi"}]
TOOL = {"type": "function", "function": {"name": "get_x", "parameters": {"type": "object"}}}


@dataclass(frozen=True)
class Bad:
    kwargs: dict[str, Any]
    """What replaces the defaults (model=kimi-k2.6, one user message)."""
    param: str
    """How the message names the parameter and its value."""
    allowed: str
    fix: str


def _msgs(*messages: Any) -> dict[str, Any]:
    return {"messages": list(messages)}


# Refused on every base URL: the Chat Completions API itself does not allow them.
UNIVERSAL: dict[str, Bad] = {
    "model-None": Bad({"model": None}, "model=None", "non-empty string", "model='kimi-k2.6'"),
    "model-int": Bad({"model": 5}, "model=5", "non-empty string", "model='kimi-k2.6'"),
    "model-empty": Bad({"model": ""}, "model=''", "non-empty string", "model='kimi-k2.6'"),
    "messages-None": Bad({"messages": None}, "messages=None", "list of message objects", "Pass a list of messages"),
    "messages-empty": Bad({"messages": []}, "messages=[]", "at least one message", "messages=[{'role': 'user'"),
    "messages-str": Bad({"messages": "hi"}, "messages='hi'", "list of message objects", "Pass the text as a message"),
    "messages-dict": Bad({"messages": {"role": "user", "content": "hi"}}, "messages={'role': 'user'", "one message given", "Wrap the one message in a list"),
    "messages-int": Bad({"messages": 5}, "messages=5", "list of message objects", "Pass a list of messages"),
    "message-int": Bad(_msgs(5), "messages[0]=5", "each message is an object", "Pass each message as a dict"),
    "message-str": Bad(_msgs("hi"), "messages[0]='hi'", "each message is an object", "Pass each message as a dict"),
    "role-missing": Bad(_msgs({"content": "hi"}), "messages[0] without a role", "`role` string", "Add 'role'"),
    "role-int": Bad(_msgs({"role": 1, "content": "hi"}), "messages[0].role=1", "`role` string", "Add 'role'"),
    "content-int": Bad(_msgs({"role": "user", "content": 5}), "messages[0].content=5", "a string, a list of content parts, or None", "Pass the text as a string"),
    "part-str": Bad(_msgs({"role": "user", "content": ["hi"]}), "messages[0].content[0]='hi'", "each content part is an object", "{'type': 'text', 'text'"),
    "text-part-no-text": Bad(_msgs({"role": "user", "content": [{"type": "text"}]}), "messages[0].content[0].text=None", "a `text` string", "Pass the text"),
    "temperature-str": Bad({"temperature": "hot"}, "temperature='hot'", "a finite number >= 0", "Pass temperature as a finite number"),
    "temperature-numeric-str": Bad({"temperature": "0.7"}, "temperature='0.7'", "a finite number >= 0", "Pass temperature=0.7, a number, not a string"),
    "temperature-negative": Bad({"temperature": -1}, "temperature=-1", "a finite number >= 0", "Pass temperature as a finite number"),
    "temperature-nan": Bad({"temperature": math.nan}, "temperature=nan", "no NaN or infinity", "Pass temperature as a finite number"),
    "n-zero": Bad({"n": 0}, "n=0", "an integer >= 1", "Pass n as an integer >= 1"),
    "n-negative": Bad({"n": -2}, "n=-2", "an integer >= 1", "Pass n as an integer >= 1"),
    "n-str": Bad({"n": "2"}, "n='2'", "an integer >= 1", "Pass n=2, a number, not a string"),
    "max_tokens-negative": Bad({"max_tokens": -5}, "max_tokens=-5", "an integer >= 1", "Pass max_tokens as an integer >= 1"),
    "max_tokens-zero": Bad({"max_tokens": 0}, "max_tokens=0", "an integer >= 1", "Pass max_tokens as an integer >= 1"),
    "max_tokens-str": Bad({"max_tokens": "100"}, "max_tokens='100'", "an integer >= 1", "Pass max_tokens=100, a number, not a string"),
    "max_tokens-bool": Bad({"max_tokens": True}, "max_tokens=True", "(bool given)", "Pass max_tokens as an integer >= 1"),
    "max_tokens-fraction": Bad({"max_tokens": 10.5}, "max_tokens=10.5", "not a whole number", "Pass max_tokens as an integer"),
    "max_tokens-inf": Bad({"max_tokens": math.inf}, "max_tokens=inf", "no NaN or infinity", "Pass max_tokens as an integer"),
    "max_tokens-nan": Bad({"max_tokens": math.nan}, "max_tokens=nan", "no NaN or infinity", "Pass max_tokens as an integer"),
    "max_completion_tokens-negative": Bad({"max_completion_tokens": -1}, "max_completion_tokens=-1", "an integer >= 1", "Pass max_completion_tokens as an integer >= 1"),
    "top_p-negative": Bad({"top_p": -1}, "top_p=-1", "a finite number in [0, 1]", "Pass top_p as a finite number in [0, 1]"),
    "top_p-two": Bad({"top_p": 2}, "top_p=2", "a finite number in [0, 1]", "Pass top_p as a finite number in [0, 1]"),
    "top_p-str": Bad({"top_p": "high"}, "top_p='high'", "a finite number in [0, 1]", "Pass top_p as a finite number in [0, 1]"),
    "top_p-inf": Bad({"top_p": math.inf}, "top_p=inf", "no NaN or infinity", "Pass top_p as a finite number"),
    "presence_penalty-range": Bad({"presence_penalty": 3}, "presence_penalty=3", "[-2, 2]", "Pass presence_penalty as a finite number in [-2, 2]"),
    "tools-int": Bad({"tools": 5}, "tools=5", "a list of tool objects", "tools=[{'type': 'function'"),
    "tools-dict": Bad({"tools": TOOL}, "tools={'type': 'function'", "a list of tool objects", "tools=[{'type': 'function'"),
    "tool-int": Bad({"tools": [5]}, "tools[0]=5", "an object with a `type` string", "tools=[{'type': 'function'"),
    "tool-no-type": Bad({"tools": [{"function": {"name": "get_x"}}]}, "tools[0].type=None", "an object with a `type` string", "tools=[{'type': 'function'"),
    "tool-no-function": Bad({"tools": [{"type": "function"}]}, "tools[0].function=None", "a `function` object with a `name`", "Name the function"),
    "tool-no-name": Bad({"tools": [{"type": "function", "function": {"parameters": {}}}]}, "tools[0].function.name=None", "a `name` string", "Name the function"),
    "tool-parameters-str": Bad({"tools": [{"type": "function", "function": {"name": "get_x", "parameters": "{}"}}]}, "tools[0].function.parameters='{}'", "a JSON Schema object", "{'type': 'object'"),
    "tool_choice-garbage": Bad({"tool_choice": "garbage"}, "tool_choice='garbage'", '"none", "auto", "required"', 'tool_choice="auto"'),
    "tool_choice-int": Bad({"tool_choice": 5}, "tool_choice=5", '"none", "auto", "required"', 'tool_choice="auto"'),
    "tool_choice-unnamed": Bad({"tool_choice": {"type": "function"}}, "tool_choice={'type': 'function'}", '{"type": "function", "function": {"name": ...}}', 'tool_choice="auto"'),
    "response_format-str": Bad({"response_format": "json"}, "response_format='json'", "an object with a `type`", "response_format={'type': 'json_object'}"),
    "response_format-no-type": Bad({"response_format": {"json": True}}, "response_format.type=None", "an object with a `type`", "response_format={'type': 'json_object'}"),
    "response_format-json_schema-str": Bad({"response_format": {"type": "json_schema", "json_schema": "{}"}}, "response_format.json_schema='{}'", "a `json_schema` object", "Add it"),
    "stop-int": Bad({"stop": 5}, "stop=5", "a string or a list of strings", "stop=['END']"),
    "stop-list-of-int": Bad({"stop": [1, 2]}, "stop=[1, 2]", "a string or a list of strings", "stop=['END']"),
    "surrogate-content": Bad(_msgs({"role": "user", "content": "a\ud800b"}), "messages[0].content='a\\ud800b'", "lone surrogate '\\ud800' at index 1", "text.encode('utf-8', 'replace')"),
    "surrogate-part": Bad(_msgs({"role": "user", "content": [{"type": "text", "text": "\udfff"}]}), "messages[0].content[0].text='\\udfff'", "lone surrogate", "text.encode('utf-8', 'replace')"),
    "surrogate-extra-body": Bad({"extra_body": {"vendor": {"note": "\ud83d"}}}, "vendor.note='\\ud83d'", "lone surrogate", "text.encode('utf-8', 'replace')"),
    "nan-in-schema": Bad({"tools": [{"type": "function", "function": {"name": "get_x", "strict": True, "parameters": {"type": "object", "properties": {"x": {"type": "number", "default": math.nan}}}}}]}, "tools[0].function.parameters.properties.x.default=nan", "no NaN or infinity", "Pass a finite number"),
    "bytes-content": Bad(_msgs({"role": "user", "content": [{"type": "text", "text": "hi", "raw": b"hi"}]}), "messages[0].content[0].raw=b'hi'", "a bytes is not a JSON value", "Convert the bytes"),
}  # fmt: skip

# Refused on Moonshot's platform only: self-hosted engines accept them (custom roles, more parts).
PLATFORM: dict[str, Bad] = {
    "role-unknown": Bad(_msgs({"role": "robot", "content": "hi"}), "messages[0].role='robot'", "Moonshot knows the roles system, user, assistant, tool", "Use 'user', 'assistant', 'system' or 'tool'"),
    "tool-without-call-id": Bad(_msgs(*USER, {"role": "tool", "content": "42"}), "messages[1] (role 'tool') with tool_call_id=None", "names the call it answers", "Add 'tool_call_id'"),
    "part-unknown": Bad(_msgs({"role": "user", "content": [{"type": "audio_x", "audio_x": {}}]}), "messages[0].content[0].type='audio_x'", "Moonshot takes text, image_url and video_url parts", "{'type': 'text', 'text': ...}"),
    "response_format-unknown": Bad({"response_format": {"type": "yaml"}}, "response_format.type='yaml'", "text, json_object, json_schema", "response_format={'type': 'json_object'}"),
}  # fmt: skip

ALL: dict[str, Bad] = {**UNIVERSAL, **PLATFORM}
# Rows batch_lines refuses in its own words ("has no model: pass model= to run_batch").
NOT_A_MODEL_ID = ("model-None", "model-int")


def _call(bad: Bad) -> dict[str, Any]:
    return {"model": MODEL, "messages": USER, **bad.kwargs}


def _assert_names_everything(error: KimiValidationError, bad: Bad) -> None:
    message = str(error)
    for part in (bad.param, bad.allowed, bad.fix):
        assert part in message, f"{part!r} missing from: {message}"
    assert "for model ''" not in message  # a missing model is not named as one


# --- the request paths ----------------------------------------------------------------------------


def _create(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    c.chat.completions.create(**kw)


def _stream(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    for _chunk in c.chat.completions.create(stream=True, **kw):
        pass


def _helper_arguments(kw: dict[str, Any]) -> dict[str, Any]:
    # The helpers take a response_format given as a dict as it is, and a pydantic class.
    return kw


def _stream_helper(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    with c.chat.completions.stream(**_helper_arguments(kw)) as stream:
        for _event in stream:
            pass


def _parse(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    c.chat.completions.parse(**_helper_arguments(kw))


def _raw(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    cast("Any", c.chat.completions.with_raw_response.create(**kw)).parse()


def _streaming_response(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    with cast("Any", c.chat.completions.with_streaming_response.create(**kw)) as response:
        response.parse()


def _batch(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    run_batch(c, [kw], progress=False)


def _estimate(c: KimiOpenAI, kw: dict[str, Any]) -> None:
    c.tokenizers.estimate_token_count(**kw)


async def _acreate(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    await c.chat.completions.create(**kw)


async def _astream(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    async for _chunk in await c.chat.completions.create(stream=True, **kw):
        pass


async def _astream_helper(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    async with c.chat.completions.stream(**_helper_arguments(kw)) as stream:
        async for _event in stream:
            pass


async def _aparse(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    await c.chat.completions.parse(**_helper_arguments(kw))


async def _araw(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    cast("Any", await c.chat.completions.with_raw_response.create(**kw)).parse()


async def _astreaming_response(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    async with cast("Any", c.chat.completions.with_streaming_response.create(**kw)) as response:
        await response.parse()


async def _aestimate(c: AsyncKimiOpenAI, kw: dict[str, Any]) -> None:
    await c.tokenizers.estimate_token_count(**kw)


SYNC: dict[str, Callable[[KimiOpenAI, dict[str, Any]], None]] = {
    "create": _create,
    "stream=True": _stream,
    "stream-helper": _stream_helper,
    "parse": _parse,
    "raw": _raw,
    "streaming_response": _streaming_response,
    "batch": _batch,
    "estimate": _estimate,
}
ASYNC: dict[str, Callable[[AsyncKimiOpenAI, dict[str, Any]], Awaitable[None]]] = {
    "create": _acreate,
    "stream=True": _astream,
    "stream-helper": _astream_helper,
    "parse": _aparse,
    "raw": _araw,
    "streaming_response": _astreaming_response,
    "estimate": _aestimate,
}


def _clients(base_url: str | None = None, **options: Any) -> tuple[Recorder, KimiOpenAI, AsyncKimiOpenAI]:
    recorder = Recorder(respond=answer_completion_or_stream)
    common: dict[str, Any] = {"api_key": KEY, "max_retries": 0, "base_url": base_url, **options}
    sync = KimiOpenAI(http_client=recorder.client(), **common)
    return recorder, sync, AsyncKimiOpenAI(http_client=recorder.async_client(), **common)


def _cases(paths: dict[str, Any]) -> list[Any]:
    return list(_each_case(paths))


def _each_case(paths: dict[str, Any]) -> Iterator[Any]:
    for name, bad in ALL.items():
        for path in paths:
            if path == "batch" and name in NOT_A_MODEL_ID:
                continue
            yield pytest.param(bad, path, id=f"{name}-{path}")


@pytest.mark.parametrize(("bad", "path"), _cases(SYNC))
def test_bad_input_is_refused_before_the_wire(bad: Bad, path: str) -> None:
    recorder, client, _ = _clients()
    with pytest.raises(KimiValidationError) as info:
        SYNC[path](client, _call(bad))
    assert recorder.requests == []
    _assert_names_everything(info.value, bad)


@pytest.mark.anyio
@pytest.mark.parametrize(("bad", "path"), _cases(ASYNC))
async def test_async_bad_input_is_refused_before_the_wire(bad: Bad, path: str) -> None:
    recorder, _, client = _clients()
    with pytest.raises(KimiValidationError) as info:
        await ASYNC[path](client, _call(bad))
    assert recorder.requests == []
    _assert_names_everything(info.value, bad)


@pytest.mark.parametrize("model", [None, 5], ids=["None", "int"])
def test_a_batch_without_a_model_id_is_refused_before_the_upload(model: object) -> None:
    recorder, client, _ = _clients()
    with pytest.raises(KimiValidationError, match=r"has no model: pass model="):
        run_batch(client, [{"model": model, "messages": USER}], progress=False)
    assert recorder.requests == []


# --- where each check applies -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", UNIVERSAL.values(), ids=UNIVERSAL.keys())
def test_universal_checks_apply_to_a_self_hosted_engine(bad: Bad) -> None:
    recorder, client, _ = _clients(SELF_HOSTED)
    with pytest.raises(KimiValidationError) as info:
        client.chat.completions.create(**_call(bad))
    assert recorder.requests == []
    _assert_names_everything(info.value, bad)


@pytest.mark.parametrize("bad", PLATFORM.values(), ids=PLATFORM.keys())
def test_moonshot_rules_do_not_apply_to_a_self_hosted_engine(bad: Bad) -> None:
    recorder, client, _ = _clients(SELF_HOSTED)
    client.chat.completions.create(**_call(bad))
    sent = recorder.last_json()
    for key, value in bad.kwargs.items():
        assert sent[key] == value


@pytest.mark.parametrize("bad", PLATFORM.values(), ids=PLATFORM.keys())
def test_the_token_estimate_of_a_self_hosted_engine_skips_moonshot_rules(bad: Bad) -> None:
    recorder, client, _ = _clients(SELF_HOSTED)
    recorder.respond = lambda _r: httpx.Response(200, json={"data": {"total_tokens": 7}})
    assert client.tokenizers.estimate_token_count(**_call(bad)).total_tokens == 7


@pytest.mark.parametrize("bad", PLATFORM.values(), ids=PLATFORM.keys())
def test_moonshot_rules_apply_behind_a_proxy_given_its_region(bad: Bad) -> None:
    recorder, client, _ = _clients("https://llm-gateway.example.com/v1", region="global")
    with pytest.raises(KimiValidationError):
        client.chat.completions.create(**_call(bad))
    assert recorder.requests == []


# --- what the openai SDK's types allow is sent ------------------------------------------------------


class Answer(BaseModel):
    value: int


class Reiterable:
    """An iterable that is not a list (what a generator is), which every parametrized run can read."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Any]:
        return (item for item in self.items)


class UserTurn(BaseModel):
    role: str = "user"
    content: str


RETURNED = ChatCompletionMessage.model_validate({"role": "assistant", "content": "Hello"})

ALLOWED: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any]], object]]] = {
    "messages-iterable": ({"messages": Reiterable(USER)}, lambda body: body["messages"] == USER),
    "messages-tuple": ({"messages": tuple(USER)}, lambda body: body["messages"] == USER),
    "messages-returned-object": (
        {"messages": [*USER, RETURNED, {"role": "user", "content": "again"}]},
        lambda body: body["messages"][1] == {"role": "assistant", "content": "Hello"},
    ),
    "messages-pydantic-user-turn": (
        {"messages": [UserTurn(role="user", content="hi")]},
        lambda body: body["messages"] == [{"role": "user", "content": "hi"}],
    ),
    "stop-str": ({"stop": "END"}, lambda body: body["stop"] == "END"),
    "stop-list": ({"stop": ["END", "\n\n"]}, lambda body: body["stop"] == ["END", "\n\n"]),
    "content-parts": (
        _msgs({"role": "user", "content": [{"type": "text", "text": "hi"}]}),
        lambda body: body["messages"][0]["content"] == [{"type": "text", "text": "hi"}],
    ),
    "tool_choice-named": (
        {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "get_x"}}},
        lambda body: body["tool_choice"]["function"]["name"] == "get_x",
    ),
    "tool_choice-none": ({"tools": [TOOL], "tool_choice": "none"}, lambda body: body["tool_choice"] == "none"),
    "max_tokens-None": ({"max_tokens": None}, lambda body: body.get("max_tokens") is None),
    "temperature-None": ({"temperature": None}, lambda body: body.get("temperature") is None),
    "max_tokens-whole-float": ({"max_tokens": 1024.0}, lambda body: body["max_completion_tokens"] == 1024),
    "json_schema": (
        {"response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}}},
        lambda body: body["response_format"]["type"] == "json_schema",
    ),
    # Sent as `system`: Moonshot answers `developer` with "unsupported role ROLE_UNSPECIFIED".
    "developer-role": (_msgs({"role": "developer", "content": "be brief"}, *USER), lambda body: body["messages"][0] == {"role": "system", "content": "be brief"}),
    "non-ascii-and-astral": (
        _msgs({"role": "user", "content": "héllo 😀 \u2028"}),
        lambda body: body["messages"][0]["content"] == "héllo 😀 \u2028",
    ),
    "unknown-field": ({"extra_body": {"brand_new_option": [1, {"a": None}]}}, lambda body: body["brand_new_option"] == [1, {"a": None}]),
}  # fmt: skip


@pytest.mark.parametrize("path", ["create", "stream=True", "raw", "streaming_response"])
@pytest.mark.parametrize(("kwargs", "check"), ALLOWED.values(), ids=ALLOWED.keys())
def test_what_the_openai_types_allow_is_sent(
    kwargs: dict[str, Any], check: Callable[[dict[str, Any]], object], path: str
) -> None:
    recorder, client, _ = _clients()
    SYNC[path](client, {"model": MODEL, "messages": USER, **kwargs})
    assert check(recorder.last_json())


def test_a_pydantic_response_format_goes_through_the_helpers() -> None:
    recorder, client, _ = _clients()
    recorder.respond = lambda _r: httpx.Response(
        200, json={**COMPLETION, "choices": [{"index": 0, "message": {"role": "assistant", "content": '{"value": 2}'}, "finish_reason": "stop"}]}
    )  # fmt: skip
    parsed = client.chat.completions.parse(model=MODEL, messages=cast(Any, USER), response_format=Answer)
    assert parsed.choices[0].message.parsed == Answer(value=2)
    assert recorder.last_json()["response_format"]["type"] == "json_schema"


# --- validation=False sends anything JSON can carry ------------------------------------------------

SENT_AS_GIVEN = ("model-None", "messages-dict", "messages-str", "message-int", "temperature-str", "n-zero", "tools-int", "tool_choice-garbage", "stop-int", "role-unknown")  # fmt: skip


@pytest.mark.parametrize("name", SENT_AS_GIVEN)
def test_validation_off_sends_the_input_as_given(name: str) -> None:
    recorder, client, _ = _clients(validation=False)
    client.chat.completions.create(**_call(ALL[name]))
    sent = recorder.last_json()
    for key, value in ALL[name].kwargs.items():
        assert sent[key] == value


def test_validation_off_leaves_unencodable_values_to_openai() -> None:
    # Nothing can send NaN as JSON: with the checks off, openai's encoder says so itself.
    recorder, client, _ = _clients(validation=False)
    with pytest.raises(ValueError, match="JSON") as info:
        client.chat.completions.create(model=MODEL, messages=cast(Any, USER), temperature=math.nan)
    assert not isinstance(info.value, KimiValidationError)
    assert recorder.requests == []


def test_a_generator_of_messages_is_sent_as_a_list() -> None:
    recorder, client, _ = _clients()
    client.chat.completions.create(model=MODEL, messages=cast(Any, (m for m in USER)))
    assert recorder.last_json()["messages"] == USER


def _generator(items: list[Any]) -> Iterator[Any]:
    return (item for item in items)


@pytest.mark.parametrize("kind", [tuple, _generator], ids=["tuple", "generator"])
def test_a_batch_line_takes_messages_as_any_iterable(kind: Callable[[list[Any]], Any]) -> None:
    _, client, _ = _clients()
    [line] = batch_lines([{"model": MODEL, "messages": kind(USER), "tools": kind([TOOL])}], client=client)
    body = cast("dict[str, Any]", line["body"])
    assert body["messages"] == USER
    assert body["tools"] == [TOOL]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"messages": KEY},
        {"messages": [{"role": "user", "content": [KEY]}]},
        {"stop": {KEY: 1}},
    ],
    ids=["messages", "nested", "key"],
)
def test_a_key_passed_in_the_wrong_place_is_not_quoted_back(kwargs: dict[str, Any]) -> None:
    _, client, _ = _clients()
    call: dict[str, Any] = {"model": MODEL, "messages": USER, **kwargs}
    with pytest.raises(KimiValidationError) as info:
        client.chat.completions.create(**call)
    assert KEY not in str(info.value)
    assert "sk-***" in str(info.value)


def test_a_single_message_dict_is_not_sent_as_its_keys() -> None:
    recorder, client, _ = _clients(validation=False)
    one = {"role": "user", "content": "hi"}
    client.chat.completions.create(model=MODEL, messages=cast(Any, one))
    assert json.loads(recorder.last.content)["messages"] == one
