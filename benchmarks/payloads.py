"""The fixed responses the benchmark server sends, shaped like Moonshot's.

Shapes: https://platform.kimi.ai/docs/api/chat (completion, top-level
``usage.cached_tokens``); a thinking stream sends ``reasoning_content`` deltas
before ``content`` (https://platform.kimi.ai/docs/guide/use-thinking-models) and,
by default, the usage inside ``choices[0]`` of the last chunk
(https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["COMPLETION_BODY", "REQUEST_BODY", "STREAM_CHUNKS", "stream_events"]

MODEL = "kimi-k2.6"
REASONING_DELTAS = 1000
CONTENT_DELTAS = 1000

USAGE = {
    "prompt_tokens": 1336,
    "completion_tokens": REASONING_DELTAS + CONTENT_DELTAS,
    "total_tokens": 1336 + REASONING_DELTAS + CONTENT_DELTAS,
    "cached_tokens": 1280,
    "prompt_tokens_details": {"cached_tokens": 1280},
}

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "created": 1767225600,
    "model": MODEL,
    "system_fingerprint": "fpv0_bench",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Quicksort picks a pivot and partitions the list around it. " * 8,
                "reasoning_content": "The user wants an explanation of quicksort. " * 8,
            },
            "finish_reason": "stop",
        }
    ],
    "usage": {**USAGE, "completion_tokens": 180, "total_tokens": 1516},
}
COMPLETION_BODY = json.dumps(COMPLETION).encode()

REQUEST_BODY: dict[str, Any] = {
    "model": MODEL,
    "messages": [
        {"role": "system", "content": "You are Kimi, a helpful assistant."},
        {"role": "user", "content": "Explain quicksort in two paragraphs."},
    ],
    "max_tokens": 32768,
}


def _chunk(delta: dict[str, Any], **choice: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": MODEL,
        "system_fingerprint": "fpv0_bench",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None, **choice}],
    }


def _stream_chunks() -> list[dict[str, Any]]:
    chunks = [_chunk({"role": "assistant", "reasoning_content": "Let"})]
    chunks += [_chunk({"reasoning_content": f" step{i}"}) for i in range(1, REASONING_DELTAS)]
    chunks += [_chunk({"content": f" word{i}"}) for i in range(CONTENT_DELTAS)]
    last = chunks[-1]["choices"][0]
    last["finish_reason"] = "stop"
    last["usage"] = USAGE
    return chunks


STREAM_CHUNKS = _stream_chunks()
"""2000 chunks: 1000 reasoning deltas, then 1000 content deltas; usage in ``choices[0]`` of the last."""


def stream_events() -> list[bytes]:
    """Each SSE event as bytes, ``[DONE]`` last."""
    return [f"data: {json.dumps(c)}\n\n".encode() for c in STREAM_CHUNKS] + [b"data: [DONE]\n\n"]


HISTORY_LENGTHS = (10, 100, 1000)
"""Messages of history in the per-request rows that grow the conversation."""

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Beijing"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}


def _history_turn(turn: int) -> list[dict[str, Any]]:
    """One answered question of a thinking tool loop: user, assistant calling a tool, the result, the answer.

    The assistant turns keep their ``reasoning_content``, as a thinking model's tool loop must
    send them back (https://platform.kimi.ai/docs/guide/use-thinking-models).
    """
    call_id = f"get_weather:{turn}"
    city = ("Beijing", "Shanghai", "Hangzhou", "Shenzhen")[turn % 4]
    weather = {"city": city, "temperature": 18 + turn % 9, "wind_kmh": 12, "rain": False}
    answer = f"It is {weather['temperature']} °C in {city} with light wind and no rain: a good day to cycle. "
    return [
        {"role": "user", "content": f"Question {turn}: what is the weather in {city}, and should I cycle?"},
        {
            "role": "assistant",
            "content": None,
            "reasoning_content": f"Turn {turn}. The user asks about {city}; I need the weather tool. " * 3,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": json.dumps({"city": city})},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": call_id,
            "content": json.dumps(weather),
        },
        {
            "role": "assistant",
            "content": answer * 2,
            "reasoning_content": f"Turn {turn}. The tool says mild and dry; answer with the numbers. " * 3,
        },
    ]


def history_request(length: int) -> dict[str, Any]:
    """``REQUEST_BODY`` grown to ``length`` messages of a tool-using thinking conversation.

    System prompt, then answered turns (:func:`_history_turn`); the last message is a user
    question or a tool result, never an assistant turn, so the request asks for an answer.
    """
    messages: list[dict[str, Any]] = [REQUEST_BODY["messages"][0]]
    turn = 0
    while len(messages) < length:
        messages += _history_turn(turn)
        turn += 1
    messages = messages[:length]
    if messages[-1]["role"] == "assistant":
        messages[-1] = {"role": "user", "content": "And tomorrow?"}
    return {**REQUEST_BODY, "messages": messages, "tools": [WEATHER_TOOL]}
