"""Count tokens before sending, and check the account balance."""

from __future__ import annotations

from _client import kimi_client
from openai.types.chat import ChatCompletionMessageParam

client = kimi_client(__file__)

messages: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "You are Kimi."},
    {"role": "user", "content": "Summarise the plot of Hamlet in three sentences."},
]
# The estimate counts the body chat would send (tools, images and thinking included).
estimate = client.tokenizers.estimate_token_count(model="kimi-k2.6", messages=messages)
print("input tokens:", estimate.total_tokens)

balance = client.users.balance()
print(f"available: {balance.available_balance:.2f} {balance.currency}")
print(f"(cash {balance.cash_balance:.2f}, vouchers {balance.voucher_balance:.2f})")
if balance.available_balance <= 0:
    raise SystemExit("The balance is used up: top up at https://platform.moonshot.ai before calling the API.")
