"""Moonshot's prompt-cache hits, also where OpenAI puts them: ``usage.prompt_tokens_details.cached_tokens``.

Moonshot reports the hits as top-level ``usage.cached_tokens``
(https://platform.kimi.ai/docs/api/chat); openai-agents, langchain-openai and pydantic-ai read
only ``prompt_tokens_details.cached_tokens``. Every way a completion or chunk is built must
carry the count there too, and change no other figure.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from openai.types import CompletionUsage
from pydantic import BaseModel

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._pipeline import fast_completion
from kimi_openai.testing import MoonshotEmulator, StreamUsagePlacement, Usage
from kimi_openai.types.chat import KimiChatCompletion, KimiChatCompletionChunk, KimiCompletionUsage

MODEL = "kimi-k2.6"
MESSAGES: list[Any] = [{"role": "user", "content": "Hello again."}]
PROMPT, COMPLETION, CACHED = 1_336, 31, 1_280
PLACEMENTS: list[StreamUsagePlacement] = ["include_usage", "choice", "top"]


class Greeting(BaseModel):
    text: str


def _emulated(placement: StreamUsagePlacement = "include_usage") -> tuple[MoonshotEmulator, KimiOpenAI]:
    emulator = MoonshotEmulator(stream_usage=placement)
    emulator.queue_text('{"text": "hi"}', reasoning="A greeting.", usage=Usage(PROMPT, COMPLETION, CACHED))
    client = KimiOpenAI(
        api_key="sk-test", max_retries=0, http_client=httpx.Client(transport=emulator.transport())
    )
    return emulator, client


def _async_emulated(placement: StreamUsagePlacement = "include_usage") -> AsyncKimiOpenAI:
    emulator = MoonshotEmulator(stream_usage=placement)
    emulator.queue_text('{"text": "hi"}', reasoning="A greeting.", usage=Usage(PROMPT, COMPLETION, CACHED))
    return AsyncKimiOpenAI(
        api_key="sk-test", max_retries=0, http_client=httpx.AsyncClient(transport=emulator.async_transport())
    )


def _assert_cache_hits_in_both_places(usage: CompletionUsage | None) -> None:
    assert isinstance(usage, KimiCompletionUsage)
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == CACHED
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (
        PROMPT,
        COMPLETION,
        PROMPT + COMPLETION,
    )
    assert usage.cached_tokens == CACHED
    # Frameworks read the dumped dict (langchain-openai: response.model_dump()["usage"]).
    assert usage.model_dump()["prompt_tokens_details"]["cached_tokens"] == CACHED
    assert usage.model_dump(exclude_unset=True)["prompt_tokens_details"] == {"cached_tokens": CACHED}


def _stream_usages(chunks: list[KimiChatCompletionChunk]) -> list[CompletionUsage]:
    """Every usage the chunks carry: top level, and inside choices (Moonshot's legacy place)."""
    found: list[CompletionUsage] = [c.usage for c in chunks if c.usage is not None]
    found += [c for chunk in chunks for choice in chunk.choices if (c := choice.usage) is not None]
    return found


# -- non-streamed ------------------------------------------------------------------------------------


def test_a_completion_carries_the_hits_in_prompt_tokens_details() -> None:
    _, client = _emulated()
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert isinstance(completion, KimiChatCompletion)
    _assert_cache_hits_in_both_places(completion.usage)


def _moonshot_completion(**message: object) -> dict[str, Any]:
    usage = {"prompt_tokens": PROMPT, "completion_tokens": COMPLETION, "total_tokens": PROMPT + COMPLETION}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}],
        "usage": {**usage, "cached_tokens": CACHED},
    }


def _answering(body: dict[str, Any]) -> KimiOpenAI:
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, json=body))
    return KimiOpenAI(api_key="sk-test", max_retries=0, http_client=httpx.Client(transport=transport))


@pytest.mark.parametrize("path", ["fast", "construct"])
def test_both_ways_of_building_a_completion_carry_the_hits(path: str) -> None:
    if path == "fast":
        body = _moonshot_completion(content="Hi.")
    else:  # a $web_search call is outside openai's declared types: openai's construct() builds it
        search = {
            "id": "1",
            "type": "builtin_function",
            "function": {"name": "$web_search", "arguments": "{}"},
        }
        body = _moonshot_completion(content="", tool_calls=[search])
    built_fast = fast_completion(json.loads(json.dumps(body)), KimiChatCompletion, strict=False) is not None
    assert built_fast is (path == "fast")
    completion = _answering(body).chat.completions.create(model=MODEL, messages=MESSAGES)
    _assert_cache_hits_in_both_places(completion.usage)


def test_parse_and_its_raw_response_carry_the_hits() -> None:
    _, client = _emulated()
    parsed = client.chat.completions.parse(model=MODEL, messages=MESSAGES, response_format=Greeting)
    assert parsed.choices[0].message.parsed == Greeting(text="hi")
    _assert_cache_hits_in_both_places(parsed.usage)
    emulator, client = _emulated()
    raw = client.chat.completions.with_raw_response.parse(
        model=MODEL, messages=MESSAGES, response_format=Greeting
    )
    _assert_cache_hits_in_both_places(raw.parse().usage)
    assert emulator.pending == ()


