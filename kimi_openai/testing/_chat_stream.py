"""SSE encoding of a chat answer (moonshot-api.md §6, [MS-2026-01 streaming], [KD-chat]).

Order inside one choice: the first chunk carries ``role``; then ``reasoning_content`` deltas,
``content`` deltas, and tool calls (``id`` and ``name`` in the first chunk of each call, then
``arguments`` fragments, all with ``index``); then an empty delta with ``finish_reason``.
The stream ends with ``data: [DONE]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ._chat import Reply, WireToolCall
from ._types import JSONObject, StreamUsagePlacement
from ._wire import SSE_DONE, sse_event

ARGUMENT_FRAGMENT = 12
"""Characters of tool arguments per chunk, small enough that every call spans several chunks."""
_WORDS = re.compile(r"\s*\S+\s*|\s+")


def split_text(text: str) -> list[str]:
    """One piece per word, keeping the spaces, so joining the pieces gives the text back."""
    return _WORDS.findall(text)


def stream_chunks(
    header: JSONObject,
    reply: Reply,
    choices: int,
    placement: StreamUsagePlacement,
    include_usage: bool,
) -> tuple[bytes, ...]:
    """All events of a streamed answer. ``header`` holds ``id, object, created, model``."""
    extra_chunk = placement == "include_usage" and include_usage
    events: list[bytes] = []
    for index in range(choices):
        for delta, finish in _choice_deltas(reply):
            chunk = _chunk(header, index, delta, finish)
            if extra_chunk:
                chunk["usage"] = None
            last_of_choice = finish is not None
            if last_of_choice and placement == "choice":
                chunk["choices"][0]["usage"] = reply.usage
            if last_of_choice and index == choices - 1 and not extra_chunk and placement != "choice":
                chunk["usage"] = reply.usage
            events.append(sse_event(chunk))
    if extra_chunk:
        events.append(sse_event({**header, "choices": [], "usage": reply.usage}))
    events.append(SSE_DONE)
    return tuple(events)


def _chunk(header: JSONObject, index: int, delta: JSONObject, finish: str | None) -> JSONObject:
    return {**header, "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}


def _choice_deltas(reply: Reply) -> Iterator[tuple[JSONObject, str | None]]:
    first_key = "reasoning_content" if reply.reasoning else "content"
    yield {"role": "assistant", first_key: ""}, None
    for piece in split_text(reply.reasoning or ""):
        yield {"reasoning_content": piece}, None
    for piece in split_text(reply.content):
        yield {"content": piece}, None
    for index, call in enumerate(reply.tool_calls):
        yield from _call_deltas(index, call)
    yield {}, reply.finish_reason


def _call_deltas(index: int, call: WireToolCall) -> Iterator[tuple[JSONObject, str | None]]:
    head = {
        "index": index,
        "id": call.id,
        "type": call.type,
        "function": {"name": call.name, "arguments": ""},
    }
    yield {"tool_calls": [head]}, None
    arguments = call.arguments
    for start in range(0, len(arguments), ARGUMENT_FRAGMENT):
        fragment = arguments[start : start + ARGUMENT_FRAGMENT]
        yield {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}, None
