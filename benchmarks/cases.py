"""What is measured: one callable per case, all against the same local server.

A case runs one unit of work (a batch of requests, or one whole stream) and is
timed many times, round-robin with the others. Every client keeps its connections
alive, so connection set-up is not measured.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import openai

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx

from .payloads import HISTORY_LENGTHS, REQUEST_BODY, history_request
from .wiring import kimi_async_completions, kimi_completions

__all__ = ["Case", "Cases", "Clients", "build_cases", "history_group"]

KEY = "sk-benchmark"
STREAM_BODY = {**REQUEST_BODY, "stream": True}


@dataclass(frozen=True)
class Case:
    group: str
    """Rows of one group are compared with the group's first row."""
    name: str
    run: Callable[[], object]
    per: int = 1
    """Units of work in one run (the reported time is per unit)."""


@dataclass
class Clients:
    base_url: str
    loop: asyncio.AbstractEventLoop
    notes: list[str]

    def __post_init__(self) -> None:
        headers = {"authorization": f"Bearer {KEY}"}
        self.raw = httpx.Client(base_url=self.base_url, headers=headers)
        self.raw_async = httpx.AsyncClient(base_url=self.base_url, headers=headers)
        self.openai = openai.OpenAI(api_key=KEY, base_url=self.base_url, max_retries=0)
        self.openai_async = openai.AsyncOpenAI(api_key=KEY, base_url=self.base_url, max_retries=0)
        self.kimi = KimiOpenAI(api_key=KEY, base_url=self.base_url, max_retries=0)
        self.kimi_async = AsyncKimiOpenAI(api_key=KEY, base_url=self.base_url, max_retries=0)
        self.kimi_chat, stand_in = kimi_completions(self.kimi, REQUEST_BODY)
        self.kimi_chat_async, _ = self.loop.run_until_complete(
            kimi_async_completions(self.kimi_async, REQUEST_BODY)
        )
        if stand_in:
            self.notes.append(
                "Kimi stream rows use a stand-in wiring of KimiStream/KimiChatCompletion "
                "(KimiCompletions does not pass them yet); non-stream Kimi rows use KimiOpenAI as it is."
            )

    def close(self) -> None:
        self.raw.close()
        self.openai.close()
        self.kimi.close()
        self.loop.run_until_complete(self.raw_async.aclose())
        self.loop.run_until_complete(self.openai_async.close())
        self.loop.run_until_complete(self.kimi_async.close())


def _sync(loop: asyncio.AbstractEventLoop, make: Callable[[], Awaitable[object]]) -> Callable[[], object]:
    return lambda: loop.run_until_complete(make())


