"""openai endpoints Moonshot does not serve get Moonshot's answer: 403 "The API you are accessing is not open"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest

from kimi_openai._compat import httpx
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.testing._unserved import UNSERVED_RESOURCES

BASE_URL = "http://emulator.local/v1"
NOT_OPEN = {"type": "permission_denied_error", "message": "The API you are accessing is not open"}

CALLS: dict[str, Callable[[openai.OpenAI], object]] = {
    "embeddings": lambda c: c.embeddings.create(model="kimi-k2.6", input="hello"),
    "moderations": lambda c: c.moderations.create(input="hello"),
    "images": lambda c: c.images.generate(prompt="a cat"),
    "audio speech": lambda c: c.audio.speech.create(model="tts-1", voice="alloy", input="hi"),
    "fine-tuning": lambda c: c.fine_tuning.jobs.list(),
    "vector stores": lambda c: c.vector_stores.create(name="docs"),
    "uploads": lambda c: c.uploads.create(bytes=1, filename="a.txt", mime_type="text/plain", purpose="batch"),
    "conversations": lambda c: c.conversations.create(),
    "containers": lambda c: c.containers.list(),
    "evals": lambda c: c.evals.list(),
    "legacy completions": lambda c: c.completions.create(model="kimi-k2.6", prompt="hi"),
    "stored response": lambda c: c.responses.retrieve("resp_1"),
    "response delete": lambda c: c.responses.delete("resp_1"),
    "response cancel": lambda c: c.responses.cancel("resp_1"),
    "response input items": lambda c: c.responses.input_items.list("resp_1"),
    "response input tokens": lambda c: c.responses.input_tokens.count(model="kimi-k3", input="hi"),
    "stored completion": lambda c: c.chat.completions.retrieve("chatcmpl-1"),
    "stored completion list": lambda c: c.chat.completions.list(),
    "model delete": lambda c: c.models.delete("kimi-k2.6"),
}


@pytest.mark.parametrize("call", list(CALLS.values()), ids=list(CALLS))
def test_an_unserved_endpoint_is_not_open(
    client: openai.OpenAI, call: Callable[[openai.OpenAI], object]
) -> None:
    with pytest.raises(openai.PermissionDeniedError) as refused:
        call(client)

    assert refused.value.status_code == 403
    assert refused.value.body == NOT_OPEN


@pytest.mark.parametrize("resource", UNSERVED_RESOURCES)
def test_every_unserved_resource_is_covered(kimi_emulator: MoonshotEmulator, resource: str) -> None:
    for method, path in (("POST", f"/v1/{resource}"), ("GET", f"/v1/{resource}/x_1/items")):
        answer = kimi_emulator.handle(method, path, {"authorization": "Bearer sk-test"}, b"{}")
        assert (answer.status, answer.json()["error"]) == (403, NOT_OPEN)


def test_unserved_endpoints_can_answer_404() -> None:
    emulator = MoonshotEmulator(unserved="not_found")
    http = httpx.Client(transport=emulator.transport())
    with (
        openai.OpenAI(api_key="sk-test", base_url=BASE_URL, http_client=http, max_retries=0) as client,
        pytest.raises(openai.NotFoundError) as missing,
    ):
        client.embeddings.create(model="kimi-k2.6", input="hello")

    assert missing.value.body == {
        "type": "resource_not_found_error",
        "message": "Not found: POST /v1/embeddings",
    }


def test_served_endpoints_and_unknown_paths_are_unchanged(
    kimi_emulator: MoonshotEmulator, client: openai.OpenAI
) -> None:
    headers = {"authorization": "Bearer sk-test"}
    unknown = kimi_emulator.handle("GET", "/v1/nothing-here", headers, b"")
    chat_get = kimi_emulator.handle("GET", "/v1/chat/completions", headers, b"")

    assert client.models.retrieve("kimi-k2.6").id == "kimi-k2.6"
    assert client.responses.create(model="kimi-k3", input="hi").status == "completed"
    assert (unknown.status, unknown.json()["error"]["type"]) == (404, "resource_not_found_error")
    assert chat_get.status == 403


def test_a_key_is_still_checked_first(kimi_emulator: MoonshotEmulator) -> None:
    answer: Any = kimi_emulator.handle("POST", "/v1/embeddings", {}, b"{}")

    assert answer.status == 401
