"""Every chat response path reaches the client's response hooks (what reasoning echo relies on)."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._reasoning_echo import ReasoningStore
from kimi_openai._reasoning_echo_keys import Prefix
from kimi_openai.testing import MoonshotEmulator

USER: list[Any] = [{"role": "user", "content": "hi"}]


class SpyStore(ReasoningStore):
    def __init__(self) -> None:
        self.completions: list[ChatCompletion] = []
        self.streams: list[list[Any]] = []

    def remember_completion(self, completion: ChatCompletion) -> None:
        self.completions.append(completion)

    def remember_chunks(self, chunks: list[Any], request: Prefix | None) -> None:
        assert request is not None  # the stream knows which request it answers
        self.streams.append(chunks)


def test_sync_paths_reach_the_hooks_and_copies_share_the_store(kimi_emulator: MoonshotEmulator) -> None:
    client = KimiOpenAI(api_key="sk-test", http_client=httpx.Client(transport=kimi_emulator.transport()))
    spy = SpyStore()
    client._reasoning = spy  # pyright: ignore[reportPrivateUsage]
    completions = client.chat.completions
    completions.create(model="kimi-k2.6", messages=USER)
    completions.with_raw_response.create(model="kimi-k2.6", messages=USER).parse()
    client.with_options(timeout=5).chat.completions.create(model="kimi-k2.6", messages=USER)
    assert len(spy.completions) == 3
    list(completions.create(model="kimi-k2.6", messages=USER, stream=True))
    assert len(spy.streams) == 1
    assert spy.streams[0][-1].choices[0].finish_reason == "stop"


@pytest.mark.anyio
async def test_async_paths_reach_the_hooks(kimi_emulator: MoonshotEmulator) -> None:
    client = AsyncKimiOpenAI(
        api_key="sk-test", http_client=httpx.AsyncClient(transport=kimi_emulator.async_transport())
    )
    spy = SpyStore()
    client._reasoning = spy  # pyright: ignore[reportPrivateUsage]
    await client.chat.completions.create(model="kimi-k2.6", messages=USER)
    stream = await client.chat.completions.create(model="kimi-k2.6", messages=USER, stream=True)
    _ = [chunk async for chunk in stream]
    assert len(spy.completions) == 1
    assert len(spy.streams) == 1


def test_an_unfinished_stream_is_not_remembered(kimi_emulator: MoonshotEmulator) -> None:
    client = KimiOpenAI(api_key="sk-test", http_client=httpx.Client(transport=kimi_emulator.transport()))
    spy = SpyStore()
    client._reasoning = spy  # pyright: ignore[reportPrivateUsage]
    stream = client.chat.completions.create(model="kimi-k2.6", messages=USER, stream=True)
    next(iter(stream))
    stream.close()
    assert spy.streams == []
