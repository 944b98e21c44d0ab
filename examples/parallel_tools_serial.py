"""Per-tool options: a tool that must run alone waits for the parallel batch of its turn."""

from __future__ import annotations

import asyncio

from _client import async_kimi_client

from kimi_openai.lib import async_run_tools, function_tool

log: list[str] = []


@function_tool(read_only=True)
async def fetch_price(item: str) -> float:
    """The current price of an item, in euros."""
    log.append(f"fetch {item}")
    await asyncio.sleep(0.2)  # a slow price service; fetches overlap
    return {"tea": 4.5, "kettle": 30.0}.get(item, 1.0)


@function_tool(parallel=False)  # writes the order file: never beside another call
def save_order(item: str, quantity: int) -> str:
    """Add an item to the order file."""
    log.append(f"save {item}")
    return f"saved {quantity} x {item}"


print("still a plain function:", save_order("cups", 2))
log.clear()


async def main() -> None:
    client = async_kimi_client(__file__)
    result = await async_run_tools(
        client,
        model="kimi-k2.6",
        messages=[{"role": "user", "content": "Order 2 tea and 1 kettle; tell me the total."}],
        tools=[fetch_price, save_order],
    )
    print("ran in this order:", log)  # fetches first (together), then each save alone
    for record in result.tool_calls:  # results in the order the model made the calls
        print(f"{record.name}({record.arguments}) -> {record.content}")
    print("answer:", result.content)
    await client.close()


asyncio.run(main())
