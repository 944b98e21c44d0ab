"""Partial mode: ``chat.completions.partial`` (plain, role-play, streamed, raw) and ``continue_after_length``.

Cassettes: ``cassettes/test_partial/`` (recorded from the emulator with
``pytest --record-mode=rewrite tests/resources/chat/test_partial.py``). Emulator-exact checks use the
in-process emulator.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError
from kimi_openai._compat import httpx
from kimi_openai.lib.partial import (
    AsyncPartialStream,
    ContinuationLimitError,
    PartialChatCompletion,
    PartialStream,
    async_continue_after_length,
    continue_after_length,
)
from kimi_openai.pytest_plugin import KIMI_BODY_MATCH
from kimi_openai.testing import MoonshotEmulator

THINKING_OFF: dict[str, object] = {"thinking": {"type": "disabled"}}
"""Partial mode without thinking (partial mode with thinking is undocumented)."""

QUICKSORT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Implement quicksort in Python."}]
STORY: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "You are Kelsier from Mistborn. Stay in character."},
    {"role": "user", "content": "What do you think of the Lord Ruler?"},
]
NO_THINKING: Any = {"type": "disabled"}


def _last_message(body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = body["messages"][-1]
    return message


# -- cassettes ---------------------------------------------------------------------------------


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_partial_joins_prefix_and_continuation(kimi_client: KimiOpenAI) -> None:
    completion = kimi_client.chat.completions.partial(
        messages=QUICKSORT, prefix="```python\n", model="kimi-k2.6", thinking=NO_THINKING
    )
    assert isinstance(completion, PartialChatCompletion)
    assert isinstance(completion, ChatCompletion)
    assert completion.prefix == "```python\n"
    assert completion.continuation
    assert completion.choices[0].message.content == "```python\n" + completion.continuation
    assert completion.text == completion.choices[0].message.content


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_partial_role_play_name(kimi_client: KimiOpenAI) -> None:
    completion = kimi_client.chat.completions.partial(
        messages=STORY, prefix="", name="Kelsier", model="kimi-k2.6", thinking=NO_THINKING
    )
    assert completion.continuation
    assert completion.text == completion.continuation


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_continue_after_length(kimi_client: KimiOpenAI) -> None:
    first = kimi_client.chat.completions.create(
        model="kimi-k2.6", messages=QUICKSORT, max_tokens=4, thinking=NO_THINKING
    )
    assert first.choices[0].finish_reason == "length"
    start = first.choices[0].message.content or ""
    text = continue_after_length(kimi_client, first, QUICKSORT, max_tokens=400, thinking=NO_THINKING)
    assert text.startswith(start)
    assert len(text) > len(start)


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
@pytest.mark.anyio
async def test_async_partial(async_kimi_client: AsyncKimiOpenAI) -> None:
    completion = await async_kimi_client.chat.completions.partial(
        messages=QUICKSORT, prefix="def quicksort(", model="kimi-k2.6", thinking=NO_THINKING
    )
    assert completion.text.startswith("def quicksort(")
    assert completion.continuation


# -- the wire, in process ----------------------------------------------------------------------


def test_partial_message_is_last_and_flagged(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("def quicksort(xs): ...")
    completion = kimi_emulator_client.chat.completions.partial(
        messages=QUICKSORT, prefix="```python\n", model="kimi-k2.6", extra_body=THINKING_OFF, max_tokens=100
    )
    body = kimi_emulator.last_chat_request()
    assert body["messages"][:-1] == QUICKSORT
    assert _last_message(body) == {"role": "assistant", "content": "```python\n", "partial": True}
    assert body["max_completion_tokens"] == 100
    assert completion.continuations == ["def quicksort(xs): ..."]
    assert completion.choices[0].message.content == "```python\ndef quicksort(xs): ..."


def test_role_play_name_is_sent(kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI) -> None:
    kimi_emulator_client.chat.completions.partial(
        messages=STORY, prefix="Ah,", name="Kelsier", model="kimi-k2.6", extra_body=THINKING_OFF
    )
    assert _last_message(kimi_emulator.last_chat_request()) == {
        "role": "assistant",
        "content": "Ah,",
        "partial": True,
        "name": "Kelsier",
    }


def test_joined_message_echoes_without_partial_fields(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text(" world")
    completion = kimi_emulator_client.chat.completions.partial(
        messages=QUICKSORT, prefix="Hello", model="kimi-k2.6", extra_body=THINKING_OFF
    )
    follow_up: list[Any] = [*QUICKSORT, completion.choices[0].message, {"role": "user", "content": "More"}]
    kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", extra_body=THINKING_OFF, messages=follow_up
    )
    echoed = kimi_emulator.last_chat_request()["messages"][1]
    assert echoed["content"] == "Hello world"
    assert set(echoed) == {"role", "content"}


def test_partial_already_in_messages_is_refused(kimi_emulator_client: KimiOpenAI) -> None:
    messages: list[Any] = [*QUICKSORT, {"role": "assistant", "content": "x", "partial": True}]
    with pytest.raises(KimiValidationError, match=r"messages\[1\] already has partial=true"):
        kimi_emulator_client.chat.completions.partial(messages=messages, prefix="y", model="kimi-k2.6")


def test_json_object_is_refused(kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI) -> None:
    with pytest.raises(KimiValidationError, match="json_object"):
        kimi_emulator_client.chat.completions.partial(
            messages=QUICKSORT, prefix="{", model="kimi-k2.6", response_format={"type": "json_object"}
        )
    assert kimi_emulator.chat_requests() == ()


def test_streamed_partial_exposes_prefix(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("print('hi')\n```")
    with kimi_emulator_client.chat.completions.partial(
        messages=QUICKSORT, prefix="```python\n", model="kimi-k2.6", extra_body=THINKING_OFF, stream=True
    ) as stream:
        assert isinstance(stream, PartialStream)
        pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert "".join(pieces) == "print('hi')\n```"
    assert stream.prefix == "```python\n"
    assert stream.text == "```python\nprint('hi')\n```"
    assert stream.finished
    assert _last_message(kimi_emulator.last_chat_request())["partial"] is True


def test_raw_response_partial_parses_joined(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("B")
    raw = kimi_emulator_client.chat.completions.with_raw_response.partial(
        messages=QUICKSORT, prefix="A", model="kimi-k2.6", extra_body=THINKING_OFF
    )
    assert raw.http_request.headers.get("x-stainless-raw-response") == "true"
    assert json.loads(raw.http_request.content)["messages"][-1]["partial"] is True
    completion = raw.parse()
    assert isinstance(completion, PartialChatCompletion)
    assert completion.text == "AB"


def test_streaming_response_partial(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("B")
    with kimi_emulator_client.chat.completions.with_streaming_response.partial(
        messages=QUICKSORT, prefix="A", model="kimi-k2.6", extra_body=THINKING_OFF, stream=True
    ) as response:
        stream = response.parse()
        assert isinstance(stream, PartialStream)
        list(stream)
    assert stream.text == "AB"


@pytest.mark.anyio
async def test_async_stream_and_raw(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    kimi_emulator.queue_text("B").queue_text("D")
    completions = async_kimi_emulator_client.chat.completions
    async with await completions.partial(
        messages=QUICKSORT, prefix="A", model="kimi-k2.6", extra_body=THINKING_OFF, stream=True
    ) as stream:
        assert isinstance(stream, AsyncPartialStream)
        [chunk async for chunk in stream]
    assert stream.text == "AB"
    raw = await completions.with_raw_response.partial(
        messages=QUICKSORT, prefix="C", model="kimi-k2.6", extra_body=THINKING_OFF
    )
    assert raw.parse().text == "CD"


def test_continue_after_length_sends_the_text_so_far(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("abc", finish_reason="length").queue_text("def", finish_reason="length")
    kimi_emulator.queue_text("ghi")
    first = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", extra_body=THINKING_OFF, messages=QUICKSORT
    )
    kimi_emulator.clear_requests()
    text = continue_after_length(kimi_emulator_client, first, QUICKSORT, max_tokens=50)
    assert text == "abcdefghi"
    sent = [r.json for r in kimi_emulator.chat_requests()]
    assert [_last_message(b or {}) for b in sent] == [
        {"role": "assistant", "content": "abc", "partial": True},
        {"role": "assistant", "content": "abcdef", "partial": True},
    ]
    assert all(
        (b or {})["messages"][:-1] == QUICKSORT and (b or {})["max_completion_tokens"] == 50 for b in sent
    )


def test_continue_after_length_is_bounded(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    for part in ("a", "b", "c"):
        kimi_emulator.queue_text(part, finish_reason="length")
    first = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", extra_body=THINKING_OFF, messages=QUICKSORT
    )
    with pytest.raises(ContinuationLimitError, match="after 2 continuations") as info:
        continue_after_length(kimi_emulator_client, first, QUICKSORT, max_continuations=2)
    assert info.value.text == "abc"


def test_continue_after_length_stops_on_empty_continuation(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator.queue_text("a", finish_reason="length").queue_text("", finish_reason="length")
    first = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", extra_body=THINKING_OFF, messages=QUICKSORT
    )
    with pytest.raises(ContinuationLimitError, match="max_tokens is too small") as info:
        continue_after_length(kimi_emulator_client, first, QUICKSORT)
    assert info.value.text == "a"
    assert len(kimi_emulator.chat_requests()) == 2


def test_finished_completion_is_returned_as_is(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    first = kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", extra_body=THINKING_OFF, messages=QUICKSORT
    )
    assert continue_after_length(kimi_emulator_client, first, QUICKSORT) == first.choices[0].message.content
    assert len(kimi_emulator.chat_requests()) == 1


@pytest.mark.anyio
async def test_async_continue_after_length(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    kimi_emulator.queue_text("ab", finish_reason="length").queue_text("cd")
    first = await async_kimi_emulator_client.chat.completions.create(
        model="kimi-k2.6", extra_body=THINKING_OFF, messages=QUICKSORT
    )
    text = await async_continue_after_length(async_kimi_emulator_client, first, QUICKSORT, name="Kelsier")
    assert text == "abcd"
    assert _last_message(kimi_emulator.last_chat_request())["name"] == "Kelsier"


ODD_ANSWERS: list[dict[str, Any]] = [
    {"id": "c", "object": "chat.completion", "created": 0, "model": "kimi-k2.6"},
    {"id": "c", "object": "chat.completion", "created": 0, "model": "kimi-k2.6", "choices": None},
    {"id": "c", "object": "chat.completion", "created": 0, "model": "kimi-k2.6", "choices": [{"index": 0}]},
]


@pytest.mark.parametrize("body", ODD_ANSWERS, ids=["no-choices", "null-choices", "no-message"])
def test_an_answer_without_a_message_is_returned_as_it_came(body: dict[str, Any]) -> None:
    # openai returns such a body unvalidated, as it came; partial() does too, with nothing joined.
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    client = KimiOpenAI(api_key="sk-test", http_client=httpx.Client(transport=httpx.MockTransport(answer)))
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
    plain = client.chat.completions.partial(model="kimi-k2.6", messages=messages, prefix="Once")
    raw = client.chat.completions.with_raw_response.partial(
        model="kimi-k2.6", messages=messages, prefix="Once"
    )
    for joined in (plain, raw.parse()):
        assert isinstance(joined, PartialChatCompletion)
        assert (joined.id, joined.prefix) == ("c", "Once")
        assert joined.continuations == ([""] if body.get("choices") else [])
