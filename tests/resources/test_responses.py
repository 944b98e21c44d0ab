"""``client.responses`` on Kimi: Moonshot's rules before sending, ``previous_response_id`` kept by the client.

Against the emulator, which serves ``/v1/responses`` for every model by default (the reading of
issue reports and Codex's guide); Moonshot's page says "This endpoint currently supports kimi-k3"
(https://platform.kimi.ai/docs/api/responses), so the tests use ``kimi-k3`` unless they say
otherwise, and one test runs the k3-only reading (``RESPONSES_MODELS_AS_DOCUMENTED``).
"""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai.types.responses import Response

from kimi_openai import KimiOpenAI, KimiValidationError, MemoryStore, UnservedEndpointError
from kimi_openai.resources.responses import AsyncKimiResponses, KimiResponses
from kimi_openai.testing import RESPONSES_MODELS_AS_DOCUMENTED, MoonshotEmulator, ToolCall
from kimi_openai.testing.pytest_plugin import AsyncKimiClientFactory, KimiClientFactory
from kimi_openai.types import KimiResponse, reasoning_text

MODEL = "kimi-k3"
WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {
        "type": "object",
        "title": "get_weather_args",
        "properties": {"city": {"type": "string", "title": "City"}},
        "required": ["city"],
    },
}


def _types(items: list[Any]) -> list[str]:
    return [str(item.get("type") or "message") for item in items]


def _first_turn(client: KimiOpenAI, emulator: MoonshotEmulator) -> Response:
    emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}))
    return client.responses.create(model=MODEL, input="Weather in Paris?", tools=[WEATHER_TOOL])


def _call_output(response: Response) -> Any:
    call = next(item for item in response.output if item.type == "function_call")
    return {"type": "function_call_output", "call_id": call.call_id, "output": "sunny, 21 C"}


# -- previous_response_id -------------------------------------------------------------------------


