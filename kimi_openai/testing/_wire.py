"""Bytes on the wire: JSON and SSE encoding, error bodies, ids.

Error bodies follow moonshot-api.md §7 ([KD-errors]; [KD-chat] ErrorResponse):
``{"error": {"type": ..., "message": ...}}``, without the optional ``code``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping
from typing import Any, cast

from ._types import EmulatorResponse, JSONObject

JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream"
SSE_DONE = b"data: [DONE]\n\n"


class EmulatorError(Exception):
    """Raised by endpoint code; the emulator answers with the documented error body."""

    def __init__(
        self, status: int, type: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.headers: Mapping[str, str] = dict(headers or {})


def bad_request(message: str) -> EmulatorError:
    """A 400 ``invalid_request_error``, the type of every validation failure [KD-errors]."""
    return EmulatorError(400, "invalid_request_error", message)


def not_found(message: str) -> EmulatorError:
    return EmulatorError(404, "resource_not_found_error", message)


def dumps(payload: object) -> bytes:
    # Compact separators and raw UTF-8, as in the SSE lines quoted in moonshot-api.md §6.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(
    payload: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> EmulatorResponse:
    return EmulatorResponse(status, {"content-type": JSON_TYPE, **(headers or {})}, dumps(payload))


def error_body(type: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"type": type, "message": message}}


def error_response(
    status: int, type: str, message: str, headers: Mapping[str, str] | None = None
) -> EmulatorResponse:
    return json_response(error_body(type, message), status, headers)


def sse_event(payload: object) -> bytes:
    """One ``data: {json}`` event followed by the blank line that ends it [MS-2026-01 streaming]."""
    return b"data: " + dumps(payload) + b"\n\n"


def sse_response(events: tuple[bytes, ...], drop_after: int | None = None) -> EmulatorResponse:
    headers = {"content-type": SSE_TYPE, "cache-control": "no-cache"}
    return EmulatorResponse(200, headers, chunks=events, drop_after=drop_after)


class IdFactory:
    """Deterministic ids: a prefix and a per-prefix counter, so recorded answers stay stable."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def next(self, prefix: str, width: int = 20) -> str:
        with self._lock:
            counter = self._counters.setdefault(prefix, itertools.count(1))
            return f"{prefix}{next(counter):0{width}x}"


def as_object(value: object) -> JSONObject | None:
    """``value`` as a JSON object, or ``None``: request bodies are untrusted."""
    return cast("JSONObject", value) if isinstance(value, dict) else None


def as_list(value: object) -> list[Any] | None:
    return cast("list[Any]", value) if isinstance(value, list) else None
