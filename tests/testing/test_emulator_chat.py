"""The emulator's chat endpoint, checked field by field against moonshot-api.md §1.2, §3 to §6."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion

from kimi_openai._compat import httpx
from kimi_openai.testing import ModelCard, MoonshotEmulator, StreamUsagePlacement

BASE_URL = "http://emulator.local/v1"
USER: Any = {"role": "user", "content": "What is 1+1?"}
NO_THINKING: Any = {"type": "disabled"}
"""Answers without reasoning_content (what the retired non-thinking K2 previews gave)."""


def events(response: httpx.Response) -> list[Any]:
    """The parsed ``data:`` events of an SSE body, ``"[DONE]"`` kept as a string."""
    assert response.text.endswith("data: [DONE]\n\n")
    payloads = [block.removeprefix("data: ") for block in response.text.split("\n\n") if block]
    return [p if p == "[DONE]" else json.loads(p) for p in payloads]


def test_plain_completion_has_the_documented_fields(raw: httpx.Client) -> None:
    body = raw.post("/chat/completions", json={"model": "kimi-k2.6", "messages": [USER]}).json()

    assert set(body) == {"id", "object", "created", "model", "choices", "usage"}
    assert body["id"].startswith("chatcmpl-")
    assert body["object"] == "chat.completion"
    assert isinstance(body["created"], int)
    assert body["model"] == "kimi-k2.6"
    [choice] = body["choices"]
    assert set(choice) == {"index", "message", "finish_reason"}
    assert choice["index"] == 0
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"] == "You said: What is 1+1?"
    usage = body["usage"]
    assert set(usage) == {"prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens"}
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_answers_are_deterministic(raw: httpx.Client) -> None:
    first = raw.post("/chat/completions", json={"model": "kimi-k2.6", "messages": [USER]}).json()
    second = raw.post("/chat/completions", json={"model": "kimi-k2.6", "messages": [USER]}).json()

    assert first["choices"] == second["choices"]
    assert first["usage"]["prompt_tokens"] == second["usage"]["prompt_tokens"]
    assert first["id"] != second["id"]


def test_repeated_prefix_is_reported_as_cached_tokens(raw: httpx.Client) -> None:
    first = raw.post("/chat/completions", json={"model": "kimi-k2.6", "messages": [USER]}).json()
    followup = [USER, {"role": "assistant", "content": "2"}, {"role": "user", "content": "And 2+2?"}]
    second = raw.post("/chat/completions", json={"model": "kimi-k2.6", "messages": followup}).json()

    assert first["usage"]["cached_tokens"] == 0
    assert 0 < second["usage"]["cached_tokens"] < second["usage"]["prompt_tokens"]


# A model of the kind moonshot-v1 was (retired 2026-08-31): no cache tier, no thinking, sampling ranges.
LEGACY = ModelCard("legacy-8k", 8_192, prompt_caching=False)


def _legacy_client() -> httpx.Client:
    emulator = MoonshotEmulator(models=[LEGACY])
    headers = {"Authorization": "Bearer sk-test"}
    return httpx.Client(transport=emulator.transport(), base_url=BASE_URL, headers=headers)


def test_a_model_without_cache_tier_or_thinking_reports_neither() -> None:
    with _legacy_client() as raw:
        body = raw.post("/chat/completions", json={"model": "legacy-8k", "messages": [USER]}).json()

    assert "cached_tokens" not in body["usage"]
    assert "reasoning_content" not in body["choices"][0]["message"]


@pytest.mark.parametrize(
    ("model", "thinking", "reasons"),
    [
        ("kimi-k2.6", None, True),
        ("kimi-k2.6", {"type": "disabled"}, False),
        ("kimi-k2.7-code", {"type": "enabled", "keep": "all"}, True),
        ("kimi-k2.7-code", {"type": "enabled"}, True),
        ("kimi-k2.7-code-highspeed", None, True),
        ("kimi-k3", None, True),
        ("kimi-k3.1-pro", None, True),
    ],
)
def test_model_and_thinking_decide_reasoning_content(
    client: openai.OpenAI, model: str, thinking: dict[str, str] | None, reasons: bool
) -> None:
    extra = {} if thinking is None else {"thinking": thinking}
    completion = client.chat.completions.create(model=model, messages=[USER], extra_body=extra)

    reasoning = (completion.choices[0].message.model_extra or {}).get("reasoning_content")
    assert (reasoning is not None) is reasons
    if reasons:
        assert "What is 1+1?" in str(reasoning)


def test_stream_follows_the_documented_order_and_ends_with_done(raw: httpx.Client) -> None:
    request = {"model": "kimi-k2.6", "messages": [USER], "stream": True}
    response = raw.post("/chat/completions", json=request)
    chunks = events(response)[:-1]

    assert response.headers["content-type"] == "text/event-stream"
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas[0]["role"] == "assistant"
    assert all("role" not in d for d in deltas[1:])
    kinds = [next(iter(d)) for d in deltas[1:-1]]
    assert kinds == sorted(kinds, key=lambda k: k != "reasoning_content")
    assert "".join(d.get("content", "") for d in deltas) == "You said: What is 1+1?"
    assert "".join(d.get("reasoning_content", "") for d in deltas).startswith("The user wrote")
    assert [c["choices"][0]["finish_reason"] for c in chunks].count("stop") == 1
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)


def _stream_usage(placement: StreamUsagePlacement, include_usage: bool) -> list[Any]:
    emulator = MoonshotEmulator(stream_usage=placement)
    request: dict[str, Any] = {
        "model": "kimi-k2.6",
        "thinking": NO_THINKING,
        "messages": [USER],
        "stream": True,
    }
    if include_usage:
        request["stream_options"] = {"include_usage": True}
    headers = {"Authorization": "Bearer sk-test"}
    with httpx.Client(transport=emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        return events(http.post("/chat/completions", json=request))[:-1]


def test_stream_usage_inside_the_choice_in_legacy_placement() -> None:
    chunks = _stream_usage("choice", include_usage=False)
    last = chunks[-1]

    # moonshot-api.md §6, legacy example: usage sits next to finish_reason in choices[0].
    assert last["choices"][0]["delta"] == {}
    assert last["choices"][0]["finish_reason"] == "stop"
    assert set(last["choices"][0]["usage"]) == {
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cached_tokens",
    }
    assert "usage" not in last
    assert all("usage" not in c["choices"][0] for c in chunks[:-1])


def test_stream_usage_at_top_level_on_the_final_chunk() -> None:
    chunks = _stream_usage("top", include_usage=False)
    last = chunks[-1]

    # moonshot-api.md §6, [KD-chat] example: top-level usage on the final content chunk.
    assert last["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert (
        last["usage"]["total_tokens"] == last["usage"]["prompt_tokens"] + last["usage"]["completion_tokens"]
    )
    assert all("usage" not in c for c in chunks[:-1])


def test_include_usage_adds_a_chunk_with_empty_choices() -> None:
    chunks = _stream_usage("include_usage", include_usage=True)

    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["prompt_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"


def test_default_placement_without_include_usage_is_top_level() -> None:
    chunks = _stream_usage("include_usage", include_usage=False)

    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["completion_tokens"] > 0


def test_streamed_tool_call_deltas_carry_id_and_name_first(
    kimi_emulator: MoonshotEmulator, raw: httpx.Client
) -> None:
    kimi_emulator.queue_tool_calls(
        ("get_weather", {"city": "Beijing", "unit": "celsius"}), ("get_time", {"zone": "UTC"})
    )
    request = {"model": "kimi-k2.6", "thinking": NO_THINKING, "messages": [USER], "stream": True}
    chunks = events(raw.post("/chat/completions", json=request))[:-1]

    calls = [
        c["choices"][0]["delta"]["tool_calls"][0] for c in chunks if "tool_calls" in c["choices"][0]["delta"]
    ]
    heads = [c for c in calls if "id" in c]
    assert [(h["index"], h["id"], h["function"]["name"]) for h in heads] == [
        (0, "functions.get_weather:0", "get_weather"),
        (1, "functions.get_time:1", "get_time"),
    ]
    assert all("id" not in c and set(c["function"]) == {"arguments"} for c in calls if c not in heads)
    arguments = "".join(c["function"]["arguments"] for c in calls if c["index"] == 0)
    assert json.loads(arguments) == {"city": "Beijing", "unit": "celsius"}
    assert len([c for c in calls if c["index"] == 0]) > 2
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_tool_call_ids_count_across_the_conversation(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    kimi_emulator.queue_tool_calls(("lookup", {"q": "a"}))
    history: list[Any] = [
        USER,
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "functions.lookup:0",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "functions.lookup:0", "content": "42"},
    ]
    completion = client.chat.completions.create(
        model="kimi-k2.6", extra_body={"thinking": NO_THINKING}, messages=history
    )

    [call] = completion.choices[0].message.tool_calls or []
    assert call.id == "functions.lookup:1"
    assert completion.choices[0].finish_reason == "tool_calls"


def test_default_answer_after_a_tool_result_quotes_it(client: openai.OpenAI) -> None:
    history: list[Any] = [
        USER,
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "search:0", "type": "function", "function": {"name": "search", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "search:0", "name": "search", "content": "two"},
    ]
    completion = client.chat.completions.create(
        model="kimi-k2.6", extra_body={"thinking": NO_THINKING}, messages=history
    )

    assert completion.choices[0].message.content == "The tool search returned: two"


def test_partial_mode_returns_only_the_continuation(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    kimi_emulator.queue_text('{"answer": 2}')
    prefill: Any = {"role": "assistant", "content": "{", "partial": True}
    completion = client.chat.completions.create(model="kimi-k2.6", messages=[USER, prefill])

    assert completion.choices[0].message.content == '"answer": 2}'


def test_partial_mode_default_answer_never_repeats_the_prefix(client: openai.OpenAI) -> None:
    prefill: Any = {"role": "assistant", "name": "Kelsier", "content": "", "partial": True}
    completion = client.chat.completions.create(
        model="kimi-k2.6", extra_body={"thinking": NO_THINKING}, messages=[USER, prefill]
    )

    assert completion.choices[0].message.content == " (continued) You said: What is 1+1?"


def test_web_search_round_trip_adds_search_tokens_to_the_prompt(client: openai.OpenAI) -> None:
    tools: Any = [{"type": "builtin_function", "function": {"name": "$web_search"}}]
    messages: list[Any] = [{"role": "user", "content": "Moonshot news"}]
    first = client.chat.completions.create(
        model="kimi-k2.6", extra_body={"thinking": NO_THINKING}, messages=messages, tools=tools
    )

    assert first.choices[0].finish_reason == "tool_calls"
    [call] = first.choices[0].message.tool_calls or []
    assert call.type == "builtin_function"  # pyright: ignore[reportUnnecessaryComparison]
    assert call.function.name == "$web_search"
    arguments = json.loads(call.function.arguments)
    assert arguments["usage"] == {"total_tokens": 13046}
    assert arguments["search_result"]["search_id"]

    messages += [
        first.choices[0].message.model_dump(exclude_none=True, warnings=False),
        {"role": "tool", "tool_call_id": call.id, "name": "$web_search", "content": json.dumps(arguments)},
    ]
    final = client.chat.completions.create(
        model="kimi-k2.6", extra_body={"thinking": NO_THINKING}, messages=messages, tools=tools
    )

    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].message.content == "Here is what the web says about: Moonshot news"
    assert final.usage is not None
    estimate = client.post(
        "/tokenizers/estimate-token-count",
        body={"model": "kimi-k2.6", "thinking": NO_THINKING, "messages": messages, "tools": tools},
        cast_to=httpx.Response,
    ).json()["data"]["total_tokens"]
    assert final.usage.prompt_tokens == estimate + 13046


def test_max_tokens_truncates_with_finish_reason_length(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    kimi_emulator.queue_text("word " * 100)
    completion = client.chat.completions.create(
        model="kimi-k2.6", extra_body={"thinking": NO_THINKING}, messages=[USER], max_tokens=10
    )

    assert completion.choices[0].finish_reason == "length"
    assert completion.choices[0].message.content == ("word " * 100)[:40]


def test_n_choices_for_models_without_fixed_sampling() -> None:
    with _legacy_client() as raw:
        body = {"model": "legacy-8k", "messages": [USER], "n": 3, "temperature": 0.5}
        completion = ChatCompletion.model_validate(raw.post("/chat/completions", json=body).json())

    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert {c.message.content for c in completion.choices} == {"You said: What is 1+1?"}


def test_sdk_stream_helper_accumulates_reasoning_and_content(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(model="kimi-k2.6", messages=[USER]) as stream:
        final = stream.get_final_completion()

    message = final.choices[0].message
    assert message.content == "You said: What is 1+1?"
    assert (message.model_extra or {})["reasoning_content"].startswith("The user wrote")


@pytest.mark.anyio
async def test_async_client_streams_over_the_async_transport(kimi_emulator: MoonshotEmulator) -> None:
    http = httpx.AsyncClient(transport=kimi_emulator.async_transport())
    async with openai.AsyncOpenAI(
        api_key="sk-test", base_url=BASE_URL, http_client=http, max_retries=0
    ) as sdk:
        stream = await sdk.chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
        pieces = [c.choices[0].delta.content or "" async for c in stream if c.choices]

    assert "".join(pieces) == "You said: What is 1+1?"
    assert kimi_emulator.last_chat_request()["stream"] is True
