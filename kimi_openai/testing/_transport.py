"""In-process transports: the emulator behind ``httpx.Client`` / ``httpx.AsyncClient``.

The HTTP library is whichever the installed openai uses (``kimi_openai._compat``). Streamed
answers are handed over chunk by chunk; a scripted drop raises ``RemoteProtocolError`` with the
message httpx gives for a connection closed mid-body, after the chunks sent before it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

from typing_extensions import override

from kimi_openai._compat import httpx

from ._types import EmulatorResponse

if TYPE_CHECKING:
    from ._emulator import MoonshotEmulator

DROP_MESSAGE = "peer closed connection without sending complete message body (incomplete chunked read)"


def _parts(response: EmulatorResponse, request: httpx.Request) -> Iterator[bytes]:
    yield from response.delivered_parts
    if response.drop_after is not None:
        raise httpx.RemoteProtocolError(DROP_MESSAGE, request=request)


class _SyncParts(httpx.SyncByteStream):
    def __init__(self, response: EmulatorResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    @override
    def __iter__(self) -> Iterator[bytes]:
        yield from _parts(self._response, self._request)


class _AsyncParts(httpx.AsyncByteStream):
    def __init__(self, response: EmulatorResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    @override
    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in _parts(self._response, self._request):
            yield part


def _call(emulator: MoonshotEmulator, request: httpx.Request, body: bytes) -> EmulatorResponse:
    return emulator.handle(request.method, request.url.raw_path.decode("ascii"), dict(request.headers), body)


class EmulatorTransport(httpx.BaseTransport):
    """``httpx.Client(transport=emulator.transport())``: no socket, no thread."""

    def __init__(self, emulator: MoonshotEmulator) -> None:
        self.emulator = emulator

    @override
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = _call(self.emulator, request, request.read())
        return httpx.Response(
            answer.status, headers=dict(answer.headers), stream=_SyncParts(answer, request), request=request
        )


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=emulator.async_transport())``."""

    def __init__(self, emulator: MoonshotEmulator) -> None:
        self.emulator = emulator

    @override
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = _call(self.emulator, request, await request.aread())
        return httpx.Response(
            answer.status, headers=dict(answer.headers), stream=_AsyncParts(answer, request), request=request
        )
