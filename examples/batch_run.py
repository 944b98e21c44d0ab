"""Batches: many chat requests in one file, run by Moonshot at batch prices; `run_batch` does it all."""

from __future__ import annotations

from _client import kimi_client
from openai.types import Batch

from kimi_openai.lib import BatchTimeoutError, resume_batch, run_batch

client = kimi_client(__file__)

questions = ["What is 1 + 1?", "Name a prime above 10.", "Spell 'kimi' backwards."]
requests = [
    {"custom_id": f"q{n}", "messages": [{"role": "user", "content": q}]} for n, q in enumerate(questions)
]


def show(batch: Batch) -> None:
    counts = batch.request_counts
    print(f"batch {batch.status}: {counts.completed if counts else 0}/{len(questions)} done")


# Each line is checked as a direct chat call would be, written as JSONL, uploaded with purpose
# "batch" and run; polling starts quickly and slows down to every max_poll_interval seconds.
try:
    result = run_batch(
        client,
        requests,
        model="kimi-k2.6",
        poll_interval=0.1,
        max_poll_interval=60,
        timeout=3600,
        progress=show,
    )
except BatchTimeoutError as waiting:  # the batch keeps running on the server: collect it later
    result = resume_batch(client, waiting.batch.id, progress=show)

for custom_id, completion in result.completions.items():
    print(custom_id, "->", completion.choices[0].message.content)
for custom_id, failure in result.failures.items():
    print(custom_id, "failed:", failure.status_code, failure.message)
print("all succeeded:", result.succeeded)
