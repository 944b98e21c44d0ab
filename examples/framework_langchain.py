"""langchain-openai: `ChatOpenAI` on the Kimi clients (pip install langchain-openai)."""

from __future__ import annotations

from typing import cast

from _client import async_kimi_client, kimi_client
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

kimi = kimi_client(__file__)  # live: KimiOpenAI()
async_kimi = async_kimi_client(__file__)  # live: AsyncKimiOpenAI()

# Give ChatOpenAI all four: for a side left out it builds a plain openai client aimed at
# OpenAI, with OPENAI_API_KEY.
llm = ChatOpenAI(
    model="kimi-k2.6",
    client=kimi.chat.completions,
    root_client=kimi,
    async_client=async_kimi.chat.completions,
    root_async_client=async_kimi,
    stream_usage=True,
)


class City(BaseModel):
    name: str
    country: str


# Structured output (json_schema, through chat.completions.parse). langchain's signature
# leaves the schema's type parameter unknown to pyright.
structured = cast("Runnable[str, City]", llm.with_structured_output(City))  # pyright: ignore[reportUnknownMemberType]
city = structured.invoke("Which city is the capital of France?")
print("structured:", city)

# Streaming, with the usage (prompt-cache hits included) at the end.
answer: AIMessage | None = None
for chunk in llm.stream("Say hello in French."):
    print(chunk.content, end="", flush=True)
    answer = chunk if answer is None else answer + chunk
print()
if answer is not None and answer.usage_metadata is not None:
    usage = answer.usage_metadata
    cached = usage.get("input_token_details", {}).get("cache_read", 0)
    print(f"usage: {usage['input_tokens']} in ({cached} cached), {usage['output_tokens']} out")
