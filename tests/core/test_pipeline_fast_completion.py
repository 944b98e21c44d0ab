"""Non-stream completions built by the compiled validator equal what openai's construction builds."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openai._models import construct_type

from kimi_openai._pipeline import fast_completion
from kimi_openai.types import KimiChatCompletion


def _completion(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1698999496,
        "model": "kimi-k2.6",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 19, "completion_tokens": 21, "total_tokens": 40, "cached_tokens": 10},
    }
    body.update(extra)
    return body


TOOL_CALL = {
    "id": "functions.get_weather:0",
    "type": "function",
    "function": {"name": "get_weather", "arguments": "{}"},
}
PAYLOADS: dict[str, dict[str, Any]] = {
    "plain": _completion({"role": "assistant", "content": "Hello"}),
    "reasoning": _completion({"role": "assistant", "content": "2", "reasoning_content": "1+1"}),
    "tool calls": _completion({"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]}),
    "nested cached tokens": _completion(
        {"role": "assistant", "content": "x"},
        usage={
            "prompt_tokens": 5,
            "completion_tokens": 1,
            "total_tokens": 6,
            "prompt_tokens_details": {"cached_tokens": 4},
        },
    ),
    "unknown fields": _completion(
        {"role": "assistant", "content": "x", "vendor": {"a": 1}}, system_fingerprint="fpv0_1", extra_top=[1]
    ),
    "nulls": _completion({"role": "assistant", "content": None, "tool_calls": None}, usage=None),
    "choices null": _completion({"role": "assistant", "content": "x"}, choices=None),
}


@pytest.mark.parametrize("data", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_fast_path_equals_openai_construction(data: dict[str, Any]) -> None:
    slow = construct_type(type_=KimiChatCompletion, value=copy.deepcopy(data))
    fast = fast_completion(copy.deepcopy(data), KimiChatCompletion, strict=False)
    if fast is None:
        # Only a payload that breaks the declared types goes openai's way (the reference).
        assert data["choices"] is None
        return
    assert type(fast) is type(slow)
    assert isinstance(slow, KimiChatCompletion)
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_dump(exclude_unset=True) == slow.model_dump(exclude_unset=True)
    assert fast.choices[0].message.reasoning_content == slow.choices[0].message.reasoning_content
    assert (fast.usage and fast.usage.cached_tokens) == (slow.usage and slow.usage.cached_tokens)


def test_the_fast_path_takes_ordinary_answers_and_declines_the_rest() -> None:
    assert fast_completion(PAYLOADS["reasoning"], KimiChatCompletion, strict=False) is not None
    assert fast_completion(PAYLOADS["tool calls"], KimiChatCompletion, strict=False) is not None
    builtin = _completion(
        {"role": "assistant", "content": "", "tool_calls": [{**TOOL_CALL, "type": "builtin_function"}]}
    )
    assert fast_completion(builtin, KimiChatCompletion, strict=False) is None
    odd = _completion({"role": "assistant", "content": "x"})
    odd["choices"][0]["finish_reason"] = "content_filter_v2"
    assert fast_completion(odd, KimiChatCompletion, strict=False) is None
    assert fast_completion(PAYLOADS["plain"], KimiChatCompletion, strict=True) is None
    assert fast_completion(PAYLOADS["plain"], dict, strict=False) is None
