"""Formulas (official tools): ``client.formulas.tools`` / ``.call`` and their response wrappers.

Cassettes: ``cassettes/test_formulas/`` (``pytest --record-mode=rewrite tests/resources/test_formulas.py``).
A failed fiber is recorded too (malformed arguments, which fail without a script); the two
places a failure's message can be in are scripted on the in-process emulator (``queue_fiber_failure``).
"""

from __future__ import annotations

import json

import pytest

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError
from kimi_openai.pytest_plugin import KIMI_BODY_MATCH
from kimi_openai.resources.formulas import formula_path
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.types.formula import FiberResult

DATE = "moonshot/date:latest"
SEARCH = "moonshot/web-search:latest"


# -- cassettes ---------------------------------------------------------------------------------


@pytest.mark.vcr
def test_formula_tools_listing(kimi_client: KimiOpenAI) -> None:
    tools = kimi_client.formulas.tools(SEARCH)
    assert tools
    for tool in tools:
        assert tool["type"] == "function"
        assert tool["function"]["name"]
        assert tool["function"].get("parameters", {}).get("type") == "object"


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_fiber_call_succeeds(kimi_client: KimiOpenAI) -> None:
    name = kimi_client.formulas.tools(DATE)[0]["function"]["name"]
    result = kimi_client.formulas.call(DATE, name, {"format": "%Y"})
    assert isinstance(result, FiberResult)
    assert result.succeeded
    assert result.error_message is None
    assert result.content
    assert result.content in (result.output, result.encrypted_output)


@pytest.mark.vcr(match_on=KIMI_BODY_MATCH)
def test_fiber_call_fails(kimi_client: KimiOpenAI) -> None:
    """Arguments cut off mid-object, as when a model's answer runs out of tokens: the fiber fails."""
    name = kimi_client.formulas.tools(DATE)[0]["function"]["name"]
    result = kimi_client.formulas.call(DATE, name, '{"format": ')
    assert isinstance(result, FiberResult)
    assert not result.succeeded
    assert result.status  # "failed" today; a failure is any status but "succeeded"
    assert result.output is None
    assert result.error_message
    assert "the fiber ended with status" not in result.error_message  # the server said why
    assert result.content == f"Error: {result.error_message}"


# -- the wire, in process ----------------------------------------------------------------------


def test_uri_goes_into_the_path_unencoded(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    raw = kimi_emulator_client.formulas.with_raw_response.tools(SEARCH)
    assert raw.http_request.url.raw_path == b"/v1/formulas/moonshot/web-search:latest/tools"
    assert raw.parse()[0]["function"]["name"] == "web_search"


def test_call_sends_arguments_as_a_json_string(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    kimi_emulator_client.formulas.call("moonshot/base64:latest", "base64", {"data": "héllo"})
    request = kimi_emulator.requests[-1]
    assert (request.method, request.path) == ("POST", "/v1/formulas/moonshot/base64:latest/fibers")
    assert request.json == {"name": "base64", "arguments": '{"data": "héllo"}'}
    model_text = '{"data":"as the model wrote it"}'
    result = kimi_emulator_client.formulas.call("moonshot/base64:latest", "base64", model_text)
    assert kimi_emulator.requests[-1].json == {"name": "base64", "arguments": model_text}
    assert result.output == "YXMgdGhlIG1vZGVsIHdyb3RlIGl0"


def test_encrypted_output_is_the_content(kimi_emulator_client: KimiOpenAI) -> None:
    result = kimi_emulator_client.formulas.call(SEARCH, "web_search", {"query": "kimi"})
    assert result.output is None
    assert (result.encrypted_output or "").startswith("----MOONSHOT ENCRYPTED BEGIN----")
    assert result.content == result.encrypted_output


@pytest.mark.parametrize("in_context", [True, False])
def test_failed_fiber_reads_either_error_place(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI, in_context: bool
) -> None:
    kimi_emulator.queue_fiber_failure("quota exhausted", in_context=in_context)
    result = kimi_emulator_client.formulas.call(DATE, "date", {"format": "%Y"})
    assert not result.succeeded
    assert result.status == "failed"
    assert result.error_message == "quota exhausted"
    assert result.content == "Error: quota exhausted"


def test_error_object_and_unknown_status() -> None:
    assert FiberResult.construct(status="failed", error={"message": "nope"}).error_message == "nope"
    assert (
        FiberResult.construct(status="cancelled").error_message == "the fiber ended with status 'cancelled'"
    )


def test_streaming_response_call(kimi_emulator_client: KimiOpenAI) -> None:
    with kimi_emulator_client.formulas.with_streaming_response.call(
        DATE, "date", {"format": "%Y"}
    ) as response:
        body = json.loads(response.read())
        assert body["status"] == "succeeded"
        assert response.parse().succeeded


def test_bad_uri_is_refused_before_sending(
    kimi_emulator: MoonshotEmulator, kimi_emulator_client: KimiOpenAI
) -> None:
    with pytest.raises(KimiValidationError, match="moonshot/web-search:latest"):
        kimi_emulator_client.formulas.tools("web-search")
    assert kimi_emulator.requests == ()
    assert formula_path("/moonshot/date:latest/", "tools") == "/formulas/moonshot/date:latest/tools"


@pytest.mark.anyio
async def test_async_formulas(
    kimi_emulator: MoonshotEmulator, async_kimi_emulator_client: AsyncKimiOpenAI
) -> None:
    tools = await async_kimi_emulator_client.formulas.tools(DATE)
    assert tools[0]["function"]["name"] == "date"
    kimi_emulator.queue_fiber_failure("busy")
    failed = await async_kimi_emulator_client.formulas.call(DATE, "date", "{}")
    assert failed.error_message == "busy"
    raw = await async_kimi_emulator_client.formulas.with_raw_response.call(DATE, "date", "{}")
    assert raw.parse().succeeded
