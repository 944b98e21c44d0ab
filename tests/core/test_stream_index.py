"""Stream chunks whose ``index`` is missing or not an int: every reader stitches them, none raises.

Moonshot numbers each choice and tool call of a delta
(https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api);
proxies and self-hosted engines have sent a list, an object, or nothing after a call's first
delta. ``create(stream=True)``, the partial of an interrupted stream, the reasoning echo and
``.stream()`` all follow one rule (``kimi_openai._stream_index``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, StreamInterruptedError
from kimi_openai._compat import httpx
from kimi_openai._stream_index import ToolCallSlots, choice_index
from tests._helpers import Recorder

BASE_URL = "https://api.moonshot.ai/v1"
HEAD: dict[str, Any] = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "kimi-k2.6"}
USER: Any = {"role": "user", "content": "Weather in Paris?"}
THOUGHT = "Call get_weather for Paris."


def event(delta: dict[str, Any], *, index: object = 0, finish: str | None = None) -> str:
    return (
        "data: "
        + json.dumps({**HEAD, "choices": [{"index": index, "delta": delta, "finish_reason": finish}]})
        + "\n\n"
    )


def call(arguments: str, *, index: object = None, call_id: str | None = None, name: str | None = None) -> Any:
    out: dict[str, Any] = {"function": {"arguments": arguments}}
    if index is not None:
        out["index"] = index
    if call_id is not None:
        out.update(id=call_id, type="function")
        out["function"]["name"] = name
    return out


def body(*events: str, done: bool = True) -> bytes:
    return ("".join(events) + ("data: [DONE]\n\n" if done else "")).encode()


def tool_turn(first: Any, *rest: Any, index: object = 0, done: bool = True) -> bytes:
    """Reasoning, then tool-call deltas (one per chunk), then the finish."""
    events = [event({"role": "assistant", "reasoning_content": THOUGHT}, index=index)]
    events += [event({"tool_calls": [delta]}, index=index) for delta in (first, *rest)]
    return body(*events, event({}, index=index, finish="tool_calls"), done=done)


NO_INDEX = tool_turn(
    call('{"city"', call_id="functions.get_weather:0", name="get_weather"), call(': "Paris"}')
)
OBJECT_INDEX = tool_turn(
    call('{"city"', index={"a": 1}, call_id="functions.get_weather:0", name="get_weather"),
    call(': "Paris"}', index={"a": 1}),
)
LIST_CHOICE_INDEX = tool_turn(
    call('{"city"', index=0, call_id="functions.get_weather:0", name="get_weather"),
    call(': "Paris"}', index=0),
    index=[0],
)
SHAPES = {
    "tool calls without index": NO_INDEX,
    "object tool-call index": OBJECT_INDEX,
    "list choice index": LIST_CHOICE_INDEX,
}


class _Server(Recorder):
    """``first`` as an event stream for the first request, a plain completion after."""

    def __init__(self, first: bytes) -> None:
        super().__init__()
        self.first = first
        self.respond = self._respond

    def _respond(self, request: httpx.Request) -> httpx.Response:
        if len(self.requests) == 1:
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=self.first)
        completion: dict[str, Any] = {**HEAD, "object": "chat.completion", "choices": [], "usage": None}
        return httpx.Response(200, json=completion)

    def sent_reasoning(self) -> object:
        return json.loads(self.last.content)["messages"][1].get("reasoning_content")


FOLLOW_UP: list[Any] = [
    USER,
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "functions.get_weather:0",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "functions.get_weather:0", "content": "sunny"},
]


def _sync(server: _Server) -> KimiOpenAI:
    return KimiOpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=server.client())


def _async(server: _Server) -> AsyncKimiOpenAI:
    return AsyncKimiOpenAI(
        api_key="sk-test", base_url=BASE_URL, max_retries=0, http_client=server.async_client()
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_the_stream_ends_and_its_turn_is_remembered(shape: str) -> None:
    server = _Server(SHAPES[shape])
    client = _sync(server)
    stream = client.chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
    chunks = list(stream)  # no TypeError at [DONE]
    assert stream.finished
    assert len(chunks) == 4
    partial = stream.partial()
    assert [(c.id, c.name, c.arguments) for c in partial.tool_calls] == [
        ("functions.get_weather:0", "get_weather", '{"city": "Paris"}')
    ]
    client.chat.completions.create(model="kimi-k2.6", messages=FOLLOW_UP)
    assert server.sent_reasoning() == THOUGHT


@pytest.mark.anyio
@pytest.mark.parametrize("shape", SHAPES)
async def test_async_the_stream_ends_and_its_turn_is_remembered(shape: str) -> None:
    server = _Server(SHAPES[shape])
    client = _async(server)
    stream = await client.chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
    assert len([chunk async for chunk in stream]) == 4
    assert stream.finished
    await client.chat.completions.create(model="kimi-k2.6", messages=FOLLOW_UP)
    assert server.sent_reasoning() == THOUGHT


def test_an_interrupted_stream_stitches_deltas_without_index_into_their_calls() -> None:
    cut = tool_turn(
        call('{"a"', call_id="functions.f:0", name="f"),
        call(":1}"),
        call('{"b"', call_id="functions.g:1", name="g"),
        call(":2}"),
        done=False,
    )
    stream = _sync(_Server(cut)).chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
    with pytest.raises(StreamInterruptedError) as caught:
        list(stream)
    assert [(c.index, c.id, c.name, c.arguments) for c in caught.value.partial.tool_calls] == [
        (0, "functions.f:0", "f", '{"a":1}'),
        (1, "functions.g:1", "g", '{"b":2}'),
    ]


@pytest.mark.parametrize("shape", SHAPES)
def test_stream_helper_builds_the_call_from_such_chunks(shape: str) -> None:
    with _sync(_Server(SHAPES[shape])).chat.completions.stream(model="kimi-k2.6", messages=[USER]) as stream:
        events = list(stream)
        final = stream.get_final_completion()
    (choice,) = final.choices
    assert choice.index == 0
    assert choice.message.reasoning_content == THOUGHT
    assert [(c.id, c.function.name, c.function.arguments) for c in choice.message.tool_calls or []] == [
        ("functions.get_weather:0", "get_weather", '{"city": "Paris"}')
    ]
    done = [e for e in events if e.type == "tool_calls.function.arguments.done"]
    assert [(e.index, e.name, e.arguments) for e in done] == [(0, "get_weather", '{"city": "Paris"}')]


@pytest.mark.anyio
@pytest.mark.parametrize("shape", SHAPES)
async def test_async_stream_helper_builds_the_call_from_such_chunks(shape: str) -> None:
    async with _async(_Server(SHAPES[shape])).chat.completions.stream(
        model="kimi-k2.6", messages=[USER]
    ) as stream:
        final = await stream.get_final_completion()
    calls = final.choices[0].message.tool_calls or []
    assert [c.function.arguments for c in calls] == ['{"city": "Paris"}']


def test_stream_helper_keeps_choices_by_index_when_the_second_comes_first() -> None:
    two = body(
        event({"role": "assistant", "content": "B"}, index=1),
        event({"role": "assistant", "content": "A"}, index=0),
        event({}, index=0, finish="stop"),
        event({}, index=1, finish="stop"),
    )
    with _sync(_Server(two)).chat.completions.stream(
        model="kimi-k9-future", messages=[USER], n=2, temperature=0.7
    ) as stream:
        final = stream.get_final_completion()
    assert [(c.index, c.message.content) for c in final.choices] == [(0, "A"), (1, "B")]


def test_the_rule() -> None:
    slots = ToolCallSlots()
    assert [
        slots.slot(i, d) for i, d in [(None, "a"), (None, None), ("x", "b"), (None, None), (None, "a")]
    ] == [
        0,
        0,
        1,
        1,
        0,
    ]
    given = ToolCallSlots()
    assert [given.slot(i, d) for i, d in [(3, "a"), (None, None), (None, "b"), (True, None)]] == [3, 3, 4, 4]
    assert [choice_index(v) for v in (2, [0], None, True, "1")] == [2, 0, 0, 0, 0]
