"""A local, stdlib-only HTTP/1.1 server with Moonshot-shaped answers, for benchmarks.

Binds 127.0.0.1 only. Keeps connections alive. ``POST .../chat/completions``
answers with the fixed completion, or, when the body asks for ``"stream": true``,
with the fixed 2000-chunk stream as ``text/event-stream`` in chunked transfer
encoding, one HTTP chunk per SSE event (as a token-by-token server sends them).

Run it alone with ``python -m benchmarks.server`` (prints the port); the runner
starts it in a subprocess so it does not share the client's interpreter lock.
"""

from __future__ import annotations

import json
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .payloads import COMPLETION_BODY, stream_events

__all__ = ["BenchmarkServer", "serve"]

_FLUSH_EVERY = 64
"""Events per ``sendall``: the client still parses one HTTP chunk per event; the server spends less CPU."""


def _framed(events: list[bytes]) -> list[bytes]:
    """The chunked-encoding body, pre-built, in groups of ``_FLUSH_EVERY`` events."""
    frames = [b"%x\r\n%s\r\n" % (len(event), event) for event in events]
    groups = [b"".join(frames[i : i + _FLUSH_EVERY]) for i in range(0, len(frames), _FLUSH_EVERY)]
    return [*groups, b"0\r\n\r\n"]


_STREAM_GROUPS = _framed(stream_events())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # delayed ACKs add tens of milliseconds to every small response.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a benchmark prints only its table."""

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b"{}"
        try:
            # Only a body that names the key is parsed: the long-history bodies are large.
            streaming = b'"stream"' in body and bool(json.loads(body).get("stream"))
        except (ValueError, AttributeError):
            streaming = False
        if streaming:
            self._send_stream()
        else:
            self._send_json(COMPLETION_BODY)

    def _send_json(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _send_stream(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        for group in _STREAM_GROUPS:
            self.wfile.write(group)
        self.wfile.flush()


class BenchmarkServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet about clients that close a stream early (the runner probes and closes one)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # pyright: ignore[reportArgumentType]


def serve(port: int = 0) -> BenchmarkServer:
    """A server bound to 127.0.0.1 (``port`` 0 picks a free one); call ``serve_forever()``."""
    return BenchmarkServer(("127.0.0.1", port), _Handler)


def main() -> None:
    server = serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
