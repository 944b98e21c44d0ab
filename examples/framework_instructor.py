"""instructor: validated pydantic objects from `KimiOpenAI` (pip install instructor; openai 2.x)."""

from __future__ import annotations

import instructor
from _client import kimi_client
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel

kimi = kimi_client(__file__)  # live: KimiOpenAI()


class City(BaseModel):
    name: str
    country: str


question: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Which city is the capital of France?"}
]

# Tools mode forces its tool, which a thinking model refuses: on kimi-k2.6 the client turns
# thinking off for those calls.
tools = instructor.from_openai(kimi, mode=instructor.Mode.TOOLS)
city = tools.chat.completions.create(model="kimi-k2.6", response_model=City, messages=question)
print("tools mode:", city)

# JSON mode keeps thinking on; when validation fails and instructor asks again, the rejected
# answer goes back with its reasoning. On a model that always thinks, use this mode.
json_mode = instructor.from_openai(kimi, mode=instructor.Mode.JSON)
city = json_mode.chat.completions.create(
    model="kimi-k2.6", response_model=City, messages=question, max_retries=2
)
print("json mode: ", city)
