"""`continue_after_length`: finish an answer that `max_tokens` cut off."""

from __future__ import annotations

from _client import kimi_client
from openai.types.chat import ChatCompletionMessageParam

from kimi_openai import ContinuationLimitError
from kimi_openai.lib import continue_after_length

client = kimi_client(__file__)
messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Write a haiku about tea."}]

# A deliberately small limit: the answer stops with finish_reason "length".
first = client.chat.completions.create(
    model="kimi-k2.6", messages=messages, max_tokens=10, thinking={"type": "disabled"}
)
print("first part:", repr(first.choices[0].message.content), first.choices[0].finish_reason)

# Each continuation sends the text so far as a partial assistant message (prefill), until
# the answer ends for another reason; at most max_continuations requests.
try:
    text = continue_after_length(
        client, first, messages, max_tokens=10, thinking={"type": "disabled"}, max_continuations=8
    )
except ContinuationLimitError as stopped:
    text = stopped.text  # still cut off: everything written so far is kept
print("whole answer:", text)
