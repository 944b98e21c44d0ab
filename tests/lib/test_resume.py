"""stream_with_resume: a broken stream continues with partial mode and the text has no gap."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
import tenacity

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._errors import EngineOverloadedError, StreamInterruptedError, StreamServerError
from kimi_openai._retry import RetryPolicy
from kimi_openai.lib.resume import async_stream_with_resume, stream_with_resume
from kimi_openai.testing import MoonshotEmulator, TextReply, ToolCall, ToolCallsReply
from kimi_openai.types.chat import KimiChatCompletionChunk

BASE_URL = "https://api.moonshot.ai/v1"
MODEL = "kimi-k2.6"
PLAIN: dict[str, Any] = {"model": MODEL, "extra_body": {"thinking": {"type": "disabled"}}}
"""Thinking off: the emulator adds no reasoning of its own."""
ASK: list[Any] = [{"role": "user", "content": "Tell me a story"}]
STORY = "Once upon a time a small kettle learned to sing in the rain, and the whole street listened"
NO_WAIT = RetryPolicy(initial_backoff=0, jitter=0)


def client(emulator: MoonshotEmulator, **options: Any) -> KimiOpenAI:
    http = httpx.Client(transport=emulator.transport())
    return KimiOpenAI(api_key="sk-test", base_url=BASE_URL, http_client=http, **options)


def async_client(emulator: MoonshotEmulator) -> AsyncKimiOpenAI:
    http = httpx.AsyncClient(transport=emulator.async_transport())
    return AsyncKimiOpenAI(api_key="sk-test", base_url=BASE_URL, http_client=http)


def text_of(chunks: Sequence[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def chat_bodies(emulator: MoonshotEmulator) -> list[dict[str, Any]]:
    return [r.json for r in emulator.chat_requests() if r.json is not None]


@pytest.mark.parametrize("after_chunks", [3, 9])
def test_a_dropped_stream_continues_and_the_joined_text_is_the_answer(after_chunks: int) -> None:
    # The emulator answers a partial request with the continuation only, as Moonshot does.
    emulator = MoonshotEmulator().queue_drop(after_chunks, TextReply(STORY)).queue_text(STORY)
    chunks = list(stream_with_resume(client(emulator), retry=NO_WAIT, **PLAIN, messages=ASK))
    assert text_of(chunks) == STORY
    first, resumed = chat_bodies(emulator)
    received = resumed["messages"][-1]["content"]
    assert resumed["messages"] == [*ASK, {"role": "assistant", "content": received, "partial": True}]
    assert STORY.startswith(received)
    assert 0 < len(received) < len(STORY)
    assert resumed["stream"] is True
    assert first["messages"] == ASK
    assert emulator.last_chat_request() == resumed


def test_requests_go_out_with_sdk_retries_off() -> None:
    # An overload before the stream starts is what the SDK itself would retry (its retry
    # count header would then read "1"): here only the resume loop may send it again.
    emulator = MoonshotEmulator().queue_overloaded(retry_after=0).queue_text(STORY)
    chunks = list(stream_with_resume(client(emulator, max_retries=5), retry=NO_WAIT, **PLAIN, messages=ASK))
    assert text_of(chunks) == STORY
    assert [r.headers.get("x-stainless-retry-count") for r in emulator.chat_requests()] == ["0", "0"]


def test_a_client_with_a_tenacity_policy_does_not_multiply_the_attempts() -> None:
    emulator = MoonshotEmulator()
    for _ in range(9):
        emulator.queue_overloaded(retry_after=0)
    policy = tenacity.Retrying(stop=tenacity.stop_after_attempt(3), sleep=lambda _: None, reraise=True)
    with pytest.raises(EngineOverloadedError):
        list(stream_with_resume(client(emulator, retry_policy=policy), retry=NO_WAIT, **PLAIN, messages=ASK))
    assert len(emulator.chat_requests()) == 3  # the resume loop's 1 + max_resumes, not 3 x 3


def _error_event_stream(error_type: str) -> str:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [
            {"index": 0, "delta": {"role": "assistant", "content": STORY[:16]}, "finish_reason": None}
        ],
    }
    error = {"error": {"type": error_type, "message": f"{error_type} mid-stream"}}
    return f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(error)}\n\n"


@pytest.mark.parametrize(
    ("error_type", "resumed"),
    [
        ("engine_overloaded_error", True),
        ("server_error", True),
        ("exceeded_current_quota_error", False),
        ("content_filter", False),
    ],
)
def test_an_error_event_is_resumed_only_when_its_type_passes_with_time(
    error_type: str, resumed: bool
) -> None:
    emulator = MoonshotEmulator().queue_raw(
        200, _error_event_stream(error_type), content_type="text/event-stream"
    )
    emulator.queue_text(STORY)
    stream = stream_with_resume(client(emulator), retry=NO_WAIT, **PLAIN, messages=ASK)
    if resumed:
        assert text_of(list(stream)) == STORY
        assert len(emulator.chat_requests()) == 2
        return
    with pytest.raises(StreamServerError) as caught:
        list(stream)
    assert len(emulator.chat_requests()) == 1
    assert caught.value.error_type == error_type
    assert caught.value.partial.content == STORY[:16]
    assert any(error_type in note for note in caught.value.__notes__)


def test_two_drops_in_a_row_are_both_resumed() -> None:
    emulator = (
        MoonshotEmulator().queue_drop(3, TextReply(STORY)).queue_drop(4, TextReply(STORY)).queue_text(STORY)
    )
    chunks = list(stream_with_resume(client(emulator), retry=NO_WAIT, **PLAIN, messages=ASK))
    assert text_of(chunks) == STORY
    prefixes = [b["messages"][-1].get("content") for b in chat_bodies(emulator)[1:]]
    assert len(prefixes) == 2
    assert prefixes[1].startswith(prefixes[0])
    assert len(prefixes[1]) > len(prefixes[0])


def test_too_many_drops_raise_with_the_text_of_every_attempt() -> None:
    emulator = MoonshotEmulator()
    for _ in range(3):
        emulator.queue_drop(3, TextReply(STORY))
    chunks: list[KimiChatCompletionChunk] = []
    with pytest.raises(StreamInterruptedError) as caught:
        chunks.extend(
            stream_with_resume(client(emulator), max_resumes=2, retry=NO_WAIT, **PLAIN, messages=ASK)
        )
    assert len(emulator.chat_requests()) == 3
    assert caught.value.partial.content == text_of(list(caught.value.partial.chunks))
    assert STORY.startswith(caught.value.partial.content)
    assert len(caught.value.partial.content) > len(chat_bodies(emulator)[-1]["messages"][-1]["content"])


def test_a_caller_prefill_grows_instead_of_stacking_two_partial_turns() -> None:
    prefix = "Once upon a time"
    emulator = MoonshotEmulator().queue_drop(3, TextReply(STORY)).queue_text(STORY)
    messages = [*ASK, {"role": "assistant", "content": prefix, "partial": True}]
    chunks = list(stream_with_resume(client(emulator), retry=NO_WAIT, **PLAIN, messages=messages))
    assert prefix + text_of(chunks) == STORY
    resumed = chat_bodies(emulator)[-1]["messages"]
    assert len(resumed) == 2
    assert resumed[-1]["content"] == prefix + text_of(chunks[:3])


def test_a_drop_mid_tool_call_is_not_resumed() -> None:
    reply = ToolCallsReply((ToolCall("get_weather", {"city": "Beijing, China"}),), content="Checking")
    emulator = MoonshotEmulator().queue_drop(5, reply)
    with pytest.raises(StreamInterruptedError) as caught:
        list(stream_with_resume(client(emulator), retry=NO_WAIT, **PLAIN, messages=ASK))
    assert len(emulator.chat_requests()) == 1
    assert caught.value.partial.tool_calls[0].id == "functions.get_weather:0"
    assert any("tool call" in note for note in caught.value.__notes__)


def test_a_drop_with_only_reasoning_is_not_resumed() -> None:
    reply = TextReply(STORY, reasoning="Thinking about kettles and rain and a street of listeners")
    emulator = MoonshotEmulator().queue_drop(4, reply)
    with pytest.raises(StreamInterruptedError) as caught:
        list(stream_with_resume(client(emulator), retry=NO_WAIT, **PLAIN, messages=ASK))
    assert len(emulator.chat_requests()) == 1
    assert caught.value.partial.reasoning_content
    assert caught.value.partial.content == ""


def test_a_drop_before_anything_arrived_resends_the_original_request() -> None:
    emulator = MoonshotEmulator().queue_drop(0, TextReply(STORY)).queue_text(STORY)
    chunks = list(stream_with_resume(client(emulator), retry=NO_WAIT, **PLAIN, messages=ASK))
    assert text_of(chunks) == STORY
    assert [b["messages"] for b in chat_bodies(emulator)] == [ASK, ASK]


def test_a_quota_error_on_the_resumed_request_is_not_retried() -> None:
    emulator = MoonshotEmulator().queue_drop(3, TextReply(STORY)).queue_quota_exceeded()
    with pytest.raises(Exception, match="exceeded_current_quota_error"):
        list(stream_with_resume(client(emulator), retry=NO_WAIT, max_resumes=3, **PLAIN, messages=ASK))
    assert len(emulator.chat_requests()) == 2


def test_a_tenacity_object_drives_the_attempts_as_given() -> None:
    emulator = (
        MoonshotEmulator().queue_drop(3, TextReply(STORY)).queue_drop(3, TextReply(STORY)).queue_text(STORY)
    )
    retrying = tenacity.Retrying(stop=tenacity.stop_after_attempt(2), reraise=True)
    with pytest.raises(StreamInterruptedError):
        list(stream_with_resume(client(emulator), retry=retrying, **PLAIN, messages=ASK))
    assert len(emulator.chat_requests()) == 2


@pytest.mark.anyio
async def test_async_resume_joins_the_text_and_sends_partial_mode() -> None:
    emulator = MoonshotEmulator().queue_drop(5, TextReply(STORY)).queue_text(STORY)
    chunks = [
        c
        async for c in async_stream_with_resume(async_client(emulator), retry=NO_WAIT, **PLAIN, messages=ASK)
    ]
    assert text_of(chunks) == STORY
    resumed = emulator.last_chat_request()["messages"]
    assert resumed[-1] == {"role": "assistant", "content": text_of(chunks[:5]), "partial": True}


@pytest.mark.anyio
async def test_async_drop_mid_tool_call_raises_with_the_fragments() -> None:
    reply = ToolCallsReply((ToolCall("get_weather", {"city": "Beijing, China"}),), content="Checking")
    emulator = MoonshotEmulator().queue_drop(5, reply)
    with pytest.raises(StreamInterruptedError) as caught:
        async for _ in async_stream_with_resume(async_client(emulator), retry=NO_WAIT, **PLAIN, messages=ASK):
            pass
    assert caught.value.partial.tool_calls[0].name == "get_weather"
    assert len(emulator.chat_requests()) == 1


def test_a_resumed_thinking_stream_keeps_one_reasoning_and_sends_it_back() -> None:
    emulator = MoonshotEmulator()
    emulator.queue_drop(
        12, TextReply("Hello there, this is a long answer", reasoning="I think about it carefully.")
    )
    chunks = list(
        stream_with_resume(client(emulator), model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}])
    )
    reasoning = "".join(c.choices[0].delta.reasoning_content or "" for c in chunks if c.choices)
    assert reasoning == "I think about it carefully."
    resumed = emulator.last_chat_request()["messages"][-1]
    assert resumed["partial"] is True
    assert resumed["reasoning_content"] == "I think about it carefully."
    assert text_of(chunks).startswith(resumed["content"])
