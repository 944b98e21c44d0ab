"""Model ids as constants: KimiModel, built from the spec table's current models."""

from __future__ import annotations

from _client import kimi_client

from kimi_openai import KimiModel, get_model_spec

client = kimi_client(__file__)

# Each constant is the id string itself: it goes wherever a model id goes.
for model in KimiModel:
    spec = get_model_spec(model)
    print(f"KimiModel.{model.name:<32} = {model.value!r:<36} context {spec.context_length}")

answer = client.chat.completions.create(
    model=KimiModel.KIMI_K2_6,
    messages=[{"role": "user", "content": "Say hello."}],
    thinking={"type": "disabled"},
)
print("answer:", answer.choices[0].message.content)
print("sent as:", answer.model)

# A typo fails at once, naming the close ones; any other id still works as a plain string.
try:
    print(KimiModel.KIMI_K2_66)
except AttributeError as error:
    print("typo:", str(error).split(" Current ids")[0])