def test_previous_response_id_sends_the_history_with_its_reasoning_items(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    first = _first_turn(kimi_emulator_client, kimi_emulator)
    second = kimi_emulator_client.responses.create(
        model=MODEL, previous_response_id=first.id, input=[_call_output(first)], tools=[WEATHER_TOOL]
    )
    third = kimi_emulator_client.responses.create(
        model=MODEL, previous_response_id=second.id, input="Thanks!"
    )

    bodies = [request.json for request in kimi_emulator.responses_requests()]
    assert all(body is not None and "previous_response_id" not in body for body in bodies)
    second_body, third_body = bodies[1], bodies[2]
    assert second_body is not None
    assert third_body is not None
    assert _types(second_body["input"]) == ["message", "reasoning", "function_call", "function_call_output"]
    assert second_body["input"][1]["summary"][0]["text"] == reasoning_text(first)
    assert _types(third_body["input"]) == [
        *_types(second_body["input"]),
        "reasoning",
        "message",
        "message",
    ]
    assert third_body["input"][-1] == {"role": "user", "content": "Thanks!"}
    assert third.output_text


def test_previous_response_id_of_a_streamed_response(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    with kimi_emulator_client.responses.stream(model=MODEL, input="Hello") as stream:
        first = stream.get_final_response()
    events = list(
        kimi_emulator_client.responses.create(
            model=MODEL, previous_response_id=first.id, input="And?", stream=True
        )
    )
    final = next(event.response for event in events if event.type == "response.completed")
    kimi_emulator_client.responses.create(model=MODEL, previous_response_id=final.id, input="Bye")

    sent = kimi_emulator.last_responses_request()["input"]
    assert _types(sent) == ["message", "reasoning", "message", "message", "reasoning", "message", "message"]
    assert sent[2]["content"][0]["text"] == first.output_text


def test_an_unknown_previous_response_id_is_refused_before_sending(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    with pytest.raises(
        KimiValidationError, match=r"previous_response_id='resp_elsewhere'.*stateless.*shared store"
    ):
        kimi_emulator_client.responses.create(model=MODEL, previous_response_id="resp_elsewhere", input="Hi")
    assert kimi_emulator.responses_requests() == ()


def test_an_unknown_previous_response_id_passes_to_a_self_hosted_engine(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    # vLLM keeps responses (store=True) and answers previous_response_id itself.
    local = kimi_emulator_client_factory(base_url="http://localhost:8000/v1")
    local.responses.create(model=MODEL, previous_response_id="resp_on_the_engine", input="Hi")
    assert kimi_emulator.last_responses_request()["previous_response_id"] == "resp_on_the_engine"


def test_a_copy_of_the_client_knows_the_responses_of_the_original(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    first = kimi_emulator_client.responses.create(model=MODEL, input="Hello")
    copy = kimi_emulator_client.with_options(max_retries=0)
    copy.responses.create(model=MODEL, previous_response_id=first.id, input="Again")
    assert len(kimi_emulator.last_responses_request()["input"]) == 4


def test_the_memory_is_bounded_by_the_clients_store(kimi_emulator_client_factory: KimiClientFactory) -> None:
    store = MemoryStore(max_entries=2)
    client = kimi_emulator_client_factory(reasoning_store=store)
    first = client.responses.create(model=MODEL, input="one")
    client.responses.create(model=MODEL, input="two")
    client.responses.create(model=MODEL, input="three")
    assert len(store) == 2
    with pytest.raises(KimiValidationError, match="forgotten"):
        client.responses.create(model=MODEL, previous_response_id=first.id, input="x")


def test_clients_sharing_a_store_share_the_responses(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    # Two workers behind a load balancer: one store, the same key.
    store = MemoryStore()
    first = kimi_emulator_client_factory(reasoning_store=store).responses.create(model=MODEL, input="Hello")
    other = kimi_emulator_client_factory(reasoning_store=store)
    other.responses.create(model=MODEL, previous_response_id=first.id, input="Again")
    assert len(kimi_emulator.last_responses_request()["input"]) == 4
    stranger = kimi_emulator_client_factory(reasoning_store=store, api_key="sk-another-tenant-key")
    with pytest.raises(KimiValidationError, match="previous_response_id"):
        stranger.responses.create(model=MODEL, previous_response_id=first.id, input="Again")


# -- reasoning items a caller dropped -------------------------------------------------------------


def _without_reasoning(client: KimiOpenAI, emulator: MoonshotEmulator) -> list[Any]:
    first = _first_turn(client, emulator)
    kept = [item.model_dump(exclude_unset=True) for item in first.output if item.type != "reasoning"]
    return [{"role": "user", "content": "Weather in Paris?"}, *kept, _call_output(first)]


def test_reasoning_items_dropped_by_the_caller_are_restored(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    first_output = _first_turn(kimi_emulator_client, kimi_emulator).output
    kept: list[Any] = [
        item.model_dump(exclude_unset=True) for item in first_output if item.type != "reasoning"
    ]
    call = next(item for item in first_output if item.type == "function_call")
    output: Any = {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}
    kimi_emulator_client.responses.create(
        model=MODEL,
        input=[{"role": "user", "content": "Weather in Paris?"}, *kept, output],
        tools=[WEATHER_TOOL],
    )

    sent = kimi_emulator.last_responses_request()["input"]
    assert _types(sent) == ["message", "reasoning", "function_call", "function_call_output"]
    assert sent[1] == first_output[0].model_dump(mode="json", exclude_unset=True)


def test_a_multi_turn_conversation_whose_caller_drops_reasoning_gets_it_back(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    # A caller (or framework) that keeps its own history of messages and calls, never reasoning.
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}))
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Lyon"}))
    history: list[Any] = [{"role": "user", "content": "Weather in Paris, then Lyon?"}]
    reasonings: list[Any] = []
    for _ in range(3):
        answer = kimi_emulator_client.responses.create(model=MODEL, input=history, tools=[WEATHER_TOOL])
        reasonings += [
            item.model_dump(mode="json", exclude_unset=True)
            for item in answer.output
            if item.type == "reasoning"
        ]
        history += [item.model_dump(exclude_unset=True) for item in answer.output if item.type != "reasoning"]
        history += (
            [_call_output(answer)] if any(item.type == "function_call" for item in answer.output) else []
        )

    second, third = (request.json or {} for request in kimi_emulator.responses_requests()[1:])
    assert _types(second["input"]) == ["message", "reasoning", "function_call", "function_call_output"]
    assert _types(third["input"]) == [
        *_types(second["input"]),
        "reasoning",
        "function_call",
        "function_call_output",
    ]
    assert [item for item in third["input"] if item.get("type") == "reasoning"] == reasonings[:2]
    assert all(item.get("type") != "reasoning" for item in history)


def test_reasoning_echo_off_sends_the_input_as_given(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    client = kimi_emulator_client_factory(reasoning_echo="off")
    given = _without_reasoning(client, kimi_emulator)
    client.responses.create(model=MODEL, input=given, tools=[WEATHER_TOOL])
    assert _types(kimi_emulator.last_responses_request()["input"]) == _types(given)


def test_reasoning_echo_strict_refuses_a_call_whose_reasoning_is_unknown(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    client = kimi_emulator_client_factory(reasoning_echo="strict")
    stranger: Any = {
        "type": "function_call",
        "call_id": "get_weather_9",
        "name": "get_weather",
        "arguments": "{}",
    }
    output: Any = {"type": "function_call_output", "call_id": "get_weather_9", "output": "sunny"}
    with pytest.raises(KimiValidationError, match=r"'get_weather_9'.*reasoning_echo='strict'"):
        client.responses.create(model=MODEL, input=[stranger, output], tools=[WEATHER_TOOL])
    assert kimi_emulator.responses_requests() == ()


def test_the_emulator_requiring_reasoning_accepts_the_restored_turn(
    kimi_emulator_client_factory: KimiClientFactory,
) -> None:
    emulator = MoonshotEmulator(responses_reasoning="required")
    client = kimi_emulator_client_factory(emulator=emulator)
    given = _without_reasoning(client, emulator)
    answer = client.responses.create(model=MODEL, input=given, tools=[WEATHER_TOOL])
    assert answer.status == "completed"

    plain = kimi_emulator_client_factory(emulator=emulator, reasoning_echo="off")
    with pytest.raises(openai.BadRequestError, match="reasoning"):
        plain.responses.create(model=MODEL, input=given, tools=[WEATHER_TOOL])


# -- Moonshot's rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "pattern"),
    [
        ({"store": True}, r"store=True is not allowed.*stateless.*Leave `store` out"),
        ({"background": True}, r"background=True is not allowed.*stateless"),
        ({"conversation": "conv_1"}, r"conversation=\.\.\. is not allowed.*previous_response_id"),
        (
            {"tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}]},
            r"tools\[0\] of type 'file_search'",
        ),
        ({"tools": [{**WEATHER_TOOL, "defer_loading": True}]}, r"tools\[0\]\.defer_loading"),
        (
            {"tools": [{"type": "web_search", "search_context_size": "high"}]},
            r"search_context_size='high'.*Leave it out",
        ),
        (
            {"tools": [{"type": "web_search", "filters": {"blocked_domains": ["a.com"]}}]},
            r"filters\.blocked_domains",
        ),
        (
            {"tools": [{"type": "custom", "name": "sql", "format": {"type": "text"}}]},
            r"custom tool named 'sql'.*apply_patch",
        ),
        (
            {
                "tools": [
                    {
                        "type": "namespace",
                        "name": "n",
                        "description": "d",
                        "tools": [{**WEATHER_TOOL, "defer_loading": True}],
                    }
                ]
            },
            r"tools\[0\]\.tools\[0\]\.defer_loading",
        ),
    ],
)
def test_what_moonshot_refuses_is_refused_before_sending(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator, arguments: dict[str, Any], pattern: str
) -> None:
    with pytest.raises(KimiValidationError, match=pattern):
        kimi_emulator_client.responses.create(model=MODEL, input="Hi", **arguments)
    assert kimi_emulator.responses_requests() == ()


def test_state_fields_pass_to_a_self_hosted_engine(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    local = kimi_emulator_client_factory(base_url="http://localhost:8000/v1")
    local.responses.create(model=MODEL, input="Hi", store=True, conversation="conv_1")
    sent = kimi_emulator.last_responses_request()
    assert sent["store"] is True
    assert sent["conversation"] == "conv_1"


def test_validation_off_sends_what_moonshot_refuses(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    client = kimi_emulator_client_factory(validation=False)
    deferred: Any = {**WEATHER_TOOL, "defer_loading": True}
    with pytest.raises(openai.BadRequestError, match="defer_loading is not supported"):
        client.responses.create(model=MODEL, input="Hi", tools=[deferred])


def test_web_search_default_context_size_is_dropped_and_ignored_fields_kept(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    tool: Any = {
        "type": "web_search",
        "search_context_size": "medium",
        "user_location": None,
        "filters": None,
    }
    answer = kimi_emulator_client.responses.create(model=MODEL, input="News about Kimi?", tools=[tool])
    assert kimi_emulator.last_responses_request()["tools"] == [
        {"type": "web_search", "user_location": None, "filters": None}
    ]
    assert answer.output[0].type == "web_search_call"


def test_function_tools_and_text_format_schemas_are_normalised_to_mfjs(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    schema: Any = {
        "title": "Answer",
        "type": "object",
        "properties": {"n": {"type": "integer", "title": "N"}},
    }
    namespace: Any = {"type": "namespace", "name": "geo", "description": "Places.", "tools": [WEATHER_TOOL]}
    kimi_emulator_client.responses.create(
        model=MODEL,
        input="Hi",
        tools=[WEATHER_TOOL, namespace],
        text={"format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": True}},
    )
    sent = kimi_emulator.last_responses_request()
    expected = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    assert sent["tools"][0]["parameters"] == expected
    assert sent["tools"][1]["tools"][0]["parameters"] == expected
    assert sent["text"]["format"]["schema"] == {"type": "object", "properties": {"n": {"type": "integer"}}}


def test_parse_and_raw_responses_go_through_the_same_rules(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    with pytest.raises(KimiValidationError, match="store=True"):
        kimi_emulator_client.responses.with_raw_response.create(model=MODEL, input="Hi", store=True)
    with pytest.raises(KimiValidationError, match="store=True"):
        kimi_emulator_client.responses.parse(model=MODEL, input="Hi", store=True)
    raw = kimi_emulator_client.responses.with_raw_response.create(model=MODEL, input="Hi")
    assert isinstance(raw.parse(), KimiResponse)
    assert kimi_emulator.responses_requests()[-1].json == {"model": MODEL, "input": "Hi"}


def test_the_k3_only_reading_of_moonshots_page(kimi_emulator_client_factory: KimiClientFactory) -> None:
    # Moonshot's page: "This endpoint currently supports kimi-k3". The client does not refuse
    # other models before sending (a later model may be served); the server's answer stands.
    client = kimi_emulator_client_factory(
        emulator=MoonshotEmulator(responses_models=RESPONSES_MODELS_AS_DOCUMENTED)
    )
    assert client.responses.create(model="kimi-k3", input="Hi").status == "completed"
    with pytest.raises(openai.BadRequestError, match="not supported by /v1/responses"):
        client.responses.create(model="kimi-k2.6", input="Hi")


# -- what comes back ------------------------------------------------------------------------------


def test_reasoning_text_and_cache_usage_are_typed(kimi_emulator_client: KimiOpenAI) -> None:
    answer = kimi_emulator_client.responses.create(model=MODEL, input="Hello")
    assert isinstance(answer, KimiResponse)
    assert answer.reasoning_text
    assert answer.reasoning_text == reasoning_text(answer.output)
    assert answer.usage is not None
    details = answer.usage.input_tokens_details
    assert details.cache_write_tokens
    again = kimi_emulator_client.responses.create(model=MODEL, input="Hello")
    assert again.usage is not None
    assert again.usage.input_tokens_details.cached_tokens > 0


def test_reasoning_text_prefers_replayed_content_over_summary() -> None:
    item: Any = {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "short"}],
        "content": [{"type": "reasoning_text", "text": "the full thought"}],
    }
    response = KimiResponse.model_validate({**_minimal(), "output": [item]})
    assert response.reasoning_text == "the full thought"


def _minimal() -> dict[str, Any]:
    return {
        "id": "resp_1",
        "created_at": 0,
        "model": MODEL,
        "object": "response",
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
    }


# -- async ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_previous_response_id_and_stream(
    async_kimi_emulator_client_factory: AsyncKimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    client = async_kimi_emulator_client_factory()
    first = await client.responses.create(model=MODEL, input="Hello")
    async with client.responses.stream(model=MODEL, previous_response_id=first.id, input="More") as stream:
        second = await stream.get_final_response()
    await client.responses.create(model=MODEL, previous_response_id=second.id, input="Bye")
    sent = kimi_emulator.last_responses_request()["input"]
    assert _types(sent) == ["message", "reasoning", "message", "message", "reasoning", "message", "message"]
    with pytest.raises(KimiValidationError, match="store=True"):
        await client.responses.create(model=MODEL, input="Hi", store=True)


# -- the model's rules, from the one source chat uses ---------------------------------------------


@pytest.mark.parametrize(
    ("model", "arguments", "pattern"),
    [
        (
            "kimi-k3",
            {"temperature": 0.5},
            r"temperature=0.5 is not allowed for model 'kimi-k3': sampling is fixed",
        ),
        ("kimi-k3", {"top_p": 0.5}, r"top_p=0.5 is not allowed for model 'kimi-k3'"),
        (
            "kimi-k3",
            {"reasoning": {"effort": "medium"}},
            r"^reasoning.effort='medium' is not allowed.*low, high, max",
        ),
        (
            "kimi-k2.7-code",
            {"tool_choice": {"type": "function", "name": "get_weather"}},
            r"incompatible with thinking",
        ),
    ],
)
def test_the_models_rules_apply_before_sending(
    kimi_emulator_client: KimiOpenAI,
    kimi_emulator: MoonshotEmulator,
    model: str,
    arguments: dict[str, Any],
    pattern: str,
) -> None:
    with pytest.raises(KimiValidationError, match=pattern):
        kimi_emulator_client.responses.create(model=model, input="Hi", tools=[WEATHER_TOOL], **arguments)
    assert kimi_emulator.responses_requests() == ()


def test_a_forced_tool_on_k2_6_turns_thinking_off_as_on_chat(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    kimi_emulator.queue_tool_calls(ToolCall("get_weather", {"city": "Paris"}))
    kimi_emulator_client.responses.create(
        model="kimi-k2.6",
        input="Weather?",
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "name": "get_weather"},
    )
    assert kimi_emulator.last_responses_request()["thinking"] == {"type": "disabled"}


def test_one_rule_changed_changes_chat_and_responses_together(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kimi_openai._rules import params

    def no_top_p_above_half(given: Any, spec: Any) -> params.Refusal | None:
        del spec
        top_p = given.get("top_p")
        return None if top_p is None or top_p <= 0.5 else params.Refusal("top_p", "a new rule", "Lower it")

    monkeypatch.setattr(params, "_RULES", (*params._RULES, no_top_p_above_half))  # pyright: ignore[reportPrivateUsage]
    with pytest.raises(KimiValidationError, match="a new rule"):
        kimi_emulator_client.chat.completions.create(
            model="kimi-k2.6",
            messages=[{"role": "user", "content": "Hi"}],
            top_p=0.95,
            extra_body={"thinking": {"type": "disabled"}},
        )
    with pytest.raises(KimiValidationError, match="a new rule"):
        kimi_emulator_client.responses.create(
            model="kimi-k2.6", input="Hi", top_p=0.95, extra_body={"thinking": {"type": "disabled"}}
        )
    assert list(kimi_emulator.requests) == []


# -- the WebSocket transport ----------------------------------------------------------------------


def test_the_websocket_transport_is_refused_on_moonshot(
    kimi_emulator_client_factory: KimiClientFactory,
) -> None:
    client = kimi_emulator_client_factory()
    assert isinstance(client.responses, KimiResponses)
    with pytest.raises(UnservedEndpointError, match=r"WebSocket.*create\(stream=True\)"):
        client.responses.connect()
    # Elsewhere openai's connection manager is returned as is (it connects when entered).
    local = kimi_emulator_client_factory(base_url="http://localhost:8000/v1")
    assert type(local.responses.connect()).__name__ == "ResponsesConnectionManager"


@pytest.mark.anyio
async def test_the_async_websocket_transport_is_refused_on_moonshot(
    async_kimi_emulator_client_factory: AsyncKimiClientFactory,
) -> None:
    client = async_kimi_emulator_client_factory()
    assert isinstance(client.responses, AsyncKimiResponses)
    with pytest.raises(UnservedEndpointError, match="WebSocket"):
        client.responses.connect()
