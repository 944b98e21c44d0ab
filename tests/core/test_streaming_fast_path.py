"""The compiled fast path builds the same chunks as openai's lenient construction.

Generated Moonshot-shaped chunks (unknown fields, missing fields, nulls, wrong
types, tool-call fragments, reasoning deltas, usage in ``choices[0]`` and at the top
level) go through both; whatever the fast path accepts must equal what openai's
``_process_response_data`` builds: same classes at every level, same values and
leaf types, same set fields, same extras, same ``model_dump()`` and
``model_dump(exclude_unset=True)``.

Two known differences, both pydantic's own semantics: a validated model also lists
its extra keys in ``model_fields_set`` (constructed ones list declared fields only;
dumps are unaffected), and a ``logprob`` sent as an integer beyond 2**53 stays an
``int`` when constructed but becomes a ``float`` when validated (not generated).
"""

from __future__ import annotations

import json
from typing import Any, cast

import openai
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openai._streaming import ServerSentEvent
from pydantic import BaseModel

from kimi_openai._compat import httpx
from kimi_openai._streaming import _chunk_reader, _fast_parser, _Mode  # pyright: ignore[reportPrivateUsage]
from kimi_openai.types.chat import KimiChatCompletionChunk

CLIENT = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1")
RESPONSE = httpx.Response(200, request=httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))
LEGACY = _Mode(None)
PARSERS = _fast_parser(KimiChatCompletionChunk)
_kept: list[object] = []
FAST = _chunk_reader(PARSERS, LEGACY, lambda _sse: None, _kept.append)
"""The stream's reader of one event, answering ``None`` where openai's lenient path would decide."""

Strategy = st.SearchStrategy[Any]
Json: Strategy = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
UNKNOWN_KEYS = st.sampled_from(
    ["x_extra", "partial", "speaker", "meta", "_private", "choices_extra", "error_hint"]
)
WRONG_VALUES: list[object] = [None, "7", 7, 1.5, True, [], {}]
WRONG: Strategy = st.sampled_from(WRONG_VALUES)


def same(value: Strategy) -> Strategy:
    return value


def optional(value: Strategy) -> Strategy:
    return st.one_of(value, st.just(...))


def nullable(value: Strategy) -> Strategy:
    return st.one_of(value, st.just(...), st.just(None))


def maybe(value: Strategy) -> Strategy:
    """A field's value: usually well-typed, sometimes null or ill-typed; ``...`` means leave the key out."""
    return st.one_of(value, value, value, st.just(None), WRONG, st.just(...))


def obj(**fields: Strategy) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        out = {key: value for key, value in ((k, draw(s)) for k, s in fields.items()) if value is not ...}
        out.update(draw(st.dictionaries(UNKNOWN_KEYS, Json, max_size=2)))
        return out

    return build()


def usage(strict: bool) -> st.SearchStrategy[dict[str, Any]]:
    count = st.integers(0, 10**7)
    wrap = same if strict else maybe
    details = obj(cached_tokens=wrap(count), audio_tokens=wrap(count))
    return obj(
        prompt_tokens=wrap(count) if not strict else count,
        completion_tokens=wrap(count) if not strict else count,
        total_tokens=wrap(count) if not strict else count,
        cached_tokens=wrap(count) if not strict else st.one_of(count, st.just(...)),
        prompt_tokens_details=wrap(details) if not strict else st.one_of(details, st.just(...)),
    )


def tool_call(strict: bool) -> st.SearchStrategy[dict[str, Any]]:
    wrap = optional if strict else maybe
    function = obj(name=wrap(st.text(max_size=8)), arguments=wrap(st.text(max_size=12)))
    return obj(
        index=st.integers(0, 3) if strict else maybe(st.integers(0, 3)),
        id=wrap(st.sampled_from(["functions.get_weather:0", "search:1", "call_x"])),
        type=wrap(st.just("function"))
        if strict
        else maybe(st.sampled_from(["function", "builtin_function"])),
        function=wrap(function),
    )


