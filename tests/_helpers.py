"""Small in-process transports for tests that look at what goes on the wire."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kimi_openai._compat import httpx

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-test",
    "object": "chat.completion",
    "created": 1698999496,
    "model": "kimi-k2.6",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 19, "completion_tokens": 21, "total_tokens": 40},
}


def answer_completion_or_stream(request: httpx.Request) -> httpx.Response:
    """A completion, or an SSE stream of one chunk when the request asked to stream."""
    if json.loads(request.content).get("stream"):
        chunk = {**COMPLETION, "object": "chat.completion.chunk"}
        chunk["choices"] = [
            {"index": 0, "delta": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}
        ]
        body = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})
    return httpx.Response(200, json=COMPLETION)


@dataclass
class Recorder:
    """Answers every request with ``respond`` and keeps what it received."""

    respond: Callable[[httpx.Request], httpx.Response] = lambda _r: httpx.Response(200, json=COMPLETION)
    requests: list[httpx.Request] = field(default_factory=lambda: list[httpx.Request]())

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.respond(request)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return self.respond(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.async_handler))

    @property
    def last(self) -> httpx.Request:
        assert self.requests, "no request reached the transport"
        return self.requests[-1]

    def last_json(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.last.content)
        return body
