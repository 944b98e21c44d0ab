"""``POST /v1/responses`` through openai's own ``client.responses``, non-stream and stream, sync and async.

Shapes from Moonshot's Responses page (platform.kimi.ai/docs/api/responses) and the event order both
openai lines' stream helpers accept. The suite runs on openai 2.x and 3.x, so each test here runs
against both lines' ``ResponseStreamState``.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from kimi_openai._compat import httpx
from kimi_openai.testing import (
    RESPONSES_MODELS_AS_DOCUMENTED,
    MoonshotEmulator,
    TextReply,
    ToolCall,
    ToolCallsReply,
    Usage,
)

BASE_URL = "http://emulator.local/v1"
WEATHER: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
THINKING_EVENTS = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.reasoning_summary_part.added",
    *["response.reasoning_summary_text.delta"] * 3,
    "response.reasoning_summary_text.done",
    "response.reasoning_summary_part.done",
    "response.output_item.done",
    "response.output_item.added",
    "response.content_part.added",
    *["response.output_text.delta"] * 2,
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.output_item.added",
    *["response.function_call_arguments.delta"] * 2,
    "response.function_call_arguments.done",
    "response.output_item.done",
    "response.completed",
]
"""Reasoning "Paris needs weather." (3 words), text "Checking now." (2) and 17 characters of arguments."""


def queue_weather_call(kimi_emulator: MoonshotEmulator) -> None:
    call = ToolCall("get_weather", '{"city":"Paris"}')
    kimi_emulator.queue(ToolCallsReply((call,), content="Checking now.", reasoning="Paris needs weather."))


def test_a_plain_answer_has_moonshots_fields(client: openai.OpenAI) -> None:
    response = client.responses.create(model="kimi-k3", instructions="Be brief.", input="What is 1+1?")

    assert response.id.startswith("resp_")
    assert response.object == "response"
    assert response.status == "completed"
    assert response.model == "kimi-k3"
    assert response.instructions == "Be brief."
    assert [item.type for item in response.output] == ["reasoning", "message"]
    reasoning, message = response.output
    assert reasoning.type == "reasoning"
    assert reasoning.id.startswith("rs_")
    assert [part.text for part in reasoning.summary] == [
        "The user wrote: What is 1+1?. I will answer briefly."
    ]
    assert reasoning.encrypted_content is None
    assert message.type == "message"
    assert message.id.startswith("msg_")
    assert response.output_text == "You said: What is 1+1?"
    extra = response.model_dump()
    assert (extra["store"], extra["background"]) == (False, False)
    assert (response.previous_response_id, response.conversation) == (None, None)
    assert (response.temperature, response.top_p) == (1.0, 0.95)
    assert response.reasoning is not None
    assert response.reasoning.effort == "max"


def test_usage_counts_reasoning_and_the_prompt_cache(client: openai.OpenAI) -> None:
    first = client.responses.create(model="kimi-k2.6", input="What is 1+1?")
    history: Any = [{"role": "user", "content": "What is 1+1?"}, *_replayed(first)]
    second = client.responses.create(
        model="kimi-k2.6", input=[*history, {"role": "user", "content": "And 2+2?"}]
    )

    assert first.usage is not None
    assert second.usage is not None
    assert first.usage.input_tokens_details.cached_tokens == 0
    assert first.usage.input_tokens_details.cache_write_tokens == first.usage.input_tokens
    cached = second.usage.input_tokens_details.cached_tokens
    assert 0 < cached < second.usage.input_tokens
    assert second.usage.input_tokens_details.cache_write_tokens == second.usage.input_tokens - cached
    reasoning_text = "".join(part.text for part in _reasoning(second).summary)
    assert 0 < second.usage.output_tokens_details.reasoning_tokens < second.usage.output_tokens
    assert second.usage.output_tokens_details.reasoning_tokens == (len(reasoning_text) + 3) // 4
    assert second.usage.total_tokens == second.usage.input_tokens + second.usage.output_tokens


def test_a_scripted_usage_is_reported_as_given(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    kimi_emulator.queue_text("ok", usage=Usage(120, 30, cached_tokens=100, cache_write_tokens=20))

    usage = client.responses.create(model="kimi-k3", input="hi").usage

    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (120, 30, 150)
    assert usage.input_tokens_details.cached_tokens == 100
    assert usage.input_tokens_details.cache_write_tokens == 20


def test_the_stream_helper_accumulates_reasoning_text_and_calls(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    queue_weather_call(kimi_emulator)

    with client.responses.stream(model="kimi-k3", input="Weather in Paris?", tools=[WEATHER]) as stream:
        events = list(stream)
        final = stream.get_final_response()

    assert [event.type for event in events] == THINKING_EVENTS
    assert [event.sequence_number for event in events] == list(range(len(THINKING_EVENTS)))
    assert [item.type for item in final.output] == ["reasoning", "message", "function_call"]
    assert [part.text for part in _reasoning(final).summary] == ["Paris needs weather."]
    assert final.output_text == "Checking now."
    call = final.output[2]
    assert call.type == "function_call"
    assert (call.name, call.arguments, call.call_id) == ("get_weather", '{"city":"Paris"}', "get_weather_0")
    assert call.id is not None
    assert call.id.startswith("fc_")
    assert final.usage is not None
    assert final.usage.output_tokens_details.reasoning_tokens == 5


def test_raw_stream_events_carry_one_id_and_the_full_output_at_the_end(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    queue_weather_call(kimi_emulator)

    events = list(client.responses.create(model="kimi-k3", input="Weather?", tools=[WEATHER], stream=True))

    created, completed = events[0], events[-1]
    assert created.type == "response.created"
    assert completed.type == "response.completed"
    assert created.response.status == "in_progress"
    assert (created.response.output, created.response.usage) == ([], None)
    assert completed.response.id == created.response.id
    assert [item.type for item in completed.response.output] == ["reasoning", "message", "function_call"]
    done = [e for e in events if e.type == "response.output_item.done"]
    assert [e.item for e in done] == completed.response.output
    assert [e.output_index for e in done] == [0, 1, 2]
    arguments_done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert arguments_done.model_dump()["name"] == "get_weather"  # openai 2.x requires it


def test_frames_name_their_event(kimi_emulator: MoonshotEmulator) -> None:
    headers = {"Authorization": "Bearer sk-test"}
    with httpx.Client(transport=kimi_emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        body = http.post("/responses", json={"model": "kimi-k3", "input": "hi", "stream": True}).text

    frames = [frame.split("\n") for frame in body.split("\n\n") if frame]
    assert all(len(frame) == 2 for frame in frames)
    for event_line, data_line in frames:
        data = json.loads(data_line.removeprefix("data: "))
        assert event_line == f"event: {data['type']}"
    assert "[DONE]" not in body


@pytest.mark.anyio
async def test_async_create_and_stream_helper(
    kimi_emulator: MoonshotEmulator, async_client: openai.AsyncOpenAI
) -> None:
    plain = await async_client.responses.create(model="kimi-k2.6", input="Hello")
    queue_weather_call(kimi_emulator)
    async with async_client.responses.stream(model="kimi-k3", input="Weather?", tools=[WEATHER]) as stream:
        types = [event.type async for event in stream]
        final = await stream.get_final_response()

    assert plain.output_text == "You said: Hello"
    assert types == THINKING_EVENTS
    assert [item.type for item in final.output] == ["reasoning", "message", "function_call"]
    assert final.output_text == "Checking now."


def test_a_tool_loop_replays_reasoning_calls_and_outputs(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    queue_weather_call(kimi_emulator)
    first = client.responses.create(model="kimi-k3", input="Weather in Paris?", tools=[WEATHER])
    [call] = [item for item in first.output if item.type == "function_call"]
    history: Any = [
        {"role": "user", "content": "Weather in Paris?"},
        *_replayed(first),
        {"type": "function_call_output", "call_id": call.call_id, "output": "sunny, 24 C"},
    ]

    second = client.responses.create(model="kimi-k3", input=history, tools=[WEATHER])

    assert second.output_text == "The tool get_weather returned: sunny, 24 C"
    sent = kimi_emulator.last_responses_request()["input"]
    assert [item.get("type") for item in sent] == [
        None,
        "reasoning",
        "message",
        "function_call",
        "function_call_output",
    ]
    assert sent[1]["summary"] == [{"text": "Paris needs weather.", "type": "summary_text"}]
    assert second.usage is not None
    assert second.usage.input_tokens_details.cached_tokens > 0


def test_call_ids_count_the_calls_of_the_conversation(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    kimi_emulator.queue_tool_calls(
        ("get_weather", {"city": "Oslo"}), ToolCall("get_weather", "{}", id="mine")
    )
    prior: Any = [
        {"role": "user", "content": "Weather?"},
        {"type": "function_call", "call_id": "a", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "a", "output": "rain"},
        {"role": "user", "content": "And in Oslo?"},
    ]

    response = client.responses.create(model="kimi-k2.6", input=prior, tools=[WEATHER])

    calls = [item for item in response.output if item.type == "function_call"]
    assert [c.call_id for c in calls] == ["get_weather_1", "mine"]
    assert calls[0].arguments == '{"city": "Oslo"}'
    assert [item.type for item in response.output] == ["reasoning", "function_call", "function_call"]


def test_web_search_runs_first_and_reports_sources_on_request(client: openai.OpenAI) -> None:
    tools: Any = [{"type": "web_search"}, WEATHER]
    response = client.responses.create(
        model="kimi-k3", input="Top news today?", tools=tools, include=["web_search_call.action.sources"]
    )
    quiet = client.responses.create(model="kimi-k3", input="Top news today?", tools=tools)
    plain = client.responses.create(model="kimi-k3", input="Top news today?")

    assert [item.type for item in response.output] == ["web_search_call", "reasoning", "message"]
    search = response.output[0]
    assert search.type == "web_search_call"
    assert search.id.startswith("ws_")
    assert search.status == "completed"
    action = search.action.model_dump()
    assert (action["type"], action["query"]) == ("search", "Top news today?")
    assert [s["url"] for s in action["sources"]] == [
        f"https://example.com/top-news-today/{n}" for n in (1, 2, 3)
    ]
    assert "sources" not in quiet.output[0].model_dump(exclude_none=True)["action"]
    assert response.output_text == "Here is what the web says about: Top news today?"
    assert response.usage is not None
    assert plain.usage is not None
    assert response.usage.input_tokens - plain.usage.input_tokens > 13_000  # search results count as input


def test_image_search_results_come_with_their_include(client: openai.OpenAI) -> None:
    tool: Any = {
        "type": "web_search",
        "search_content_types": ["text", "image"],
        "image_settings": {"max_results": 2, "caption": True},
    }

    response = client.responses.create(
        model="kimi-k3", input="Cats", tools=[tool], include=["web_search_call.results"]
    )

    results = response.output[0].model_dump()["results"]
    assert [r["type"] for r in results] == ["image_result", "image_result"]
    assert set(results[0]) == {"type", "image_url", "thumbnail_url", "source_website_url", "caption"}


def test_a_search_streams_its_own_events(client: openai.OpenAI) -> None:
    with client.responses.stream(model="kimi-k2.6", input="News?", tools=[{"type": "web_search"}]) as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()

    assert types[2:7] == [
        "response.output_item.added",
        "response.web_search_call.in_progress",
        "response.web_search_call.searching",
        "response.web_search_call.completed",
        "response.output_item.done",
    ]
    assert final.output[0].type == "web_search_call"


def test_no_search_after_a_tool_output(kimi_emulator: MoonshotEmulator, client: openai.OpenAI) -> None:
    history: Any = [
        {"role": "user", "content": "Weather?"},
        {"type": "function_call", "call_id": "w", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "w", "output": "rain"},
    ]

    response = client.responses.create(
        model="kimi-k2.6", input=history, tools=[{"type": "web_search"}, WEATHER]
    )

    assert [item.type for item in response.output] == ["reasoning", "message"]


def test_max_output_tokens_makes_the_answer_incomplete(client: openai.OpenAI) -> None:
    long_question = "Tell me about " + "the sea " * 40
    response = client.responses.create(model="kimi-k2.6", input=long_question, max_output_tokens=40)
    with client.responses.stream(model="kimi-k2.6", input=long_question, max_output_tokens=40) as stream:
        last = list(stream)[-1]

    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert 0 < len(response.output_text) < len("You said: " + long_question)
    assert last.type == "response.incomplete"


def test_a_scripted_content_filter_is_an_incomplete_answer(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    kimi_emulator.queue(TextReply("", finish_reason="content_filter"))

    response = client.responses.create(model="kimi-k3", input="hi")

    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "content_filter"


def test_apply_patch_and_namespace_calls(kimi_emulator: MoonshotEmulator, client: openai.OpenAI) -> None:
    patch: Any = {
        "type": "custom",
        "name": "apply_patch",
        "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"},
    }
    space: Any = {
        "type": "namespace",
        "name": "crm",
        "description": "CRM tools",
        "tools": [{"type": "function", "name": "find_customer"}],
    }
    kimi_emulator.queue_tool_calls(("apply_patch", "*** Begin Patch"), ("find_customer", {"name": "Ada"}))

    with client.responses.stream(model="kimi-k3", input="Fix it", tools=[patch, space]) as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()

    custom, found = final.output[1:]
    assert custom.type == "custom_tool_call"
    assert (custom.name, custom.input, custom.call_id) == ("apply_patch", "*** Begin Patch", "apply_patch_0")
    assert custom.id is not None
    assert custom.id.startswith("ctc_")
    assert "response.custom_tool_call_input.done" in types
    assert found.type == "function_call"
    assert found.model_dump()["namespace"] == "crm"


def test_scripted_errors_and_drops_reach_the_responses_call(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    kimi_emulator.queue_overloaded(retry_after=3).queue_drop(4, TextReply("one two three four five"))

    with pytest.raises(openai.RateLimitError) as overloaded:
        client.responses.create(model="kimi-k3", input="hi")
    seen: list[str] = []
    # openai 3.x wraps the broken read in APIConnectionError; 2.x lets httpx's error through.
    with pytest.raises((openai.APIConnectionError, httpx.RemoteProtocolError)):  # noqa: SIM117
        with client.responses.stream(model="kimi-k3", input="hi") as stream:
            seen.extend(event.type for event in stream)

    assert overloaded.value.response.headers["retry-after"] == "3"
    assert overloaded.value.body == {
        "type": "engine_overloaded_error",
        "message": "The engine is currently overloaded, please try again later",
    }
    assert seen == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
    ]
    assert kimi_emulator.pending == ()


def test_answers_queued_for_chat_wait_for_chat(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    kimi_emulator.queue_text("for chat", path="/v1/chat/completions").queue_text("for anyone")

    from_responses = client.responses.create(model="kimi-k3", input="hi")
    from_chat = client.chat.completions.create(model="kimi-k3", messages=[{"role": "user", "content": "hi"}])

    assert from_responses.output_text == "for anyone"
    assert from_chat.choices[0].message.content == "for chat"


def test_parse_reads_a_scripted_json_answer(kimi_emulator: MoonshotEmulator, client: openai.OpenAI) -> None:
    from pydantic import BaseModel

    class City(BaseModel):
        name: str

    kimi_emulator.queue_text('{"name": "Paris"}')

    parsed = client.responses.parse(model="kimi-k3", input="A city?", text_format=City)

    assert parsed.output_parsed == City(name="Paris")
    assert kimi_emulator.last_responses_request()["text"]["format"]["type"] == "json_schema"


def test_the_served_models_are_a_setting(client: openai.OpenAI) -> None:
    documented = MoonshotEmulator(responses_models=RESPONSES_MODELS_AS_DOCUMENTED)
    with openai.OpenAI(
        api_key="sk-test",
        base_url=BASE_URL,
        http_client=httpx.Client(transport=documented.transport()),
        max_retries=0,
    ) as narrow:
        with pytest.raises(openai.BadRequestError) as refused:
            narrow.responses.create(model="kimi-k2.6", input="hi")
        served = narrow.responses.create(model="kimi-k3", input="hi")

    assert client.responses.create(model="kimi-k2.6", input="hi").model == "kimi-k2.6"
    assert served.status == "completed"
    assert refused.value.body == {
        "type": "invalid_request_error",
        "message": "Invalid request: model kimi-k2.6 is not supported by /v1/responses",
    }
    with pytest.raises(openai.NotFoundError, match="Not found the model kimi-k9 or Permission denied"):
        client.responses.create(model="kimi-k9", input="hi")


def test_responses_over_the_loopback_server() -> None:
    emulator = MoonshotEmulator()
    queue_weather_call(emulator)
    with (
        emulator.serve() as base_url,
        openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0) as client,
    ):
        with client.responses.stream(model="kimi-k3", input="Weather?", tools=[WEATHER]) as stream:
            types = [event.type for event in stream]
            final = stream.get_final_response()
        plain = client.responses.create(model="kimi-k3", input="Hello")

    assert types == THINKING_EVENTS
    assert final.output_text == "Checking now."
    assert plain.output_text == "You said: Hello"
    assert [r.path for r in emulator.requests] == ["/v1/responses"] * 2


def _replayed(response: Any) -> list[Any]:
    """The output items as openai-agents replays them: ``model_dump(exclude_unset=True)``."""
    return [item.model_dump(exclude_unset=True) for item in response.output]


def _reasoning(response: Any) -> Any:
    return next(item for item in response.output if item.type == "reasoning")
