"""The benchmark server and runner work end to end (one repetition; nothing is timed or asserted on speed)."""

from __future__ import annotations

import json
import threading

from benchmarks.payloads import STREAM_CHUNKS
from benchmarks.run import main
from benchmarks.server import serve
from kimi_openai._compat import httpx


def test_server_serves_completion_and_chunked_stream() -> None:
    server = serve()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/v1"
        with httpx.Client(base_url=base) as client:
            completion = client.post("/chat/completions", json={"model": "kimi-k2.6"}).json()
            assert completion["choices"][0]["message"]["reasoning_content"]
            with client.stream("POST", "/chat/completions", json={"stream": True}) as response:
                assert response.headers["transfer-encoding"] == "chunked"
                lines = [line for line in response.iter_lines() if line.startswith("data: ")]
            assert lines[-1] == "data: [DONE]"
            chunks = [json.loads(line[6:]) for line in lines[:-1]]
            assert chunks == STREAM_CHUNKS
            assert len(chunks) == 2000
            assert chunks[-1]["choices"][0]["usage"]["total_tokens"] > 0
            # Keep-alive: the same connection serves the next request.
            assert client.post("/chat/completions", json={}).status_code == 200
    finally:
        server.shutdown()
        server.server_close()


def test_runner_quick_run_prints_a_table() -> None:
    printed: list[str] = []
    suite = main(["--quick"], out=printed.append)
    table = "\n".join(printed)
    assert "| Kimi create(stream=True) |" in table
    assert "kimi_openai beyond openai" in table
    assert all(row.median_ms > 0 for row in suite.rows)
    assert any("placeholder" in hook.note for hook in suite.hooks) or all(
        hook.cost != "—" for hook in suite.hooks
    )
