"""Kimi response models: openai's types, subclassed, with Moonshot's fields typed."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any, assert_type, cast, get_args, get_overloads, get_type_hints

import pydantic
import pytest
from _helpers import Recorder
from openai._models import construct_type
from openai.types import CompletionUsage
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ParsedChatCompletion,
    ParsedChatCompletionMessage,
)
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from openai.types.completion_usage import PromptTokensDetails

from kimi_openai import KimiOpenAI, KnownModel
from kimi_openai.lib.tools import async_run_tools, run_tools
from kimi_openai.lib.web_search import async_run_web_search, run_web_search
from kimi_openai.resources.chat._params import KimiCreateArgs, KimiParseArgs
from kimi_openai.resources.chat._partial import AsyncPartialMixin, PartialMixin
from kimi_openai.resources.chat.completions import AsyncKimiCompletions, KimiCompletions
from kimi_openai.types.chat import (
    KimiChatCompletion,
    KimiChatCompletionChunk,
    KimiChatCompletionMessage,
    KimiChoice,
    KimiChoiceDelta,
    KimiChunkChoice,
    KimiCompletionUsage,
    KimiParsedChatCompletion,
    KimiParsedChatCompletionMessage,
    reasoning_content_of,
    to_kimi_parsed,
)

# Shapes from https://platform.kimi.ai/docs/api/chat and the 2026 live recordings quoted in
# /work/shared/moonshot-api.md (section 6).
COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1698999496,
    "model": "kimi-k2.6",
    "system_fingerprint": "fpv0_1",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "2", "reasoning_content": "1+1 is 2."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 19, "completion_tokens": 21, "total_tokens": 40, "cached_tokens": 10},
}


def chunk(delta: dict[str, Any], **choice: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "kimi-k2.6",
        "choices": [{"index": 0, "delta": delta, **choice}],
    }


def build(type_: type[Any], data: dict[str, Any]) -> Any:
    """Both ways a response model gets built: openai's ``construct`` and strict validation."""
    constructed = construct_type(type_=type_, value=data)
    validated = pydantic.TypeAdapter(type_).validate_json(json.dumps(data), strict=True)
    assert type(constructed) is type(validated)
    assert constructed.model_dump() == validated.model_dump()
    assert constructed.model_fields_set == validated.model_fields_set
    return constructed


def test_kimi_types_are_openai_types() -> None:
    completion = build(KimiChatCompletion, COMPLETION)
    assert isinstance(completion, ChatCompletion)
    assert isinstance(completion.choices[0], KimiChoice)
    assert isinstance(completion.choices[0].message, ChatCompletionMessage)
    assert isinstance(completion.usage, CompletionUsage)
    assert issubclass(KimiChatCompletionChunk, ChatCompletionChunk)
    assert issubclass(KimiChoiceDelta, ChoiceDelta)
    assert issubclass(KimiParsedChatCompletion, ParsedChatCompletion)
    assert issubclass(KimiParsedChatCompletionMessage, ParsedChatCompletionMessage)


def test_reasoning_content_is_a_field_and_echoes_back() -> None:
    message = build(KimiChatCompletion, COMPLETION).choices[0].message
    assert isinstance(message, KimiChatCompletionMessage)
    assert message.reasoning_content == "1+1 is 2."
    assert message.model_extra == {}
    # Sent back as it came: the field counts as set, so an echo keeps it.
    assert message.model_dump(exclude_unset=True) == COMPLETION["choices"][0]["message"]


def test_message_without_reasoning() -> None:
    data = {
        **COMPLETION,
        "choices": [{**COMPLETION["choices"][0], "message": {"role": "assistant", "content": "x"}}],
    }
    message = build(KimiChatCompletion, data).choices[0].message
    assert message.reasoning_content is None
    assert "reasoning_content" not in message.model_dump(exclude_unset=True)


