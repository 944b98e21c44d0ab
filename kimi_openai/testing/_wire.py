"""Bytes on the wire: JSON and SSE encoding, error bodies, ids.

Error bodies follow moonshot-api.md §7 ([KD-errors]; [KD-chat] ErrorResponse):
``{"error": {"type": ..., "message": ...}}``, without the optional ``code``.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Mapping
from typing import Any, cast

from ._types import EmulatorResponse, JSONObject

JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream"
SSE_DONE = b"data: [DONE]\n\n"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


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


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def load_json(text: str | bytes) -> object:
    """Parse JSON as strictly as the server does; ``ValueError`` (with the reason) when it is not.

    Python accepts ``NaN`` and ``Infinity``, which are not JSON (RFC 8259 §6), and decodes a lone
    ``\\ud800`` escape to a surrogate no answer can be encoded with. ⚠ Go's decoder (the server's
    messages read like Go's) would put U+FFFD in its place; the emulator refuses it instead, so a test
    learns that its text cannot be sent as UTF-8.
    """
    # Bytes are UTF-8 (RFC 8259 §8.1): json.loads would also guess UTF-16 and UTF-32.
    decoded = text.decode("utf-8") if isinstance(text, bytes) else text
    value: object = json.loads(decoded, parse_constant=_refuse_constant)
    if _SURROGATE_ESCAPE.search(decoded) is not None:
        try:
            dumps(value)
        except UnicodeEncodeError:
            raise ValueError("it holds a lone UTF-16 surrogate escape") from None
    return value


def request_object(body: bytes) -> JSONObject:
    """The body of a JSON request as an object, or the 400 the server answers."""
    try:
        parsed = load_json(body)
    except ValueError as exc:
        raise bad_request(
            f"Invalid request: the request body is not valid JSON: {exc}"
        ) from None  # ⚠ wording
    found = as_object(parsed)
    if found is None:
        raise bad_request("Invalid request: the request body must be a JSON object")  # ⚠ wording
    return found


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
