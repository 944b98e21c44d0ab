"""Vision: send an image inline, as a base64 data URL (Kimi does not fetch http(s) image URLs)."""

from __future__ import annotations

from pathlib import Path

from _client import kimi_client

from kimi_openai.lib import image_part_from_path

client = kimi_client(__file__)
image = image_part_from_path(Path(__file__).with_name("red_square.png"))
print("sending", image["image_url"]["url"][:40] + "...")

completion = client.chat.completions.create(
    model="kimi-k2.6",  # reads images; a text-only model is refused before anything is sent
    messages=[
        {
            "role": "user",
            "content": [image, {"type": "text", "text": "What colour is this square? One word."}],
        }
    ],
)
print("answer:", completion.choices[0].message.content)
