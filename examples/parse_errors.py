"""Structured output that explains itself: why .parse() made no value, and the fix it names."""

from __future__ import annotations

import openai
from _client import kimi_client
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel

from kimi_openai import StructuredOutputEmptyError, StructuredOutputError


class City(BaseModel):
    name: str
    country: str


client = kimi_client(__file__)
messages: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Name the capital of France as JSON with name and country."}
]

# 1. Thinking spends the output limit before the JSON is complete: openai's length error,
#    explained (the reasoning's share, a larger max_tokens or thinking off for this call).
try:
    client.chat.completions.parse(model="kimi-k2.6", messages=messages, response_format=City, max_tokens=64)
except openai.LengthFinishReasonError as error:  # existing except clauses keep working
    reason = error.reason if isinstance(error, StructuredOutputError) else "?"
    print(f"{reason}: {error}")
    answer = client.chat.completions.parse(
        model="kimi-k2.6",
        messages=messages,
        response_format=City,
        max_tokens=64,
        thinking={"type": "disabled"},  # the fix the message names
    )
    print("with thinking off:", answer.choices[0].message.parsed)

# 2. No content at all (the answer stayed in the reasoning): an error, not parsed=None.
try:
    client.chat.completions.parse(model="kimi-k2.6", messages=messages, response_format=City)
except StructuredOutputEmptyError as error:
    print(f"{error.reason}: {error}")
