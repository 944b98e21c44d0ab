"""openai endpoints Moonshot's platform does not have: refused before sending there, sent as given elsewhere."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import openai
import pytest

from kimi_openai import KimiOpenAI, UnservedEndpointError
from kimi_openai._rules.endpoints import UNSERVED_RESOURCES, unserved_endpoint
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.testing.pytest_plugin import KimiClientFactory

SERVED = ("batches", "chat", "files", "models", "responses")
"""openai resources Moonshot serves (some of their calls are refused: see the path tests)."""
NOT_ENDPOINTS = ("beta", "webhooks", "with_raw_response", "with_streaming_response")
"""Namespaces and local helpers, whose endpoints are classified by path."""
BY_PATH = {"admin": "organization", "skills": None}
"""Resources whose first path segment differs from their name; ``None``: left to Moonshot (its
Managed Agents beta has skills too)."""

CALLS: dict[str, Callable[[Any], object]] = {
    "embeddings": lambda c: c.embeddings.create(model="kimi-k3", input="hi"),
    "images": lambda c: c.images.generate(prompt="a cat"),
    "moderations": lambda c: c.moderations.create(input="hi"),
    "audio": lambda c: c.audio.speech.create(model="tts-1", voice="alloy", input="hi"),
    "fine_tuning": lambda c: c.fine_tuning.jobs.list(),
    "vector_stores": lambda c: c.vector_stores.list(),
    "uploads": lambda c: c.uploads.create(
        bytes=1, filename="a.jsonl", mime_type="text/plain", purpose="batch"
    ),
    "completions": lambda c: c.completions.create(model="kimi-k3", prompt="hi"),
    "conversations": lambda c: c.conversations.create(),
    "evals": lambda c: c.evals.list(),
    "containers": lambda c: c.containers.list(),
    "threads": lambda c: c.post("/threads", body={}, cast_to=object),
    "responses.retrieve": lambda c: c.responses.retrieve("resp_1"),
    "responses.delete": lambda c: c.responses.delete("resp_1"),
    "responses.cancel": lambda c: c.responses.cancel("resp_1"),
    "responses.input_items": lambda c: c.responses.input_items.list("resp_1"),
    "chat.completions.retrieve": lambda c: c.chat.completions.retrieve("chatcmpl_1"),
    "models.delete": lambda c: c.models.delete("ft:kimi"),
}


def test_every_openai_resource_is_classified() -> None:
    # A resource added by a newer openai fails here until someone decides whether Moonshot has it.
    resources = [
        name
        for name in dir(openai.OpenAI)
        if isinstance(getattr(openai.OpenAI, name, None), functools.cached_property)
    ]
    for name in resources:
        first = BY_PATH.get(name, name)
        assert name in SERVED or name in NOT_ENDPOINTS or first is None or first in UNSERVED_RESOURCES, name


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_refused_before_sending_on_moonshot(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator, call: Callable[[Any], object]
) -> None:
    with pytest.raises(UnservedEndpointError, match="Moonshot has no endpoint for") as caught:
        call(kimi_emulator_client)
    assert isinstance(caught.value, openai.NotFoundError)
    assert caught.value.status_code == 404
    assert list(kimi_emulator.requests) == []


def test_embeddings_error_names_the_endpoint_and_the_way_out(kimi_emulator_client: KimiOpenAI) -> None:
    with pytest.raises(UnservedEndpointError) as caught:
        kimi_emulator_client.embeddings.create(model="kimi-k3", input="hi")
    message = str(caught.value)
    assert "embeddings: POST /v1/embeddings was not sent" in message
    assert "self-hosted engine" in message
    assert "model id" not in message
    assert "sk-" not in repr(caught.value.response.request.headers)


def test_embeddings_pass_through_on_a_localhost_engine(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    local = kimi_emulator_client_factory(base_url="http://localhost:8000/v1")
    # The emulator answers as Moonshot would (403 "not open"): the request was sent.
    with pytest.raises(openai.PermissionDeniedError, match="not open"):
        local.embeddings.create(model="kimi-k3", input="hi")
    assert [request.path for request in kimi_emulator.requests] == ["/v1/embeddings"]


def test_kimi_and_unknown_paths_pass() -> None:
    for method, url in (
        ("post", "/chat/completions"),
        ("post", "/responses"),
        ("get", "/models/kimi-k3"),
        ("post", "/tokenizers/estimate-token-count"),
        ("get", "/users/me/balance"),
        ("get", "/agents"),
        ("post", "/anything"),
    ):
        assert unserved_endpoint(method, url) is None, url
    assert unserved_endpoint("get", "/responses/resp_1?include=x") is not None
