"""A self-hosted Kimi K2 (vLLM, SGLang): the client parses K2's tool-call markup itself."""

from __future__ import annotations

import json
import os

from _client import engine_client
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from kimi_openai import echo_message

# An engine serving the open weights without its Kimi tool parser, for example
# `vllm serve moonshotai/Kimi-K2-Instruct` with no --tool-call-parser: the calls arrive as
# markup in the text. k2_tool_call_markup=True turns them into tool_calls, streamed or not.
ENGINE_URL = os.environ.get("K2_ENGINE_URL")  # e.g. http://localhost:8000/v1
MODEL = os.environ.get("K2_MODEL", "moonshotai/Kimi-K2-Instruct")
client = engine_client(__file__, ENGINE_URL, k2_tool_call_markup=True, reasoning_echo="off")

tools: list[ChatCompletionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Weather in Beijing?"}]

completion = client.chat.completions.create(model=MODEL, messages=messages, tools=tools)
message = completion.choices[0].message
print("text:", repr(message.content), "finish:", completion.choices[0].finish_reason)
# The ids (functions.NAME:IDX) go back verbatim: K2 calls tools worse once they are rewritten.
messages.append(echo_message(message))
for call in message.tool_calls or []:
    if call.type == "function":
        print(f"call {call.id}: {call.function.name}({call.function.arguments})")
        messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps({"sky": "sunny"})})
answer = client.chat.completions.create(model=MODEL, messages=messages, tools=tools)
print("answer:", answer.choices[0].message.content)

# Streamed: markup split anywhere across chunks is held back until it is complete.
arguments = ""
for chunk in client.chat.completions.create(model=MODEL, messages=messages[:1], tools=tools, stream=True):
    for choice in chunk.choices:
        for part in choice.delta.tool_calls or []:
            if part.function is not None:
                arguments += part.function.arguments or ""
print("streamed call arguments:", json.loads(arguments))
