"""Any request body gets an answer from the emulator's core: a completion or the server's 4xx shape.

A field of an odd type is a 400 ``invalid_request_error`` naming the field, never an exception
out of ``handle()`` (which the socket server would turn into a dropped connection).
"""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kimi_openai.testing import DEFAULT_MODELS, MoonshotEmulator, TextReply
from kimi_openai.testing._chat_rules import BODY_TYPES, MESSAGE_TYPES

AUTH = {"authorization": "Bearer sk-test"}
USER: Any = {"role": "user", "content": "hi"}
CHAT = "/v1/chat/completions"
MODELS = [card.id for card in DEFAULT_MODELS]

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
ODD = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
"""Any JSON value: what a field of a body written by hand (or by a buggy framework) may hold."""
LONE_SURROGATE = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2)
"""Sent by json.dumps as a ``\\ud800`` escape."""
TEXT = st.text(max_size=12)
CALL: Any = {
    "id": "functions.lookup:0",
    "type": "function",
    "function": {"name": "lookup", "arguments": "{}"},
}
TOOL: Any = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
SEARCH: Any = {"type": "builtin_function", "function": {"name": "$web_search"}}


@st.composite
def conversations(draw: st.DrawFn) -> list[Any]:
    """Message lists the rules accept, so that odd values reach every stage of the core."""
    text = draw(TEXT)
    shapes: list[list[Any]] = [
        [{"role": "user", "content": text}],
        [{"role": "system", "content": text}, {"role": "user", "content": [{"type": "text", "text": text}]}],
        [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": text or "b"},
            {"role": "user", "content": text},
        ],
        [
            {"role": "user", "content": text},
            {"role": "assistant", "content": "", "reasoning_content": "r", "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": CALL["id"], "name": "lookup", "content": text},
        ],
        [
            {"role": "user", "content": text},
            {"role": "assistant", "content": "{", "partial": True, "name": text},
        ],
    ]
    return draw(st.sampled_from(shapes))


PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "temperature": st.floats(0, 1),
    "top_p": st.floats(0, 1),
    "n": st.integers(1, 5),
    "max_tokens": st.integers(-5, 300_000),
    "max_completion_tokens": st.integers(-5, 300_000),
    "presence_penalty": st.floats(-2, 2),
    "frequency_penalty": st.floats(-2, 2),
    "stream": st.booleans(),
    "stream_options": st.fixed_dictionaries({"include_usage": st.booleans()}),
    "stop": TEXT | st.lists(TEXT, max_size=3),
    "tools": st.lists(st.sampled_from([TOOL, SEARCH]), max_size=2),
    "tool_choice": st.sampled_from(
        ["auto", "none", "required", {"type": "function", "function": {"name": "lookup"}}]
    ),
    "response_format": st.sampled_from([{"type": "text"}, {"type": "json_object"}]),
    "thinking": st.sampled_from(
        [{"type": "enabled"}, {"type": "disabled"}, {"type": "enabled", "keep": "all"}]
    ),
    "reasoning_effort": st.sampled_from(["low", "medium", "high", "max", "none"]),
    "prompt_cache_key": TEXT,
    "user": TEXT,
}


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) pair inside a JSON value, for a mutation to overwrite."""
    found: list[tuple[Any, Any]] = []
    pairs: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        pairs = list(cast("dict[str, Any]", value).items())
    elif isinstance(value, list):
        pairs = list(enumerate(cast("list[Any]", value)))
    for key, item in pairs:
        found.append((cast("Any", value), key))
        found.extend(_slots(item))
    return found


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _known_fields(body: dict[str, Any]) -> list[tuple[Any, Any]]:
    """Every documented field of the body and of its messages, present or not."""
    found = body.get("messages")
    items = cast("list[Any]", found) if isinstance(found, list) else []
    messages = [m for m in items if _is_object(m)]
    return [(body, name) for name in BODY_TYPES] + [(m, name) for m in messages for name in MESSAGE_TYPES]


@st.composite
def chat_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A plausible request, then up to two values anywhere in it replaced by odd ones."""
    body: dict[str, Any] = {"model": draw(st.sampled_from(MODELS)), "messages": draw(conversations())}
    for name in draw(st.lists(st.sampled_from(sorted(PLAUSIBLE)), max_size=3, unique=True)):
        body[name] = draw(PLAUSIBLE[name])
    body = json.loads(json.dumps(body))  # a private copy: mutations must not touch the shared constants
    for _ in range(draw(st.integers(0, 2))):
        container, key = draw(st.sampled_from(_slots(body)) | st.sampled_from(_known_fields(body)))
        # A lone surrogate stops the whole body at the parser: keep it rare.
        container[key] = draw(LONE_SURROGATE if draw(st.integers(0, 9)) == 7 else ODD)
    return body


