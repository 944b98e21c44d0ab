"""A client-wide prompt_cache_key: every request of a session shares one prefix cache."""

from __future__ import annotations

from _client import kimi_client

# One key per session or task (https://platform.kimi.ai/docs/api/chat), set once on the client;
# a call's own prompt_cache_key would win. Copies keep it: client.copy(prompt_cache_key=...) to change.
client = kimi_client(__file__, prompt_cache_key="support-ticket-4711")

# Only a prefix of more than 256 prompt tokens is cached: put the long, stable part first.
manual = "You answer questions about the Kimi API. Be precise and cite the docs. " * 40
questions = ("What is partial mode?", "How do I stream?", "What is a formula?")

for question in questions:
    answer = client.chat.completions.create(
        model="kimi-k2.6",
        messages=[{"role": "system", "content": manual}, {"role": "user", "content": question}],
        thinking={"type": "disabled"},
    )
    usage = answer.usage
    if usage is not None:
        details = usage.prompt_tokens_details
        cached = details.cached_tokens if details is not None else 0
        print(f"{question:<24} prompt {usage.prompt_tokens:>4} tokens, {cached} from the cache")
