"""kimi_params: a validated extra_body for a plain openai client."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from _helpers import Recorder
from openai.types.chat import ChatCompletionMessageParam

from kimi_openai._errors import KimiValidationError
from kimi_openai._extra_body import kimi_params, partial_message
from kimi_openai.types.thinking_param import ThinkingParam

MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "Implement quicksort."}]

BUILT: list[tuple[dict[str, Any], dict[str, object]]] = [
    ({}, {}),
    ({"thinking": "disabled"}, {"thinking": {"type": "disabled"}}),
    (
        {"model": "kimi-k2.6", "thinking": {"type": "enabled", "keep": "all"}},
        {"thinking": {"type": "enabled", "keep": "all"}},
    ),
    (
        {"prompt_cache_key": "task-1", "safety_identifier": "u-9"},
        {"prompt_cache_key": "task-1", "safety_identifier": "u-9"},
    ),
    ({"model": "kimi-k3", "reasoning_effort": "max"}, {"reasoning_effort": "max"}),
    (
        {"messages": MESSAGES, "partial": "```python\n"},
        {"messages": [*MESSAGES, {"role": "assistant", "content": "```python\n", "partial": True}]},
    ),
    (
        {"model": "moonshot-v1-8k", "messages": MESSAGES, "partial": "", "partial_name": "Kelsier"},
        {"messages": [*MESSAGES, {"role": "assistant", "content": "", "partial": True, "name": "Kelsier"}]},
    ),
    (
        {"model": "some-future-model", "thinking": {"type": "enabled", "keep": "all"}},
        {"thinking": {"type": "enabled", "keep": "all"}},
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), BUILT)
def test_builds_only_given_fields(kwargs: dict[str, Any], expected: dict[str, object]) -> None:
    assert kimi_params(**kwargs) == expected


REJECTED: list[tuple[dict[str, Any], list[str]]] = [
    ({"thinking": True}, ["thinking=True", '{"type": "enabled"}']),
    ({"model": "kimi-k2.5", "thinking": {"type": "enabled", "keep": "all"}}, ["'kimi-k2.5'", "keep"]),
    ({"model": "kimi-k2.7-code", "thinking": "disabled"}, ["'kimi-k2.7-code'", "always on"]),
    ({"model": "kimi-k2-0905-preview", "thinking": "enabled"}, ["no thinking mode"]),
    ({"model": "kimi-k3", "reasoning_effort": "none"}, ["reasoning_effort='none'", "low, high, max"]),
    # A live 400 on K2 models (pydantic/pydantic-ai PR #6208); thinking off is what "none" means.
    (
        {"model": "kimi-k2.6", "reasoning_effort": "none"},
        ["reasoning_effort='none'", "minimal, low, medium, high", 'thinking={"type": "disabled"}'],
    ),
    ({"partial": "{"}, ["partial needs messages"]),
    (
        {"messages": [{"role": "assistant", "content": ""}], "partial": "x"},
        ["messages[0]", "empty assistant"],
    ),
]


@pytest.mark.parametrize(("kwargs", "fragments"), REJECTED)
def test_rejected(kwargs: dict[str, Any], fragments: list[str]) -> None:
    with pytest.raises(KimiValidationError) as info:
        kimi_params(**kwargs)
    for fragment in fragments:
        assert fragment in str(info.value)
    if "model" in kwargs:  # a model rule: the hint names kimi_params' own switch
        assert "validate=False on kimi_params" in str(info.value)
        assert "validation=False" not in str(info.value)


def test_validate_false_skips_model_rules() -> None:
    assert kimi_params(model="kimi-k2.7-code", thinking="disabled", validate=False) == {
        "thinking": {"type": "disabled"}
    }


def test_input_not_mutated() -> None:
    thinking: ThinkingParam = {"type": "enabled", "keep": "all"}
    messages = [dict(m) for m in MESSAGES]
    result = kimi_params(thinking=thinking, messages=messages, partial="x")
    assert thinking == {"type": "enabled", "keep": "all"}
    assert messages == MESSAGES
    assert result["thinking"] is not thinking


def test_partial_message() -> None:
    assert partial_message("{") == {"role": "assistant", "content": "{", "partial": True}
    assert partial_message("", name="narrator")["name"] == "narrator"


def test_reaches_the_wire_through_a_plain_openai_client() -> None:
    recorder = Recorder()
    client = openai.OpenAI(
        api_key="sk-test", base_url="https://api.moonshot.ai/v1", http_client=recorder.client()
    )
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Write {"}]
    client.chat.completions.create(
        model="kimi-k2.6",
        messages=messages,
        extra_body=kimi_params(
            model="kimi-k2.6",
            thinking="disabled",
            messages=messages,
            partial="{",
            prompt_cache_key="k",
        ),
    )
    body = recorder.last_json()
    assert body["thinking"] == {"type": "disabled"}
    assert body["prompt_cache_key"] == "k"
    assert body["messages"] == [*messages, {"role": "assistant", "content": "{", "partial": True}]
