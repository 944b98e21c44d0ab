"""Cost: price one answer, use your own or tiered prices, and read a client's running totals."""

from __future__ import annotations

from _client import kimi_client
from openai.types.chat import ChatCompletionMessageParam

from kimi_openai import TieredPrices, TokenPrices, usage_cost

client = kimi_client(__file__)
question: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Name three uses of a kettle."}]

completion = client.chat.completions.create(model="kimi-k2.6", messages=question)
listed = usage_cost(completion)  # list price from the model specs, in USD
print(f"this answer at list price: {listed:.6f} USD" if listed is not None else "no list price known")

# Your own prices per million tokens (a contract, a reseller), flat or tiered by prompt size.
mine = TokenPrices(input=0.60, output=2.50, cached_input=0.15)
tiered = TieredPrices(mine, above={128_000: TokenPrices(input=1.20, output=5.00, cached_input=0.30)})
print(f"at my prices: {usage_cost(completion, prices=mine):.6f}")
print(f"at tiered prices: {usage_cost(completion, prices=tiered):.6f}")

# Every request of the client and of its copies adds to client.usage; streams count at [DONE].
for _ in client.with_options(timeout=30).chat.completions.create(
    model="kimi-k2.6", messages=question, stream=True
):
    pass
totals = client.usage
print(f"client totals: {totals.requests} requests, {totals.total_tokens} tokens")
ratio = totals.cache_hit_ratio
print(
    f"cached: {totals.cached_tokens} tokens ({ratio:.0%} of the prompt)"
    if ratio is not None
    else "cached: none"
)
cost = totals.cost()
print(f"cost so far: {cost:.6f} {totals.currency}" if cost is not None else "cost so far: unknown")
print(f"at my prices: {totals.cost(prices=mine):.6f}")

try:
    usage_cost(completion, prices={"input": 0.6})  # no output price
except ValueError as error:  # KimiValidationError is a ValueError
    print("refused:", error)

totals.reset()
print("after reset:", totals.requests, "requests")