@pytest.mark.parametrize(
    ("usage", "cached"),
    [
        ({"cached_tokens": 10}, 10),
        ({"prompt_tokens_details": {"cached_tokens": 7}}, 7),
        ({"cached_tokens": 3, "prompt_tokens_details": {"cached_tokens": 9}}, 3),
        ({"prompt_tokens_details": {"cached_tokens": None}}, None),
        ({"prompt_tokens_details": None}, None),
        ({}, None),
    ],
)
def test_cached_tokens_from_either_place(usage: dict[str, Any], cached: int | None) -> None:
    data = {"prompt_tokens": 19, "completion_tokens": 1, "total_tokens": 20, **usage}
    assert build(KimiCompletionUsage, data).cached_tokens == cached
    assert build(KimiChatCompletion, {**COMPLETION, "usage": data}).usage.cached_tokens == cached


def test_chunk_reasoning_delta() -> None:
    parsed = build(KimiChatCompletionChunk, chunk({"role": "assistant", "reasoning_content": "hm"}))
    assert isinstance(parsed.choices[0], KimiChunkChoice)
    assert isinstance(parsed.choices[0].delta, KimiChoiceDelta)
    assert parsed.choices[0].delta.reasoning_content == "hm"
    assert parsed.choices[0].delta.content is None
    assert parsed.usage is None


def test_usage_in_choice_is_surfaced_on_the_chunk() -> None:
    # Moonshot's default: usage inside the last chunk's choice, nothing at the top level
    # (https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api).
    usage = {
        "prompt_tokens": 1336,
        "completion_tokens": 31,
        "total_tokens": 1367,
        "cached_tokens": 1280,
        "prompt_tokens_details": {"cached_tokens": 1280},
    }
    parsed = build(KimiChatCompletionChunk, chunk({}, finish_reason="stop", usage=usage))
    assert parsed.usage is parsed.choices[0].usage
    assert isinstance(parsed.usage, KimiCompletionUsage)
    assert parsed.usage.cached_tokens == 1280
    assert parsed.usage.total_tokens == 1367


def test_top_level_usage_wins_and_include_usage_shape_is_kept() -> None:
    top = {"prompt_tokens": 19, "completion_tokens": 13, "total_tokens": 32, "cached_tokens": 12}
    inner = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    parsed = build(KimiChatCompletionChunk, {**chunk({}, finish_reason="stop", usage=inner), "usage": top})
    assert parsed.usage is not None
    assert parsed.usage.total_tokens == 32
    usage_only = build(KimiChatCompletionChunk, {**chunk({}), "choices": [], "usage": top})
    assert usage_only.usage.cached_tokens == 12


def test_lenient_construction_keeps_malformed_payloads() -> None:
    odd = chunk({"reasoning_content": 5}, usage="nope")
    odd["choices"].append("not a choice")
    parsed = construct_type(type_=KimiChatCompletionChunk, value=odd)
    assert isinstance(parsed, KimiChatCompletionChunk)
    assert parsed.usage is None
    weird = construct_type(type_=KimiChatCompletionChunk, value={**chunk({}), "choices": "x"})
    assert isinstance(weird, KimiChatCompletionChunk)


def test_reasoning_content_of_openai_objects() -> None:
    message = construct_type(type_=ChatCompletionMessage, value=COMPLETION["choices"][0]["message"])
    assert isinstance(message, ChatCompletionMessage)
    assert reasoning_content_of(message) == "1+1 is 2."
    delta = construct_type(type_=ChoiceDelta, value={"reasoning_content": "a"})
    assert isinstance(delta, ChoiceDelta)
    assert reasoning_content_of(delta) == "a"
    assert reasoning_content_of(ChoiceDelta.construct(content="x")) is None


def test_reasoning_content_of_kimi_objects_and_dicts() -> None:
    assert reasoning_content_of(KimiChoiceDelta.construct(reasoning_content="r")) == "r"
    assert reasoning_content_of(KimiChatCompletionMessage.construct(role="assistant")) is None
    assert reasoning_content_of({"role": "assistant", "reasoning_content": "d"}) == "d"
    assert reasoning_content_of({"role": "assistant", "reasoning_content": 3}) is None
    assert reasoning_content_of(ChoiceDelta.construct(reasoning_content=["x"])) is None


class Answer(pydantic.BaseModel):
    value: int


