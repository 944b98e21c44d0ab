"""Retries and typed errors: what is retried, what is not, and what each error tells you."""

from __future__ import annotations

import openai
from _client import kimi_client
from openai.types.chat import ChatCompletionMessageParam

from kimi_openai import ExceededCurrentQuotaError, KimiAPIError, KimiValidationError

# Overloads, rate limits, 5xx and dropped connections are retried (honouring Retry-After);
# quota errors, content filter and other 4xx are not.
client = kimi_client(__file__, max_retries=3)
hello: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello"}]

# 1. A request Kimi would refuse is refused before anything is sent, naming the fix.
try:
    client.chat.completions.create(model="kimi-k2.6", messages=hello, temperature=0.3)
except KimiValidationError as error:
    print("refused before sending:", str(error).splitlines()[0])

# 2. with_raw_response shows how many retries a call took.
raw = client.chat.completions.with_raw_response.create(model="kimi-k2.6", messages=hello)
print(f"answer after {raw.retries_taken} retries:", raw.parse().choices[0].message.content)

# 3. Server errors are typed: a Kimi class that is also openai's, so both kinds of except work.
try:
    client.chat.completions.create(model="kimi-k2.6", messages=hello)
except openai.RateLimitError as error:  # code written for openai still catches it
    if isinstance(error, ExceededCurrentQuotaError):  # never retried: waiting does not refill a balance
        print(f"{type(error).__name__}: HTTP {error.status_code} {error.error_type}")
        print("request id for support:", error.request_id)
    else:
        raise
except KimiAPIError as error:  # any other server error, typed by (status, error.type)
    print(f"{type(error).__name__}: {error.message}")
