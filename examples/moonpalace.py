"""MoonPalace, Moonshot's local debugging proxy: every request recorded, Moonshot's rules kept.

Live: start it first (`moonpalace start`, https://github.com/MoonshotAI/moonpalace); it
forwards to the platform it was started for, so pass that region if it is not the client's.
"""

from __future__ import annotations

import logging

from _client import kimi_client

logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")

client = kimi_client(__file__)
debug = client.with_moonpalace()  # http://127.0.0.1:9988/v1, as a proxy of the client's platform
print("base URL:", debug.base_url)
print("region:", debug.region)  # the rules stay on: bad input is refused before the wire

answer = debug.chat.completions.create(
    model="kimi-k2.6",
    messages=[{"role": "user", "content": "Hello through MoonPalace."}],
    thinking={"type": "disabled"},
)
print("answer:", answer.choices[0].message.content)
print("look it up with: moonpalace list, then moonpalace inspect --chatcmpl", answer.id)

# The same proxy given as a bare base URL: the client cannot know it fronts Moonshot, so it
# logs once (on the "kimi_openai" logger) that the rules are off and how to turn them on.
undeclared = client.copy(base_url="http://127.0.0.1:9988/v1")
for _ in range(2):
    undeclared.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "Hi"}], thinking={"type": "disabled"}
    )
print("region of the undeclared proxy:", undeclared.region)
