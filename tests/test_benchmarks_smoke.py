"""The benchmark server and runner work end to end (one repetition; nothing is timed or asserted on speed)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from benchmarks.payloads import STREAM_CHUNKS
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
    # In a fresh interpreter: the runner calls gc.collect() before every measurement, which in
    # the test process would finalise (and report as this test's) objects leaked by earlier tests.
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "-W", "error", "-m", "benchmarks", "--quick"],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=600,
        check=True,
    )
    table = run.stdout
    assert "| Kimi create(stream=True) |" in table
    assert "| Kimi .stream() |" in table
    assert "kimi_openai beyond openai" in table
    medians = [
        float(row.split("|")[3].split()[0])
        for row in table.splitlines()
        if row.endswith(("|", "✅ |", "❌ |")) and " ms |" in row
    ]
    assert medians
    assert all(median > 0 for median in medians)
    assert "echo-store memory, 20,000 turns" in table
