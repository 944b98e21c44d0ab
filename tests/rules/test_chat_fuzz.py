"""Any ``create()`` input is either sent or refused with a ``KimiValidationError``.

A property-based fuzz of the chat request: well-formed and malformed values for every
parameter the checks know (wrong JSON types, NaN and infinity, lone surrogates, nested
garbage), on Moonshot's platform and on a self-hosted base URL. Whatever the input, the
client never fails with a ``TypeError``, ``AttributeError``, ``KeyError`` or ``ValueError``
from inside itself or from openai's JSON encoder: the request reaches the transport, or a
``KimiValidationError`` is raised and nothing is sent.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import pytest
from _helpers import Recorder
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError, KimiWarning

KEY = "sk-test-fuzz-0123456789"
BASE_URLS = ("https://api.moonshot.ai/v1", "http://localhost:8000/v1")
MODELS = ("kimi-k2.6", "kimi-k2.5", "kimi-k3", "moonshot-v1-8k", "kimi-k2-thinking", "some-future-model")
ROLES = ("user", "user", "user", "assistant", "system", "tool", "developer", "robot", "")
PARAMS = (
    "temperature",
    "top_p",
    "n",
    "max_tokens",
    "max_completion_tokens",
    "presence_penalty",
    "frequency_penalty",
    "stop",
    "tools",
    "tool_choice",
    "response_format",
)

# Text with the characters that break encoders: lone surrogates, NUL, non-BMP.
texts = st.integers(0, 15).flatmap(
    lambda i: st.sampled_from(["\ud800", "a\udfffb", "\x00", "😀", "sk-é"]) if i == 7 else st.text(max_size=8)
)
numbers = st.integers(min_value=-(2**40), max_value=2**40) | st.floats(allow_nan=True, allow_infinity=True)
scalars = st.none() | st.booleans() | numbers | texts
# Nested JSON-ish garbage, including tuples and values JSON cannot carry.
leaves = scalars | st.just(b"bytes") | st.just(object()) | st.just({1, 2})
garbage = leaves | st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3) | st.tuples(inner, inner)
    ),
    max_leaves=8,
)


def mostly(valid: st.SearchStrategy[Any], one_in: int = 16) -> st.SearchStrategy[Any]:
    """``valid`` most of the time, garbage once in ``one_in``: so most calls get past the first check.

    The garbage branch is a middle value: hypothesis favours the ends of a range.
    """
    return st.integers(0, one_in - 1).flatmap(lambda i: garbage if i == one_in // 2 else valid)


parts = st.fixed_dictionaries(
    {"type": mostly(st.sampled_from(["text", "image_url", "video_url", "input_audio", "audio_x"]))},
    optional={
        "text": mostly(texts),
        "image_url": st.fixed_dictionaries(
            {"url": st.sampled_from(["data:image/png;base64,AA==", "https://x/a.png", "ms://file-1"])}
        ),
    },
)
tool_call = st.fixed_dictionaries(
    {
        "id": mostly(texts),
        "type": mostly(st.just("function")),
        "function": mostly(st.fixed_dictionaries({"name": mostly(texts), "arguments": mostly(texts)})),
    }
)
message = st.fixed_dictionaries(
    {
        "role": mostly(st.sampled_from(ROLES)),
        "content": mostly(texts | st.none() | st.lists(mostly(parts), max_size=3)),
    },
    optional={
        "tool_call_id": mostly(texts),
        "tool_calls": mostly(st.lists(mostly(tool_call), max_size=2)),
        "reasoning_content": mostly(texts),
        "partial": mostly(st.booleans()),
        "name": mostly(texts),
    },
)
messages = mostly(
    st.lists(mostly(message), min_size=1, max_size=4) | st.lists(mostly(message), max_size=4).map(tuple),
    one_in=6,
)

function = st.fixed_dictionaries(
    {"name": mostly(st.sampled_from(["get_x", "$web_search", "1x"]) | texts)},
    optional={
        "parameters": mostly(
            st.fixed_dictionaries(
                {"type": mostly(st.just("object"))},
                optional={"properties": st.dictionaries(texts, garbage, max_size=3)},
            )
        ),
        "strict": st.booleans(),
    },
)
tool = st.fixed_dictionaries(
    {"type": mostly(st.sampled_from(["function", "builtin_function"])), "function": mostly(function)}
)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "temperature": mostly(st.floats(0, 2) | st.none()),
    "top_p": mostly(st.floats(0, 1)),
    "n": mostly(st.integers(1, 6)),
    "max_tokens": mostly(st.integers(1, 300_000) | st.none()),
    "max_completion_tokens": mostly(st.integers(1, 300_000)),
    "presence_penalty": mostly(st.floats(-2, 2)),
    "frequency_penalty": mostly(st.floats(-2, 2)),
    "stop": mostly(texts | st.lists(texts, max_size=6) | st.none()),
    "tools": mostly(st.lists(mostly(tool), max_size=3)),
    "tool_choice": mostly(
        st.sampled_from(["auto", "none", "required", {"type": "function", "function": {"name": "get_x"}}])
    ),
    "response_format": mostly(st.sampled_from([{"type": "json_object"}, {"type": "text"}, {"type": "yaml"}])),
}


@st.composite
def calls(draw: st.DrawFn) -> dict[str, Any]:
    call: dict[str, Any] = {
        "model": draw(mostly(st.sampled_from(MODELS))),
        "messages": draw(messages),
    }
    for key in draw(st.sets(st.sampled_from(PARAMS), max_size=4)):
        call[key] = draw(VALUES[key])
    if draw(st.booleans()):
        # Unknown fields travel in extra_body and must reach the wire untouched.
        call["extra_body"] = {"vendor_option": draw(st.integers() | st.text(max_size=5))}
    return call


@contextmanager
def _placeholder_warning_allowed() -> Generator[None]:
    # An assistant tool-call turn without reasoning gets a documented KimiWarning (thinking.md).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KimiWarning)
        yield


def _check_outcome(recorder: Recorder, call: dict[str, Any], error: BaseException | None) -> None:
    if error is not None:
        assert isinstance(error, KimiValidationError), f"{type(error).__name__}: {error}"
        event("refused", re.sub(r"\[\d+\]|=.*", "", str(error).split(" is not allowed")[0]))
        assert recorder.requests == [], "refused, yet something was sent"
        return
    assert len(recorder.requests) == 1
    event("sent")
    if "extra_body" in call:
        assert json.loads(recorder.last.content)["vendor_option"] == call["extra_body"]["vendor_option"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call=calls(), base_url=st.sampled_from(BASE_URLS))
def test_create_sends_or_raises_a_validation_error(call: dict[str, Any], base_url: str) -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key=KEY, base_url=base_url, http_client=recorder.client(), max_retries=0)
    error: BaseException | None = None
    try:
        with _placeholder_warning_allowed():
            client.chat.completions.create(**call)
    except Exception as exc:
        error = exc
    _check_outcome(recorder, call, error)


@pytest.mark.anyio
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call=calls(), base_url=st.sampled_from(BASE_URLS))
async def test_async_create_sends_or_raises_a_validation_error(call: dict[str, Any], base_url: str) -> None:
    recorder = Recorder()
    client = AsyncKimiOpenAI(
        api_key=KEY, base_url=base_url, http_client=recorder.async_client(), max_retries=0
    )
    error: BaseException | None = None
    try:
        with _placeholder_warning_allowed():
            await client.chat.completions.create(**call)
    except Exception as exc:
        error = exc
    _check_outcome(recorder, call, error)
