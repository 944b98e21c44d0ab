"""The emulator over a real loopback socket, and the CLI's refusal to bind elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import openai
import pytest

from kimi_openai._compat import httpx
from kimi_openai.testing import MoonshotEmulator, TextReply
from kimi_openai.testing._server import check_loopback, main

USER: Any = {"role": "user", "content": "over the wire"}


def test_plain_and_streamed_chat_over_the_socket() -> None:
    emulator = MoonshotEmulator()
    with (
        emulator.serve() as base_url,
        openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0) as client,
    ):
        completion = client.chat.completions.create(model="kimi-k2.6", messages=[USER])
        stream = client.chat.completions.create(model="kimi-k2.6", messages=[USER], stream=True)
        pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]

    assert base_url.startswith("http://127.0.0.1:")
    assert base_url.endswith("/v1")
    assert completion.choices[0].message.content == "You said: over the wire"
    assert "".join(pieces) == "You said: over the wire"
    assert [r.path for r in emulator.requests] == ["/v1/chat/completions"] * 2


def test_sse_is_sent_chunked_and_ends_with_done() -> None:
    emulator = MoonshotEmulator()
    request = {"model": "kimi-k2.6", "thinking": {"type": "disabled"}, "messages": [USER], "stream": True}
    with (
        emulator.serve() as base_url,
        httpx.Client(headers={"Authorization": "Bearer sk-test"}) as http,
        http.stream("POST", f"{base_url}/chat/completions", json=request) as response,
    ):
        raw_chunks = list(response.iter_raw())
        encoding = response.headers["transfer-encoding"]

    assert encoding == "chunked"
    assert len(raw_chunks) > 1
    body = b"".join(raw_chunks).decode()
    assert body.endswith("data: [DONE]\n\n")
    first = json.loads(body.split("\n\n")[0].removeprefix("data: "))
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}


def test_drop_closes_the_connection_mid_stream() -> None:
    emulator = MoonshotEmulator()
    emulator.queue_drop(2, TextReply("alpha beta gamma delta"))
    request = {"model": "kimi-k2.6", "thinking": {"type": "disabled"}, "messages": [USER], "stream": True}
    received: list[bytes] = []
    with (
        emulator.serve() as base_url,
        httpx.Client(headers={"Authorization": "Bearer sk-test"}) as http,
        http.stream("POST", f"{base_url}/chat/completions", json=request) as response,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        received.extend(response.iter_raw())

    assert b"".join(received).count(b"data: ") == 2


def test_errors_and_balance_over_the_socket() -> None:
    emulator = MoonshotEmulator()
    emulator.queue_overloaded(retry_after=0)
    with emulator.serve() as base_url, httpx.Client(headers={"Authorization": "Bearer sk-test"}) as http:
        overloaded = http.post(
            f"{base_url}/chat/completions", json={"model": "kimi-k2.6", "messages": [USER]}
        )
        balance = http.get(f"{base_url}/users/me/balance")

    assert overloaded.status_code == 429
    assert overloaded.headers["retry-after"] == "0"
    assert overloaded.json()["error"]["type"] == "engine_overloaded_error"
    assert balance.json()["data"]["available_balance"] == 49.58894


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])
def test_serve_refuses_anything_but_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="only to loopback"), MoonshotEmulator().serve(host=host):
        pass


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_addresses_are_accepted(host: str) -> None:
    check_loopback(host)


def test_cli_refuses_a_public_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--host", "0.0.0.0", "--port", "0"]) == 2
    assert "only to loopback" in capsys.readouterr().err


def test_cli_help_names_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])

    usage = capsys.readouterr().out
    assert exited.value.code == 0
    assert all(option in usage for option in ("--host", "--port", "--region"))


def test_module_entry_point_serves_and_prints_the_base_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "kimi_openai.testing", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        with httpx.Client(headers={"Authorization": "Bearer sk-test"}) as http:
            models = http.get(f"{base_url}/models").json()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()

    assert base_url.startswith("http://127.0.0.1:")
    assert "kimi-k2.6" in {m["id"] for m in models["data"]}


@pytest.mark.parametrize(("option", "value"), [("stream_usage", "top_level"), ("file_content", "pdf")])
def test_a_misspelt_option_is_refused(option: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{option}='{value}' is not one of"):
        MoonshotEmulator(**{option: value})  # pyright: ignore[reportArgumentType]