CHAT_BODY = chat_bodies()


def assert_answered(status: int, body: bytes, headers: dict[str, str]) -> None:
    """A 200 whose body parses, or an error in Moonshot's shape (moonshot-api.md §7)."""
    if status != 200:
        error = json.loads(body)["error"]
        assert isinstance(error["message"], str)
        assert error["message"]
        assert status in (400, 404)
        assert error["type"] == ("invalid_request_error" if status == 400 else "resource_not_found_error")
        return
    if headers["content-type"] == "text/event-stream":
        events = body.decode().split("\n\n")
        assert events[-2:] == ["data: [DONE]", ""]
        for event in events[:-2]:
            assert json.loads(event.removeprefix("data: "))["object"] == "chat.completion.chunk"
        return
    assert json.loads(body)["object"] == "chat.completion"


def post(body: bytes, path: str = CHAT) -> tuple[int, bytes, dict[str, str]]:
    emulator = MoonshotEmulator()
    answer = emulator.handle("POST", path, AUTH, body)
    return answer.status, b"".join(answer.parts), dict(answer.headers)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CHAT_BODY)
@example({"model": "kimi-k2.6", "messages": [USER], "reasoning_effort": ["high"]})
@example({"model": "kimi-k2.6", "messages": [USER], "reasoning_effort": {"level": "high"}})
@example({"model": "kimi-k2.6", "messages": [{"role": ["user"], "content": "hi"}]})
@example({"model": "kimi-k2.6", "messages": [USER, {"role": "assistant", "content": "x", "tool_calls": 5}]})
@example({"model": "kimi-k2.6", "messages": [{"role": "user", "content": "\ud800"}]})
def test_any_chat_body_gets_a_completion_or_a_4xx(body: dict[str, Any]) -> None:
    assert_answered(*post(json.dumps(body).encode()))


ROUTES = [
    ("POST", CHAT),
    ("POST", "/v1/tokenizers/estimate-token-count"),
    ("POST", "/v1/batches"),
    ("POST", "/v1/formulas/moonshot/convert:latest/fibers"),
    ("POST", "/v1/files"),
]
RAW_BODIES = (
    st.binary(max_size=40)
    | CHAT_BODY.map(lambda body: json.dumps(body).encode())
    | ODD.map(lambda value: json.dumps(value).encode())
)


@settings(max_examples=200, deadline=None)
@given(route=st.sampled_from(ROUTES), body=RAW_BODIES)
@example(route=("POST", CHAT), body=b'{"model": "kimi-k2.6", "messages": [], "temperature": NaN}')
@example(
    route=("POST", "/v1/formulas/moonshot/base64:latest/fibers"),
    body=b'{"name": "base64", "arguments": "{\\"data\\": \\"\\\\ud800\\"}"}',
)
@example(
    route=("POST", "/v1/files"),
    body=b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n\xff\r\n--b--',
)
def test_any_body_on_any_route_gets_an_answer_below_500(route: tuple[str, str], body: bytes) -> None:
    emulator = MoonshotEmulator()
    headers = {**AUTH, "content-type": "multipart/form-data; boundary=b"}
    answer = emulator.handle(route[0], route[1], headers, body)

    assert answer.status < 500
    if answer.status >= 400:
        assert answer.json()["error"]["type"] in ("invalid_request_error", "resource_not_found_error")


ODD_VALUES: list[Any] = [["high"], {"level": "high"}, 5, True, "text", 1.5]


def odd_value_for(expected: tuple[str, ...]) -> list[Any]:
    """The values of ``ODD_VALUES`` that are none of the expected JSON types."""
    kinds = {"string": str, "bool": bool, "object": dict}
    refused: list[Any] = []
    for value in ODD_VALUES:
        fits = any(
            (kind == "number" and isinstance(value, int | float) and not isinstance(value, bool))
            or (kind == "int" and type(value) is int)
            or (kind.startswith("[]") and isinstance(value, list))
            or (kind in kinds and type(value) is kinds[kind])
            for kind in expected
        )
        if not fits:
            refused.append(value)
    return refused


BODY_CASES = [(name, value) for name, expected in BODY_TYPES.items() for value in odd_value_for(expected)]
MESSAGE_CASES = [
    (name, value) for name, expected in MESSAGE_TYPES.items() for value in odd_value_for(expected)
]


