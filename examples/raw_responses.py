"""Raw responses: headers, request id and rate limits next to the parsed Kimi objects."""

from __future__ import annotations

from _client import kimi_client

from kimi_openai.lib import rate_limit_of
from kimi_openai.types import reasoning_content_of

client = kimi_client(__file__)

# with_raw_response works on every method, as in openai; .parse() returns the Kimi types.
raw = client.chat.completions.with_raw_response.create(
    model="kimi-k2.6", messages=[{"role": "user", "content": "Hello"}]
)
print("HTTP", raw.status_code, "request id:", raw.headers.get("x-request-id"))
limits = rate_limit_of(raw)  # the X-RateLimit-* headers, read leniently
if limits is not None:
    print(f"rate limit: {limits.remaining} of {limits.limit} left, resets in {limits.reset_seconds} s")
completion = raw.parse()  # a KimiChatCompletion
print("answer:", completion.choices[0].message.content)
print("reasoning:", reasoning_content_of(completion.choices[0].message))

# with_streaming_response reads the body only when you ask: here the balance endpoint.
with client.with_streaming_response.users.balance() as response:
    print("balance endpoint:", response.http_request.url.path, "->", response.parse().currency)
