"""SSE encoding of a Responses answer: openai's Responses stream events, in Moonshot's order.

[KR] (https://platform.kimi.ai/docs/api/responses, ``ResponsesStreamEvent``): each frame is
``event: <type>`` then ``data: <json>``, and ``sequence_number`` increases monotonically from 0.
No ``data: [DONE]`` line is documented, and openai does not need one.

The order is the one both openai lines' ``responses.stream()`` helpers accept
(research note ``responses-api.md`` §1.4 and §1.5, verified on openai 2.54 and 3.57):

1. ``response.created`` first, then ``response.in_progress``, both with the response
   ``in_progress``, ``output: []`` and ``usage: null``;
2. per item, in output order with ``output_index`` counting from 0 without gaps:
   ``response.output_item.added`` (the item empty, ``in_progress``), its content events, and
   ``response.output_item.done`` with the complete item;
3. a text delta comes after its ``response.content_part.added``; ``function_call_arguments.done``
   carries ``name`` (openai 2.x requires it);
4. ``response.completed`` (or ``response.incomplete``) with the complete ``output`` and ``usage``,
   under the same ``id`` as ``response.created``: openai 2.x builds its final response from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._chat_stream import ARGUMENT_FRAGMENT, split_text
from ._types import JSONObject
from ._wire import dumps

Event = tuple[str, JSONObject]


def sse_frame(kind: str, payload: JSONObject) -> bytes:
    """``event: <type>`` and ``data: <json>``, ended by a blank line [KR]."""
    return b"event: " + kind.encode() + b"\ndata: " + dumps(payload) + b"\n\n"


def stream_events(response: JSONObject) -> tuple[bytes, ...]:
    """Every frame of the stream whose final answer is ``response``."""
    return tuple(
        sse_frame(kind, {"type": kind, "sequence_number": n, **fields})
        for n, (kind, fields) in enumerate(_events(response))
    )


def _events(response: JSONObject) -> Iterator[Event]:
    opening = {**response, "status": "in_progress", "completed_at": None, "incomplete_details": None}
    opening.update(output=[], usage=None)
    yield "response.created", {"response": opening}
    yield "response.in_progress", {"response": opening}
    for index, item in enumerate(response["output"]):
        yield from _item_events(index, item)
    terminal = "response.completed" if response["status"] == "completed" else "response.incomplete"
    yield terminal, {"response": response}


def _item_events(index: int, item: JSONObject) -> Iterator[Event]:
    kind = item["type"]
    yield "response.output_item.added", {"output_index": index, "item": _opened(item)}
    where = {"item_id": item["id"], "output_index": index}
    if kind == "reasoning":
        yield from _reasoning_events(where, item)
    elif kind == "message":
        yield from _message_events(where, item)
    elif kind == "function_call":
        for piece in _fragments(item["arguments"]):
            yield "response.function_call_arguments.delta", {**where, "delta": piece}
        yield (
            "response.function_call_arguments.done",
            {**where, "arguments": item["arguments"], "name": item["name"]},
        )
    elif kind == "custom_tool_call":
        for piece in _fragments(item["input"]):
            yield "response.custom_tool_call_input.delta", {**where, "delta": piece}
        yield "response.custom_tool_call_input.done", {**where, "input": item["input"]}
    elif kind == "web_search_call":
        for stage in ("in_progress", "searching", "completed"):
            yield f"response.web_search_call.{stage}", dict(where)
    yield "response.output_item.done", {"output_index": index, "item": item}


def _opened(item: JSONObject) -> JSONObject:
    """The item as ``output_item.added`` announces it: in progress, with nothing in it yet."""
    empty: dict[str, Any] = {"reasoning": {"summary": []}, "message": {"content": []}}
    empty["function_call"] = {"arguments": ""}
    empty["custom_tool_call"] = {"input": ""}
    opened = {**item, **empty.get(item["type"], {}), "status": "in_progress"}
    opened.pop("results", None)
    return opened


def _reasoning_events(where: JSONObject, item: JSONObject) -> Iterator[Event]:
    for summary_index, part in enumerate(item["summary"]):
        at = {**where, "summary_index": summary_index}
        yield "response.reasoning_summary_part.added", {**at, "part": {"type": "summary_text", "text": ""}}
        for piece in split_text(part["text"]):
            yield "response.reasoning_summary_text.delta", {**at, "delta": piece}
        yield "response.reasoning_summary_text.done", {**at, "text": part["text"]}
        yield "response.reasoning_summary_part.done", {**at, "part": part}


def _message_events(where: JSONObject, item: JSONObject) -> Iterator[Event]:
    for content_index, part in enumerate(item["content"]):
        at = {**where, "content_index": content_index}
        yield "response.content_part.added", {**at, "part": {**part, "text": ""}}
        for piece in split_text(part["text"]):
            yield "response.output_text.delta", {**at, "delta": piece, "logprobs": []}
        yield "response.output_text.done", {**at, "text": part["text"], "logprobs": []}
        yield "response.content_part.done", {**at, "part": part}


def _fragments(text: str) -> list[str]:
    return [text[start : start + ARGUMENT_FRAGMENT] for start in range(0, len(text), ARGUMENT_FRAGMENT)]
