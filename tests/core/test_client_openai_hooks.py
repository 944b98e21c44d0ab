"""The private openai hooks this package overrides exist, with the shapes it relies on.

openai is bounded below 4 because of these; this test says at once which hook a
new openai release moved.
"""

from __future__ import annotations

import inspect

import openai
import pytest
from openai.resources.chat import AsyncChat, AsyncCompletions, Chat, Completions

from kimi_openai._compat import HTTP_LIBRARY, OPENAI_VERSION, httpx


def test_the_installed_openai_is_a_supported_line() -> None:
    assert (2, 14) <= OPENAI_VERSION < (4, 0)
    assert ("httpx2" if OPENAI_VERSION >= (3, 0) else "httpx") == HTTP_LIBRARY
    assert httpx.Client is openai.DefaultHttpxClient.__mro__[1]


@pytest.mark.parametrize("client_class", [openai.OpenAI, openai.AsyncOpenAI])
@pytest.mark.parametrize(
    "hook",
    [
        "_make_status_error",
        "_prepare_options",
        "_should_retry",
        "_calculate_retry_timeout",
        "_build_request",
        "_process_response",
        "_process_response_data",
        "_send_request",
        "request",
        "_make_sse_decoder",
    ],
)
def test_client_hooks_exist(client_class: type[openai.OpenAI] | type[openai.AsyncOpenAI], hook: str) -> None:
    assert callable(getattr(client_class, hook))


@pytest.mark.parametrize(
    ("hook", "names"),
    [
        ("_process_response", {"cast_to", "options", "response", "stream", "stream_cls"}),
        ("_process_response_data", {"data", "cast_to", "response"}),
        ("_send_request", {"request", "stream"}),
        ("request", {"cast_to", "options", "stream", "stream_cls"}),
    ],
)
def test_response_and_send_hooks_take_what_the_overrides_pass(hook: str, names: set[str]) -> None:
    for client_class in (openai.OpenAI, openai.AsyncOpenAI):
        assert names <= set(inspect.signature(getattr(client_class, hook)).parameters)


def test_make_status_error_takes_message_body_and_response() -> None:
    params = inspect.signature(openai.OpenAI._make_status_error).parameters  # pyright: ignore[reportPrivateUsage]
    assert {"err_msg", "body", "response"} <= set(params)


@pytest.mark.parametrize(("namespace", "resource"), [(Chat, Completions), (AsyncChat, AsyncCompletions)])
def test_resources_are_cached_properties(namespace: type[object], resource: type[object]) -> None:
    from functools import cached_property

    assert isinstance(inspect.getattr_static(openai.OpenAI, "chat"), cached_property)
    assert isinstance(inspect.getattr_static(namespace, "completions"), cached_property)
    assert {"create", "parse", "stream"} <= set(dir(resource))


@pytest.mark.parametrize(
    "name", ["organization", "project", "webhook_secret", "_custom_headers", "_custom_query"]
)
def test_client_state_the_kimi_client_resets_exists(name: str) -> None:
    client = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1")
    assert hasattr(client, name)
