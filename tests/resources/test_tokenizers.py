"""Token estimate: ``POST /v1/tokenizers/estimate-token-count`` through the Tokenizers resource."""

from __future__ import annotations

import json

import pytest
from openai.types.chat import ChatCompletionMessage

from kimi_openai import KimiOpenAI, KimiValidationError
from kimi_openai._client import AsyncKimiOpenAI
from kimi_openai._errors import KimiNotFoundError
from kimi_openai.resources.tokenizers import AsyncTokenizers, Tokenizers
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.testing.pytest_plugin import KimiClientFactory
from kimi_openai.types.token_estimate import TokenEstimate

MESSAGES = [
    {"role": "system", "content": "You are Kimi."},
    {"role": "user", "content": "Hello, my name is Li Lei. What is 1+1?"},
]


@pytest.fixture
def tokenizers(kimi_emulator_client: KimiOpenAI) -> Tokenizers:
    return Tokenizers(kimi_emulator_client)


def test_estimate_posts_model_and_messages(tokenizers: Tokenizers, kimi_emulator: MoonshotEmulator) -> None:
    estimate = tokenizers.estimate_token_count(model="kimi-k2.6", messages=MESSAGES)
    assert isinstance(estimate, TokenEstimate)
    assert estimate.total_tokens > 0
    request = kimi_emulator.requests[-1]
    assert (request.method, request.path) == ("POST", "/v1/tokenizers/estimate-token-count")
    assert json.loads(request.body) == {"model": "kimi-k2.6", "messages": MESSAGES}


def test_media_parts_and_extra_fields_are_sent(
    tokenizers: Tokenizers, kimi_emulator: MoonshotEmulator
) -> None:
    content = [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "video_url", "video_url": {"url": "ms://file-1"}},
        {"type": "text", "text": "Describe this"},
    ]
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    with_media = tokenizers.estimate_token_count(
        model="kimi-k2.6", messages=[{"role": "user", "content": content}], tools=tools
    )
    body = kimi_emulator.requests[-1].json
    assert body is not None
    assert body["messages"][0]["content"] == content
    assert body["tools"] == tools
    assert with_media.total_tokens > 0


def test_a_response_message_is_sent_as_its_fields(
    tokenizers: Tokenizers, kimi_emulator: MoonshotEmulator
) -> None:
    reply = ChatCompletionMessage.construct(role="assistant", content="2", reasoning_content="1+1")
    tokenizers.estimate_token_count(model="kimi-k2.6", messages=[*MESSAGES, reply])
    body = kimi_emulator.requests[-1].json
    assert body is not None
    assert body["messages"][-1] == {"role": "assistant", "content": "2", "reasoning_content": "1+1"}


def test_raw_and_streaming_responses(tokenizers: Tokenizers) -> None:
    raw = tokenizers.with_raw_response.estimate_token_count(model="kimi-k2.6", messages=MESSAGES)
    assert raw.http_request.url.path == "/v1/tokenizers/estimate-token-count"
    assert json.loads(raw.text)["data"]["total_tokens"] == raw.parse().total_tokens
    with tokenizers.with_streaming_response.estimate_token_count(
        model="kimi-k2.6", messages=MESSAGES
    ) as streamed:
        assert streamed.parse().total_tokens == raw.parse().total_tokens


def test_unknown_model_is_the_servers_404(tokenizers: Tokenizers) -> None:
    with pytest.raises(KimiNotFoundError):
        tokenizers.estimate_token_count(model="no-such-model", messages=MESSAGES)


# A tool schema Moonshot refuses as written (title, format) and openai's name for the limit.
RAW_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "title": "Args",
                "properties": {"city": {"type": "string", "format": "uri", "title": "City"}},
            },
        },
    }
]


def test_the_estimate_counts_the_body_chat_would_send(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    client = kimi_emulator_client
    ask: dict[str, object] = {
        "model": "kimi-k2.6",
        "messages": MESSAGES,
        "tools": RAW_TOOLS,
        "max_tokens": 100,
        "extra_body": {"thinking": {"type": "disabled"}},
    }
    client.chat.completions.create(**ask)  # pyright: ignore[reportCallIssue, reportArgumentType]
    client.tokenizers.estimate_token_count(**ask)  # pyright: ignore[reportArgumentType]
    chat, estimate = (request.json for request in kimi_emulator.requests)
    assert estimate == chat
    assert estimate is not None
    assert "max_tokens" not in estimate
    assert estimate["max_completion_tokens"] == 100
    assert "title" not in json.dumps(estimate["tools"])


def test_the_estimate_follows_the_clients_settings(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    client = kimi_emulator_client_factory(normalize_tool_schemas=False, max_tokens_field="max_tokens")
    client.tokenizers.estimate_token_count(
        model="kimi-k2.6", messages=MESSAGES, tools=RAW_TOOLS, max_completion_tokens=32_000
    )
    body = kimi_emulator.requests[-1].json
    assert body is not None
    assert (body["tools"], body["max_tokens"]) == (RAW_TOOLS, 32_000)
    assert "max_completion_tokens" not in body


def test_the_estimate_refuses_what_chat_refuses(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    with pytest.raises(KimiValidationError, match="temperature"):
        kimi_emulator_client_factory().tokenizers.estimate_token_count(
            model="kimi-k2.6", messages=MESSAGES, temperature=5
        )
    assert kimi_emulator.requests == ()
    kimi_emulator_client_factory(validation=False).tokenizers.estimate_token_count(
        model="kimi-k2.6", messages=MESSAGES, temperature=5
    )
    assert len(kimi_emulator.requests) == 1


@pytest.mark.anyio
async def test_async_estimate(
    async_kimi_emulator_client: AsyncKimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    tokenizers = AsyncTokenizers(async_kimi_emulator_client)
    estimate = await tokenizers.estimate_token_count(model="kimi-k2.6", messages=MESSAGES)
    await tokenizers.estimate_token_count(model="kimi-k2.6", messages=MESSAGES, tools=RAW_TOOLS)
    tools = kimi_emulator.requests[-1].json
    assert tools is not None
    assert "title" not in json.dumps(tools["tools"])
    raw = await tokenizers.with_raw_response.estimate_token_count(model="kimi-k2.6", messages=MESSAGES)
    assert raw.parse() == estimate
    async with tokenizers.with_streaming_response.estimate_token_count(
        model="kimi-k2.6", messages=MESSAGES
    ) as streamed:
        assert await streamed.parse() == estimate
