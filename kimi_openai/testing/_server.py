"""The emulator on a real socket: a threaded ``http.server`` bound to loopback only.

Streamed answers use chunked transfer encoding with a flush per SSE event; a scripted drop
closes the socket without the final empty chunk, which clients see as an incomplete body.

Whatever arrives gets an HTTP answer in Moonshot's error shape when it is not a request the
emulator can read (a bad request line, oversized headers, a body framed wrongly), and a client
that hangs up is counted (``MoonshotEmulator.hang_ups``), not reported: it is no server error.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import socket
import sys
import threading
import traceback
from collections.abc import Generator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, get_args

from typing_extensions import override

from ._emulator import MoonshotEmulator
from ._framing import MIN_BODY_LIMIT, FramingError, read_body
from ._rate_limits import WINDOW_SECONDS
from ._types import EmulatorResponse, ReasoningReplay, StatelessFields, UnservedAnswer
from ._wire import JSON_TYPE, dumps, error_body, error_response

LOOPBACK_NAMES = frozenset({"localhost"})
IDLE_TIMEOUT = 30.0
"""Seconds a kept-alive connection may idle, or a request body stall, before its thread lets go."""
LISTEN_BACKLOG = 1024
"""Connections the kernel queues before the server accepts them (capped by net.core.somaxconn).

socketserver's default of 5 drops the SYNs of a burst of clients, which then wait a second or more
for their retry: 200 simultaneous requests were not all answered within 15 s.
"""
SHUTDOWN_POLL = 0.05
"""Seconds between the accept loop's checks for shutdown when the server runs in a thread."""
HUNG_UP = (ConnectionError, TimeoutError)
"""A reset, a broken pipe or a stalled peer: the client has gone, there is no one to answer."""


def check_loopback(host: str) -> None:
    """Refuse any address but loopback: the emulator accepts any key and must not be reachable."""
    if host in LOOPBACK_NAMES:
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"the emulator binds only to loopback; {host!r} is not a loopback address") from None
    if not address.is_loopback:
        raise ValueError(f"the emulator binds only to loopback; {host!r} is not a loopback address")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], emulator: MoonshotEmulator) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        self.body_limit = max(MIN_BODY_LIMIT, emulator.config.max_file_bytes + 1024 * 1024)
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    server: _Server  # pyright: ignore[reportIncompatibleVariableOverride]
    _SKIPPED: ClassVar[frozenset[str]] = frozenset({"content-length", "transfer-encoding", "connection"})

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    @override
    def handle(self) -> None:
        try:
            super().handle()
        except HUNG_UP:
            # Reset or gone while its request was read: a closed connection is the whole story.
            self.close_connection = True

    @override
    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests and the CLI print what matters themselves."""

    @override
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, long headers...) in Moonshot's error shape."""
        text = message or self.responses.get(code, ("Error",))[0]
        self._refuse(code, f"{text} ({explain})" if explain else text)

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request that could not be read, then close: the next one cannot be found."""
        # http.server leaves the version at HTTP/0.9 until the request line parsed, and writes no
        # status line for 0.9: a refusal always has one.
        self.request_version = self.protocol_version
        body = dumps(error_body("invalid_request_error", message))
        self.send_response(status)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _answer(self) -> None:
        if self.request_version == "HTTP/0.9":
            self._refuse(400, "Invalid request: HTTP/0.9 is not supported")
            return
        try:
            body = read_body(self.rfile, self.headers, self.server.body_limit)
        except FramingError as exc:
            self._refuse(exc.status, exc.message)
            return
        except TimeoutError:
            self._refuse(408, f"Invalid request: the request body did not arrive within {self.timeout:g} s")
            return
        answer = self._handle(body)
        try:
            self._send(answer)
        except HUNG_UP:
            self.server.emulator.note_hang_up()
            self.close_connection = True

    def _handle(self, body: bytes) -> EmulatorResponse:
        try:
            return self.server.emulator.handle(self.command, self.path, dict(self.headers.items()), body)
        except Exception as exc:
            # A bug of the emulator: show it, and still answer, as a server that fails does.
            traceback.print_exc()
            message = f"the emulator failed: {type(exc).__name__}: {exc}"
            return error_response(500, "server_error", message)

    def _send(self, answer: EmulatorResponse) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            if name.lower() not in self._SKIPPED:
                self.send_header(name, value)
        if answer.is_stream:
            self._send_chunked(answer.delivered_parts, dropped=answer.drop_after is not None)
            return
        if answer.drop_after is not None:
            # Promise the body, send only what was delivered, then hang up.
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(b"".join(answer.delivered_parts))
            self._hang_up()
            return
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def _send_chunked(self, parts: tuple[bytes, ...], *, dropped: bool) -> None:
        if self.request_version != "HTTP/1.1":
            # No chunked encoding before HTTP/1.1: the end of the body is the end of the connection.
            self.send_header("Connection", "close")
            self.end_headers()
            for part in parts:
                self.wfile.write(part)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in parts:
            self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.flush()
        if dropped:
            self._hang_up()
            return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _hang_up(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client left first: the connection is down either way
            self.connection.shutdown(socket.SHUT_RDWR)


def base_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else str(host)
    return f"http://{shown}:{port}/v1"


@contextmanager
def serve(emulator: MoonshotEmulator, host: str = "127.0.0.1", port: int = 0) -> Generator[str]:
    """Run the server in a daemon thread for the ``with`` block; yields the base URL."""
    check_loopback(host)
    server = _Server((host, port), emulator)
    # A short poll interval: leaving the ``with`` block waits for the loop to notice.
    thread = threading.Thread(
        target=server.serve_forever, args=(SHUTDOWN_POLL,), name="moonshot-emulator", daemon=True
    )
    thread.start()
    try:
        yield base_url(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kimi_openai emulator", description="Serve the offline Moonshot API on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port (default 8000)")
    parser.add_argument("--region", choices=("global", "cn"), default="global")
    parser.add_argument(
        "--api-key", action="append", dest="api_keys", help="accept only these keys (repeatable)"
    )
    limits = parser.add_argument_group("enforced rate limit, per API key (off unless --rpm or --tpm)")
    limits.add_argument("--rpm", type=int, help="requests per window to the model endpoints")
    limits.add_argument("--tpm", type=int, help="prompt tokens per window (the emulator's estimate)")
    limits.add_argument(
        "--rate-window", type=float, default=WINDOW_SECONDS, help="window in seconds (default 60)"
    )
    responses = parser.add_argument_group("/v1/responses and endpoints Moonshot does not serve")
    responses.add_argument(
        "--responses-model", action="append", dest="responses_models",
        help="serve only these models on /v1/responses (repeatable; default: every model)",
    )  # fmt: skip
    responses.add_argument("--responses-stateless", choices=get_args(StatelessFields), default="ignore")
    responses.add_argument("--responses-reasoning", choices=get_args(ReasoningReplay), default="optional")
    responses.add_argument("--unserved", choices=get_args(UnservedAnswer), default="not_open")
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m kimi_openai emulator [--port 8000] [--rpm N] [--tpm N] ...`` (``--help`` lists all)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        check_loopback(args.host)
        emulator = MoonshotEmulator(
            region=args.region,
            api_keys=args.api_keys,
            rpm=args.rpm,
            tpm=args.tpm,
            rate_window=args.rate_window,
            responses_models=args.responses_models,
            responses_stateless=args.responses_stateless,
            responses_reasoning=args.responses_reasoning,
            unserved=args.unserved,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    server = _Server((args.host, args.port), emulator)
    print(base_url(server), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
