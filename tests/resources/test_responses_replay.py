"""The Responses API replayed from cassettes: an answer, a stream, a function call chained by
``previous_response_id``, a web search.

Cassettes: ``cassettes/test_responses_replay/``, recorded from the local emulator (each says
``source: emulator``), which serves ``/v1/responses`` as Moonshot's page describes it
(https://platform.kimi.ai/docs/api/responses). The model is kimi-k3, the one model that page
names, so a live recording shows the same reading. Record again with
``pytest --record-mode=rewrite tests/resources/test_responses_replay.py`` (emulator) or with
``KIMI_LIVE=1 MOONSHOT_API_KEY=sk-... pytest --record-mode=rewrite tests/resources/test_responses_replay.py``
(live; the function-call test then depends on the model choosing the tool, as its prompt asks).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from kimi_openai import KimiOpenAI
from kimi_openai.pytest_plugin import KIMI_BODY_MATCH, KimiRecording
from kimi_openai.testing import MoonshotEmulator, ToolCall

MODEL = "kimi-k3"
WEATHER: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "The current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.fixture
def kimi_recording(kimi_recording: KimiRecording, request: pytest.FixtureRequest) -> Iterator[KimiRecording]:
    """When recording the function-call test from the emulator, one that calls the tool first."""
    if (
        not kimi_recording.recording
        or kimi_recording.source != "emulator"
        or "function_call" not in request.node.name
    ):
        yield kimi_recording
        return
    emulator = MoonshotEmulator()
    emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}))
    with emulator.serve() as base_url:
        yield replace(kimi_recording, base_url=base_url, recorded_base_url=base_url)


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_response(kimi_client: KimiOpenAI) -> None:
    answer = kimi_client.responses.create(model=MODEL, input="Say hello to Li Lei in one short sentence.")
    assert answer.status == "completed"
    assert answer.output_text
    assert [item.type for item in answer.output][-1] == "message"
    assert answer.usage is not None
    assert answer.usage.total_tokens == answer.usage.input_tokens + answer.usage.output_tokens


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_streamed_response(kimi_client: KimiOpenAI) -> None:
    with kimi_client.responses.stream(
        model=MODEL, input="Say hello to Li Lei in one short sentence."
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[0] == "response.created"
    assert kinds[-1] == "response.completed"
    assert "response.output_text.delta" in kinds
    assert final.output_text


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_function_call_then_previous_response_id(kimi_client: KimiOpenAI) -> None:
    first = kimi_client.responses.create(
        model=MODEL, input="What is the weather in Paris? Use the get_weather tool.", tools=[WEATHER]
    )
    call = next(item for item in first.output if item.type == "function_call")
    assert call.name == "get_weather"
    # The body match makes replay fail unless the second request carries the history: the
    # user message, the reasoning item, the call, then the output.
    second = kimi_client.responses.create(
        model=MODEL,
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"sky": "sunny"}'}],
        tools=[WEATHER],
    )
    assert second.output_text


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_web_search(kimi_client: KimiOpenAI) -> None:
    answer = kimi_client.responses.create(
        model=MODEL,
        input="Who designed the Shanghai Tower?",
        tools=[{"type": "web_search"}],
        include=["web_search_call.action.sources"],
    )
    assert answer.output[0].type == "web_search_call"
    assert answer.output_text
