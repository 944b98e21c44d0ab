"""Stream resume: a stream that breaks is continued with partial mode, and nothing is lost."""

from __future__ import annotations

from _client import kimi_client

from kimi_openai import StreamInterruptedError
from kimi_openai.lib import stream_with_resume

client = kimi_client(__file__)

# Long answers stream for minutes and connections drop. stream_with_resume sends the text
# received so far back as a partial assistant message; Moonshot continues from there, and the
# chunks of every attempt come out in order, so the joined text is the whole answer.
received: list[str] = []
try:
    for chunk in stream_with_resume(
        client,
        max_resumes=2,  # requests allowed after the first
        model="kimi-k2.6",
        messages=[{"role": "user", "content": "Tell me a short story about a kettle."}],
        thinking={"type": "disabled"},  # resuming needs answer text, not reasoning alone
    ):
        for choice in chunk.choices:
            received.append(choice.delta.content or "")
except StreamInterruptedError as error:
    # Broken too often, or where resuming is unsafe (inside a tool call): everything is kept.
    print(f"gave up ({error.reason}); received so far: {error.partial.content!r}")
    raise SystemExit(1) from error
print("story:", "".join(received))