def _sdk(client: openai.OpenAI, body: dict[str, Any], n: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(n):
            client.chat.completions.create(**body)

    return run


def _sdk_async(client: openai.AsyncOpenAI, body: dict[str, Any], n: int) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        for _ in range(n):
            await client.chat.completions.create(**body)

    return run


def _requests(c: Clients, n: int) -> list[Case]:
    def raw() -> None:
        for _ in range(n):
            c.raw.post("/chat/completions", json=REQUEST_BODY).json()

    async def raw_async() -> None:
        for _ in range(n):
            (await c.raw_async.post("/chat/completions", json=REQUEST_BODY)).json()

    group, agroup = "create() per request, sync", "create() per request, async"
    return [
        Case(group, "raw HTTP (post + .json())", raw, n),
        Case(group, "openai.OpenAI", _sdk(c.openai, REQUEST_BODY, n), n),
        Case(group, "KimiOpenAI", _sdk(c.kimi, REQUEST_BODY, n), n),
        Case(agroup, "raw HTTP (post + .json())", _sync(c.loop, raw_async), n),
        Case(agroup, "openai.AsyncOpenAI", _sync(c.loop, _sdk_async(c.openai_async, REQUEST_BODY, n)), n),
        Case(agroup, "AsyncKimiOpenAI", _sync(c.loop, _sdk_async(c.kimi_async, REQUEST_BODY, n)), n),
    ]


def history_group(length: int, mode: str) -> str:
    """The group of the per-request rows with ``length`` messages of history (``mode``: sync or async)."""
    return f"create() with {length:,} messages of history, {mode}"


def _history(c: Clients, requests_per_run: int) -> list[Case]:
    """openai and Kimi on a growing tool-using thinking conversation; the answer carries reasoning.

    openai's own cost grows with the history (it walks every message to transform it), so
    longer histories run fewer requests per repetition: about the same time for each group.
    """
    cases: list[Case] = []
    for length in HISTORY_LENGTHS:
        body = history_request(length)
        n = max(1, requests_per_run * 10 // length)
        group, agroup = history_group(length, "sync"), history_group(length, "async")
        cases += [
            Case(group, "openai.OpenAI", _sdk(c.openai, body, n), n),
            Case(group, "KimiOpenAI", _sdk(c.kimi, body, n), n),
            Case(agroup, "openai.AsyncOpenAI", _sync(c.loop, _sdk_async(c.openai_async, body, n)), n),
            Case(agroup, "AsyncKimiOpenAI", _sync(c.loop, _sdk_async(c.kimi_async, body, n)), n),
        ]
    return cases


def _raw_stream(c: Clients) -> None:
    with c.raw.stream("POST", "/chat/completions", json=STREAM_BODY) as response:
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                json.loads(line[6:])


async def _raw_stream_async(c: Clients) -> None:
    async with c.raw_async.stream("POST", "/chat/completions", json=STREAM_BODY) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                json.loads(line[6:])


def _consume(completions: Any) -> Callable[[], None]:
    def run() -> None:
        for _ in completions.create(**REQUEST_BODY, stream=True):
            pass

    return run


def _stream_method(completions: Any) -> Callable[[], None]:
    """``.stream()``: events, reasoning accumulated in the snapshot, final completion built."""

    def run() -> None:
        with completions.stream(**REQUEST_BODY) as stream:
            for _ in stream:
                pass
            stream.get_final_completion()

    return run


def _consume_async(completions: Any) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        async for _ in await completions.create(**REQUEST_BODY, stream=True):
            pass

    return run


def _stream_method_async(completions: Any) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        async with completions.stream(**REQUEST_BODY) as stream:
            async for _ in stream:
                pass
            await stream.get_final_completion()

    return run


def _streams(c: Clients) -> list[Case]:
    s, a = "stream of 2000 chunks, sync", "stream of 2000 chunks, async"
    return [
        Case(s, "raw HTTP (iter_lines + json.loads)", lambda: _raw_stream(c)),
        Case(s, "openai create(stream=True)", _consume(c.openai.chat.completions)),
        Case(s, "Kimi create(stream=True)", _consume(c.kimi_chat)),
        Case(s, "openai .stream()", _stream_method(c.openai.chat.completions)),
        Case(s, "Kimi .stream()", _stream_method(c.kimi_chat)),
        Case(a, "raw HTTP (aiter_lines + json.loads)", _sync(c.loop, lambda: _raw_stream_async(c))),
        Case(a, "openai create(stream=True)", _sync(c.loop, _consume_async(c.openai_async.chat.completions))),
        Case(a, "Kimi create(stream=True)", _sync(c.loop, _consume_async(c.kimi_chat_async))),
        Case(a, "openai .stream()", _sync(c.loop, _stream_method_async(c.openai_async.chat.completions))),
        Case(a, "Kimi .stream()", _sync(c.loop, _stream_method_async(c.kimi_chat_async))),
    ]


@dataclass(frozen=True)
class Cases:
    requests: list[Case]
    """Per-request ``create()`` on the short body."""
    history: list[Case]
    """Per-request ``create()`` with 10, 100 and 1,000 messages of history."""
    streams: list[Case]
    """Whole 2000-chunk streams."""


def build_cases(c: Clients, *, requests_per_run: int) -> Cases:
    return Cases(_requests(c, requests_per_run), _history(c, requests_per_run), _streams(c))
