"""The socket server under load and under malformed HTTP: every request gets an answer, and a client
that hangs up costs nothing but a count."""

from __future__ import annotations

import errno
import http.client
import json
import selectors
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kimi_openai.testing import MoonshotEmulator, TextReply

CONNECTIONS = 256
SYN_RETRY = 1.0
"""The initial retransmission timeout (RFC 6298 §2.1): a SYN a full listen queue dropped is resent after it."""
CHAT = {
    "model": "kimi-k2.6",
    "thinking": {"type": "disabled"},
    "messages": [{"role": "user", "content": "hi"}],
}


@pytest.fixture
def served() -> Iterator[tuple[MoonshotEmulator, tuple[str, int]]]:
    emulator = MoonshotEmulator()
    with emulator.serve() as base_url:
        parts = urlsplit(base_url)
        assert parts.hostname is not None
        assert parts.port is not None
        yield emulator, (parts.hostname, parts.port)


def request_bytes(
    body: bytes = json.dumps(CHAT).encode(),
    *,
    headers: str | None = None,
    line: str = "POST /v1/chat/completions HTTP/1.1",
) -> bytes:
    if headers is None:
        headers = f"Content-Length: {len(body)}\r\n"
    head = f"{line}\r\nHost: emulator\r\nAuthorization: Bearer sk-test\r\n{headers}\r\n"
    return head.encode("latin-1") + body


