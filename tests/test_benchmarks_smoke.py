"""The benchmark server and runner work end to end (one repetition; nothing is timed or asserted on speed)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from pathlib import Path

from benchmarks.payloads import HISTORY_LENGTHS, STREAM_CHUNKS, history_request
from benchmarks.run import bytecode_env
from benchmarks.server import serve
from kimi_openai._compat import httpx
from kimi_openai._rules.chat import prepare_chat_request


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


def test_history_bodies_are_tool_using_thinking_conversations() -> None:
    for length in HISTORY_LENGTHS:
        messages = history_request(length)["messages"]
        assert len(messages) == length
        assert messages[-1]["role"] in ("user", "tool")
        assistants = [m for m in messages if m["role"] == "assistant"]
        assert assistants
        assert all(m["reasoning_content"] for m in assistants)
        assert any(m.get("tool_calls") for m in assistants)
        # Each tool result answers the call of the assistant turn just before it.
        for before, message in itertools.pairwise(messages):
            if message["role"] == "tool":
                assert message["tool_call_id"] == before["tool_calls"][0]["id"]
        prepare_chat_request(history_request(length))  # a request the Kimi checks accept


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
    assert "| Kimi create(stream=True) | " in table
    assert "| Kimi .stream() | " in table
    for length in ("10", "100", "1,000"):
        for mode, kimi in (("sync", "KimiOpenAI"), ("async", "AsyncKimiOpenAI")):
            assert f"| create() with {length} messages of history, {mode} | {kimi} | " in table
        assert f"| Kimi request hooks, {length}-message history " in table
    assert "kimi_openai beyond openai" in table
    medians = [
        float(row.split("|")[3].split()[0])
        for row in table.splitlines()
        if row.endswith(("|", "✅ |", "❌ |")) and " ms |" in row
    ]
    assert medians
    assert all(median > 0 for median in medians)
    assert "echo-store memory, 20,000 turns" in table


def test_the_import_rows_time_both_packages_from_compiled_bytecode() -> None:
    """An installed package imports from bytecode; the import rows must not time compiling our sources."""
    probe = (
        "import os, sys, openai, kimi_openai; "
        "print(all(os.path.exists(m.__cached__) for m in (openai, kimi_openai, sys.modules['kimi_openai._client'])))"
    )
    with bytecode_env([sys.executable, "-c", "import openai, kimi_openai"]) as env:
        assert "PYTHONDONTWRITEBYTECODE" not in env
        out = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
    assert out.stdout.strip() == "True"
