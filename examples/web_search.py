"""`$web_search`: Kimi searches the web itself; `run_web_search` answers its calls for you."""

from __future__ import annotations

from _client import kimi_client

from kimi_openai.lib import run_web_search

client = kimi_client(__file__)

# The loop declares the builtin $web_search tool, sends each search call back as Moonshot
# requires (the assistant turn unchanged, the arguments echoed as the tool result) and stops
# at the answer. More than max_searches searches raise MaxStepsExceededError.
result = run_web_search(
    client,
    model="kimi-k2.6",
    messages=[{"role": "user", "content": "What did Moonshot AI release most recently?"}],
    max_searches=3,
)
print("answer:", result.content)
print(f"searches: {result.searches}, search result tokens: {result.search_tokens}")
print(f"tokens over all requests: {result.total_tokens}")  # search results are billed as input
print("transcript roles:", [message["role"] for message in result.messages])
