"""Tool calling by hand: declare a tool, run the model's calls, send the results back."""

from __future__ import annotations

import json

from _client import kimi_client
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from kimi_openai import echo_message

client = kimi_client(__file__)

WEATHER_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Today's weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def get_weather(city: str) -> dict[str, object]:
    return {"city": city, "sky": "sunny", "temp_c": 21}


messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "What's the weather in Paris?"}]
reply = client.chat.completions.create(model="kimi-k2.6", messages=messages, tools=[WEATHER_TOOL])
turn = reply.choices[0].message

# Send the assistant turn back as returned: a thinking model's tool-call turn must keep its
# reasoning_content, and echo_message keeps it (with the call ids, verbatim).
messages.append(echo_message(turn))
for call in turn.tool_calls or []:
    if call.type != "function":
        continue
    arguments = json.loads(call.function.arguments)
    print(f"the model calls {call.function.name}({arguments})")
    result = get_weather(**arguments)
    messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})

final = client.chat.completions.create(model="kimi-k2.6", messages=messages, tools=[WEATHER_TOOL])
print("answer:", final.choices[0].message.content)
