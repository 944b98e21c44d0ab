"""What the Kimi clients do around each request: validation before the wire, typed errors, retries."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import openai
import pytest
import tenacity
from _helpers import COMPLETION, Recorder
from pydantic import BaseModel

import kimi_openai
from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError, RetryPolicy
from kimi_openai._compat import httpx
from kimi_openai._errors import MalformedResponseError
from kimi_openai._state import kimi_state_of

KEY = "sk-test-hooks-0123456789"
USER: list[Any] = [{"role": "user", "content": "hi"}]


class Answer(BaseModel):
    text: str


def _parsed_completion(_request: httpx.Request) -> httpx.Response:
    body = json.loads(json.dumps(COMPLETION))
    body["choices"][0]["message"]["content"] = '{"text": "ok"}'
    return httpx.Response(200, json=body)


# --- validation happens before any HTTP call, on every path ------------------------------------


def _create(c: KimiOpenAI) -> object:
    return c.chat.completions.create(model="kimi-k2.6", messages=USER, temperature=0.3)


def _create_stream(c: KimiOpenAI) -> object:
    return c.chat.completions.create(model="kimi-k2.6", messages=USER, temperature=0.3, stream=True)


def _raw(c: KimiOpenAI) -> object:
    return c.chat.completions.with_raw_response.create(model="kimi-k2.6", messages=USER, temperature=0.3)


def _parse(c: KimiOpenAI) -> object:
    return c.chat.completions.parse(model="kimi-k2.6", messages=USER, temperature=0.3, response_format=Answer)


def _stream_helper(c: KimiOpenAI) -> object:
    with c.chat.completions.stream(model="kimi-k2.6", messages=USER, temperature=0.3) as stream:
        return stream.get_final_completion()


CALLS: dict[str, Callable[[KimiOpenAI], object]] = {
    "create": _create,
    "stream=True": _create_stream,
    "raw": _raw,
    "parse": _parse,
    "stream()": _stream_helper,
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_fixed_sampling_is_rejected_before_the_wire(call: Callable[[KimiOpenAI], object]) -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client())
    with pytest.raises(KimiValidationError, match=r"temperature.*kimi-k2\.6") as info:
        call(client)
    assert isinstance(info.value, ValueError)
    assert recorder.requests == []


async def _async_call(client: AsyncKimiOpenAI, path: str) -> object:
    completions = client.chat.completions
    bad: dict[str, object] = {"thinking": True}
    if path == "create":
        return await completions.create(model="kimi-k2.6", messages=USER, extra_body=bad)
    if path == "raw":
        return await completions.with_raw_response.create(model="kimi-k2.6", messages=USER, extra_body=bad)
    return await completions.parse(model="kimi-k2.6", messages=USER, response_format=Answer, extra_body=bad)


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["create", "raw", "parse"])
async def test_async_validation_happens_before_the_wire(path: str) -> None:
    recorder = Recorder()
    client = AsyncKimiOpenAI(api_key=KEY, http_client=recorder.async_client())
    with pytest.raises(KimiValidationError, match="thinking"):
        await _async_call(client, path)
    assert recorder.requests == []


def test_validation_can_be_turned_off_per_client_and_per_call() -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client())
    client.with_options(validation=False).chat.completions.create(
        model="kimi-k2.6", messages=USER, temperature=0.3
    )
    assert recorder.last_json()["temperature"] == 0.3
    off = KimiOpenAI(api_key=KEY, http_client=recorder.client(), validation=False)
    off.chat.completions.create(model="kimi-k2.6", messages=USER, temperature=0.3)
    assert len(recorder.requests) == 2
    copied = kimi_state_of(off.copy())
    assert copied is not None
    assert copied.settings.validation is False


def test_an_unknown_model_and_unknown_keywords_pass_through_untouched() -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client())
    client.chat.completions.create(
        model="kimi-k9-future",
        messages=[{"role": "user", "content": "hi", "vendor_flag": 1}],  # pyright: ignore[reportArgumentType]
        temperature=1.7,
        extra_body={"brand_new_option": {"a": [1, 2]}},
    )
    body = recorder.last_json()
    assert body["model"] == "kimi-k9-future"
    assert body["temperature"] == 1.7
    assert body["brand_new_option"] == {"a": [1, 2]}
    assert body["messages"][0]["vendor_flag"] == 1


def test_the_output_limit_goes_under_the_models_field_by_default_and_configurable() -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client())
    client.chat.completions.create(model="kimi-k2.6", messages=USER, max_tokens=100)
    assert recorder.last_json()["max_completion_tokens"] == 100
    assert "max_tokens" not in recorder.last_json()
    client.chat.completions.create(model="kimi-k9-future", messages=USER, max_completion_tokens=100)
    assert recorder.last_json()["max_tokens"] == 100  # an unknown id: the field older servers read
    other = client.with_options(max_tokens_field="max_tokens")
    other.chat.completions.create(model="kimi-k2.6", messages=USER, max_completion_tokens=100)
    assert recorder.last_json()["max_tokens"] == 100
    assert "max_completion_tokens" not in recorder.last_json()


def test_other_endpoints_are_not_touched() -> None:
    recorder = Recorder(respond=lambda _r: httpx.Response(200, json={"object": "list", "data": []}))
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client())
    client.models.list()
    assert recorder.last.url.path == "/v1/models"


# --- typed errors and the retry policy ---------------------------------------------------------


def _error(status: int, error_type: str, headers: dict[str, str] | None = None) -> Recorder:
    body = {"error": {"type": error_type, "message": f"{error_type} happened"}}
    return Recorder(respond=lambda _r: httpx.Response(status, json=body, headers=headers or {}))


def test_quota_error_is_typed_and_attempted_once() -> None:
    recorder = _error(429, "exceeded_current_quota_error")
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), max_retries=3)
    with pytest.raises(kimi_openai.ExceededCurrentQuotaError) as info:
        client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert isinstance(info.value, openai.RateLimitError)
    assert info.value.error_type == "exceeded_current_quota_error"
    assert len(recorder.requests) == 1


def test_overload_is_retried_with_the_servers_wait() -> None:
    recorder = _error(429, "engine_overloaded_error", {"retry-after-ms": "1"})
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), max_retries=2)
    with pytest.raises(kimi_openai.EngineOverloadedError):
        client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert len(recorder.requests) == 3
    assert [r.headers["x-stainless-retry-count"] for r in recorder.requests] == ["0", "1", "2"]


def test_retry_policy_sets_the_attempts_and_survives_copy() -> None:
    recorder = _error(503, "server_unavailable", {"retry-after-ms": "1"})
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), retry_policy=RetryPolicy(max_retries=1))
    with pytest.raises(kimi_openai.ServerUnavailableError):
        client.copy().chat.completions.create(model="kimi-k2.6", messages=USER)
    assert len(recorder.requests) == 2
    assert client.with_options(max_retries=0).max_retries == 0


@pytest.mark.anyio
async def test_async_quota_on_403_is_typed_and_not_retried_even_when_streaming() -> None:
    recorder = _error(403, "exceeded_current_quota_error")
    client = AsyncKimiOpenAI(api_key=KEY, http_client=recorder.async_client(), max_retries=3)
    with pytest.raises(kimi_openai.ExceededCurrentQuotaError) as info:
        await client.chat.completions.create(model="kimi-k2.6", messages=USER, stream=True)
    assert isinstance(info.value, openai.PermissionDeniedError)
    assert len(recorder.requests) == 1


def test_html_gateway_timeout_is_a_typed_error_with_the_raw_text() -> None:
    page = "<html><body><h1>504 Gateway Time-out</h1></body></html>"
    recorder = Recorder(
        respond=lambda _r: httpx.Response(504, text=page, headers={"content-type": "text/html"})
    )
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), max_retries=0)
    with pytest.raises(kimi_openai.GatewayTimeoutError) as info:
        client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert "504 Gateway Time-out" in (info.value.raw_body or "")
    assert KEY not in str(info.value)


def test_parse_result_still_parses_through_the_kimi_client() -> None:
    recorder = Recorder(respond=_parsed_completion)
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client())
    parsed = client.chat.completions.parse(model="kimi-k2.6", messages=USER, response_format=Answer)
    assert parsed.choices[0].message.parsed == Answer(text="ok")


def _tenacity_policy(attempts: int) -> tenacity.Retrying:
    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        retry=tenacity.retry_if_exception(kimi_openai.is_retryable),
        wait=tenacity.wait_none(),
        reraise=True,
    )


def test_a_tenacity_policy_owns_the_retries_of_every_call() -> None:
    recorder = _error(429, "engine_overloaded_error")
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), retry_policy=_tenacity_policy(4))
    assert client.max_retries == 0
    with pytest.raises(kimi_openai.EngineOverloadedError):
        client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert len(recorder.requests) == 4
    assert {r.headers["x-stainless-retry-count"] for r in recorder.requests} == {"0"}
    quota = _error(429, "exceeded_current_quota_error")
    with pytest.raises(kimi_openai.ExceededCurrentQuotaError):
        client.with_options(http_client=quota.client()).models.list()
    assert len(quota.requests) == 1


@pytest.mark.anyio
async def test_a_tenacity_policy_owns_the_retries_of_async_calls() -> None:
    recorder = _error(503, "server_unavailable")
    client = AsyncKimiOpenAI(
        api_key=KEY, http_client=recorder.async_client(), retry_policy=_tenacity_policy(3)
    )
    with pytest.raises(kimi_openai.ServerUnavailableError):
        await client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert len(recorder.requests) == 3


def _overloads_then_success(failures: int) -> Recorder:
    body = {"error": {"type": "engine_overloaded_error", "message": "overloaded"}}
    recorder = Recorder()
    recorder.respond = lambda _r: (
        httpx.Response(429, json=body, headers={"retry-after-ms": "1"})
        if len(recorder.requests) <= failures
        else httpx.Response(200, json=COMPLETION)
    )
    return recorder


def test_max_retries_in_with_options_governs_a_tenacity_policy_too() -> None:
    recorder = _error(429, "engine_overloaded_error")
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), retry_policy=_tenacity_policy(6))
    for max_retries, attempts in ((0, 1), (2, 3), (9, 6)):  # a cap: the policy's own stop still holds
        recorder.requests.clear()
        with pytest.raises(kimi_openai.EngineOverloadedError):
            client.with_options(max_retries=max_retries).chat.completions.create(
                model="kimi-k2.6", messages=USER
            )
        assert len(recorder.requests) == attempts, max_retries
    recorder.requests.clear()
    with pytest.raises(kimi_openai.EngineOverloadedError):
        client.with_options(max_retries=0).with_options(max_retries=1).models.list()
    assert len(recorder.requests) == 2  # the last max_retries given wins


@pytest.mark.parametrize(
    "retry_policy",
    [None, 3, RetryPolicy(max_retries=3), _tenacity_policy(4), tenacity.Retrying(reraise=True)],
    ids=["default", "int", "RetryPolicy", "tenacity", "tenacity default rule"],
)
def test_with_options_max_retries_zero_leaves_no_retry_layer(retry_policy: Any) -> None:
    # What the features that retry on their own (stream resume, batch polling) rely on.
    recorder = _overloads_then_success(2)
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), retry_policy=retry_policy)
    with pytest.raises(kimi_openai.EngineOverloadedError):
        client.with_options(max_retries=0).chat.completions.create(model="kimi-k2.6", messages=USER)
    assert len(recorder.requests) == 1
    client.chat.completions.create(model="kimi-k2.6", messages=USER)  # the client itself still retries
    assert len(recorder.requests) == 3


def test_a_tenacity_policy_with_its_default_rule_never_retries_quota() -> None:
    # tenacity.Retrying() retries any exception; the classifier still refuses quota errors.
    recorder = _error(429, "exceeded_current_quota_error")
    client = KimiOpenAI(
        api_key=KEY,
        http_client=recorder.client(),
        retry_policy=tenacity.Retrying(stop=tenacity.stop_after_attempt(3), sleep=lambda _: None),
    )
    with pytest.raises(kimi_openai.ExceededCurrentQuotaError):
        client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert len(recorder.requests) == 1


@pytest.mark.anyio
async def test_an_async_tenacity_policy_with_its_default_rule_never_retries_quota() -> None:
    async def no_sleep(_: float) -> None:
        return None

    recorder = _error(429, "exceeded_current_quota_error")
    retrying = tenacity.AsyncRetrying(stop=tenacity.stop_after_attempt(3), sleep=no_sleep)
    client = AsyncKimiOpenAI(api_key=KEY, http_client=recorder.async_client(), retry_policy=retrying)
    with pytest.raises(kimi_openai.ExceededCurrentQuotaError):
        await client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert len(recorder.requests) == 1


def test_a_sync_client_refuses_an_async_tenacity_policy_at_construction() -> None:
    with pytest.raises(kimi_openai.KimiConfigurationError, match=r"tenacity\.Retrying"):
        KimiOpenAI(api_key=KEY, retry_policy=tenacity.AsyncRetrying())
    client = KimiOpenAI(api_key=KEY)
    with pytest.raises(kimi_openai.KimiConfigurationError):
        client.with_options(retry_policy=tenacity.AsyncRetrying())
    AsyncKimiOpenAI(api_key=KEY, retry_policy=tenacity.Retrying())  # its rules run, sleeping async


def test_a_failed_file_extraction_is_attempted_once() -> None:
    # A 500 server_error "Failed to extract file: ..." fails the same way every time.
    recorder = _error(500, "server_error")
    recorder.respond = lambda _r: httpx.Response(
        500, json={"error": {"type": "server_error", "message": "Failed to extract file: damaged pdf"}}
    )
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), max_retries=3)
    with pytest.raises(kimi_openai.ServerError):
        client.files.content("file-1")
    assert len(recorder.requests) == 1


# --- a successful response whose body cannot be decoded ------------------------------------------

TRUNCATED = '{"id":"x","choices":['


def _truncated(key: str = "") -> Recorder:
    body = TRUNCATED + key
    return Recorder(
        respond=lambda _r: httpx.Response(200, text=body, headers={"content-type": "application/json"})
    )


def test_a_truncated_json_body_is_a_typed_error_with_the_text() -> None:
    recorder = _truncated(' "sk-leaked-0123456789abcdef"')
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), max_retries=3)
    with pytest.raises(MalformedResponseError) as info:
        client.chat.completions.create(model="kimi-k2.6", messages=USER)
    assert isinstance(info.value, openai.APIResponseValidationError)
    assert info.value.status_code == 200
    assert (info.value.raw_body or "").startswith(TRUNCATED)
    assert "sk-leaked" not in str(info.value) + (info.value.raw_body or "")
    assert isinstance(info.value.__cause__, json.JSONDecodeError)
    assert len(recorder.requests) == 1


@pytest.mark.anyio
async def test_async_truncated_json_body_is_a_typed_error() -> None:
    client = AsyncKimiOpenAI(api_key=KEY, http_client=_truncated().async_client())
    with pytest.raises(MalformedResponseError) as info:
        await client.models.list()
    assert info.value.raw_body == TRUNCATED


def test_a_body_that_is_not_json_by_content_type_is_returned_as_text_as_openai_does() -> None:
    page = "<html>maintenance</html>"
    recorder = Recorder(
        respond=lambda _r: httpx.Response(200, text=page, headers={"content-type": "text/html"})
    )
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client())
    assert client.chat.completions.create(model="kimi-k2.6", messages=USER) == page
