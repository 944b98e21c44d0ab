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
