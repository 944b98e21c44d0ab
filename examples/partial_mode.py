"""Partial mode: write the start of the answer and let Kimi continue it."""

from __future__ import annotations

from _client import kimi_client

client = kimi_client(__file__)

# Moonshot answers only the continuation; partial() joins it to the prefix for you.
completion = client.chat.completions.partial(
    model="kimi-k2.6",
    messages=[{"role": "user", "content": "Write a Python function that reverses a string."}],
    prefix="def reverse(text: str) -> str:\n",
    thinking={"type": "disabled"},
)
print("prefix:      ", repr(completion.prefix))
print("continuation:", repr(completion.continuation))
print("joined:      ", repr(completion.choices[0].message.content))

# Role-play, streamed: `name` keeps the character in voice; the chunks carry the
# continuation, and `stream.text` is the prefix plus what has arrived so far.
with client.chat.completions.partial(
    model="kimi-k2.6",
    messages=[
        {"role": "system", "content": "You are Kelsier from Mistborn. Stay in character."},
        {"role": "user", "content": "What do you think of the Lord Ruler?"},
    ],
    prefix="*smirks* ",
    name="Kelsier",
    thinking={"type": "disabled"},
    stream=True,
) as stream:
    for chunk in stream:
        for choice in chunk.choices:
            print(choice.delta.content or "", end="", flush=True)
print()
print("Kelsier:", stream.text)
