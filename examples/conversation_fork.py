"""`Conversation`: a history that keeps itself, with fork, checkpoint and restore."""

from __future__ import annotations

from _client import kimi_client

from kimi_openai.lib import Conversation

client = kimi_client(__file__)
chat = Conversation(client, model="kimi-k2.6", max_tokens=16_000)

# Each send() adds the question and the answer (with its reasoning) to the history.
chat.send("Let's plan a weekend in Lisbon. Suggest a first stop.")
chat.send("Where should we have lunch after that?")
print("history:", [m["role"] for m in chat.messages])

saved = chat.checkpoint()

# A fork is independent from here on: explore an alternative without touching the original.
what_if = chat.fork()
what_if.send("What if it rains all day?")
print(f"fork: {len(what_if.messages)} messages, original: {len(chat.messages)}")

# Go on, then go back to the checkpoint (tokens already spent stay counted in usage).
chat.send("Add a museum in the afternoon.")
print("before restore:", len(chat.messages), "messages")
chat.restore(saved)
print("after restore: ", len(chat.messages), "messages")

# Streamed turns join the history once the stream has finished.
with chat.stream("Summarise the plan in one line.") as turn:
    for chunk in turn:
        for choice in chunk.choices:
            print(choice.delta.content or "", end="", flush=True)
print()
print("in the history:", chat.messages[-1]["content"])
usage = chat.usage
print(f"usage: {usage.requests} requests, {usage.prompt_tokens + usage.completion_tokens} tokens")