def chunk(strict: bool) -> st.SearchStrategy[dict[str, Any]]:
    wrap = nullable if strict else maybe
    text = st.text(max_size=10)
    delta = obj(
        role=wrap(st.just("assistant")),
        content=wrap(text),
        reasoning_content=wrap(text),
        tool_calls=wrap(st.lists(tool_call(strict), max_size=2)),
    )
    finish = st.sampled_from(["stop", "length", "tool_calls"]) if strict else st.text(max_size=6)
    choice = obj(
        index=st.integers(0, 2) if strict else maybe(st.integers(0, 2)),
        delta=delta if strict else maybe(delta),
        finish_reason=wrap(finish),
        usage=wrap(usage(strict)),
    )
    return obj(
        id=st.just("chatcmpl-1") if strict else maybe(st.just("chatcmpl-1")),
        object=st.just("chat.completion.chunk") if strict else maybe(st.just("chat.completion.chunk")),
        created=st.integers(0, 2**40) if strict else maybe(st.integers(0, 2**40)),
        model=st.just("kimi-k2.6") if strict else maybe(st.just("kimi-k2.6")),
        choices=st.lists(choice, max_size=2) if strict else maybe(st.lists(choice, max_size=2)),
        system_fingerprint=wrap(st.just("fpv0_1")),
        usage=wrap(usage(strict)),
    )


def _slots(value: object) -> list[tuple[Any, Any]]:
    """Every (container, key) inside a JSON value."""
    found: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        for key, item in cast("dict[str, object]", value).items():
            found += [(value, key), *_slots(item)]
    elif isinstance(value, list):
        for index, item in enumerate(cast("list[object]", value)):
            found += [(value, index), *_slots(item)]
    return found


@st.composite
def mutated_chunk(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed chunk with one value nulled, replaced by a wrong type, or removed."""
    payload = draw(chunk(strict=True))
    container, key = draw(st.sampled_from(_slots(payload)))
    replacement: object = draw(st.one_of(WRONG, st.just(...)))
    if replacement is ...:
        del container[key]
    else:
        container[key] = replacement
    return payload


def shape(value: object) -> object:
    """Every level's class, set fields, declared values and extras, with leaf types."""
    if isinstance(value, BaseModel):
        fields = {name: shape(getattr(value, name)) for name in type(value).model_fields}
        extras = {key: shape(item) for key, item in (value.model_extra or {}).items()}
        declared_set = sorted(value.model_fields_set & type(value).model_fields.keys())
        return (type(value), declared_set, fields, extras)
    if isinstance(value, list):
        return [shape(item) for item in cast("list[object]", value)]
    if isinstance(value, dict):
        return {key: shape(item) for key, item in cast("dict[str, object]", value).items()}
    return (type(value), value)


def lenient(data: str) -> object:
    return CLIENT._process_response_data(  # pyright: ignore[reportPrivateUsage]
        data=json.loads(data), cast_to=KimiChatCompletionChunk, response=RESPONSE
    )


def fast(data: str) -> object | None:
    """The fast path's item for ``data``, sent as a full event and as a data-only event's text alike.

    Where the validator built the item, the stream keeps the text and builds ``received`` from
    it again: that item must equal the one yielded.
    """
    _kept.clear()
    got = FAST(ServerSentEvent(data=data))
    assert shape(FAST(data)) == shape(got)
    if got is not None:
        assert _kept == [data] * 2
        assert PARSERS is not None
        rebuilt = PARSERS.parse(data)
        assert rebuilt == got
        assert shape(rebuilt) == shape(got)
    return got


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(chunk(strict=False), mutated_chunk(), chunk(strict=True)))
def test_fast_path_equals_lenient_path(payload: dict[str, Any]) -> None:
    data = json.dumps(payload)
    expected = lenient(data)
    got = fast(data)
    event("fast path" if got is not None else "fallback")
    if got is not None:
        assert shape(got) == shape(expected)
        assert isinstance(got, BaseModel)
        assert isinstance(expected, BaseModel)
        assert got.model_dump() == expected.model_dump()
        assert got.model_dump(exclude_unset=True) == expected.model_dump(exclude_unset=True)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(chunk(strict=True))
def test_well_formed_chunks_take_the_fast_path(payload: dict[str, Any]) -> None:
    data = json.dumps(payload)
    got = fast(data)
    assert got is not None, data
    assert shape(got) == shape(lenient(data))
    usage_in_choice = [c.get("usage") for c in payload["choices"] if c.get("usage") is not None]
    assert isinstance(got, KimiChatCompletionChunk)
    if payload.get("usage") is None and usage_in_choice:
        assert got.usage is not None
        assert got.usage.total_tokens == usage_in_choice[0]["total_tokens"]


def test_usage_key_written_with_escapes_still_reaches_the_chunk() -> None:
    # JSON may spell a key with \u escapes; the choice's usage must still be copied up.
    usage = '{"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}'
    data = (
        '{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "kimi-k2.6", "choices": '
        '[{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop", "\\u0075sage": ' + usage + "}]}"
    )
    got = fast(data)
    assert isinstance(got, KimiChatCompletionChunk)
    assert got.usage is not None
    assert got.usage.total_tokens == 5
    assert shape(got) == shape(lenient(data))
