"""Thinking models: read `reasoning_content`, turn thinking off, pick kimi-k3's reasoning effort."""

from __future__ import annotations

from _client import kimi_client

client = kimi_client(__file__)
question = "Is 391 a prime number?"

# kimi-k2.6 thinks by default. Reasoning tokens count toward max_tokens: leave room for them.
completion = client.chat.completions.create(
    model="kimi-k2.6", messages=[{"role": "user", "content": question}], max_tokens=16_000
)
message = completion.choices[0].message
print("k2.6 reasoning:", message.reasoning_content)
print("k2.6 answer:   ", message.content)

# Thinking off for this call: no reasoning, a faster and cheaper answer.
completion = client.chat.completions.create(
    model="kimi-k2.6", messages=[{"role": "user", "content": question}], thinking={"type": "disabled"}
)
print("without thinking, reasoning is", completion.choices[0].message.reasoning_content)

# kimi-k3 always thinks; reasoning_effort says how hard ("low", "high" or "max").
completion = client.chat.completions.create(
    model="kimi-k3", messages=[{"role": "user", "content": question}], reasoning_effort="low"
)
print("k3 (low effort) reasoning:", completion.choices[0].message.reasoning_content)
