"""The request log is bounded in requests and in body bytes, and a test still reads what it sent."""

from __future__ import annotations

import pytest

from kimi_openai.testing import MoonshotEmulator, RateLimit

AUTH = {"authorization": "Bearer sk-test"}
MIB = 2**20


def send(emulator: MoonshotEmulator, count: int, body: bytes = b"") -> None:
    for index in range(count):
        emulator.handle("POST", f"/v1/nowhere?n={index}", AUTH, body)


def test_the_log_keeps_the_newest_1000_requests_and_counts_them_all() -> None:
    emulator = MoonshotEmulator()

    send(emulator, 1200)

    assert len(emulator.requests) == 1000
    assert emulator.requests[0].query == {"n": "200"}
    assert emulator.requests[-1].query == {"n": "1199"}
    assert emulator.request_count == 1200


def test_five_20_mb_bodies_leave_at_most_32_mib_in_the_log() -> None:
    emulator = MoonshotEmulator()
    body = b""

    for index in range(5):
        body = bytes([index]) * (20 * 10**6)
        emulator.handle("POST", "/v1/files", AUTH, body)

    kept = [request.body for request in emulator.requests]
    assert sum(map(len, kept)) <= 32 * MIB
    assert kept[-1] is body  # what was sent last is there, whole
    assert emulator.request_count == 5


def test_the_bounds_are_settings_and_older_requests_leave_first() -> None:
    emulator = MoonshotEmulator(log_requests=3, log_bytes=10)

    for body in (b"aaaa", b"bbbb", b"cccc"):
        emulator.handle("POST", "/v1/nowhere", AUTH, body)
    by_bytes = [r.body for r in emulator.requests]
    for body in (b"dd", b"e"):
        emulator.handle("POST", "/v1/nowhere", AUTH, body)

    assert by_bytes == [b"bbbb", b"cccc"]  # 12 bytes were too many
    assert [r.body for r in emulator.requests] == [b"cccc", b"dd", b"e"]  # 4 requests were too many


def test_the_newest_request_is_kept_whole_even_beyond_the_byte_bound() -> None:
    emulator = MoonshotEmulator(log_bytes=MIB)
    send(emulator, 3, b"small")

    emulator.handle("POST", "/v1/nowhere", AUTH, b"x" * (2 * MIB))

    assert [len(r.body) for r in emulator.requests] == [2 * MIB]
    send(emulator, 1, b"after")
    assert [r.body for r in emulator.requests] == [b"after"]


def test_clear_requests_empties_the_log_and_resets_the_count() -> None:
    emulator = MoonshotEmulator()
    send(emulator, 4)

    emulator.clear_requests()

    assert emulator.requests == ()
    assert emulator.request_count == 0


def test_rate_limit_headers_count_requests_the_log_let_go() -> None:
    emulator = MoonshotEmulator(rate_limit=RateLimit(limit=100), log_requests=2)
    send(emulator, 9)

    answer = emulator.handle("GET", "/v1/models", AUTH, b"")

    assert answer.headers["X-RateLimit-Remaining"] == "90"


@pytest.mark.parametrize(("requests", "size"), [(0, MIB), (10, -1)])
def test_a_bound_that_keeps_nothing_is_refused(requests: int, size: int) -> None:
    with pytest.raises(ValueError, match="log_requests must be at least 1 and log_bytes at least 0"):
        MoonshotEmulator(log_requests=requests, log_bytes=size)
