"""Formulas, Moonshot's official tools: declare them, call one, or let `run_tools` drive them."""

from __future__ import annotations

from _client import kimi_client

from kimi_openai.lib import Formula, run_tools

client = kimi_client(__file__)

# A formula declares ordinary function tools, named by URI.
for tool in client.formulas.tools("moonshot/date:latest"):
    function = tool.get("function", {})
    print("moonshot/date declares:", function.get("name"), "-", function.get("description"))

# Run one directly: a "fiber" with the JSON arguments the model would send.
encoded = client.formulas.call("moonshot/base64:latest", "base64", {"data": "kimi"})
print("base64 of 'kimi':", encoded.output if encoded.succeeded else encoded.error_message)

# Or hand the formula to the tool loop: Moonshot runs the calls, the loop sends the results.
result = run_tools(
    client,
    model="kimi-k2.6",
    messages=[{"role": "user", "content": "What is today's date? Use the date tool."}],
    tools=[Formula("moonshot/date:latest")],
)
for record in result.tool_calls:
    print(f"{record.name}({record.arguments}) -> {record.content}")
print("answer:", result.content)
