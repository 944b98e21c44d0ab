"""Answers of an unexpected shape: openai's object or a typed error carrying the body, never a crash inside the client.

* A 200 completion whose ``choices`` are missing, ``null``, a string or ``[5]``, or whose
  message is ``null``: plain openai builds its ``ChatCompletion`` unvalidated; so does the
  Kimi client, and its reasoning echo skips what holds no message.
* A whole ``application/json`` completion answering ``stream=True`` (a proxy that does not
  stream): openai yields nothing; the Kimi streams yield the chunks a stream of it would
  have (the message, then the finish reason and usage) and end complete.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, MalformedResponseError, StreamServerError
from kimi_openai._compat import httpx
from kimi_openai.types import reasoning_content_of
from kimi_openai.types.chat import KimiChatCompletionChunk
from tests._helpers import Recorder

BASE_URL = "https://api.moonshot.ai/v1"
HEAD: dict[str, Any] = {"id": "chatcmpl-odd", "object": "chat.completion", "created": 1, "model": "kimi-k2.6"}
USER: Any = {"role": "user", "content": "Weather in Paris?"}

ODD_BODIES: dict[str, Any] = {
    "choices missing": HEAD,
    "choices null": {**HEAD, "choices": None},
    "choices a string": {**HEAD, "choices": "abc"},
    "choices [5]": {**HEAD, "choices": [5]},
    "message null": {**HEAD, "choices": [{"index": 0, "message": None, "finish_reason": "stop"}]},
    "message a string": {**HEAD, "choices": [{"index": 0, "message": "hi", "finish_reason": "stop"}]},
    "tool_calls a string": {
        **HEAD,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "reasoning_content": "r",
                    "tool_calls": "x",
                },
                "finish_reason": "tool_calls",
            }
        ],
    },
}


def _json_client(cls: type[openai.OpenAI], body: object, **options: Any) -> Any:
    http = httpx.Client(transport=httpx.MockTransport(lambda _r: httpx.Response(200, json=body)))
    return cls(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http, **options)


def _shape(completion: Any) -> object:
    """What a caller can read of an odd completion: every field as openai built it."""
    return completion.model_dump(mode="json", exclude_unset=True, warnings=False)


@pytest.mark.parametrize("name", ODD_BODIES)
def test_an_odd_body_comes_back_as_openai_builds_it(name: str) -> None:
    body = ODD_BODIES[name]
    plain = _json_client(openai.OpenAI, body).chat.completions.create(model="kimi-k2.6", messages=[USER])
    kimi = _json_client(KimiOpenAI, body).chat.completions.create(model="kimi-k2.6", messages=[USER])
    assert isinstance(kimi, ChatCompletion)
    assert _shape(kimi) == _shape(plain)


@pytest.mark.anyio
@pytest.mark.parametrize("name", ODD_BODIES)
async def test_async_an_odd_body_comes_back_as_openai_builds_it(name: str) -> None:
    body = ODD_BODIES[name]

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncKimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=http)
    kimi = await client.chat.completions.create(model="kimi-k2.6", messages=[USER])
    plain = _json_client(openai.OpenAI, body).chat.completions.create(model="kimi-k2.6", messages=[USER])
    assert _shape(kimi) == _shape(plain)


@pytest.mark.parametrize("name", ["choices missing", "message null", "tool_calls a string"])
def test_an_odd_body_with_k2_markup_parsing_on_still_comes_back(name: str) -> None:
    kimi = _json_client(KimiOpenAI, ODD_BODIES[name], k2_tool_call_markup=True)
    assert kimi.chat.completions.create(model="kimi-k2.6", messages=[USER]).id == "chatcmpl-odd"


def test_the_reading_helper_takes_what_an_odd_body_holds() -> None:
    assert reasoning_content_of(None) is None
    assert reasoning_content_of("hi") is None  # pyright: ignore[reportArgumentType]
    assert reasoning_content_of({"reasoning_content": 5}) is None


# -- a whole JSON completion answering stream=True ---------------------------------------------

CALL = {
    "id": "functions.get_weather:0",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}
ANSWER: dict[str, Any] = {
    **HEAD,
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Checking.",
                "reasoning_content": "The user wants the weather: call the tool.",
                "tool_calls": [CALL],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18, "cached_tokens": 4},
}


class _Answers(Recorder):
    """A JSON completion for the first request (streamed or not), then a plain answer; keeps the requests."""

    def __init__(self, first: object, content_type: str = "application/json") -> None:
        super().__init__()
        self.first = first
        self.content_type = content_type
        self.respond = self._respond

    def _respond(self, request: httpx.Request) -> httpx.Response:
        if len(self.requests) == 1:
            body = self.first if isinstance(self.first, bytes) else json.dumps(self.first).encode()
            return httpx.Response(200, headers={"content-type": self.content_type}, content=body)
        return httpx.Response(200, json={**HEAD, "choices": [], "usage": None})


def _sync(answers: _Answers) -> KimiOpenAI:
    return KimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=answers.client())


def _async(answers: _Answers) -> AsyncKimiOpenAI:
    return AsyncKimiOpenAI(
        api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=answers.async_client()
    )


def _check_chunks(chunks: list[Any]) -> None:
    message, end = chunks
    assert isinstance(message, KimiChatCompletionChunk)
    delta = message.choices[0].delta
    assert (delta.role, delta.content, delta.reasoning_content) == (
        "assistant",
        "Checking.",
        "The user wants the weather: call the tool.",
    )
    assert delta.tool_calls is not None
    call = delta.tool_calls[0]
    assert call.function is not None
    assert (call.index, call.id, call.function.arguments) == (0, CALL["id"], '{"city": "Paris"}')
    assert (message.choices[0].finish_reason, message.usage) == (None, None)
    assert end.choices[0].finish_reason == "tool_calls"
    assert end.usage is not None
    assert (end.usage.total_tokens, end.usage.cached_tokens) == (18, 4)
    assert (message.id, end.id, end.object) == ("chatcmpl-odd", "chatcmpl-odd", "chat.completion.chunk")


def _rebuilt_turn_sent(answers: _Answers) -> dict[str, Any]:
    """The assistant turn of the follow-up request, sent back by a framework without its reasoning."""
    return json.loads(answers.last.content)["messages"][1]


FOLLOW_UP: list[Any] = [
    USER,
    {"role": "assistant", "content": "Checking.", "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": CALL["id"], "content": "sunny"},
]


def test_a_json_answer_to_a_stream_is_streamed_and_remembered() -> None:
    answers = _Answers(ANSWER)
    client = _sync(answers)
    stream = client.chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
    chunks = list(stream)
    _check_chunks(chunks)
    assert stream.finished
    assert stream.received == chunks
    assert stream.received_reasoning() == "The user wants the weather: call the tool."
    client.chat.completions.create(model="kimi-k2.6", messages=FOLLOW_UP)
    assert _rebuilt_turn_sent(answers)["reasoning_content"] == "The user wants the weather: call the tool."


@pytest.mark.anyio
async def test_async_a_json_answer_to_a_stream_is_streamed_and_remembered() -> None:
    answers = _Answers(ANSWER)
    client = _async(answers)
    stream = await client.chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
    chunks = [chunk async for chunk in stream]
    _check_chunks(chunks)
    assert stream.finished
    await client.chat.completions.create(model="kimi-k2.6", messages=FOLLOW_UP)
    assert _rebuilt_turn_sent(answers)["reasoning_content"] == "The user wants the weather: call the tool."


def _check_final(completion: Any) -> None:
    message = completion.choices[0].message
    assert (message.content, message.reasoning_content) == (
        "Checking.",
        "The user wants the weather: call the tool.",
    )
    assert [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls] == [
        (CALL["id"], "get_weather", '{"city": "Paris"}')
    ]
    assert completion.choices[0].finish_reason == "tool_calls"
    assert completion.usage.total_tokens == 18


def test_stream_helper_gives_the_json_answer_as_events_and_a_final_completion() -> None:
    with _sync(_Answers(ANSWER)).chat.completions.stream(model="kimi-k2.6", messages=[USER]) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_completion()
    assert kinds[0] == "chunk"
    assert {"reasoning.delta", "reasoning.done", "content.delta", "content.done"} <= set(kinds)
    assert "tool_calls.function.arguments.done" in kinds
    _check_final(final)


@pytest.mark.anyio
async def test_async_stream_helper_gives_the_json_answer_as_events_and_a_final_completion() -> None:
    async with _async(_Answers(ANSWER)).chat.completions.stream(model="kimi-k2.6", messages=[USER]) as stream:
        kinds = [event.type async for event in stream]
        final = await stream.get_final_completion()
    assert "reasoning.done" in kinds
    _check_final(final)


def test_a_json_answer_with_a_charset_and_without_usage_still_counts() -> None:
    answer = {**ANSWER, "usage": None}
    answers = _Answers(answer, content_type="application/json; charset=utf-8")
    chunks = list(_sync(answers).chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True))
    assert chunks[0].choices[0].delta.content == "Checking."
    assert chunks[-1].usage is None


def test_events_labelled_as_json_are_still_read_as_events() -> None:
    event = {**HEAD, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "Hi"}}]}
    body = f"data: {json.dumps(event)}\n\ndata: [DONE]\n\n".encode()
    stream = _sync(_Answers(body)).chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
    assert [c.choices[0].delta.content for c in stream] == ["Hi"]
    assert stream.finished


def test_a_json_error_object_answering_a_stream_is_the_error_event_openai_raises() -> None:
    error = {"error": {"type": "engine_overloaded_error", "message": "The engine is overloaded"}}
    stream = _sync(_Answers(error)).chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
    with pytest.raises(StreamServerError) as caught:
        list(stream)
    assert caught.value.error_type == "engine_overloaded_error"
    assert isinstance(caught.value, openai.APIError)
    assert not stream.finished


NOT_A_COMPLETION: dict[str, bytes] = {
    "a JSON list": b"[1, 2]",
    "an empty object": b"{}",
    "choices null": json.dumps({**HEAD, "choices": None}).encode(),
    "choices [5]": json.dumps({**HEAD, "choices": [5]}).encode(),
    "message null": json.dumps({**HEAD, "choices": [{"index": 0, "message": None}]}).encode(),
    "cut off": json.dumps(ANSWER).encode()[:60],
}


@pytest.mark.parametrize("name", NOT_A_COMPLETION)
def test_json_that_is_no_completion_answering_a_stream_keeps_the_body(name: str) -> None:
    body = NOT_A_COMPLETION[name]
    stream = _sync(_Answers(body)).chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
    with pytest.raises(MalformedResponseError) as caught:
        list(stream)
    assert caught.value.raw_body == body.decode()
    assert not stream.finished


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["an empty object", "cut off"])
async def test_async_json_that_is_no_completion_answering_a_stream_keeps_the_body(name: str) -> None:
    body = NOT_A_COMPLETION[name]
    stream = await _async(_Answers(body)).chat.completions.create(
        model="kimi-k2.6", messages=[USER], stream=True
    )
    with pytest.raises(MalformedResponseError) as caught:
        async for _ in stream:
            pass
    assert caught.value.raw_body == body.decode()
