"""Vision with an uploaded image: `files.upload_media` returns an `ms://` part to reuse in chat."""

from __future__ import annotations

from pathlib import Path

from _client import kimi_client

client = kimi_client(__file__)

# Upload once (purpose "image", from the extension), then refer to it in as many requests as
# you like: the request stays small (a request body is at most 100 MB).
part = client.files.upload_media(Path(__file__).with_name("red_square.png"))
print("uploaded:", part)
# upload_media returns an image or a video part; narrowing it types the message for openai.
assert part["type"] == "image_url"
file_id = part["image_url"]["url"].removeprefix("ms://")

try:
    for question in ("What colour is this square?", "Is it a photograph or a drawing?"):
        completion = client.chat.completions.create(
            model="kimi-k2.6",
            messages=[{"role": "user", "content": [part, {"type": "text", "text": question}]}],
        )
        print(f"{question} -> {completion.choices[0].message.content}")
finally:
    # Uploads count against the account's 1,000-file limit: delete what you no longer need.
    client.files.delete(file_id)
    print("deleted", file_id)
