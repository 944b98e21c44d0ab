"""The request log: the latest requests the emulator received, bounded in count and in body bytes.

An emulator that serves a long test session (or ``python -m kimi_openai emulator`` left running)
must not keep every upload in memory, while a test still needs to read what it just sent.
"""

from __future__ import annotations

import threading
from collections import deque

from ._types import RecordedRequest

LOG_REQUESTS = 1000
"""Requests kept by default, newest last."""
LOG_BYTES = 32 * 1024 * 1024
"""Body bytes kept by default (32 MiB); the newest request is kept whole even when larger."""


class RequestLog:
    """The newest ``max_requests`` requests whose bodies add up to at most ``max_bytes``.

    Older requests leave first. The newest request always stays, so ``requests[-1]`` is what was
    sent last whatever its size. ``count`` and ``hang_ups`` count everything since ``clear()``.
    """

    def __init__(self, max_requests: int = LOG_REQUESTS, max_bytes: int = LOG_BYTES) -> None:
        if max_requests < 1 or max_bytes < 0:
            raise ValueError(
                f"log_requests must be at least 1 and log_bytes at least 0, got {max_requests} and {max_bytes}"
            )
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self._entries: deque[RecordedRequest] = deque()
        self._bytes = 0
        self._count = 0
        self._hang_ups = 0
        self._lock = threading.Lock()

    def append(self, request: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(request)
            self._bytes += len(request.body)
            self._count += 1
            while len(self._entries) > 1 and (
                len(self._entries) > self.max_requests or self._bytes > self.max_bytes
            ):
                self._bytes -= len(self._entries.popleft().body)

    def note_hang_up(self) -> None:
        with self._lock:
            self._hang_ups += 1

    def entries(self) -> tuple[RecordedRequest, ...]:
        with self._lock:
            return tuple(self._entries)

    @property
    def count(self) -> int:
        """Requests received since the last ``clear()``, kept or not."""
        return self._count

    @property
    def kept_bytes(self) -> int:
        """Body bytes of the requests kept."""
        return self._bytes

    @property
    def hang_ups(self) -> int:
        return self._hang_ups

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = self._count = self._hang_ups = 0
