"""The emulator on a real socket: a threaded ``http.server`` bound to loopback only.

Streamed answers use chunked transfer encoding with a flush per SSE event; a scripted drop
closes the socket without the final empty chunk, which clients see as an incomplete body.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
import threading
from collections.abc import Generator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from typing_extensions import override

from ._emulator import MoonshotEmulator

LOOPBACK_NAMES = frozenset({"localhost"})
IDLE_TIMEOUT = 30.0
"""Seconds a kept-alive connection may idle before its thread lets go."""


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

    def __init__(self, address: tuple[str, int], emulator: MoonshotEmulator) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
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
    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests and the CLI print what matters themselves."""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.server.emulator.handle(self.command, self.path, dict(self.headers.items()), body)
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
    thread = threading.Thread(target=server.serve_forever, name="moonshot-emulator", daemon=True)
    thread.start()
    try:
        yield base_url(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main(argv: list[str] | None = None) -> int:
    """``python -m kimi_openai.testing [--host 127.0.0.1] [--port 8000] [--region global]``."""
    parser = argparse.ArgumentParser(
        prog="python -m kimi_openai.testing", description="Serve the offline Moonshot API."
    )
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port (default 8000)")
    parser.add_argument("--region", choices=("global", "cn"), default="global")
    parser.add_argument(
        "--api-key", action="append", dest="api_keys", help="accept only these keys (repeatable)"
    )
    args = parser.parse_args(argv)
    try:
        check_loopback(args.host)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    emulator = MoonshotEmulator(region=args.region, api_keys=args.api_keys)
    server = _Server((args.host, args.port), emulator)
    print(base_url(server), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