def test_to_kimi_parsed_keeps_parsed_objects() -> None:
    data = json.loads(json.dumps(COMPLETION))
    data["choices"][0]["message"]["parsed"] = Answer(value=2)
    original = cast(
        "ParsedChatCompletion[Answer]", construct_type(type_=ParsedChatCompletion[Answer], value=data)
    )
    assert isinstance(original, ParsedChatCompletion)
    kimi = to_kimi_parsed(original)
    assert isinstance(kimi, ParsedChatCompletion)
    message = kimi.choices[0].message
    assert isinstance(message, KimiParsedChatCompletionMessage)
    assert isinstance(message.parsed, Answer)
    assert message.parsed is original.choices[0].message.parsed
    assert message.reasoning_content == "1+1 is 2."
    assert kimi.usage is not None
    assert kimi.usage.cached_tokens == 10
    assert kimi.model_dump(exclude={"usage"}) == original.model_dump(exclude={"usage"})
    # The usage gains the cache hits in OpenAI's place, nothing else.
    expected_usage = original.model_dump()["usage"]
    expected_usage["prompt_tokens_details"] = {**PromptTokensDetails().model_dump(), "cached_tokens": 10}
    assert kimi.model_dump()["usage"] == expected_usage


def test_to_kimi_parsed_without_usage() -> None:
    data = {**COMPLETION, "usage": None}
    original = cast(
        "ParsedChatCompletion[Answer]", construct_type(type_=ParsedChatCompletion[Answer], value=data)
    )
    assert to_kimi_parsed(original).usage is None


@pytest.mark.parametrize(
    ("base", "fields"),
    [
        (ChatCompletionMessage, {"content", "role", "tool_calls"}),
        (ChoiceDelta, {"content", "role", "tool_calls"}),
        (CompletionUsage, {"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details"}),
        (ChatCompletionChunk, {"choices", "usage"}),
        (ChatCompletion, {"choices", "usage"}),
    ],
)
def test_openai_fields_we_extend_exist(base: type[pydantic.BaseModel], fields: set[str]) -> None:
    """The Kimi models rely on these openai fields, on both supported openai lines."""
    assert fields <= set(base.model_fields)
    assert base.model_config.get("extra") == "allow"


# -- model ids: the known ones offered for completion, any string accepted ----------------------


def _model_type(fn: Callable[..., object]) -> object:
    """The evaluated annotation of ``fn``'s ``model`` parameter (annotations are strings here)."""
    annotation = inspect.signature(fn).parameters["model"].annotation
    return eval(annotation, fn.__globals__)  # the module's own names, as a checker resolves them


def test_model_parameters_are_typed_str_or_known_model() -> None:
    """Editors offer the Kimi ids (not openai's gpt names) and any other string still type-checks."""
    assert get_type_hints(KimiCreateArgs)["model"] == str | KnownModel
    assert get_type_hints(KimiParseArgs)["model"] == str | KnownModel
    for create in (KimiCompletions.create, AsyncKimiCompletions.create):
        overloads = get_overloads(create)
        assert len(overloads) == 3  # stream: False / True / bool
        for overload in overloads:
            kwargs = eval(inspect.signature(overload).parameters["kwargs"].annotation, overload.__globals__)
            assert get_args(kwargs) == (KimiCreateArgs,)
    partials = (PartialMixin.partial, AsyncPartialMixin.partial)
    entry_points = [*partials, *(o for p in partials for o in get_overloads(p))]
    entry_points += [run_tools, async_run_tools, run_web_search, async_run_web_search]
    for function in entry_points:
        assert _model_type(function) == str | KnownModel, function.__qualname__


def test_a_known_id_and_any_string_are_both_accepted() -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key="sk-test", http_client=recorder.client())
    known: KnownModel = "kimi-k2.6"
    custom = "my-org/kimi-k2.6-finetune"  # any string: a self-hosted or newer model
    for model in (known, custom):
        completion = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
        assert_type(completion, KimiChatCompletion)
        assert recorder.last_json()["model"] == model
        partial = client.chat.completions.partial(model=model, messages=[], prefix="Hel")
        assert partial.choices[0].message.content == "HelHello"
        assert recorder.last_json()["model"] == model
