"""Structured output: a JSON schema by hand, then a pydantic model with `.parse()`."""

from __future__ import annotations

import json

from _client import kimi_client
from pydantic import BaseModel

client = kimi_client(__file__)
question = "Which city is the capital of France?"


class City(BaseModel):
    name: str
    country: str


# 1. A JSON schema of your own in response_format: the answer's content is JSON text.
completion = client.chat.completions.create(
    model="kimi-k2.6",
    messages=[{"role": "user", "content": question}],
    response_format={
        "type": "json_schema",
        "json_schema": {"name": "city", "schema": City.model_json_schema(), "strict": True},
    },
)
print("json:", json.loads(completion.choices[0].message.content or "{}"))

# 2. openai's .parse() builds that schema from City and validates the answer into a City;
#    the message also carries the reasoning that led to it.
parsed = client.chat.completions.parse(
    model="kimi-k2.6", messages=[{"role": "user", "content": question}], response_format=City
)
message = parsed.choices[0].message
if message.parsed is None:  # a refusal, or an answer cut off by max_tokens
    raise SystemExit(f"no city: finish_reason={parsed.choices[0].finish_reason}")
print(f"parsed: {message.parsed!r}")
print("reasoning:", message.reasoning_content)
