"""Prompt caching and cost: cache hits in the usage, and what a conversation cost."""

from __future__ import annotations

from _client import kimi_client

from kimi_openai import get_model_spec
from kimi_openai.lib import Conversation

client = kimi_client(__file__)

# Kimi caches prompt prefixes by itself: a request that starts like an earlier one is billed
# its cached tokens at the cache-hit price. A long, stable system prompt makes a good prefix;
# prompt_cache_key groups requests that share one.
manual = "You answer questions about the Kimi API. " + "Be precise, cite the docs. " * 60
chat = Conversation(
    client,
    model="kimi-k2.6",
    messages=[{"role": "system", "content": manual}],
    prompt_cache_key="api-help",
    thinking={"type": "disabled"},
)

for question in ("What is partial mode?", "And how do I stream?", "What is a formula?"):
    reply = chat.send(question)
    usage = reply.usage
    if usage is not None and usage.prompt_tokens_details is not None:
        # Moonshot reports usage.cached_tokens; the client also fills openai's field.
        cached = usage.prompt_tokens_details.cached_tokens
        print(f"{question:<24} prompt {usage.prompt_tokens:>4} tokens, {cached} from the cache")

total = chat.usage
print(f"{total.requests} requests: {total.prompt_tokens} prompt tokens, {total.cached_tokens} cached")
if total.cache_hit_ratio is not None:
    print(f"cache hit ratio: {total.cache_hit_ratio:.0%}")
price = next(p for p in get_model_spec("kimi-k2.6").prices if p.currency == "USD")
print(f"list prices per million tokens: {price.cache_hit} hit / {price.cache_miss} miss / {price.output} out")
cost = total.cost("USD")
print(f"cost: {cost:.6f} USD" if cost is not None else "cost: no list price known for this model")
