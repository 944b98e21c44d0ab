"""A client-wide ``prompt_cache_key``: sent with every chat request that gives none, a call's own wins."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from kimi_openai import KimiConfigurationError, KimiOpenAI
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.testing.pytest_plugin import AsyncKimiClientFactory, KimiClientFactory

HI: Any = [{"role": "user", "content": "Hi"}]
OFF: Any = {"type": "disabled"}


class City(BaseModel):
    name: str


def test_the_client_default_goes_with_create_stream_and_parse(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    client = kimi_emulator_client_factory(prompt_cache_key="task-7")
    client.chat.completions.create(model="kimi-k2.6", messages=HI)
    assert kimi_emulator.last_chat_request()["prompt_cache_key"] == "task-7"
    for _ in client.chat.completions.create(model="kimi-k2.6", messages=HI, stream=True):
        pass
    assert kimi_emulator.last_chat_request()["prompt_cache_key"] == "task-7"
    kimi_emulator.queue_text('{"name": "Paris"}')
    client.chat.completions.parse(
        model="kimi-k2.6", messages=HI, response_format=City, extra_body={"thinking": OFF}
    )
    assert kimi_emulator.last_chat_request()["prompt_cache_key"] == "task-7"
    client.with_raw_response.chat.completions.create(model="kimi-k2.6", messages=HI)
    assert kimi_emulator.last_chat_request()["prompt_cache_key"] == "task-7"


def test_a_call_s_own_key_wins_and_no_default_sends_none(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    client = kimi_emulator_client_factory(prompt_cache_key="task-7")
    client.chat.completions.create(model="kimi-k2.6", messages=HI, prompt_cache_key="call-1")
    assert kimi_emulator.last_chat_request()["prompt_cache_key"] == "call-1"
    client.chat.completions.create(model="kimi-k2.6", messages=HI, extra_body={"prompt_cache_key": "extra-2"})
    assert kimi_emulator.last_chat_request()["prompt_cache_key"] == "extra-2"
    kimi_emulator_client_factory().chat.completions.create(model="kimi-k2.6", messages=HI)
    assert "prompt_cache_key" not in kimi_emulator.last_chat_request()


def test_copy_keeps_or_overrides_the_default(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client_factory: KimiClientFactory
) -> None:
    client = kimi_emulator_client_factory(prompt_cache_key="task-7")
    client.with_options(timeout=5).chat.completions.create(model="kimi-k2.6", messages=HI)
    assert kimi_emulator.last_chat_request()["prompt_cache_key"] == "task-7"
    client.copy(prompt_cache_key="task-8").chat.completions.create(model="kimi-k2.6", messages=HI)
    assert kimi_emulator.last_chat_request()["prompt_cache_key"] == "task-8"


@pytest.mark.anyio
async def test_the_async_client_sends_it_too(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client_factory: AsyncKimiClientFactory
) -> None:
    client = async_kimi_emulator_client_factory(prompt_cache_key="task-9")
    await client.chat.completions.create(model="kimi-k2.6", messages=HI)
    assert kimi_emulator.last_chat_request()["prompt_cache_key"] == "task-9"
    await client.copy().chat.completions.create(model="kimi-k2.6", messages=HI)
    assert kimi_emulator.last_chat_request()["prompt_cache_key"] == "task-9"


@pytest.mark.parametrize("value", ["", "   ", 42])
def test_a_default_that_cannot_be_a_key_is_refused_at_construction(value: object) -> None:
    with pytest.raises(KimiConfigurationError, match=r"prompt_cache_key=.* non-empty string"):
        KimiOpenAI(api_key="sk-test", prompt_cache_key=value)  # pyright: ignore[reportArgumentType]
    with pytest.raises(KimiConfigurationError, match="prompt_cache_key"):
        KimiOpenAI(api_key="sk-test").copy(prompt_cache_key=value)  # pyright: ignore[reportArgumentType]
