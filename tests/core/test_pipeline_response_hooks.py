"""Every chat response path reaches the client's response hooks (what reasoning echo relies on)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._reasoning_echo import ReasoningStore, StreamedTurn
from kimi_openai._reasoning_echo_keys import Prefix

USER: list[Any] = [{"role": "user", "content": "hi"}]


class SpyStore(ReasoningStore):
    def __init__(self) -> None:
        super().__init__()
        self.completions: list[ChatCompletion] = []
        self.streams: list[list[StreamedTurn]] = []

    def remember_completion(self, completion: ChatCompletion) -> None:
        self.completions.append(completion)

    def remember_stream(self, turns: Iterable[StreamedTurn], request: Prefix | None) -> None:
        assert request is not None  # the stream knows which request it answers
        self.streams.append(list(turns))


def _spy_on(client: KimiOpenAI | AsyncKimiOpenAI) -> SpyStore:
    """Replace the client's memory of reasoning by a spy (the state is frozen: a new one)."""
    spy = SpyStore()
    spy.namespace = client._kimi_state.reasoning.namespace  # pyright: ignore[reportPrivateUsage]
    client._kimi_state = replace(client._kimi_state, reasoning=spy)  # pyright: ignore[reportPrivateUsage]
    return spy


def test_sync_paths_reach_the_hooks_and_copies_share_the_store(kimi_emulator_client: KimiOpenAI) -> None:
    client = kimi_emulator_client
    spy = _spy_on(client)
    completions = client.chat.completions
    completions.create(model="kimi-k2.6", messages=USER)
    completions.with_raw_response.create(model="kimi-k2.6", messages=USER).parse()
    client.with_options(timeout=5).chat.completions.create(model="kimi-k2.6", messages=USER)
    assert len(spy.completions) == 3
    list(completions.create(model="kimi-k2.6", messages=USER, stream=True))
    assert len(spy.streams) == 1
    [turn] = spy.streams[0]  # one choice, its text gathered from the chunks
    assert (
        "".join(turn.content)
        == completions.create(model="kimi-k2.6", messages=USER).choices[0].message.content
    )


@pytest.mark.anyio
async def test_async_paths_reach_the_hooks(async_kimi_emulator_client: AsyncKimiOpenAI) -> None:
    client = async_kimi_emulator_client
    spy = _spy_on(client)
    await client.chat.completions.create(model="kimi-k2.6", messages=USER)
    stream = await client.chat.completions.create(model="kimi-k2.6", messages=USER, stream=True)
    _ = [chunk async for chunk in stream]
    assert len(spy.completions) == 1
    assert len(spy.streams) == 1


def test_an_unfinished_stream_is_not_remembered(kimi_emulator_client: KimiOpenAI) -> None:
    client = kimi_emulator_client
    spy = _spy_on(client)
    stream = client.chat.completions.create(model="kimi-k2.6", messages=USER, stream=True)
    next(iter(stream))
    stream.close()
    assert spy.streams == []
