"""Peak memory of a 100,000-line batch: writing its input, reading its output.

``python -m benchmarks.batch_memory [--lines N]``. Each case runs in a fresh interpreter and
reports how far its peak resident memory (``ru_maxrss``) rose above the same interpreter's
after its imports, so the figures are what the batch itself cost.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

__all__ = ["CASES", "main"]

PAD = "x" * 480
"""Each question's padding: about 590 bytes a line, 59 MB for 100,000 lines."""

SETUP = f"""
import json, resource, sys, tempfile
from kimi_openai._compat import httpx
from kimi_openai import KimiOpenAI
from kimi_openai.lib.batch import batch_lines, collect_batch, parse_batch_output, write_batch_shards
from kimi_openai.lib._batch_files import BatchLines, encode_batch_file
LINES = int(sys.argv[1])
def asks():
    for n in range(LINES):
        yield {{"custom_id": f"q{{n}}", "messages": [{{"role": "user", "content": f"{{n}} {PAD}"}}]}}
ANSWER = {{"id": "c", "object": "chat.completion", "created": 0, "model": "kimi-k2.6", "choices": [
    {{"index": 0, "finish_reason": "stop", "message": {{"role": "assistant", "content": "{PAD}"}}}}]}}
def output_lines():
    for n in range(LINES):
        line = {{"id": f"r{{n}}", "custom_id": f"q{{n}}", "response": {{"status_code": 200, "body": ANSWER}}, "error": None}}
        yield json.dumps(line).encode() + b"\\n"
def streaming_client():
    def handler(request):
        if request.url.path.endswith("/content"):
            return httpx.Response(200, content=output_lines())
        return httpx.Response(200, json={{"id": "b", "object": "batch", "endpoint": "/v1/chat/completions",
            "input_file_id": "f", "completion_window": "24h", "status": "completed", "created_at": 0,
            "output_file_id": "o"}})
    return KimiOpenAI(api_key="sk-bench", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
client = streaming_client()
client.models  # resources built before the baseline
base = rss()
"""

CASES: dict[str, tuple[str, str]] = {
    "input, every line in memory (`batch_lines` + join, the former `run_batch`)": (
        "data = b''.join(json.dumps(l).encode() + b'\\n' for l in batch_lines(asks(), model='kimi-k2.6'))",
        "the prepared lines as dicts, then the file",
    ),
    "input, one file in memory (`run_batch` / `submit_batch`)": (
        "data, ids = encode_batch_file(BatchLines(model='kimi-k2.6'), asks())",
        "encoded line by line, spooled to a temporary file past 8 MB; the ids are held",
    ),
    "input, shards on disk (`write_batch_shards`)": (
        "write_batch_shards(asks(), tempfile.mkdtemp(), model='kimi-k2.6')",
        "one line in memory at a time",
    ),
    "output, whole file parsed (`parse_batch_output`)": (
        "text = b''.join(output_lines()).decode(); done, failed = parse_batch_output(text)",
        "the downloaded text and every completion",
    ),
    "output, streamed (`for custom_id, answer in collect_batch(...)`)": (
        "count = sum(1 for _ in collect_batch(client, 'b'))",
        "parsed as it downloads; each completion dropped after use",
    ),
}


def measure(code: str, lines: int) -> tuple[float, float]:
    """Peak memory growth in MB, and wall time in s, of ``code`` in a fresh interpreter."""
    script = (
        SETUP
        + "import time\nstart = time.perf_counter()\n"
        + code
        + "\nprint(rss() - base, time.perf_counter() - start)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(lines)], capture_output=True, text=True, check=True
    )
    grown, seconds = done.stdout.split()
    return int(grown) / 1e6, float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch_memory")
    parser.add_argument("--lines", type=int, default=100_000)
    lines = parser.parse_args().lines
    started = time.perf_counter()
    print(f"| Batch of {lines:,} lines | Peak memory above baseline | Time | Notes |")
    print("|---|---:|---:|---|")
    for name, (code, note) in CASES.items():
        grown, seconds = measure(code, lines)
        print(f"| {name} | {grown:.0f} MB | {seconds:.1f} s | {note} |")
    print(f"\nwhole run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