@pytest.mark.parametrize(("field", "value"), BODY_CASES)
def test_a_chat_field_of_the_wrong_type_is_a_400_naming_it(field: str, value: Any) -> None:
    body = {"model": "kimi-k2.6", "messages": [USER], field: value}

    status, raw, _ = post(json.dumps(body).encode())

    assert status == 400
    error = json.loads(raw)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith(f"the {field} field in the request (expected type ")


@pytest.mark.parametrize(("field", "value"), MESSAGE_CASES)
def test_a_message_field_of_the_wrong_type_is_a_400_naming_it(field: str, value: Any) -> None:
    message = {"role": "assistant", "content": "prefix", field: value}
    body = {"model": "kimi-k2.6", "messages": [USER, message]}

    status, raw, _ = post(json.dumps(body).encode())

    assert status == 400
    assert json.loads(raw)["error"]["message"].startswith(f"the messages.{field} field in the request")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            b'{"model": "kimi-k2.6", "messages": [{"role": "user", "content": "hi"}], "top_p": NaN}',
            "NaN is not JSON",
        ),
        (
            b'{"model": "kimi-k2.6", "messages": [{"role": "user", "content": "hi"}], "top_p": -Infinity}',
            "-Infinity is not JSON",
        ),
        (
            b'{"model": "kimi-k2.6", "messages": [{"role": "user", "content": "\\udc00 alone"}]}',
            "lone UTF-16 surrogate",
        ),
        (b"\xff\xfe{}", "codec can't decode"),
        (b'{"model": "kimi-k2.6"', "Expecting"),
        (b'["model", "kimi-k2.6"]', "must be a JSON object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400_saying_why(body: bytes, reason: str) -> None:
    status, raw, _ = post(body)

    assert status == 400
    assert reason in json.loads(raw)["error"]["message"]


def test_a_surrogate_pair_is_text_not_an_error() -> None:
    body = b'{"model": "kimi-k2.6", "messages": [{"role": "user", "content": "\\ud83d\\ude00"}]}'

    status, raw, _ = post(body)

    assert status == 200
    assert json.loads(raw)["choices"][0]["message"]["content"] == "You said: \U0001f600"


@pytest.mark.parametrize("depth", [50_000, 990])
def test_deeply_nested_json_is_a_400_or_an_answer_never_an_exception(depth: int) -> None:
    nested = "[" * depth + "]" * depth
    body = f'{{"model": "kimi-k2.6", "messages": [{{"role": "user", "content": "hi", "x": {nested}}}]}}'

    status, raw, _ = post(body.encode())

    assert status in (200, 400)
    if status == 400:
        assert json.loads(raw)["error"]["message"] == "Invalid request: the JSON nests too deeply"


def test_a_batch_line_with_an_odd_model_fails_that_line_only() -> None:
    emulator = MoonshotEmulator()
    line = {"custom_id": "a", "url": CHAT, "body": {"model": ["kimi-k2.6"], "messages": [USER]}}
    upload = (
        b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="in.jsonl"\r\n\r\n'
        + json.dumps(line).encode()
        + b"\r\n--b--\r\n"
    )
    headers = {**AUTH, "content-type": "multipart/form-data; boundary=b"}
    file_id = emulator.handle("POST", "/v1/files", headers, upload).json()["id"]
    create = {"input_file_id": file_id, "endpoint": CHAT, "completion_window": "24h"}
    batch_id = emulator.handle("POST", "/v1/batches", AUTH, json.dumps(create).encode()).json()["id"]

    states = [emulator.handle("GET", f"/v1/batches/{batch_id}", AUTH, b"").json() for _ in range(3)]

    assert states[-1]["status"] == "completed"
    assert states[-1]["request_counts"] == {"completed": 0, "failed": 1, "total": 1}


def test_a_scripted_reply_still_needs_a_well_typed_request() -> None:
    emulator = MoonshotEmulator().queue(TextReply("scripted"))
    body = {"model": "kimi-k2.6", "messages": [USER], "stream": "yes"}

    answer = emulator.handle("POST", CHAT, AUTH, json.dumps(body).encode())

    assert answer.status == 400
    assert emulator.pending  # the scripted reply waits for a request that passes


@pytest.mark.parametrize(
    ("target", "status"),
    [("//[x/v1/models", 404), ("*", 404), ("/v1/models?after=%zz&=&&", 200), ("/v1/models#frag", 200)],
)
def test_any_request_target_gets_an_answer(target: str, status: int) -> None:
    answer = MoonshotEmulator().handle("GET", target, AUTH, b"")

    assert answer.status == status
