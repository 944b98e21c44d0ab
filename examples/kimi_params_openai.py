"""A plain `openai.OpenAI` client on Moonshot, with the Kimi fields built by `kimi_params`."""

from __future__ import annotations

from _client import openai_client
from openai.types.chat import ChatCompletionMessageParam

from kimi_openai import KimiValidationError, kimi_params
from kimi_openai.types import reasoning_content_of

# Live: openai.OpenAI(api_key=os.environ["MOONSHOT_API_KEY"], base_url="https://api.moonshot.ai/v1")
client = openai_client(__file__)
messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Write a haiku about tea."}]

# openai has no `thinking` or partial-mode parameters: kimi_params builds them for extra_body,
# checked against the model's rules first.
reply = client.chat.completions.create(
    model="kimi-k2.6",
    messages=messages,
    extra_body=kimi_params(model="kimi-k2.6", thinking="disabled", prompt_cache_key="haiku-1"),
)
print("answer:", reply.choices[0].message.content)
# On openai's types reasoning_content is an untyped extra; reasoning_content_of reads it anyway.
print("reasoning (thinking off):", reasoning_content_of(reply.choices[0].message))

# Partial mode: kimi_params puts the prefix in as the last, partial assistant message.
reply = client.chat.completions.create(
    model="kimi-k2.6",
    messages=messages,
    extra_body=kimi_params(model="kimi-k2.6", messages=messages, partial="Steam", thinking="disabled"),
)
print("continuation of 'Steam':", reply.choices[0].message.content)

try:  # a field the model refuses is caught before any request
    kimi_params(model="kimi-k2.7-code", thinking="disabled")
except KimiValidationError as error:
    print("refused:", str(error).splitlines()[0])
