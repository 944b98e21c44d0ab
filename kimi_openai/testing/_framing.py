"""Reading a request body off the socket: ``Content-Length`` or chunked, as RFC 9112 §6 frames it.

Anything else (a length that is not a number, two lengths that differ, both framings at once, a
chunk that does not parse, a body cut short) is a ``FramingError`` the server answers with a 4xx
and then closes the connection, since where the next request would start is unknown.
"""

from __future__ import annotations

import re
from email.message import Message
from io import BufferedIOBase

MIN_BODY_LIMIT = 128 * 1024 * 1024
"""The largest body read (128 MiB) unless the emulator allows bigger files."""
MAX_LINE = 8192
"""The longest chunk-size or trailer line."""
MAX_TRAILERS = 100
_LENGTH = re.compile(r"[0-9]{1,19}")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")


class FramingError(Exception):
    """The request body cannot be read; ``status`` is the answer (400, 408, 413 or 501)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def content_length(headers: Message) -> int | None:
    """The body length the headers announce; ``None`` for a chunked body."""
    lengths: list[str] = [str(v) for v in headers.get_all("content-length") or []]
    codings = [
        c.strip().lower() for v in headers.get_all("transfer-encoding") or [] for c in str(v).split(",")
    ]
    if codings and lengths:
        # Both framings at once is how requests get smuggled past a proxy (RFC 9112 §6.1).
        raise FramingError(400, "Invalid request: Transfer-Encoding and Content-Length must not both be sent")
    if codings:
        if codings != ["chunked"]:
            raise FramingError(
                501, f"Invalid request: Transfer-Encoding {', '.join(codings)!r} is not supported"
            )
        return None
    # "Content-Length: 42, 42" and repeated equal headers are one length (RFC 9110 §8.6).
    values = {part.strip() for value in lengths for part in value.split(",")}
    if not values:
        return 0
    if len(values) > 1 or not all(_LENGTH.fullmatch(v) for v in values):
        shown = ", ".join(lengths)
        raise FramingError(400, f"Invalid request: Content-Length {shown!r} is not a number of bytes")
    return int(values.pop())


def read_body(rfile: BufferedIOBase, headers: Message, limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes; ``TimeoutError`` when the client stalls."""
    length = content_length(headers)
    if length is None:
        return _read_chunked(rfile, limit)
    _check_size(length, limit)
    return _read_exactly(rfile, length)


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise FramingError(
            413, f"Invalid request: the request body is larger than the emulator reads ({limit} bytes)"
        )


def _read_exactly(rfile: BufferedIOBase, length: int) -> bytes:
    data = rfile.read(length) if length else b""
    if len(data) < length:
        raise FramingError(
            400, f"Invalid request: the request body ended after {len(data)} of {length} bytes"
        )
    return data


def _read_line(rfile: BufferedIOBase, what: str) -> bytes:
    line = rfile.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise FramingError(400, f"Invalid request: a {what} line is longer than {MAX_LINE} bytes")
    if not line.endswith(b"\n"):
        raise FramingError(400, "Invalid request: the chunked request body ended early")
    return line


def _read_chunked(rfile: BufferedIOBase, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_text = _read_line(rfile, "chunk size").split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise FramingError(400, f"Invalid request: {size_text[:40]!r} is not a chunk size")
        size = int(size_text, 16)
        if size == 0:
            break
        total += size
        _check_size(total, limit)
        parts.append(_read_exactly(rfile, size))
        if _read_line(rfile, "chunk end") not in (b"\r\n", b"\n"):
            raise FramingError(400, "Invalid request: a chunk is longer than its size")
    for _ in range(MAX_TRAILERS):
        if _read_line(rfile, "trailer") in (b"\r\n", b"\n"):
            return b"".join(parts)
    raise FramingError(400, f"Invalid request: more than {MAX_TRAILERS} trailer lines")