# -- streamed ---------------------------------------------------------------------------------------


def _stream_options(placement: StreamUsagePlacement) -> dict[str, Any]:
    return {"stream_options": {"include_usage": True}} if placement == "include_usage" else {}


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_stream_chunks_carry_the_hits_wherever_the_usage_is(placement: StreamUsagePlacement) -> None:
    _, client = _emulated(placement)
    stream = client.chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True, **_stream_options(placement)
    )
    chunks = list(stream)
    usages = _stream_usages(chunks)
    assert usages, "the stream had no usage"
    for usage in usages:
        _assert_cache_hits_in_both_places(usage)
    if placement == "choice":  # the choice's usage, surfaced as the chunk's
        last = chunks[-1]
        assert last.choices[0].usage is not None
        assert last.usage is last.choices[0].usage


def _sse(*chunks: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


def test_a_chunk_openai_builds_itself_carries_the_hits() -> None:
    # An unknown finish_reason fails the compiled validator: the chunk is built by construct().
    usage = {"prompt_tokens": PROMPT, "completion_tokens": COMPLETION, "total_tokens": PROMPT + COMPLETION}
    header = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": MODEL}
    choice = {
        "index": 0,
        "delta": {},
        "finish_reason": "pause_turn",
        "usage": {**usage, "cached_tokens": CACHED},
    }
    body = _sse(
        {**header, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}]},
        {**header, "choices": [choice]},
    )
    transport = httpx.MockTransport(
        lambda _r: httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
    )
    client = KimiOpenAI(api_key="sk-test", max_retries=0, http_client=httpx.Client(transport=transport))
    chunks = list(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
    assert chunks[-1].choices[0].finish_reason == cast(Any, "pause_turn")
    for found in _stream_usages(chunks):
        _assert_cache_hits_in_both_places(found)


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_the_stream_helpers_final_completion_carries_the_hits(placement: StreamUsagePlacement) -> None:
    _, client = _emulated(placement)
    with client.chat.completions.stream(
        model=MODEL, messages=MESSAGES, response_format=Greeting, **_stream_options(placement)
    ) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.parsed == Greeting(text="hi")
    _assert_cache_hits_in_both_places(final.usage)


@pytest.mark.anyio
@pytest.mark.parametrize("placement", PLACEMENTS)
async def test_async_paths_carry_the_hits(placement: StreamUsagePlacement) -> None:
    client = _async_emulated(placement)
    _assert_cache_hits_in_both_places(
        (await client.chat.completions.create(model=MODEL, messages=MESSAGES)).usage
    )
    client = _async_emulated(placement)
    stream = await client.chat.completions.create(
        model=MODEL, messages=MESSAGES, stream=True, **_stream_options(placement)
    )
    usages = _stream_usages([chunk async for chunk in stream])
    assert usages
    for usage in usages:
        _assert_cache_hits_in_both_places(usage)
    client = _async_emulated(placement)
    async with client.chat.completions.stream(
        model=MODEL, messages=MESSAGES, **_stream_options(placement)
    ) as events:
        final = await events.get_final_completion()
    _assert_cache_hits_in_both_places(final.usage)


# -- no other figure changes ----------------------------------------------------------------------------


def _usage(**fields: object) -> dict[str, Any]:
    return {"prompt_tokens": 100, "completion_tokens": 7, "total_tokens": 107, **fields}


CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # Moonshot's usage → what the built usage holds (model_dump(exclude_unset=True)).
    "top level only": (
        _usage(cached_tokens=64),
        _usage(cached_tokens=64, prompt_tokens_details={"cached_tokens": 64}),
    ),
    "nested only": (
        _usage(prompt_tokens_details={"cached_tokens": 64}),
        _usage(cached_tokens=64, prompt_tokens_details={"cached_tokens": 64}),
    ),
    "both, different": (
        _usage(cached_tokens=64, prompt_tokens_details={"cached_tokens": 60}),
        _usage(cached_tokens=64, prompt_tokens_details={"cached_tokens": 60}),
    ),
    "other details kept": (
        _usage(cached_tokens=64, prompt_tokens_details={"cache_write_tokens": 30, "audio_tokens": 0}),
        _usage(
            cached_tokens=64,
            prompt_tokens_details={"cache_write_tokens": 30, "audio_tokens": 0, "cached_tokens": 64},
        ),
    ),
    "zero hits": (
        _usage(cached_tokens=0),
        _usage(cached_tokens=0, prompt_tokens_details={"cached_tokens": 0}),
    ),
    "no caching": (_usage(), _usage()),
}


@pytest.mark.parametrize("how", ["validated", "constructed"])
@pytest.mark.parametrize("case", CASES)
def test_no_other_figure_changes(case: str, how: str) -> None:
    sent, expected = CASES[case]
    data = json.loads(json.dumps(sent))
    usage = (
        KimiCompletionUsage.model_validate(data, strict=True)
        if how == "validated"
        else KimiCompletionUsage.construct(**data)
    )
    assert usage.model_dump(exclude_unset=True) == expected
