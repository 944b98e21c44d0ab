"""instructor's ``from_openai`` on the Kimi clients, tools and JSON modes, offline against the emulator.

instructor 1.17 pins ``jiter<0.15``, which only openai 2.x allows (openai 3.4 and later need
``jiter>=0.16``): the openai 3.x run skips this module.

Tools mode forces its tool; a thinking model refuses a forced tool, so the client turns
thinking off for those calls. JSON mode keeps thinking on, and a re-ask after a validation
error sends the rejected answer back as an assistant turn without its reasoning, which the
client restores (replaying different reasoning breaks Moonshot's prompt-cache prefix).
"""

from __future__ import annotations

import pytest
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, field_validator

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai.testing import MoonshotEmulator, TextReply, ToolCall

pytest.importorskip("instructor")

import instructor

MODEL = "kimi-k2.6"  # thinks unless told not to
QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Which city is the capital of France?"}
]


class City(BaseModel):
    name: str
    country: str

    @field_validator("country")
    @classmethod
    def _full_name(cls, value: str) -> str:
        if len(value) < 3:
            raise ValueError("give the country's full name, not a code")
        return value


PARIS = {"name": "Paris", "country": "France"}
"""What each test's answer holds (instructor returns a subclass of the response model)."""


def test_tools_mode(kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("City", {"name": "Paris", "country": "France"}))
    client = instructor.from_openai(kimi_emulator_client, mode=instructor.Mode.TOOLS)

    city = client.chat.completions.create(model=MODEL, response_model=City, messages=QUESTION)

    assert city.model_dump() == PARIS
    sent = kimi_emulator.last_chat_request()
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "City"}}
    assert sent["thinking"] == {"type": "disabled"}


@pytest.mark.anyio
async def test_tools_mode_async(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("City", {"name": "Paris", "country": "France"}))
    client = instructor.from_openai(async_kimi_emulator_client, mode=instructor.Mode.TOOLS)

    city = await client.chat.completions.create(model=MODEL, response_model=City, messages=QUESTION)

    assert city.model_dump() == PARIS
    assert kimi_emulator.last_chat_request()["thinking"] == {"type": "disabled"}


def test_tools_mode_reasks_after_a_validation_error(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("City", {"name": "Paris", "country": "FR"}))
    kimi_emulator.queue_tool_calls(ToolCall("City", {"name": "Paris", "country": "France"}))
    client = instructor.from_openai(kimi_emulator_client, mode=instructor.Mode.TOOLS)

    city = client.chat.completions.create(model=MODEL, response_model=City, messages=QUESTION, max_retries=1)

    assert city.model_dump() == PARIS
    reask = kimi_emulator.last_chat_request()
    assert reask["thinking"] == {"type": "disabled"}
    assert [m["role"] for m in reask["messages"]] == ["user", "assistant", "tool"]
    assert "full name" in reask["messages"][-1]["content"]


def test_json_mode_on_a_thinking_model_reasks_with_the_real_reasoning(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    """The re-ask sends the rejected answer back without its reasoning; the client restores it."""
    reasoning = "France's capital is Paris; the code is FR."
    kimi_emulator.queue(TextReply('{"name": "Paris", "country": "FR"}', reasoning=reasoning))
    kimi_emulator.queue(TextReply('{"name": "Paris", "country": "France"}', reasoning="Spell it out."))
    client = instructor.from_openai(kimi_emulator_client, mode=instructor.Mode.JSON)

    city = client.chat.completions.create(model=MODEL, response_model=City, messages=QUESTION, max_retries=1)

    assert city.model_dump() == PARIS
    first, second = (request.json or {} for request in kimi_emulator.chat_requests())
    assert first["response_format"] == second["response_format"] == {"type": "json_object"}
    assert "thinking" not in first  # the model's default: thinking on
    reask = second["messages"]
    rejected = next(m for m in reask if m["role"] == "assistant")
    assert rejected["content"] == '{"name": "Paris", "country": "FR"}'
    assert rejected["reasoning_content"] == reasoning
    assert "full name" in reask[-1]["content"]
