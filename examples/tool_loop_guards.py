"""Loop guards: stop a tool loop that repeats itself or only ever reads."""

from __future__ import annotations

from _client import kimi_client

from kimi_openai import ReadOnlyStreakError, RepeatedToolCallError, ToolLoopError
from kimi_openai.lib import function_tool, run_tools

client = kimi_client(__file__)


@function_tool(read_only=True)  # only reads: counts toward read_only_streak_limit
def search_inbox(query: str) -> list[str]:
    """Search the inbox; returns matching subjects."""
    return []  # nothing matches, so a stubborn model may search again and again


@function_tool  # changes something: resets the read-only streak
def create_task(title: str) -> str:
    """Create a task in the to-do list."""
    return f"created: {title}"


def report(stop: ToolLoopError) -> None:
    """Every guard error carries the transcript so far, ready to resume from with a nudge."""
    print("transcript roles:", [m["role"] for m in stop.messages])
    print(f"after {stop.steps} requests and {stop.total_tokens} tokens")


question = [{"role": "user", "content": "Find the invoice from ACME and make a task to pay it."}]
try:
    result = run_tools(
        client,
        model="kimi-k2.6",
        messages=question,
        tools=[search_inbox, create_task],
        repeated_call_limit=3,  # the same call 3 times in a row: stop
        read_only_streak_limit=6,  # 6 read-only calls without an action: stop
        max_tokens_budget=50_000,  # and never spend more than this
    )
    print("answer:", result.content)
except RepeatedToolCallError as stop:
    print(f"stopped: {stop.tool_name}({stop.arguments}) came {stop.count} times in a row")
    report(stop)
except ReadOnlyStreakError as stop:
    print(f"stopped: {stop.count} read-only calls in a row, the last {stop.tool_name}")
    report(stop)
except ToolLoopError as stop:  # max_steps or the token budget
    print(f"stopped: {stop}")
    report(stop)
