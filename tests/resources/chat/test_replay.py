"""The drop-in story replayed from cassettes: a completion, a stream and an error.

Cassettes: ``cassettes/test_replay/``, recorded from the local emulator (each says
``source: emulator``): they hold what the emulator answered, not Moonshot's own traffic, so
a replay fails when the client drifts from those answers, never because Moonshot changed.
Record again with
``pytest --record-mode=rewrite tests/resources/chat/test_replay.py`` (emulator) or with
``KIMI_LIVE=1 MOONSHOT_API_KEY=sk-... pytest --record-mode=rewrite tests/resources/chat/test_replay.py`` (live).
"""

from __future__ import annotations

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai.pytest_plugin import KIMI_BODY_MATCH

MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Say hello to Li Lei in one short sentence."}
]


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_chat_completion(kimi_client: KimiOpenAI) -> None:
    completion = kimi_client.chat.completions.create(model="kimi-k2.6", messages=MESSAGES)
    assert isinstance(completion, ChatCompletion)
    assert completion.model.startswith("kimi-k2.6")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.choices[0].message.content
    assert completion.usage is not None
    assert (
        completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_streamed_chat_completion(kimi_client: KimiOpenAI) -> None:
    stream = kimi_client.chat.completions.create(model="kimi-k2.6", messages=MESSAGES, stream=True)
    chunks = list(stream)
    assert len(chunks) > 2
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-1].choices[0].finish_reason == "stop"


@pytest.mark.vcr
def test_unknown_model_is_a_not_found_error(kimi_client: KimiOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        kimi_client.chat.completions.create(model="kimi-no-such-model", messages=MESSAGES)
    assert info.value.status_code == 404
    assert "kimi-no-such-model" in info.value.message


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
@pytest.mark.anyio
async def test_async_chat_completion(async_kimi_client: AsyncKimiOpenAI) -> None:
    completion = await async_kimi_client.chat.completions.create(model="kimi-k2.6", messages=MESSAGES)
    assert completion.choices[0].message.content
    assert completion.id
