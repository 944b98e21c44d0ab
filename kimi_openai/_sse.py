"""openai's SSE decoder with a faster line splitter for the usual stream.

openai splits the body into lines in pure Python (a regex match, a buffer copy and a
bytes copy per line on 3.x; repeated concatenation on 2.x), which is a large part of
what a 2000-chunk stream costs beyond raw HTTP. A Moonshot stream is ``data: {...}``
lines ended by ``\\n`` (https://platform.kimi.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api),
so this decoder splits each network chunk with ``bytes.split`` and appends ``data:``
values itself. Every other line goes through openai's own :meth:`SSEDecoder.decode`,
so events, ids, retries and comments follow openai exactly; a body that uses ``\\r``
line ends is handed to openai's decoder from that point on.

A Kimi stream asks its own decoder for ``texts``: an event that is only data (no ``event``,
``id`` or ``retry`` field, as every Moonshot chunk is) then comes out as its data string
rather than a ``ServerSentEvent``; the stream reads both. That is one object less per chunk.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Final

from openai._streaming import ServerSentEvent, SSEDecoder
from typing_extensions import override

__all__ = ["KimiSSEDecoder"]

_DATA = b"data: "
_ONE_DATA_EVENT: Final = re.compile(rb"data: [^\n]*\n\n")
"""One data line and the blank line that ends its event (``fullmatch``: nothing before or after)."""


class KimiSSEDecoder(SSEDecoder):
    """An :class:`SSEDecoder` whose byte iteration splits lines at C speed."""

    def __init__(self, *, texts: bool = False) -> None:
        super().__init__()
        self._texts = texts
        """A data-only event comes out as its data ``str`` (for ``KimiStream``, which reads both)."""

    def _feed(self, pending: bytes, chunk: bytes) -> tuple[list[Any], bytes]:
        """The events ``chunk`` completes, and the unfinished line it leaves (one call per network chunk)."""
        lines = (pending + chunk).split(b"\n") if pending else chunk.split(b"\n")
        pending = lines.pop()
        events: list[Any] = []
        for line in lines:
            if line.startswith(_DATA):
                # What decode() does for a "data" field: the value after ": " is appended.
                self._data.append(line[6:].decode("utf-8"))
            elif line or self._event is not None or self._retry is not None or not self._data:
                sse = self.decode(line.decode("utf-8"))
                if sse is not None:
                    events.append(sse)
            else:
                # What decode("") does when only data arrived: the event, and its data reset
                # (the last event id is kept, as the SSE spec says).
                data = "\n".join(self._data)
                self._data = []
                if self._texts and self._last_event_id is None:
                    events.append(data)
                else:
                    events.append(ServerSentEvent(data=data, id=self._last_event_id))
        return events, pending

    def _idle(self) -> bool:
        """No field of an event is pending (nothing a blank line would end but its own data)."""
        return not self._data and self._event is None and self._retry is None and self._last_event_id is None

    @override
    def iter_bytes(self, iterator: Iterator[bytes]) -> Iterator[ServerSentEvent]:
        chunks = iter(iterator)
        pending = b""
        # A network chunk that is exactly one data-only event (how a token-by-token server
        # sends a stream), with nothing pending, is its text: chunk[6:-2], as _feed finds it.
        one_event = _ONE_DATA_EVENT.fullmatch if self._texts else None
        idle = self._idle()
        for chunk in chunks:
            if b"\r" in chunk:
                yield from super().iter_bytes(_chain((pending, chunk), chunks))
                return
            if one_event is not None and idle and not pending and one_event(chunk):
                yield chunk[6:-2].decode("utf-8")  # pyright: ignore[reportReturnType]  # see _texts
                continue
            events, pending = self._feed(pending, chunk)
            idle = self._idle()
            yield from events
        # A last line without its end can set fields but never end an event: nothing to yield.

    @override
    async def aiter_bytes(self, iterator: AsyncIterator[bytes]) -> AsyncIterator[ServerSentEvent]:
        chunks = aiter(iterator)
        pending = b""
        one_event = _ONE_DATA_EVENT.fullmatch if self._texts else None  # as in iter_bytes
        idle = self._idle()
        async for chunk in chunks:
            if b"\r" in chunk:
                async for sse in super().aiter_bytes(_achain((pending, chunk), chunks)):
                    yield sse
                return
            if one_event is not None and idle and not pending and one_event(chunk):
                yield chunk[6:-2].decode("utf-8")  # pyright: ignore[reportReturnType]  # see _texts
                continue
            events, pending = self._feed(pending, chunk)
            idle = self._idle()
            for sse in events:
                yield sse


def _chain(first: Iterable[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from first
    yield from rest


async def _achain(first: Iterable[bytes], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in first:
        yield chunk
    async for chunk in rest:
        yield chunk
