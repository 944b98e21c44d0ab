"""Server rules, auth and the script API: status, error type and message as the server answers."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from kimi_openai import KimiValidationError
from kimi_openai._compat import httpx
from kimi_openai.testing import Balance, MoonshotEmulator, RateLimit, TextReply, Usage
from kimi_openai.testing.pytest_plugin import KimiClientFactory

BASE_URL = "http://emulator.local/v1"
USER: Any = {"role": "user", "content": "hi"}
CALL: Any = {"id": "functions.f:0", "type": "function", "function": {"name": "f", "arguments": "{}"}}


def tool_turn(reasoning: str | None) -> list[Any]:
    assistant: dict[str, Any] = {"role": "assistant", "content": "", "tool_calls": [CALL]}
    if reasoning is not None:
        assistant["reasoning_content"] = reasoning
    return [USER, assistant, {"role": "tool", "tool_call_id": "functions.f:0", "content": "ok"}]


RULES: list[tuple[dict[str, Any], int, str, str]] = [
    ({"model": "kimi-k2.6", "temperature": 0.3}, 400, "invalid_request_error", "invalid temperature: only 1 is allowed for this model"),
    ({"model": "kimi-k2.7-code", "top_p": 0.5}, 400, "invalid_request_error", "invalid top_p: only 0.95 is allowed for this model"),
    ({"model": "kimi-k3", "temperature": 0.5}, 400, "invalid_request_error", "invalid temperature: only 1 is allowed for this model"),
    ({"model": "kimi-k3.1-pro", "temperature": 0.2}, 400, "invalid_request_error", "invalid temperature: only 1 is allowed for this model"),
    ({"model": "kimi-k2.7-code", "temperature": 0.6}, 400, "invalid_request_error", "invalid temperature: only 1 is allowed for this model"),
    ({"model": "kimi-k3", "n": 2}, 400, "invalid_request_error", "invalid n: only 1 is allowed for this model"),
    ({"model": "kimi-k3", "thinking": {"type": "enabled"}}, 400, "invalid_request_error", "cannot specify both 'thinking' and 'reasoning_effort'"),
    ({"model": "kimi-k2.6", "thinking": {"type": "enabled"}, "reasoning_effort": "high"}, 400, "invalid_request_error", "cannot specify both 'thinking' and 'reasoning_effort'"),
    ({"model": "kimi-k3", "tool_choice": {"type": "function", "function": {"name": "fff"}}}, 400, "invalid_request_error", "tool_choice 'specified' is incompatible with thinking enabled"),
    ({"model": "kimi-k2.7-code", "tool_choice": "required"}, 400, "invalid_request_error", "tool_choice 'required' is incompatible with thinking enabled"),
    ({"model": "kimi-k2.7-code", "thinking": {"type": "disabled"}}, 400, "invalid_request_error", 'Invalid request: model kimi-k2.7-code only supports thinking {"type":"enabled","keep":"all"}'),
    ({"model": "kimi-k3", "messages": [{"role": "developer", "content": "Be brief."}, USER]}, 400, "invalid_request_error", "invalid request: unsupported role ROLE_UNSPECIFIED"),
    ({"model": "kimi-k3", "messages": [USER, {"role": "system", "tools": [{"type": "function", "function": {"name": "1x"}}]}]}, 400, "invalid_request_error", "Invalid request: invalid tool definition '1x'"),
    ({"model": "kimi-k3", "reasoning_effort": "medium"}, 400, "invalid_request_error", "Invalid request: reasoning_effort 'medium' is not supported for model kimi-k3"),
    ({"model": "kimi-k2.5"}, 404, "resource_not_found_error", "Not found the model kimi-k2.5 or Permission denied"),
    ({"model": "moonshot-v1-8k"}, 404, "resource_not_found_error", "Not found the model moonshot-v1-8k or Permission denied"),
    ({"model": "kimi-k2-thinking"}, 404, "resource_not_found_error", "Not found the model kimi-k2-thinking or Permission denied"),
    ({"model": "kimi-latest"}, 404, "resource_not_found_error", "Not found the model kimi-latest or Permission denied"),
    ({"model": "kimi-k2.6", "n": 2}, 400, "invalid_request_error", "invalid n: only 1 is allowed for this model"),
    ({"model": "kimi-k2.6", "presence_penalty": 1}, 400, "invalid_request_error", "invalid presence_penalty: only 0 is allowed for this model"),
    ({"model": "kimi-k2.6", "frequency_penalty": 1}, 400, "invalid_request_error", "invalid frequency_penalty: only 0 is allowed for this model"),
    ({"model": "kimi-k2.6", "thinking": True}, 400, "invalid_request_error", "the thinking field in the request (expected type object) is illegal, and bool is not acceptable"),
    ({"model": "kimi-k2.6", "messages": tool_turn(None)}, 400, "invalid_request_error", "thinking is enabled but reasoning_content is missing in assistant tool call message at index 1"),
    ({"model": "kimi-k2.6", "messages": tool_turn("")}, 400, "invalid_request_error", "thinking is enabled but reasoning_content is missing in assistant tool call message at index 1"),
    ({"model": "kimi-k2.6", "messages": [USER, {"role": "assistant", "content": ""}, USER]}, 400, "invalid_request_error", "Invalid request: the message at position 1 with role 'assistant' must not be empty"),
    ({"model": "kimi-k2.6", "messages": [USER, {"role": "tool", "tool_call_id": "nope", "content": "x"}]}, 400, "invalid_request_error", "Invalid request: tool_call_id nope not found"),
    ({"model": "kimi-k2.6", "tool_choice": "required"}, 400, "invalid_request_error", "tool_choice 'required' is incompatible with thinking enabled"),
    ({"model": "kimi-k2.6", "tool_choice": {"type": "function", "function": {"name": "f"}}}, 400, "invalid_request_error", "tool_choice 'specified' is incompatible with thinking enabled"),
    ({"model": "kimi-k2.6", "thinking": {"type": "disabled"}, "tool_choice": "required"}, 400, "invalid_request_error", "Invalid request: tool_choice 'required' is not supported for model kimi-k2.6"),
    ({"model": "kimi-k2.6", "messages": [USER, {"role": "assistant", "content": "{", "partial": True}], "response_format": {"type": "json_object"}}, 400, "invalid_request_error", "Invalid request: partial mode is not supported with response_format json_object"),
    ({"model": "kimi-k9"}, 404, "resource_not_found_error", "Not found the model kimi-k9 or Permission denied"),
    ({"model": "kimi-k2.6", "max_completion_tokens": 262_140}, 400, "invalid_request_error", "Your request exceeded model token limit : 262144"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "status", "kind", "message"), RULES)
def test_rules_answer_as_the_server(
    raw: httpx.Client, overrides: dict[str, Any], status: int, kind: str, message: str
) -> None:
    request: dict[str, Any] = {
        "messages": [USER],
        "tools": [{"type": "function", "function": {"name": "fff"}}],
    }
    response = raw.post("/chat/completions", json=request | overrides)

    assert response.status_code == status
    assert response.json() == {"error": {"type": kind, "message": message}}


def test_accepted_variants_pass(raw: httpx.Client) -> None:
    accepted: list[dict[str, Any]] = [
        {"model": "kimi-k2.6", "temperature": 1, "top_p": 0.95, "n": 1},
        {"model": "kimi-k2.6", "thinking": {"type": "disabled"}, "temperature": 0.6},
        {"model": "kimi-k2.6", "messages": tool_turn(" ")},
        {"model": "kimi-k2.6", "thinking": {"type": "disabled"}, "messages": tool_turn(None)},
        {
            "model": "kimi-k3",
            "tool_choice": "required",
            "tools": [{"type": "function", "function": {"name": "fff"}}],
        },
        {"model": "kimi-k3", "temperature": 1, "top_p": 0.95, "n": 1, "reasoning_effort": "low"},
        {"model": "kimi-k2.7-code", "thinking": {"type": "enabled"}},
        {"model": "kimi-k2.7-code-highspeed", "thinking": {"type": "enabled", "keep": None}},
        {"model": "kimi-k2.6", "reasoning_effort": "high"},
        {
            "model": "kimi-k3",
            "messages": [
                USER,
                {"role": "system", "tools": [{"type": "function", "function": {"name": "later"}}]},
            ],
        },
    ]
    for request in accepted:
        response = raw.post("/chat/completions", json={"messages": [USER]} | request)
        assert response.status_code == 200, (request, response.text)


def test_sdk_raises_the_matching_openai_errors(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model="kimi-k2.6", messages=[USER], temperature=0.2)
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="kimi-k9", messages=[USER])

    assert bad.value.type == "invalid_request_error"
    assert missing.value.type == "resource_not_found_error"


def test_missing_key_is_401(kimi_emulator: MoonshotEmulator) -> None:
    with httpx.Client(transport=kimi_emulator.transport(), base_url=BASE_URL) as http:
        response = http.get("/models")

    assert response.status_code == 401
    assert response.json() == {
        "error": {"type": "invalid_authentication_error", "message": "Invalid Authentication"}
    }


def test_configured_keys_and_the_other_platform() -> None:
    emulator = MoonshotEmulator(api_keys={"sk-global": "global", "sk-cn": "cn"}, region="global")

    def status(key: str) -> tuple[int, str]:
        with httpx.Client(transport=emulator.transport(), base_url=BASE_URL) as http:
            response = http.get("/models", headers={"Authorization": f"Bearer {key}"})
        return response.status_code, response.json().get("error", {}).get("type", "")

    assert status("sk-global") == (200, "")
    assert status("sk-cn") == (401, "invalid_authentication_error")
    assert status("sk-other") == (401, "incorrect_api_key_error")


def test_empty_balance_fails_inference_with_quota_error(
    kimi_emulator: MoonshotEmulator, raw: httpx.Client
) -> None:
    kimi_emulator.balance = Balance(cash_balance=-1.0, voucher_balance=0.0)
    response = raw.post("/chat/completions", json={"model": "kimi-k2.6", "messages": [USER]})

    assert response.status_code == 429
    assert response.json()["error"]["type"] == "exceeded_current_quota_error"


def test_script_is_first_in_first_out(kimi_emulator: MoonshotEmulator, client: openai.OpenAI) -> None:
    kimi_emulator.queue_text("one").queue_text("two", reasoning="because", usage=Usage(5, 6, 2))
    first = client.chat.completions.create(model="kimi-k2.6", messages=[USER])
    second = client.chat.completions.create(model="kimi-k2.6", messages=[USER])
    third = client.chat.completions.create(model="kimi-k2.6", messages=[USER])

    assert [c.choices[0].message.content for c in (first, second, third)] == ["one", "two", "You said: hi"]
    assert (second.choices[0].message.model_extra or {})["reasoning_content"] == "because"
    assert second.usage is not None
    assert (second.usage.prompt_tokens, second.usage.completion_tokens, second.usage.total_tokens) == (
        5,
        6,
        11,
    )
    assert (second.usage.model_extra or {})["cached_tokens"] == 2
    assert kimi_emulator.pending == ()


def test_scripted_errors_carry_status_type_and_headers(
    kimi_emulator: MoonshotEmulator, raw: httpx.Client
) -> None:
    kimi_emulator.queue_overloaded(retry_after=3).queue_quota_exceeded(status=403).queue_rate_limited()
    kimi_emulator.queue_server_error(503).queue_error(400, "content_filter", "high risk")
    answers = [
        raw.post("/chat/completions", json={"model": "kimi-k2.6", "messages": [USER]}) for _ in range(5)
    ]

    assert [(a.status_code, a.json()["error"]["type"]) for a in answers] == [
        (429, "engine_overloaded_error"),
        (403, "exceeded_current_quota_error"),
        (429, "rate_limit_reached_error"),
        (503, "server_unavailable"),
        (400, "content_filter"),
    ]
    assert answers[0].headers["retry-after"] == "3"
    assert answers[4].json() == {"error": {"type": "content_filter", "message": "high risk"}}


def test_gateway_timeout_is_an_html_page(kimi_emulator: MoonshotEmulator, raw: httpx.Client) -> None:
    kimi_emulator.queue_gateway_timeout()
    response = raw.post("/chat/completions", json={"model": "kimi-k2.6", "messages": [USER]})

    assert response.status_code == 504
    assert response.headers["content-type"] == "text/html"
    assert "<h1>504 Gateway Time-out</h1>" in response.text


def test_path_filter_leaves_other_endpoints_alone(kimi_emulator: MoonshotEmulator, raw: httpx.Client) -> None:
    kimi_emulator.queue_raw(500, "{}", path="/v1/users/*")
    chat = raw.post("/chat/completions", json={"model": "kimi-k2.6", "messages": [USER]})
    balance = raw.get("/users/me/balance")

    assert chat.status_code == 200
    assert balance.status_code == 500
    assert balance.content == b"{}"


def test_a_queued_error_is_not_skipped_by_validation_failures(
    kimi_emulator: MoonshotEmulator, raw: httpx.Client
) -> None:
    kimi_emulator.queue(TextReply("later"))
    rejected = raw.post("/chat/completions", json={"model": "kimi-k9", "messages": [USER]})
    served = raw.post("/chat/completions", json={"model": "kimi-k2.6", "messages": [USER]})

    assert rejected.status_code == 404
    assert served.json()["choices"][0]["message"]["content"] == "later"


def _drop_cause(exc: BaseException) -> BaseException:
    # openai 3.x wraps a broken stream in APIConnectionError; 2.x lets the httpx error through.
    return exc.__cause__ if isinstance(exc, openai.APIConnectionError) and exc.__cause__ else exc


def test_drop_after_n_chunks_breaks_the_stream_after_delivering_them(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    kimi_emulator.queue_drop(3, TextReply("one two three four five six"))
    received: list[str] = []
    # Thinking off: the chunks are content only (a thinking model would stream reasoning first).
    stream = client.chat.completions.create(
        model="kimi-k2.6", messages=[USER], stream=True, extra_body={"thinking": {"type": "disabled"}}
    )
    with pytest.raises((openai.APIConnectionError, httpx.RemoteProtocolError)) as info:
        received.extend(chunk.choices[0].delta.content or "" for chunk in stream)

    assert received == ["", "one ", "two "]
    assert isinstance(_drop_cause(info.value), httpx.RemoteProtocolError)


def test_drop_on_a_plain_request_is_a_connection_error(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    kimi_emulator.queue_drop(0)

    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="kimi-k2.6", messages=[USER])


async def _collect(stream: openai.AsyncStream[Any], into: list[Any]) -> None:
    async for chunk in stream:
        into.append(chunk)


@pytest.mark.anyio
async def test_drop_on_the_async_transport(kimi_emulator: MoonshotEmulator) -> None:
    kimi_emulator.queue_drop(2)
    received: list[Any] = []
    http = httpx.AsyncClient(transport=kimi_emulator.async_transport())
    async with openai.AsyncOpenAI(
        api_key="sk-test", base_url=BASE_URL, http_client=http, max_retries=0
    ) as sdk:
        stream = await sdk.chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
        with pytest.raises((openai.APIConnectionError, httpx.RemoteProtocolError)):
            await _collect(stream, received)

    assert len(received) == 2


def test_requests_are_recorded(kimi_emulator: MoonshotEmulator, client: openai.OpenAI) -> None:
    client.chat.completions.create(
        model="kimi-k2.6", messages=[USER], extra_body={"thinking": {"type": "disabled"}}
    )
    client.models.list()

    [chat, models] = kimi_emulator.requests
    assert (chat.method, chat.path, models.method, models.path) == (
        "POST",
        "/v1/chat/completions",
        "GET",
        "/v1/models",
    )
    assert chat.headers["authorization"] == "Bearer sk-test"
    assert kimi_emulator.last_chat_request()["thinking"] == {"type": "disabled"}
    assert json.loads(chat.body) == kimi_emulator.last_chat_request()


def test_request_id_and_rate_limit_headers() -> None:
    emulator = MoonshotEmulator(rate_limit=RateLimit(limit=3, reset_seconds=60))
    headers = {"Authorization": "Bearer sk-test"}
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        answers = [http.get("/models") for _ in range(4)]

    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["x-ratelimit-limit"] == "3"
    assert answers[0].headers["x-ratelimit-reset"] == "60"
    assert len({a.headers["x-request-id"] for a in answers}) == 4


# The client and the emulator encode each rule apart; both refuse the same K3 request, in their words.
BOTH_WAYS: list[tuple[dict[str, Any], str, str]] = [
    ({"temperature": 0.5}, "temperature=0.5", "invalid temperature: only 1 is allowed for this model"),
    ({"top_p": 0.5}, "top_p=0.5", "invalid top_p: only 0.95 is allowed for this model"),
    ({"extra_body": {"thinking": {"type": "enabled"}}}, "no `thinking` field", "cannot specify both 'thinking' and 'reasoning_effort'"),
    (
        {"tools": [{"type": "function", "function": {"name": "a"*3}}, {"type": "function", "function": {"name": "bbb"}}],
         "tool_choice": {"type": "function", "function": {"name": "aaa"}}},
        "tool_choice naming function 'aaa'",
        "tool_choice 'specified' is incompatible with thinking enabled",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "client_words", "server_words"), BOTH_WAYS)
def test_k3_rules_refused_by_the_client_and_by_the_emulator(
    kimi_emulator: MoonshotEmulator,
    kimi_emulator_client_factory: KimiClientFactory,
    kwargs: dict[str, Any],
    client_words: str,
    server_words: str,
) -> None:
    with kimi_emulator_client_factory() as checked, pytest.raises(KimiValidationError) as refused:
        checked.chat.completions.create(model="kimi-k3", messages=[USER], **kwargs)
    assert client_words in str(refused.value)
    assert kimi_emulator.chat_requests() == ()
    with (
        kimi_emulator_client_factory(validation=False) as unchecked,
        pytest.raises(openai.BadRequestError) as answered,
    ):
        unchecked.chat.completions.create(model="kimi-k3", messages=[USER], **kwargs)
    assert answered.value.status_code == 400
    assert server_words in str(answered.value)
