"""Basic chat: one question, one answer, and the tokens it used."""

from __future__ import annotations

from _client import kimi_client

client = kimi_client(__file__)  # live: KimiOpenAI(), with MOONSHOT_API_KEY from the environment

completion = client.chat.completions.create(
    model="kimi-k2.6",
    messages=[
        {"role": "system", "content": "You are Kimi, a concise assistant."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
)
print("answer:", completion.choices[0].message.content)
if completion.usage is not None:
    usage = completion.usage
    print(f"tokens: {usage.prompt_tokens} in, {usage.completion_tokens} out (reasoning included)")
