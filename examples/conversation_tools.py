"""`Conversation` with Python functions as tools: each send() runs the tool loop."""

from __future__ import annotations

from _client import kimi_client

from kimi_openai.lib import Conversation

client = kimi_client(__file__)


def get_weather(city: str) -> dict[str, object]:
    """Today's weather in a city."""
    return {"city": city, "sky": "sunny", "temp_c": {"Paris": 21, "Lima": 17}.get(city, 19)}


chat = Conversation(
    client,
    model="kimi-k2.6",
    system="You are a terse travel assistant.",
    tools=[get_weather],  # plain functions: the conversation runs them
    repeated_call_limit=3,  # the loop guards of run_tools, for every turn
    max_steps=5,
)
reply = chat.send("What is the weather in Paris?")
print("answer:", reply.choices[0].message.content)
if chat.last_run is not None:
    for record in chat.last_run.tool_calls:
        print(f"ran {record.name}({record.arguments}) -> {record.content}")

reply = chat.send("And in Lima?")  # the history goes along, tool turns included
print("answer:", reply.choices[0].message.content)
print("history:", [m["role"] for m in chat.messages])

usage = chat.usage
print(f"usage: {usage.requests} requests, {usage.total_tokens} tokens, {usage.cached_tokens} cached")
cost = usage.cost()  # list price in the currency of the client's platform
print(f"cost: {cost:.6f} {usage.currency}" if cost is not None else "cost: no list price known")

try:
    Conversation(client, model="kimi-k2.6", sytem="typo")  # refused here, not at the first send
except TypeError as error:
    print("refused:", str(error).split(":")[0])
