"""A worker of a chat backend's fleet, for the fleet tests: its own process, its own Kimi client.

Started with the ``spawn`` start method (a fresh interpreter, its own hash seed); takes a
conversation's messages from its job queue, sends them, and puts the answer back as a
framework keeps it: without ``reasoning_content``, which only the dispatcher records.
"""

from __future__ import annotations

import dataclasses
from multiprocessing.queues import Queue
from typing import Any

from kimi_openai import KimiOpenAI, KimiValidationError, RedisStore, echo_counts

MODEL = "kimi-k2.6"
TOOLS: Any = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
KEY = "sk-fleet-test-key-0123456789"


def serve(
    jobs: Queue[Any], results: Queue[Any], base_url: str, redis_url: str | None, namespace: str
) -> None:
    """Answer jobs until ``None`` comes, then report this worker's echo counts."""
    store = None if redis_url is None else RedisStore(redis_url, namespace=namespace)
    client = KimiOpenAI(api_key=KEY, base_url=base_url, region="global", max_retries=0, reasoning_store=store)
    while (job := jobs.get()) is not None:
        messages, policy = job
        try:
            answer = client.with_options(reasoning_echo=policy).chat.completions.create(
                model=MODEL, messages=messages, tools=TOOLS
            )
        except KimiValidationError:
            results.put(("refused", None, None))
            continue
        message = answer.choices[0].message
        kept = message.model_dump(exclude_none=True, exclude={"reasoning_content"})
        results.put(("answer", kept, getattr(message, "reasoning_content", None)))
    results.put(("counts", dataclasses.asdict(echo_counts(client)), None))
    client.close()
