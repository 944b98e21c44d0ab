"""What ``POST /v1/responses`` refuses, and what it accepts and ignores (Moonshot's Responses page,
platform.kimi.ai/docs/api/responses; moonshot-api-2026-12.md §3.1)."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from kimi_openai._compat import httpx
from kimi_openai.testing import Balance, MoonshotEmulator

BASE_URL = "http://emulator.local/v1"
FUNCTION: Any = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {}},
}
PATCH: Any = {
    "type": "custom",
    "name": "apply_patch",
    "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"},
}
CALL_TURN: Any = [
    {"role": "user", "content": "Weather?"},
    {"type": "function_call", "call_id": "w", "name": "get_weather", "arguments": "{}"},
    {"type": "function_call_output", "call_id": "w", "output": "rain"},
]


def post(kimi_emulator: MoonshotEmulator, **body: Any) -> httpx.Response:
    headers = {"Authorization": "Bearer sk-test"}
    with httpx.Client(transport=kimi_emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        return http.post("/responses", json={"model": "kimi-k3", "input": "hi", **body})


def refusal(response: httpx.Response) -> str:
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    return str(error["message"])


# -- tools --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "file_search", "vector_store_ids": ["vs_1"]},
        {"type": "computer_use_preview", "display_width": 1, "display_height": 1, "environment": "linux"},
        {"type": "mcp", "server_label": "x", "server_url": "https://example.com"},
        {"type": "code_interpreter", "container": {"type": "auto"}},
        {"type": "image_generation"},
        {"type": "local_shell"},
        {"type": "web_search_preview"},
        {"type": "apply_patch"},
    ],
)
def test_unsupported_tool_types_are_refused(kimi_emulator: MoonshotEmulator, tool: Any) -> None:
    assert (
        refusal(post(kimi_emulator, tools=[FUNCTION, tool]))
        == f"tools.1.type '{tool['type']}' is not supported"
    )


def test_defer_loading_is_refused_with_moonshots_text(client: openai.OpenAI) -> None:
    deferred: Any = {**FUNCTION, "defer_loading": True}

    with pytest.raises(openai.BadRequestError) as first:
        client.responses.create(model="kimi-k3", input="hi", tools=[deferred])
    with pytest.raises(openai.BadRequestError) as second:
        client.responses.create(model="kimi-k3", input="hi", tools=[PATCH, deferred])

    # Measured on Moonshot (a 2026-09 tool-search study): "400 tools.0.defer_loading is not supported".
    assert first.value.body == {
        "type": "invalid_request_error",
        "message": "tools.0.defer_loading is not supported",
    }
    assert second.value.body == {
        "type": "invalid_request_error",
        "message": "tools.1.defer_loading is not supported",
    }


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"search_context_size": "medium"}, "tools.0.search_context_size"),
        ({"blocked_domains": ["example.com"]}, "tools.0.blocked_domains"),
        ({"filters": {"blocked_domains": ["example.com"]}}, "tools.0.filters.blocked_domains"),
    ],
)
def test_refused_web_search_fields(kimi_emulator: MoonshotEmulator, fields: Any, path: str) -> None:
    assert (
        refusal(post(kimi_emulator, tools=[{"type": "web_search", **fields}])) == f"{path} is not supported"
    )


def test_ignored_web_search_fields_and_nulls_are_accepted(kimi_emulator: MoonshotEmulator) -> None:
    tool = {
        "type": "web_search",
        "user_location": {"type": "approximate", "country": "FR"},
        "external_web_access": False,
        "indexed_web_access": True,
        "filters": {"allowed_domains": ["example.com"]},
        "search_context_size": None,
    }

    response = post(kimi_emulator, tools=[tool])

    assert response.status_code == 200
    assert response.json()["output"][0]["type"] == "web_search_call"


def test_openai_agents_web_search_tool_is_refused_for_its_context_size(
    kimi_emulator: MoonshotEmulator,
) -> None:
    # What WebSearchTool() always sends (openai-agents 0.24).
    tool = {"type": "web_search", "filters": None, "user_location": None, "search_context_size": "medium"}

    assert refusal(post(kimi_emulator, tools=[tool])) == "tools.0.search_context_size is not supported"


def test_web_search_limits(kimi_emulator: MoonshotEmulator) -> None:
    many = {"type": "web_search", "filters": {"allowed_domains": [f"d{n}.example" for n in range(101)]}}

    assert refusal(post(kimi_emulator, tools=[{"type": "web_search"}, {"type": "web_search"}])) == (
        "Invalid request: at most one web_search tool is allowed"
    )
    assert "allowed_domains holds at most 100" in refusal(post(kimi_emulator, tools=[many]))
    assert "max_results" in refusal(
        post(kimi_emulator, tools=[{"type": "web_search", "image_settings": {"max_results": 11}}])
    )
    assert "search_content_types" in refusal(
        post(kimi_emulator, tools=[{"type": "web_search", "search_content_types": ["video"]}])
    )


def test_custom_tools_are_apply_patch_with_a_lark_grammar(kimi_emulator: MoonshotEmulator) -> None:
    other = {**PATCH, "name": "shell"}
    no_format = {"type": "custom", "name": "apply_patch"}

    assert post(kimi_emulator, tools=[PATCH]).status_code == 200
    assert refusal(post(kimi_emulator, tools=[other])) == "tools.0.name 'shell' is not supported"
    assert "tools.0.format must be" in refusal(post(kimi_emulator, tools=[no_format]))


def test_function_names_follow_the_responses_pattern(kimi_emulator: MoonshotEmulator) -> None:
    # 1 to 128 characters on Responses (chat needs 3 to 64).
    assert post(kimi_emulator, tools=[{**FUNCTION, "name": "f"}]).status_code == 200
    assert post(kimi_emulator, tools=[{**FUNCTION, "name": "f" * 128}]).status_code == 200
    assert "tools.0.name" in refusal(post(kimi_emulator, tools=[{**FUNCTION, "name": "f" * 129}]))
    assert "tools.0.name" in refusal(post(kimi_emulator, tools=[{**FUNCTION, "name": "1abc"}]))


def test_namespace_members_are_functions_or_custom(kimi_emulator: MoonshotEmulator) -> None:
    space = {
        "type": "namespace",
        "name": "crm",
        "description": "CRM",
        "tools": [FUNCTION, {"type": "web_search"}],
    }

    assert refusal(post(kimi_emulator, tools=[space])) == "tools.0.tools.1.type 'web_search' is not supported"
    assert "needs a name, a description and tools" in refusal(
        post(kimi_emulator, tools=[{"type": "namespace", "name": "crm"}])
    )


def test_additional_tools_items_declare_tools(kimi_emulator: MoonshotEmulator) -> None:
    patch_later = [
        {"role": "user", "content": "Fix it"},
        {"type": "additional_tools", "role": "developer", "tools": [PATCH]},
    ]
    kimi_emulator.queue_tool_calls(("apply_patch", "*** Begin Patch"))

    answer = post(kimi_emulator, input=patch_later).json()
    deferred = [
        {"role": "user", "content": "x"},
        {"type": "additional_tools", "role": "developer", "tools": [{**FUNCTION, "defer_loading": True}]},
    ]

    assert answer["output"][-1]["type"] == "custom_tool_call"
    assert refusal(post(kimi_emulator, input=deferred)) == "input.1.tools.0.defer_loading is not supported"


# -- input --------------------------------------------------------------------------------------


def test_images_must_be_data_urls(kimi_emulator: MoonshotEmulator) -> None:
    def image(url: str) -> Any:
        return [
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is it?"},
                    {"type": "input_image", "image_url": url},
                ],
            }
        ]

    assert post(kimi_emulator, input=image("data:image/png;base64,iVBORw0KGgo=")).status_code == 200
    assert refusal(post(kimi_emulator, input=image("https://example.com/cat.png"))) == (
        "Invalid request: input.0.content.1.image_url must be a data: URL"
    )


def test_unsupported_content_and_items_are_refused(kimi_emulator: MoonshotEmulator) -> None:
    with_file = [{"role": "user", "content": [{"type": "input_file", "file_id": "file-1"}]}]

    assert (
        refusal(post(kimi_emulator, input=with_file))
        == "Invalid request: input.0.content.0.type 'input_file' is not supported"
    )
    assert refusal(post(kimi_emulator, input=[{"type": "item_reference", "id": "x"}])) == (
        "Invalid request: input.0.type 'item_reference' is not supported"
    )
    assert (
        refusal(post(kimi_emulator, input=[{"role": "tool", "content": "x"}]))
        == "Invalid request: input.0.role 'tool' is not supported"
    )


def test_calls_and_outputs_must_pair(kimi_emulator: MoonshotEmulator) -> None:
    orphan_output = [
        {"role": "user", "content": "hi"},
        {"type": "function_call_output", "call_id": "x", "output": "1"},
    ]
    unanswered = CALL_TURN[:2]

    assert post(kimi_emulator, input=CALL_TURN).status_code == 200
    assert refusal(post(kimi_emulator, input=orphan_output)) == "Invalid request: tool_call_id x not found"
    assert refusal(post(kimi_emulator, input=unanswered)) == "Invalid request: tool_call_id w not found"


def test_required_fields(kimi_emulator: MoonshotEmulator) -> None:
    headers = {"Authorization": "Bearer sk-test"}
    with httpx.Client(transport=kimi_emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        no_input = http.post("/responses", json={"model": "kimi-k3"})

    assert refusal(no_input) == "Invalid request: input is required"
    assert refusal(post(kimi_emulator, input=[])) == "Invalid request: input must not be empty"
    assert refusal(post(kimi_emulator, input=42)) == (
        "the input field in the request (expected type string or []object) is illegal, and number is not acceptable"
    )


def test_developer_and_system_messages_are_instructions(kimi_emulator: MoonshotEmulator) -> None:
    conversation = [
        {"role": "developer", "content": "Be terse."},
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "hi"},
    ]

    answer = post(kimi_emulator, input=conversation, instructions="Top.").json()

    assert answer["output"][-1]["content"][0]["text"] == "You said: hi"


def test_replayed_web_search_calls_are_history_only(kimi_emulator: MoonshotEmulator) -> None:
    history = [
        {"role": "user", "content": "News?"},
        {
            "type": "web_search_call",
            "id": "ws_1",
            "status": "completed",
            "action": {"type": "search", "query": "news"},
        },
        {"role": "assistant", "content": [{"type": "output_text", "text": "Here it is."}]},
        {"role": "user", "content": "More?"},
    ]

    assert post(kimi_emulator, input=history).status_code == 200


# -- model rules --------------------------------------------------------------------------------


def test_fixed_sampling_and_effort_follow_the_model(kimi_emulator: MoonshotEmulator) -> None:
    assert (
        refusal(post(kimi_emulator, temperature=0.5))
        == "invalid temperature: only 1 is allowed for this model"
    )
    assert refusal(post(kimi_emulator, top_p=0.5)) == "invalid top_p: only 0.95 is allowed for this model"
    assert (
        post(kimi_emulator, temperature=1.0, reasoning={"effort": "low"}).json()["reasoning"]["effort"]
        == "low"
    )
    assert refusal(post(kimi_emulator, reasoning={"effort": "medium"})) == (
        "Invalid request: reasoning.effort 'medium' is not supported for model kimi-k3"
    )


def test_forced_tool_choice_with_thinking_is_chats_rule(kimi_emulator: MoonshotEmulator) -> None:
    k26 = {"model": "kimi-k2.6", "tools": [FUNCTION]}

    assert refusal(post(kimi_emulator, **k26, tool_choice="required")) == (
        "tool_choice 'required' is incompatible with thinking enabled"
    )
    assert post(kimi_emulator, tools=[FUNCTION], tool_choice="required").status_code == 200  # kimi-k3
    assert post(kimi_emulator, **k26, tool_choice="auto").status_code == 200


def test_text_format_is_json_schema_or_text(kimi_emulator: MoonshotEmulator) -> None:
    schema: Any = {"type": "json_schema", "name": "out", "schema": {"type": "object", "properties": {}}}

    assert post(kimi_emulator, text={"format": schema}).json()["text"]["format"] == schema
    assert (
        refusal(post(kimi_emulator, text={"format": {"type": "json_object"}}))
        == "text.format.type 'json_object' is not supported"
    )
    assert refusal(post(kimi_emulator, text={"format": {"type": "json_schema", "name": "x"}})) == (
        "Invalid request: text.format.schema is required"
    )


def test_an_output_limit_beyond_the_context_is_refused(kimi_emulator: MoonshotEmulator) -> None:
    assert refusal(post(kimi_emulator, model="kimi-k2.6", max_output_tokens=262_144)) == (
        "Your request exceeded model token limit : 262144"
    )


# -- the stateless fields -----------------------------------------------------------------------


STATEFUL: list[tuple[str, Any]] = [
    ("store", True),
    ("background", True),
    ("previous_response_id", "resp_earlier"),
    ("conversation", "conv_1"),
]


@pytest.mark.parametrize(("field", "value"), STATEFUL)
def test_stateless_fields_are_ignored_by_default(
    kimi_emulator: MoonshotEmulator, field: str, value: Any
) -> None:
    answer = post(kimi_emulator, **{field: value}).json()

    assert (answer["store"], answer["background"]) == (False, False)
    assert (answer["previous_response_id"], answer["conversation"]) == (None, None)
    assert answer["output"][-1]["content"][0]["text"] == "You said: hi"  # nothing remembered


@pytest.mark.parametrize(("field", "value"), STATEFUL)
def test_stateless_fields_can_be_refused(field: str, value: Any) -> None:
    emulator = MoonshotEmulator(responses_stateless="refuse")

    assert refusal(post(emulator, **{field: value})) == f"{field} is not supported"


def test_false_and_null_pass_when_refusing() -> None:
    strict = MoonshotEmulator(responses_stateless="refuse")
    nulls = {"store": False, "background": False, "previous_response_id": None, "conversation": None}

    assert post(strict, **nulls).status_code == 200


# -- replayed reasoning -------------------------------------------------------------------------


def test_a_call_without_its_reasoning_is_accepted_by_default(kimi_emulator: MoonshotEmulator) -> None:
    assert post(kimi_emulator, input=CALL_TURN, tools=[FUNCTION]).status_code == 200


def test_a_call_without_its_reasoning_can_be_refused() -> None:
    strict = MoonshotEmulator(responses_reasoning="required")
    reasoned = [
        CALL_TURN[0],
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Check it."}]},
        *CALL_TURN[1:],
    ]
    content_only = [
        CALL_TURN[0],
        {"type": "reasoning", "summary": [], "content": [{"type": "reasoning_text", "text": "x"}]},
        *CALL_TURN[1:],
    ]
    k26_no_thinking: Any = {"model": "kimi-k2.6", "thinking": {"type": "disabled"}, "input": CALL_TURN}

    assert refusal(post(strict, input=CALL_TURN)) == (
        "thinking is enabled but reasoning_content is missing in assistant tool call message at index 1"
    )
    assert post(strict, input=reasoned).status_code == 200
    assert post(strict, input=content_only).status_code == 200
    assert post(strict, **k26_no_thinking).status_code == 200


def test_an_empty_reasoning_summary_counts_as_missing() -> None:
    strict = MoonshotEmulator(responses_reasoning="required")
    empty: Any = [CALL_TURN[0], {"type": "reasoning", "summary": []}, *CALL_TURN[1:]]

    assert "reasoning_content is missing" in refusal(post(strict, input=empty))


@pytest.mark.parametrize(
    ("option", "value"),
    [("responses_stateless", "strict"), ("responses_reasoning", "always"), ("unserved", "gone")],
)
def test_a_misspelt_responses_option_is_refused(option: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{option}='{value}' is not one of"):
        MoonshotEmulator(**{option: value})  # pyright: ignore[reportArgumentType]


def test_an_empty_balance_refuses_responses_as_chat() -> None:
    broke = MoonshotEmulator(balance=Balance(cash_balance=-1.0, voucher_balance=0.0))
    answer = post(broke)

    assert answer.status_code == 429
    assert answer.json()["error"]["type"] == "exceeded_current_quota_error"
