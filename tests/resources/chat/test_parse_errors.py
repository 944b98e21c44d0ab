"""``.parse()`` and ``.stream()`` say why they made no value, as openai's (or pydantic's) exception still."""

from __future__ import annotations

import pickle
from typing import Any

import openai
import pydantic
import pytest
from pydantic import BaseModel

from kimi_openai import (
    AsyncKimiOpenAI,
    KimiError,
    KimiOpenAI,
    StructuredOutputContentFilterError,
    StructuredOutputEmptyError,
    StructuredOutputError,
    StructuredOutputInvalidError,
    StructuredOutputLengthError,
)
from kimi_openai.testing import MoonshotEmulator, Usage

USER: Any = [{"role": "user", "content": "Name a city as JSON."}]
THINKING = "Let me think about which city to name. " * 20


class City(BaseModel):
    name: str
    population: int


def _parse(client: KimiOpenAI, **kwargs: Any) -> Any:
    return client.chat.completions.parse(model="kimi-k2.6", messages=USER, response_format=City, **kwargs)


def test_cut_off_says_so_with_the_reasoning_s_share_and_the_fix(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text(
        '{"name": "Par',
        reasoning=THINKING,
        finish_reason="length",
        usage=Usage(prompt_tokens=12, completion_tokens=50),
    )
    with pytest.raises(openai.LengthFinishReasonError) as caught:  # openai's except clause still works
        _parse(kimi_emulator_client, max_tokens=50)
    error = caught.value
    assert isinstance(error, StructuredOutputLengthError)
    assert isinstance(error, KimiError)
    assert error.reason == "length"
    message = str(error)
    assert "cut off by the output limit" in message
    assert "50 output tokens (max_tokens=50)" in message
    assert f"{len(THINKING)} characters of reasoning (thinking was on)" in message
    assert "a larger max_tokens" in message
    assert "thinking={'type': 'disabled'}" in message
    assert error.completion.choices[0].message.reasoning_content == THINKING
    assert error.completion.usage.completion_tokens == 50


def test_cut_off_without_thinking_does_not_blame_it(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text('{"name": "Par', finish_reason="length")
    with pytest.raises(StructuredOutputLengthError) as caught:
        _parse(kimi_emulator_client, thinking={"type": "disabled"})
    assert "reasoning" not in str(caught.value)
    assert "thinking" not in str(caught.value)


def test_empty_content_raises_pointing_at_the_reasoning(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("", reasoning=THINKING)
    with pytest.raises(StructuredOutputEmptyError) as caught:
        _parse(kimi_emulator_client)
    message = str(caught.value)
    assert "no content to parse (finish_reason='stop'" in message
    assert "message.reasoning_content" in message
    assert caught.value.completion.choices[0].message.reasoning_content == THINKING
    assert isinstance(caught.value, ValueError)


def test_content_that_does_not_fit_the_schema_is_still_a_pydantic_validation_error(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    content = '{"name": "Paris", "population": "many"}'
    kimi_emulator.queue_text(content)
    with pytest.raises(pydantic.ValidationError) as caught:
        _parse(kimi_emulator_client, thinking={"type": "disabled"})
    error = caught.value
    assert isinstance(error, StructuredOutputInvalidError)
    with pytest.raises(pydantic.ValidationError) as plain:
        City.model_validate_json(content)
    assert error.errors() == plain.value.errors()
    message = str(error)
    assert "not valid JSON for City" in message
    assert "first: population: Input should be a valid integer" in message
    assert repr(content) in message
    assert "a simpler schema" in message


def test_content_that_is_not_json_at_all(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("Paris, of course.", reasoning=THINKING)
    with pytest.raises(StructuredOutputInvalidError) as caught:
        _parse(kimi_emulator_client)
    assert "Invalid JSON" in str(caught.value)
    assert "thinking off for this call" in str(caught.value)
    assert caught.value.reason == "invalid"


def test_content_filter(kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI) -> None:
    kimi_emulator.queue_text("", finish_reason="content_filter")
    with pytest.raises(openai.ContentFilterFinishReasonError) as caught:
        _parse(kimi_emulator_client)
    assert isinstance(caught.value, StructuredOutputContentFilterError)
    # openai's message, word for word (code that compares it keeps working), and the advice in a note.
    assert str(caught.value) == str(openai.ContentFilterFinishReasonError())
    assert any("rephrase the input" in note for note in caught.value.__notes__)


def test_a_tool_call_or_a_plain_json_format_keeps_openai_s_none(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    schema: dict[str, object] = {"type": "object", "properties": {}, "additionalProperties": False}
    tools: Any = [{"type": "function", "function": {"name": "lookup", "parameters": schema, "strict": True}}]
    kimi_emulator.queue_tool_calls(("lookup", {}))
    answer = _parse(kimi_emulator_client, tools=tools, thinking={"type": "disabled"})
    assert answer.choices[0].message.parsed is None
    assert answer.choices[0].message.tool_calls
    kimi_emulator.queue_text("")
    json_object: Any = {"type": "json_object"}  # a format openai does not parse: its None is kept
    plain = kimi_emulator_client.chat.completions.parse(
        model="kimi-k2.6", messages=USER, response_format=json_object
    )
    assert plain.choices[0].message.parsed is None


def test_the_raw_and_streaming_response_wrappers_explain_too(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("", reasoning=THINKING)
    raw = kimi_emulator_client.with_raw_response.chat.completions.parse(
        model="kimi-k2.6", messages=USER, response_format=City
    )
    with pytest.raises(StructuredOutputEmptyError):
        raw.parse()
    kimi_emulator.queue_text('{"name": "Par', finish_reason="length")
    with (
        kimi_emulator_client.with_streaming_response.chat.completions.parse(
            model="kimi-k2.6", messages=USER, response_format=City, max_tokens=5
        ) as response,
        pytest.raises(StructuredOutputLengthError, match=r"max_tokens=5\)"),
    ):
        response.parse()


@pytest.mark.anyio
async def test_async_parse_explains(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    kimi_emulator.queue_text('{"name": "Par', reasoning=THINKING, finish_reason="length")
    with pytest.raises(StructuredOutputLengthError, match="characters of reasoning"):
        await async_kimi_emulator_client.chat.completions.parse(
            model="kimi-k2.6", messages=USER, response_format=City
        )
    kimi_emulator.queue_text("")
    with pytest.raises(StructuredOutputEmptyError):
        await async_kimi_emulator_client.chat.completions.parse(
            model="kimi-k2.6", messages=USER, response_format=City
        )


def test_stream_cut_off_and_invalid_content_are_explained(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text('{"name": "Par', reasoning=THINKING, finish_reason="length")
    with (
        kimi_emulator_client.chat.completions.stream(
            model="kimi-k2.6", messages=USER, response_format=City
        ) as stream,
        pytest.raises(StructuredOutputLengthError, match="characters of reasoning"),
    ):
        stream.until_done()
    kimi_emulator.queue_text('{"name": 7, "population": 1}')
    with (
        kimi_emulator_client.chat.completions.stream(
            model="kimi-k2.6", messages=USER, response_format=City
        ) as stream,
        pytest.raises(StructuredOutputInvalidError, match="first: name: Input should be a valid string"),
    ):
        stream.until_done()


def test_stream_final_parse_of_an_empty_answer_raises(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("", reasoning=THINKING)
    with (
        kimi_emulator_client.chat.completions.stream(
            model="kimi-k2.6", messages=USER, response_format=City
        ) as stream,
        pytest.raises(StructuredOutputEmptyError, match="reasoning_content"),
    ):
        stream.get_final_completion()


def test_the_errors_pickle_and_stay_what_they_are(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text('{"name": 1}')
    with pytest.raises(StructuredOutputInvalidError) as caught:
        _parse(kimi_emulator_client, thinking={"type": "disabled"})
    copied = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copied, StructuredOutputInvalidError)
    assert isinstance(copied, pydantic.ValidationError)
    assert str(copied) == str(caught.value)
    assert copied.errors() == caught.value.errors()
    assert isinstance(copied, StructuredOutputError)