def exchange(
    address: tuple[str, int], raw: bytes, *, half_close: bool = False
) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read one answer; ``half_close`` ends the request stream as a client that is done."""
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def assert_error_shape(body: bytes, status: int, expected_status: int, words: str) -> None:
    assert status == expected_status
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error"
    assert words in error["message"]


# -- load -----------------------------------------------------------------------------------------


def _connect_all(address: tuple[str, int], selector: selectors.BaseSelector) -> list[socket.socket]:
    sockets: list[socket.socket] = []
    for _ in range(CONNECTIONS):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        assert sock.connect_ex(address) in (0, errno.EINPROGRESS, errno.EWOULDBLOCK)
        selector.register(sock, selectors.EVENT_WRITE)
        sockets.append(sock)
    return sockets


def _wait_connected(selector: selectors.BaseSelector, count: int, started: float) -> list[float]:
    """Seconds each connection took to be established; each then sends its request."""
    delays: list[float] = []
    connected: list[socket.socket] = []
    while len(delays) < count and time.monotonic() - started < 30:
        for key, _ in selector.select(timeout=1):
            sock: socket.socket = key.fileobj  # pyright: ignore[reportAssignmentType]
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0, "connection refused"
            delays.append(time.monotonic() - started)
            selector.unregister(sock)
            connected.append(sock)
    for sock in connected:
        sock.sendall(
            request_bytes(headers=f"Content-Length: {len(json.dumps(CHAT))}\r\nConnection: close\r\n")
        )
        selector.register(sock, selectors.EVENT_READ, b"")
    return delays


def _read_all(selector: selectors.BaseSelector, count: int) -> list[bytes]:
    """Every answer, read until the server closes each connection."""
    answers: list[bytes] = []
    deadline = time.monotonic() + 60
    while len(answers) < count and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            sock: socket.socket = key.fileobj  # pyright: ignore[reportAssignmentType]
            chunk = sock.recv(65536)
            if chunk:
                selector.modify(sock, selectors.EVENT_READ, key.data + chunk)
                continue
            answers.append(key.data)
            selector.unregister(sock)
    return answers


def test_256_simultaneous_connections_are_all_accepted_and_answered(
    served: tuple[MoonshotEmulator, tuple[str, int]],
) -> None:
    emulator, address = served
    selector = selectors.DefaultSelector()
    started = time.monotonic()
    sockets = _connect_all(address, selector)
    try:
        delays = _wait_connected(selector, CONNECTIONS, started)
        # None refused, and none waited for a SYN retransmission after a full listen queue dropped it.
        assert len(delays) == CONNECTIONS
        assert max(delays) < SYN_RETRY
        answers = _read_all(selector, CONNECTIONS)
    finally:
        for sock in sockets:
            sock.close()
        selector.close()

    assert len(answers) == CONNECTIONS
    assert all(answer.startswith(b"HTTP/1.1 200 ") for answer in answers)
    assert all(b'"content":"You said: hi"' in answer for answer in answers)
    assert emulator.request_count == CONNECTIONS


# -- malformed HTTP -------------------------------------------------------------------------------

FRAMING: list[tuple[str, str, int, str]] = [
    ("letters", "Content-Length: abc\r\n", 400, "Content-Length 'abc' is not a number of bytes"),
    ("negative", "Content-Length: -1\r\n", 400, "Content-Length '-1' is not a number of bytes"),
    ("signed", "Content-Length: +2\r\n", 400, "is not a number of bytes"),
    ("two values", "Content-Length: 2, 3\r\n", 400, "is not a number of bytes"),
    ("two headers", "Content-Length: 2\r\nContent-Length: 3\r\n", 400, "is not a number of bytes"),
    ("twenty digits", "Content-Length: 10000000000000000000\r\n", 400, "is not a number of bytes"),
    ("too large", "Content-Length: 999999999999\r\n", 413, "larger than the emulator reads"),
    ("both framings", "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", 400, "must not both be sent"),
    ("gzip coding", "Transfer-Encoding: gzip, chunked\r\n", 501, "'gzip, chunked' is not supported"),
]


@pytest.mark.parametrize(
    ("headers", "status", "words"), [case[1:] for case in FRAMING], ids=[c[0] for c in FRAMING]
)
def test_a_body_framed_wrongly_is_refused_in_the_error_shape(
    served: tuple[MoonshotEmulator, tuple[str, int]],
    capfd: pytest.CaptureFixture[str],
    headers: str,
    status: int,
    words: str,
) -> None:
    emulator, address = served

    answer = exchange(address, request_bytes(b"{}", headers=headers))

    assert_error_shape(answer[2], answer[0], status, words)
    assert answer[1]["connection"] == "close"
    assert emulator.request_count == 0  # nothing half-read reaches the emulator
    assert capfd.readouterr().err == ""


CUT_SHORT: list[tuple[str, bytes, str]] = [
    (
        "content-length",
        request_bytes(b'{"model"', headers="Content-Length: 100\r\n"),
        "ended after 8 of 100 bytes",
    ),
    ("chunked", request_bytes(b'8\r\n{"model"\r\n', headers="Transfer-Encoding: chunked\r\n"), "ended early"),
    (
        "bad chunk size",
        request_bytes(b"zz\r\n{}\r\n0\r\n\r\n", headers="Transfer-Encoding: chunked\r\n"),
        "is not a chunk size",
    ),
    (
        "long chunk",
        request_bytes(b"1\r\n{}\r\n0\r\n\r\n", headers="Transfer-Encoding: chunked\r\n"),
        "longer than its size",
    ),
]


@pytest.mark.parametrize(("raw", "words"), [case[1:] for case in CUT_SHORT], ids=[c[0] for c in CUT_SHORT])
def test_a_body_cut_short_is_a_400(
    served: tuple[MoonshotEmulator, tuple[str, int]],
    capfd: pytest.CaptureFixture[str],
    raw: bytes,
    words: str,
) -> None:
    emulator, address = served

    status, _, body = exchange(address, raw, half_close=True)

    assert_error_shape(body, status, 400, words)
    assert emulator.request_count == 0
    assert capfd.readouterr().err == ""


def test_a_body_that_stalls_gets_a_408(
    served: tuple[MoonshotEmulator, tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, address = served
    monkeypatch.setattr("kimi_openai.testing._server._Handler.timeout", 0.2)

    status, _, body = exchange(address, request_bytes(b'{"model"', headers="Content-Length: 100\r\n"))

    assert_error_shape(body, status, 408, "the request body did not arrive within 0.2 s")


HEADER_LINES = "".join(f"X-Header-{i}: {i}\r\n" for i in range(101))
GARBAGE: list[tuple[str, bytes, int, str]] = [
    ("words", b"GARBAGE\r\n\r\n", 400, "Bad request syntax"),
    ("tls hello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400, "Bad request"),
    ("version", request_bytes(line="GET /v1/models HTTP/9.9"), 505, "Invalid HTTP version (9.9)"),
    ("http/0.9", b"GET /v1/models\r\n", 400, "HTTP/0.9 is not supported"),
    ("method", request_bytes(line="BREW /v1/models HTTP/1.1"), 501, "Unsupported method ('BREW')"),
    ("long line", request_bytes(line=f"GET /v1/{'m' * 70_000} HTTP/1.1"), 414, "Request-URI Too Long"),
    ("long header", request_bytes(headers=f"X-Big: {'b' * 70_000}\r\n"), 431, "Line too long"),
    ("many headers", request_bytes(headers=HEADER_LINES), 431, "Too many headers"),
]


@pytest.mark.parametrize(
    ("raw", "status", "words"), [case[1:] for case in GARBAGE], ids=[c[0] for c in GARBAGE]
)
def test_a_request_that_is_not_http_is_refused_in_the_error_shape(
    served: tuple[MoonshotEmulator, tuple[str, int]],
    capfd: pytest.CaptureFixture[str],
    raw: bytes,
    status: int,
    words: str,
) -> None:
    _, address = served

    answer = exchange(address, raw, half_close=True)

    assert_error_shape(answer[2], answer[0], status, words)
    assert answer[1]["content-type"] == "application/json"
    assert capfd.readouterr().err == ""


def test_the_server_keeps_serving_after_every_refusal(
    served: tuple[MoonshotEmulator, tuple[str, int]],
) -> None:
    _, address = served
    for raw in [request_bytes(b"{}", headers="Content-Length: abc\r\n"), b"GARBAGE\r\n\r\n"]:
        exchange(address, raw, half_close=True)

    status, _, body = exchange(address, request_bytes())

    assert status == 200
    assert json.loads(body)["choices"][0]["message"]["content"] == "You said: hi"


def test_a_chunked_request_body_is_read(served: tuple[MoonshotEmulator, tuple[str, int]]) -> None:
    emulator, address = served
    body = json.dumps(CHAT).encode()
    chunked = (
        b"".join(f"{len(p):x};ext=1\r\n".encode() + p + b"\r\n" for p in (body[:10], body[10:]))
        + b"0\r\nX-Trailer: 1\r\n\r\n"
    )

    status, _, answer = exchange(address, request_bytes(chunked, headers="Transfer-Encoding: chunked\r\n"))

    assert status == 200
    assert json.loads(answer)["choices"][0]["message"]["content"] == "You said: hi"
    assert emulator.requests[-1].body == body


def test_repeated_equal_lengths_are_one_length(served: tuple[MoonshotEmulator, tuple[str, int]]) -> None:
    _, address = served
    body = json.dumps(CHAT).encode()

    status, _, _ = exchange(
        address, request_bytes(body, headers=f"Content-Length: {len(body)}, {len(body)}\r\n")
    )

    assert status == 200


def test_an_http_1_0_client_gets_the_stream_without_chunked_encoding(
    served: tuple[MoonshotEmulator, tuple[str, int]],
) -> None:
    _, address = served
    body = json.dumps({**CHAT, "stream": True}).encode()

    status, headers, answer = exchange(
        address, request_bytes(body, line="POST /v1/chat/completions HTTP/1.0")
    )

    assert status == 200
    assert "transfer-encoding" not in headers
    assert answer.endswith(b"data: [DONE]\n\n")


def test_a_bug_in_the_core_is_a_500_in_the_error_shape_with_its_traceback_shown(
    served: tuple[MoonshotEmulator, tuple[str, int]],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator, address = served

    def broken(*args: Any) -> Any:
        raise KeyError("boom")

    monkeypatch.setattr(emulator, "handle", broken)

    status, _, body = exchange(address, request_bytes())

    assert status == 500
    assert json.loads(body)["error"] == {
        "type": "server_error",
        "message": "the emulator failed: KeyError: 'boom'",
    }
    assert "KeyError: 'boom'" in capfd.readouterr().err


# -- hang-ups -------------------------------------------------------------------------------------


def _send_buffer_limit() -> int:
    """The most a TCP send buffer grows to (Linux's net.ipv4.tcp_wmem), else a generous guess."""
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        return 8 * 2**20


LONG = TextReply(" ".join(["x" * 2**20] * (_send_buffer_limit() // 2**20 + 2)))
"""SSE events of 1 MiB, more than the server's send buffer holds, so the server is still writing
when the client goes."""
HANG_UPS = 10


def _read_a_little_and_leave(address: tuple[str, int]) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.settimeout(10)
    sock.connect(address)
    body = json.dumps({**CHAT, "stream": True}).encode()
    sock.sendall(request_bytes(body))
    assert sock.recv(1024).startswith(b"HTTP/1.1 200 ")
    sock.close()


def test_clients_hanging_up_mid_stream_print_nothing_and_are_counted(
    served: tuple[MoonshotEmulator, tuple[str, int]], capfd: pytest.CaptureFixture[str]
) -> None:
    emulator, address = served
    for _ in range(HANG_UPS):
        emulator.queue(LONG)

    for _ in range(HANG_UPS):
        _read_a_little_and_leave(address)
    deadline = time.monotonic() + 30
    while emulator.hang_ups < HANG_UPS and time.monotonic() < deadline:
        time.sleep(0.01)

    assert emulator.hang_ups == HANG_UPS
    assert capfd.readouterr().err == ""
    status, _, _ = exchange(address, request_bytes())
    assert status == 200


def test_a_client_reset_while_sending_its_request_prints_nothing(
    served: tuple[MoonshotEmulator, tuple[str, int]], capfd: pytest.CaptureFixture[str]
) -> None:
    emulator, address = served
    for _ in range(10):
        sock = socket.create_connection(address, timeout=5)
        sock.sendall(request_bytes(b'{"model": "kimi', headers="Content-Length: 1000\r\n"))
        # Linger 0: close with a reset, as a killed client does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()

    status, _, _ = exchange(address, request_bytes())

    assert status == 200
    assert emulator.request_count == 1
    assert capfd.readouterr().err == ""
