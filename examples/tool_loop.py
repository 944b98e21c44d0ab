"""`run_tools`: the tool loop done for you, from plain Python functions."""

from __future__ import annotations

from typing import Annotated

from _client import kimi_client

from kimi_openai.lib import run_tools

client = kimi_client(__file__)


def get_weather(city: Annotated[str, "The city, in English."], unit: str = "c") -> dict[str, object]:
    """Today's weather in a city."""
    temperatures = {"Paris": 21, "Beijing": 26}
    return {"city": city, "temperature": temperatures.get(city, 18), "unit": unit}


# The schema comes from the signature and the docstring; the model's arguments are checked
# before the call. Each assistant turn goes back with its reasoning, each call gets its result.
result = run_tools(
    client,
    model="kimi-k2.6",
    messages=[{"role": "user", "content": "Is it warmer in Paris or in Beijing today?"}],
    tools=[get_weather],
    max_steps=5,  # at most five chat requests
)
for record in result.tool_calls:
    print(f"step {record.step}: {record.name}({record.arguments}) -> {record.content}")
print("answer:", result.content)
print(f"{result.steps} requests, {result.total_tokens} tokens")
