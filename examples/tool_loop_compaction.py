"""Transcript compaction: send less on each turn of a long tool loop, keep the whole transcript."""

from __future__ import annotations

from typing import Any

from _client import kimi_client

from kimi_openai.lib import elide_old_tool_results, run_tools

client = kimi_client(__file__)
sent_sizes: list[int] = []


def read_chapter(number: int) -> str:
    """The text of one chapter of the manual."""
    return f"Chapter {number}. " + "The kettle must be descaled monthly. " * 80


elide = elide_old_tool_results(keep_turns=1)  # only the newest turn's results go out whole


def compact(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Elide old results, and note how many characters each request carries."""
    compacted = elide(messages)
    sent_sizes.append(sum(len(str(m.get("content") or "")) for m in compacted))
    return compacted


result = run_tools(
    client,
    model="kimi-k2.6",
    messages=[
        {"role": "user", "content": "Read chapters 1 to 3 of the manual, one at a time, then summarise."}
    ],
    tools=[read_chapter],
    compact=compact,  # checked before each request: an invalid list is never sent
)
print("answer:", result.content)
print("characters sent per request:", sent_sizes)
kept = sum(len(str(m.get("content") or "")) for m in result.messages)
print(f"characters in the returned transcript: {kept} (nothing elided there)")
