"""Moonshot-shaped chunk sequences for the ``.stream()`` tests, generated or written by hand.

A choice streams ``role`` first, then ``reasoning_content``, ``content`` (or a
refusal) and tool calls (head with ``id``/``type``/``name``, then ``arguments``
fragments), then a finish reason; choices interleave, one per chunk, and usage
comes in one of Moonshot's shapes: inside ``choices[0]`` of each choice's last
chunk, top-level on the last chunk, or an ``include_usage`` chunk with no choices
(https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import strategies as st

__all__ = ["ANSWER_JSON", "HEADER", "USAGE", "chunk_sequences", "to_chunks"]

HEADER: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "kimi-k2.6",
}
USAGE: dict[str, Any] = {
    "prompt_tokens": 19,
    "completion_tokens": 13,
    "total_tokens": 32,
    "cached_tokens": 12,
}
ANSWER_JSON = json.dumps({"answer": "four", "steps": [1, 2]})
LOGPROBS = {"content": [{"token": "a", "logprob": -0.5, "bytes": [97], "top_logprobs": []}], "refusal": None}

Draw = st.DrawFn
_TEXT = st.text(alphabet="abc xy", min_size=1, max_size=4)


def _pieces(draw: Draw, text: str) -> list[str]:
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=4)))
    bounds = [0, *[cut for cut in cuts if cut < len(text)], len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _tool_call_deltas(draw: Draw, position: int) -> list[dict[str, Any]]:
    kind = draw(st.sampled_from(["function", "function", "builtin_function"]))
    name = "$web_search" if kind == "builtin_function" else draw(st.sampled_from(["get_weather", "lookup"]))
    arguments = json.dumps({"city": draw(_TEXT)})
    head = {
        "index": position,
        "id": f"call_{position}",
        "type": kind,
        "function": {"name": name, "arguments": ""},
    }
    rest = [{"index": position, "function": {"arguments": piece}} for piece in _pieces(draw, arguments)]
    return [{"tool_calls": [head]}, *({"tool_calls": [fragment]} for fragment in rest)]


def _choice_deltas(draw: Draw, json_answer: bool) -> tuple[list[dict[str, Any]], str]:
    deltas: list[dict[str, Any]] = [
        {"role": "assistant", draw(st.sampled_from(["content", "reasoning_content"])): ""}
    ]
    deltas += [{"reasoning_content": piece} for piece in draw(st.lists(_TEXT, max_size=3))]
    if draw(st.booleans()):
        deltas.append({"refusal": draw(_TEXT)})
    else:
        text = ANSWER_JSON if json_answer else "".join(draw(st.lists(_TEXT, max_size=3)))
        with_logprobs = draw(st.booleans())
        for piece in _pieces(draw, text) if text else []:
            deltas.append({"content": piece, **({"logprobs": LOGPROBS} if with_logprobs else {})})
    calls = draw(st.integers(0, 2))
    for position in range(calls):
        deltas += _tool_call_deltas(draw, position)
    finish = "tool_calls" if calls else draw(st.sampled_from(["stop", "stop", "length"]))
    return deltas, finish


@st.composite
def chunk_sequences(draw: Draw, json_answer: bool = False) -> list[dict[str, Any]]:
    """One streamed answer: 1-3 interleaved choices, usage in one of Moonshot's shapes (or none)."""
    placement = draw(st.sampled_from(["choice", "top", "include_usage", "none"]))
    per_choice = [_choice_deltas(draw, json_answer) for _ in range(draw(st.integers(1, 3)))]
    queues: list[list[tuple[dict[str, Any], str | None]]] = [
        [*[(d, None) for d in deltas], ({}, finish)] for deltas, finish in per_choice
    ]
    started, chunks = 1, list[dict[str, Any]]()
    fingerprint = draw(st.sampled_from([None, "fpv0_1"]))
    while any(queues):
        # A choice appears only after the previous one has: openai's state keys choices by position.
        eligible = [i for i in range(min(started, len(queues))) if queues[i]]
        index = draw(st.sampled_from(eligible))
        started = max(started, index + 2)
        delta, finish = queues[index].pop(0)
        choice: dict[str, Any] = {"index": index, "delta": delta, "finish_reason": finish}
        if finish and placement == "choice":
            choice["usage"] = USAGE
        chunk: dict[str, Any] = {**HEADER, "choices": [choice], "system_fingerprint": fingerprint}
        if placement == "include_usage":
            chunk["usage"] = None
        chunks.append(chunk)
    if placement == "top":
        chunks[-1]["usage"] = USAGE
    if placement == "include_usage":
        chunks.append({**HEADER, "choices": [], "usage": USAGE})
    return chunks


def to_chunks(payloads: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(payload) for payload in payloads]
