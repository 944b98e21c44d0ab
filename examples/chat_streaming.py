"""Streaming: print the answer as it arrives, the reasoning of a thinking model first."""

from __future__ import annotations

from _client import kimi_client
from openai.types.chat import ChatCompletionMessageParam

client = kimi_client(__file__)
question: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Name three prime numbers."}]

# 1. Plain chunks, as with openai: `delta.reasoning_content` is typed on Kimi's chunks.
stream = client.chat.completions.create(model="kimi-k2.6", messages=question, stream=True)
for chunk in stream:
    for choice in chunk.choices:
        print(choice.delta.content or "", end="", flush=True)
print()
print("reasoning received:", stream.received_reasoning())

# 2. openai's `.stream()` helper, with two more events for the reasoning.
with client.chat.completions.stream(model="kimi-k2.6", messages=question) as events:
    for event in events:
        if event.type == "reasoning.delta":
            print(event.delta, end="", flush=True)
        elif event.type == "reasoning.done":
            print("\n--- reasoning done ---")
        elif event.type == "content.delta":
            print(event.delta, end="", flush=True)
    final = events.get_final_completion()
print()
print("finish reason:", final.choices[0].finish_reason)
