"""One retry classifier and policy: the table, Retry-After, tenacity, and the SDK hooks wired in a client."""

from __future__ import annotations

import email.utils
import json
import math
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import openai
import pytest
import tenacity
from hypothesis import given, settings
from hypothesis import strategies as st
from openai._models import FinalRequestOptions
from openai._types import HttpxSendArgs
from typing_extensions import Unpack, override

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._errors import (
    EngineOverloadedError,
    ExceededCurrentQuotaError,
    KimiConfigurationError,
    KimiValidationError,
    StreamInterruptedError,
    StreamServerError,
    make_status_error,
)
from kimi_openai._ratelimit_headers import parse_retry_after
from kimi_openai._retry import (
    DEFAULT_RETRY_POLICY,
    RetryPolicy,
    RetrySetup,
    coerce_retry_policy,
    is_retryable,
    read_error_body_async,
    retry_after_seconds,
    should_retry_response,
    should_retry_response_async,
)
from kimi_openai._retry_tenacity import async_retrying, build_async_retrying, build_retrying, sync_retrying

URL = "https://api.moonshot.ai/v1/chat/completions"
REQUEST = httpx.Request("POST", URL)


def _body(error_type: str) -> bytes:
    return json.dumps({"error": {"type": error_type, "message": "m"}}).encode()


def _response(
    status: int, error_type: str | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    content = _body(error_type) if error_type else b""
    return httpx.Response(status, request=REQUEST, content=content, headers=headers)


def _status_error(
    status: int, error_type: str | None = None, headers: dict[str, str] | None = None
) -> Exception:
    response = _response(status, error_type, headers)
    body = json.loads(response.text) if error_type else None
    return make_status_error("", body=body, response=response)


def _event_error(error_type: str | None) -> StreamServerError:
    """What iterating a stream raises for an ``error`` event sent after a 200."""
    body = {"message": "m"} if error_type is None else {"type": error_type, "message": "m"}
    return StreamServerError("m", request=REQUEST, body=body)


EXTRACTION_FAILURE = {"error": {"type": "server_error", "message": "Failed to extract file: damaged pdf"}}


def _extraction_failure(status: int = 500) -> httpx.Response:
    return httpx.Response(status, request=REQUEST, json=EXTRACTION_FAILURE)


# ---------------------------------------------------------------- the classifier table

CLASSIFIER_TABLE: list[tuple[str, Callable[[], BaseException], bool]] = [
    ("429 engine_overloaded_error", lambda: _status_error(429, "engine_overloaded_error"), True),
    ("429 rate_limit_reached_error", lambda: _status_error(429, "rate_limit_reached_error"), True),
    ("429 unknown type", lambda: _status_error(429, "whatever"), True),
    ("429 exceeded_current_quota_error", lambda: _status_error(429, "exceeded_current_quota_error"), False),
    ("403 exceeded_current_quota_error", lambda: _status_error(403, "exceeded_current_quota_error"), False),
    ("400 content_filter", lambda: _status_error(400, "content_filter"), False),
    ("400 invalid_request_error", lambda: _status_error(400, "invalid_request_error"), False),
    ("401 invalid_authentication_error", lambda: _status_error(401, "invalid_authentication_error"), False),
    ("401 incorrect_api_key_error", lambda: _status_error(401, "incorrect_api_key_error"), False),
    ("403 permission_denied_error", lambda: _status_error(403, "permission_denied_error"), False),
    ("404 resource_not_found_error", lambda: _status_error(404, "resource_not_found_error"), False),
    ("408", lambda: _status_error(408), True),
    ("409", lambda: _status_error(409), True),
    ("422", lambda: _status_error(422), False),
    ("418", lambda: _status_error(418), False),
    ("499 client_closed_request", lambda: _status_error(499, "client_closed_request"), True),
    ("500 server_error", lambda: _status_error(500, "server_error"), True),
    ("500 unexpected_output", lambda: _status_error(500, "unexpected_output"), True),
    ("502", lambda: _status_error(502), True),
    ("503 server_unavailable", lambda: _status_error(503, "server_unavailable"), True),
    ("504 HTML page", lambda: _status_error(504), False),
    ("openai connection error", lambda: openai.APIConnectionError(request=REQUEST), True),
    ("openai timeout", lambda: openai.APITimeoutError(request=REQUEST), True),
    ("httpx connect error", lambda: httpx.ConnectError("refused", request=REQUEST), True),
    ("httpx read timeout", lambda: httpx.ReadTimeout("slow", request=REQUEST), True),
    (
        "stream cut mid-body",
        lambda: httpx.RemoteProtocolError("incomplete chunked read", request=REQUEST),
        True,
    ),
    ("stream ended before [DONE]", lambda: StreamInterruptedError("no [DONE]"), True),
    ("stream event engine_overloaded_error", lambda: _event_error("engine_overloaded_error"), True),
    ("stream event rate_limit_reached_error", lambda: _event_error("rate_limit_reached_error"), True),
    ("stream event server_error", lambda: _event_error("server_error"), True),
    ("stream event of an unknown type", lambda: _event_error("brand_new_error"), True),
    ("stream event without a type", lambda: _event_error(None), True),
    (
        "stream event exceeded_current_quota_error",
        lambda: _event_error("exceeded_current_quota_error"),
        False,
    ),
    ("stream event content_filter", lambda: _event_error("content_filter"), False),
    (
        "stream event invalid_authentication_error",
        lambda: _event_error("invalid_authentication_error"),
        False,
    ),
    ("stream event invalid_request_error", lambda: _event_error("invalid_request_error"), False),
    (
        "500 Failed to extract file",
        lambda: make_status_error("", body=EXTRACTION_FAILURE, response=_extraction_failure()),
        False,
    ),
    (
        "503 Failed to extract file",
        lambda: make_status_error("", body=EXTRACTION_FAILURE, response=_extraction_failure(503)),
        False,
    ),
    (
        "plain openai 500 Failed to extract file",
        lambda: openai.InternalServerError(
            "x", response=_extraction_failure(), body=EXTRACTION_FAILURE["error"]
        ),
        False,
    ),
    (
        "httpx status error 500 Failed to extract file",
        lambda: httpx.HTTPStatusError("x", request=REQUEST, response=_extraction_failure()),
        False,
    ),
    (
        "httpx status error 503",
        lambda: httpx.HTTPStatusError("x", request=REQUEST, response=_response(503)),
        True,
    ),
    (
        "httpx status error 400",
        lambda: httpx.HTTPStatusError("x", request=REQUEST, response=_response(400)),
        False,
    ),
    (
        "httpx status error 429 quota",
        lambda: httpx.HTTPStatusError(
            "x", request=REQUEST, response=_response(429, "exceeded_current_quota_error")
        ),
        False,
    ),
    (
        "plain openai 429 quota",
        lambda: openai.RateLimitError(
            "x", response=_response(429), body={"type": "exceeded_current_quota_error", "message": "m"}
        ),
        False,
    ),
    (
        "plain openai 429 overload",
        lambda: openai.RateLimitError("x", response=_response(429), body={"type": "engine_overloaded_error"}),
        True,
    ),
    ("plain openai 504", lambda: openai.InternalServerError("x", response=_response(504), body=None), False),
    ("KimiValidationError", lambda: KimiValidationError("temperature must be 1"), False),
    ("ValueError", lambda: ValueError("x"), False),
    ("KeyboardInterrupt", lambda: KeyboardInterrupt(), False),
]


@pytest.mark.parametrize(("case", "make", "expected"), CLASSIFIER_TABLE, ids=[c[0] for c in CLASSIFIER_TABLE])
def test_is_retryable_table(case: str, make: Callable[[], BaseException], expected: bool) -> None:
    assert is_retryable(make()) is expected, case


@pytest.mark.parametrize(
    ("status", "error_type", "expected"),
    [
        (429, "exceeded_current_quota_error", False),
        (429, "engine_overloaded_error", True),
        (429, "rate_limit_reached_error", True),
        (403, "exceeded_current_quota_error", False),
        (400, "content_filter", False),
        (500, "server_error", True),
        (504, None, False),
    ],
)
def test_should_retry_response_reads_the_error_type(
    status: int, error_type: str | None, expected: bool
) -> None:
    assert should_retry_response(_response(status, error_type)) is expected


def test_an_extraction_failure_is_not_retried_but_another_server_error_is() -> None:
    assert should_retry_response(_extraction_failure()) is False
    other = {"error": {"type": "server_error", "message": "Failed to connect upstream"}}
    assert should_retry_response(httpx.Response(500, request=REQUEST, json=other)) is True


def test_a_stream_error_event_carries_its_type() -> None:
    assert _event_error("content_filter").error_type == "content_filter"
    assert _event_error(None).error_type is None


# What ``x-should-retry: true`` (a server's, or a proxy's added to every answer) may and may not change.
SHOULD_RETRY_TRUE: list[tuple[str, Callable[[], httpx.Response], bool]] = [
    ("429 quota", lambda: _response(429, "exceeded_current_quota_error", {"x-should-retry": "true"}), False),
    ("403 quota", lambda: _response(403, "exceeded_current_quota_error", {"X-Should-Retry": "TRUE"}), False),
    ("504 page", lambda: _response(504, None, {"x-should-retry": "true"}), False),
    ("extraction failure", lambda: _with_headers(_extraction_failure(), {"x-should-retry": "true"}), False),
    ("400 content_filter", lambda: _response(400, "content_filter", {"x-should-retry": "true"}), False),
    (
        "401 invalid key",
        lambda: _response(401, "invalid_authentication_error", {"x-should-retry": "true"}),
        False,
    ),
    ("404 not found", lambda: _response(404, "resource_not_found_error", {"x-should-retry": "true"}), False),
    ("a proxy's 400 without a type", lambda: _response(400, None, {"x-should-retry": "true"}), True),
    (
        "a proxy's 403 of its own",
        lambda: _response(403, "blocked_by_proxy", {"x-should-retry": "true"}),
        True,
    ),
    ("429 overload", lambda: _response(429, "engine_overloaded_error", {"x-should-retry": "true"}), True),
    (
        "429 overload asking for more than the cap",
        lambda: _response(429, "engine_overloaded_error", {"x-should-retry": "true", "retry-after": "3600"}),
        False,
    ),
]


def _with_headers(response: httpx.Response, headers: dict[str, str]) -> httpx.Response:
    return httpx.Response(response.status_code, request=REQUEST, content=response.content, headers=headers)


@pytest.mark.parametrize(
    ("case", "make", "expected"), SHOULD_RETRY_TRUE, ids=[c[0] for c in SHOULD_RETRY_TRUE]
)
def test_x_should_retry_true_never_overrules_what_moonshot_s_type_settles(
    case: str, make: Callable[[], httpx.Response], expected: bool
) -> None:
    response = make()
    assert should_retry_response(response) is expected, case
    error = make_status_error(
        "", body=json.loads(response.text) if response.text else None, response=response
    )
    assert DEFAULT_RETRY_POLICY.should_retry(error) is expected, case  # the tenacity side agrees


@pytest.mark.parametrize(
    ("status", "error_type"), [(503, "server_unavailable"), (429, "engine_overloaded_error")]
)
def test_x_should_retry_false_stops_any_retry(status: int, error_type: str) -> None:
    response = _response(status, error_type, {"x-should-retry": "false"})
    assert not should_retry_response(response)
    assert not DEFAULT_RETRY_POLICY.should_retry(make_status_error("", body=None, response=response))
    assert should_retry_response(_response(status, error_type))  # without the header it is retried


def test_retry_after_beyond_the_cap_is_not_retried() -> None:
    assert not should_retry_response(_response(429, "rate_limit_reached_error", {"retry-after": "3600"}))
    assert should_retry_response(_response(429, "rate_limit_reached_error", {"retry-after": "30"}))
    assert should_retry_response(
        _response(429, "rate_limit_reached_error", {"retry-after": "3600"}), retry_after_cap=7200
    )


def test_unread_streamed_body_is_read_before_deciding() -> None:
    response = httpx.Response(429, request=REQUEST, content=iter([_body("exceeded_current_quota_error")]))
    assert not response.is_stream_consumed
    assert should_retry_response(response) is False
    assert json.loads(response.text)["error"]["type"] == "exceeded_current_quota_error"  # still available


def test_sync_check_on_an_async_only_body_falls_back_on_the_status() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield _body("exceeded_current_quota_error")

    response = httpx.Response(429, request=REQUEST, content=chunks())
    assert should_retry_response(response) is True  # unknown type: a 429 is retried, as the SDK would


@pytest.mark.anyio
async def test_async_check_reads_an_async_body() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield _body("exceeded_current_quota_error")

    response = httpx.Response(429, request=REQUEST, content=chunks())
    assert await should_retry_response_async(response) is False
    overloaded = httpx.Response(429, request=REQUEST, content=_body("engine_overloaded_error"))
    assert await should_retry_response_async(overloaded) is True


# ---------------------------------------------------------------- Retry-After


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "5"}, 5.0),
        ({"Retry-After": "2.5"}, 2.5),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after-ms": "junk", "retry-after": "9"}, 9.0),
        ({"retry-after": "600"}, 60.0),
        ({"retry-after": "1e400"}, 60.0),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": ""}, None),
        ({}, None),
    ],
)
def test_retry_after_seconds(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(headers, cap=60.0) == expected
    assert retry_after_seconds(httpx.Headers(headers), cap=60.0) == expected


def test_retry_after_http_date() -> None:
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 42, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=now) == 42.0
    assert parse_retry_after({"retry-after": email.utils.formatdate(now - 10, usegmt=True)}, now=now) == 0.0
    assert (
        retry_after_seconds({"retry-after": email.utils.formatdate(4_000_000_000, usegmt=True)}, cap=5) == 5
    )
    assert retry_after_seconds(None, cap=5) is None


# ---------------------------------------------------------------- RetryPolicy


def test_policy_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=4.0, jitter=0.5, random=lambda: 0.0)
    assert [policy.wait_seconds(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    jittered = RetryPolicy(initial_backoff=1.0, jitter=0.5, random=lambda: 1.0)
    assert jittered.wait_seconds(0) == 0.5
    assert RetryPolicy().wait_seconds(10_000) <= 8.0


def test_policy_honours_retry_after_from_headers_or_the_error() -> None:
    policy = RetryPolicy(retry_after_cap=10.0, random=lambda: 0.0)
    assert policy.wait_seconds(0, headers={"retry-after": "3"}) == 3.0
    assert policy.wait_seconds(0, headers={"retry-after": "300"}) == 10.0
    assert policy.wait_seconds(0, headers={"retry-after": "0"}) == 0.5  # zero: fall back on back-off
    err = _status_error(429, "engine_overloaded_error", {"retry-after-ms": "250"})
    assert policy.wait_seconds(3, exc=err) == 0.25
    assert policy.wait_seconds(3, response=_response(429, None, {"retry-after": "4"})) == 4.0


def test_policy_should_retry_adds_the_cap() -> None:
    policy = RetryPolicy(retry_after_cap=10.0)
    assert policy.should_retry(_status_error(429, "engine_overloaded_error", {"retry-after": "5"}))
    assert not policy.should_retry(_status_error(429, "engine_overloaded_error", {"retry-after": "50"}))
    assert not policy.should_retry(_status_error(429, "exceeded_current_quota_error"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"max_retries": True},
        {"max_retries": 1.5},
        {"initial_backoff": -1.0},
        {"max_backoff": float("inf")},
        {"retry_after_cap": float("nan")},
        {"jitter": 1.5},
    ],
)
def test_policy_rejects_bad_numbers(kwargs: dict[str, Any]) -> None:
    with pytest.raises(KimiConfigurationError):
        RetryPolicy(**kwargs)


def test_policy_is_frozen() -> None:
    policy = RetryPolicy()
    with pytest.raises(AttributeError):
        policy.max_retries = 5  # pyright: ignore[reportAttributeAccessIssue]


# ---------------------------------------------------------------- coerce_retry_policy


def test_coerce_retry_policy() -> None:
    assert coerce_retry_policy(None) == RetrySetup(DEFAULT_RETRY_POLICY)
    assert coerce_retry_policy(5).policy.max_retries == 5
    assert coerce_retry_policy(5).sdk_max_retries == 5
    assert coerce_retry_policy(0).sdk_max_retries == 0
    policy = RetryPolicy(max_retries=7)
    assert coerce_retry_policy(policy).policy is policy
    retrying = tenacity.Retrying(stop=tenacity.stop_after_attempt(4))
    setup = coerce_retry_policy(retrying)
    assert setup.retrying is retrying
    assert setup.sdk_max_retries == 0  # only one layer retries
    assert sync_retrying(setup) is not retrying  # a fresh copy per use
    assert isinstance(async_retrying(setup), tenacity.AsyncRetrying)
    async_setup = coerce_retry_policy(tenacity.AsyncRetrying())
    assert async_setup.sdk_max_retries == 0
    with pytest.raises(KimiConfigurationError, match="synchronous"):
        sync_retrying(async_setup)
    with pytest.raises(KimiConfigurationError, match="synchronous"):
        coerce_retry_policy(tenacity.AsyncRetrying(), sync=True)
    assert coerce_retry_policy(setup, sync=True) is setup  # what copy() hands on


def test_max_retries_governs_whichever_layer_retries() -> None:
    sdk = coerce_retry_policy(RetryPolicy(max_retries=4, initial_backoff=3.0))
    assert sdk.with_max_retries(1).sdk_max_retries == 1
    assert sdk.with_max_retries(1).policy.initial_backoff == 3.0
    owned = coerce_retry_policy(tenacity.Retrying(stop=tenacity.stop_after_attempt(9)))
    assert owned.with_max_retries(2).retrying is owned.retrying
    assert owned.with_max_retries(2).max_retries == 2
    assert owned.with_max_retries(2).with_max_retries(5).max_retries == 5  # the last one given wins
    off = owned.with_max_retries(0)
    assert (off.retrying, off.sdk_max_retries) == (None, 0)  # no retry layer at all
    with pytest.raises(KimiConfigurationError):
        owned.with_max_retries(-1)


@pytest.mark.parametrize("value", [-1, True, "3", 2.0])
def test_coerce_retry_policy_rejects(value: Any) -> None:
    with pytest.raises(KimiConfigurationError, match="max_retries"):
        coerce_retry_policy(value)


BAD_MAX_RETRIES: list[tuple[object, type[Exception], str]] = [
    (None, TypeError, "max_retries cannot be None"),
    ("2", TypeError, "got '2'"),
    (2.0, TypeError, "got 2.0"),
    (math.inf, TypeError, "got inf"),
    (-1, ValueError, "got -1"),
]


@pytest.mark.parametrize(("value", "openai_raises", "says"), BAD_MAX_RETRIES)
@pytest.mark.parametrize("client_class", [KimiOpenAI, AsyncKimiOpenAI])
def test_a_bad_max_retries_raises_what_openai_raises_and_a_kimi_error(
    client_class: type[KimiOpenAI | AsyncKimiOpenAI], value: object, openai_raises: type[Exception], says: str
) -> None:
    # Code written for openai.OpenAI catches TypeError / ValueError here; code written for this package,
    # KimiConfigurationError: both keep working, on the constructor and on with_options().
    with pytest.raises(openai_raises, match="max_retries") as built:
        client_class(api_key="sk-test", max_retries=value)  # pyright: ignore[reportArgumentType]
    client = client_class(api_key="sk-test")
    with pytest.raises(openai_raises, match="max_retries") as copied:
        client.with_options(max_retries=value)  # pyright: ignore[reportArgumentType]
    for error in (built.value, copied.value):
        assert isinstance(error, KimiConfigurationError)
        assert says in str(error)


# ---------------------------------------------------------------- tenacity


def _flaky(errors: list[Exception]) -> Callable[[], str]:
    calls = iter(errors)

    def call() -> str:
        err = next(calls, None)
        if err is not None:
            raise err
        return "ok"

    return call


def test_tenacity_retries_overload_honouring_retry_after() -> None:
    slept: list[float] = []
    overload = _status_error(429, "engine_overloaded_error", {"retry-after": "2"})
    retrying = build_retrying(RetryPolicy(max_retries=3), sleep=slept.append)
    assert retrying(_flaky([overload, overload])) == "ok"
    assert slept == [2.0, 2.0]
    assert retrying.statistics["attempt_number"] == 3


def test_tenacity_stops_on_quota_and_reraises_the_kimi_error() -> None:
    slept: list[float] = []
    quota = _status_error(429, "exceeded_current_quota_error")
    retrying = build_retrying(RetryPolicy(max_retries=3), sleep=slept.append)
    with pytest.raises(ExceededCurrentQuotaError):
        retrying(_flaky([quota]))
    assert slept == []


def test_tenacity_gives_up_after_max_retries() -> None:
    overload = _status_error(429, "engine_overloaded_error")
    retrying = build_retrying(RetryPolicy(max_retries=2, initial_backoff=0.0), sleep=lambda _: None)
    with pytest.raises(EngineOverloadedError):
        retrying(_flaky([overload] * 5))
    assert retrying.statistics["attempt_number"] == 3


@pytest.mark.anyio
async def test_async_tenacity_retries_overload_and_stops_on_quota() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    overload = _status_error(429, "engine_overloaded_error", {"retry-after-ms": "10"})
    quota = _status_error(429, "exceeded_current_quota_error")
    calls: list[Exception | None] = [overload, quota, None]

    async def call() -> str:
        err = calls.pop(0)
        if err is not None:
            raise err
        return "ok"

    with pytest.raises(ExceededCurrentQuotaError):
        await build_async_retrying(RetryPolicy(max_retries=5), sleep=sleep)(call)
    assert slept == [0.01]


def _counting(error: Exception) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        raise error

    return calls, call


def test_a_callers_tenacity_rule_never_retries_what_the_classifier_refuses() -> None:
    # tenacity's default rule retries every exception; a quota error must still go out once.
    setup = coerce_retry_policy(tenacity.Retrying(stop=tenacity.stop_after_attempt(5), sleep=lambda _: None))
    calls, call = _counting(_status_error(429, "exceeded_current_quota_error"))
    with pytest.raises(ExceededCurrentQuotaError):  # itself, not tenacity.RetryError
        sync_retrying(setup)(call)
    assert len(calls) == 1
    calls, call = _counting(_status_error(429, "engine_overloaded_error"))
    with pytest.raises(tenacity.RetryError):
        sync_retrying(setup)(call)
    assert len(calls) == 5  # what the classifier allows, the caller's stop still bounds


def test_a_callers_tenacity_rule_can_still_refuse() -> None:
    never = tenacity.Retrying(retry=tenacity.retry_never, sleep=lambda _: None)
    calls, call = _counting(_status_error(429, "engine_overloaded_error"))
    with pytest.raises(EngineOverloadedError):
        sync_retrying(coerce_retry_policy(never))(call)
    assert len(calls) == 1


def test_a_retry_cap_bounds_a_callers_tenacity_object() -> None:
    retrying = tenacity.Retrying(stop=tenacity.stop_after_attempt(9), sleep=lambda _: None, reraise=True)
    calls, call = _counting(_status_error(503, "server_unavailable"))
    with pytest.raises(openai.InternalServerError):
        sync_retrying(coerce_retry_policy(retrying).with_max_retries(2))(call)
    assert len(calls) == 3


@pytest.mark.anyio
async def test_async_gate_applies_the_classifier_and_awaits_an_async_rule() -> None:
    asked: list[int] = []

    async def rule(state: tenacity.RetryCallState) -> bool:
        asked.append(state.attempt_number)
        return True

    async def no_sleep(_: float) -> None:
        return None

    errors = [
        _status_error(429, "engine_overloaded_error"),
        _status_error(429, "exceeded_current_quota_error"),
    ]

    async def call() -> str:
        raise errors.pop(0)

    retrying = tenacity.AsyncRetrying(retry=rule, sleep=no_sleep, stop=tenacity.stop_after_attempt(5))
    with pytest.raises(ExceededCurrentQuotaError):
        await async_retrying(coerce_retry_policy(retrying))(call)
    assert asked == [1]  # asked about the overload, never about the quota error
    sync_rules = coerce_retry_policy(tenacity.Retrying(stop=tenacity.stop_after_attempt(5)))
    calls, sync_call = _counting(_status_error(429, "exceeded_current_quota_error"))

    async def wrapped() -> str:
        return sync_call()

    with pytest.raises(ExceededCurrentQuotaError):
        await async_retrying(sync_rules)(wrapped)
    assert len(calls) == 1


# ---------------------------------------------------------------- fuzz


_printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    status=st.integers(400, 599),
    body=st.binary(max_size=120) | st.sampled_from([_body("exceeded_current_quota_error"), _body("x")[:20]]),
    headers=st.dictionaries(
        st.sampled_from(["retry-after", "retry-after-ms", "x-should-retry", "x-ratelimit-reset"]), _printable
    ),
    streamed=st.booleans(),
)
def test_fuzz_should_retry_response_always_answers(
    status: int, body: bytes, headers: dict[str, str], streamed: bool
) -> None:
    content: bytes | Iterator[bytes] = iter([body]) if streamed else body
    response = httpx.Response(status, request=REQUEST, content=content, headers=headers)
    assert isinstance(should_retry_response(response), bool)
    assert isinstance(DEFAULT_RETRY_POLICY.wait_seconds(1, headers=response.headers), float)


# ---------------------------------------------------------------- the SDK hooks, wired as the client will


class _WiredOpenAI(openai.OpenAI):
    """The three hooks, as ``KimiOpenAI`` wires them (kept here so the test stands alone)."""

    retry_policy = RetryPolicy(max_retries=2)
    waits: list[float]

    @override
    def _make_status_error(
        self, err_msg: str, *, body: object, response: httpx.Response
    ) -> openai.APIStatusError:
        return make_status_error(err_msg, body=body, response=response)

    @override
    def _should_retry(self, response: httpx.Response) -> bool:
        return should_retry_response(response, retry_after_cap=self.retry_policy.retry_after_cap)

    @override
    def _calculate_retry_timeout(
        self,
        remaining_retries: int,
        options: FinalRequestOptions,
        response_headers: httpx.Headers | None = None,
    ) -> float:
        max_retries = options.get_max_retries(self.max_retries)
        wait = self.retry_policy.wait_seconds(max_retries - remaining_retries, headers=response_headers)
        self.waits.append(wait)
        return wait


class _WiredAsyncOpenAI(openai.AsyncOpenAI):
    retry_policy = RetryPolicy(max_retries=2)

    @override
    def _make_status_error(
        self, err_msg: str, *, body: object, response: httpx.Response
    ) -> openai.APIStatusError:
        return make_status_error(err_msg, body=body, response=response)

    @override
    async def _send_request(
        self, request: httpx.Request, *, stream: bool, **kwargs: Unpack[HttpxSendArgs]
    ) -> httpx.Response:
        # AsyncOpenAI._should_retry is synchronous and cannot read an async stream:
        # read the (small) error body here, where awaiting is possible.
        response = await super()._send_request(request, stream=stream, **kwargs)
        if response.status_code >= 400:
            await read_error_body_async(response)
        return response

    @override
    def _should_retry(self, response: httpx.Response) -> bool:
        return should_retry_response(response, retry_after_cap=self.retry_policy.retry_after_cap)

    @override
    def _calculate_retry_timeout(
        self,
        remaining_retries: int,
        options: FinalRequestOptions,
        response_headers: httpx.Headers | None = None,
    ) -> float:
        max_retries = options.get_max_retries(self.max_retries)
        return self.retry_policy.wait_seconds(max_retries - remaining_retries, headers=response_headers)


_SUCCESS = {
    "id": "cmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "kimi-k2.6",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
}


def _script(*responses: tuple[int, bytes, dict[str, str]]) -> tuple[list[httpx.Request], Callable[..., Any]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, body, headers = queue.pop(0) if queue else (200, json.dumps(_SUCCESS).encode(), {})
        return httpx.Response(status, content=body, headers=headers)

    return seen, handler


def _wired(handler: Callable[..., Any]) -> _WiredOpenAI:
    client = _WiredOpenAI(
        api_key="sk-test",
        base_url="https://api.moonshot.ai/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    client.waits = []
    return client


QUOTA: tuple[int, bytes, dict[str, str]] = (429, _body("exceeded_current_quota_error"), {})
OVERLOAD: tuple[int, bytes, dict[str, str]] = (429, _body("engine_overloaded_error"), {"retry-after-ms": "1"})


@pytest.mark.parametrize("stream", [False, True])
def test_client_quota_429_is_attempted_once(stream: bool) -> None:
    seen, handler = _script(QUOTA, QUOTA, QUOTA)
    client = _wired(handler)
    with pytest.raises(ExceededCurrentQuotaError) as caught:
        client.chat.completions.create(
            model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], stream=stream
        )
    assert len(seen) == 1
    assert caught.value.error_type == "exceeded_current_quota_error"
    assert caught.value.raw_body == _body("exceeded_current_quota_error").decode()
    assert "Top up" in caught.value.message


def test_client_overload_is_retried_honouring_retry_after() -> None:
    seen, handler = _script(OVERLOAD, OVERLOAD)
    client = _wired(handler)
    completion = client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}]
    )
    assert completion.choices[0].message.content == "hi"
    assert len(seen) == 3
    assert client.waits == [0.001, 0.001]


def test_client_overload_retries_are_bounded() -> None:
    seen, handler = _script(OVERLOAD, OVERLOAD, OVERLOAD, OVERLOAD)
    client = _wired(handler)
    with pytest.raises(EngineOverloadedError):
        client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}])
    assert len(seen) == 3  # max_retries=2


def test_client_with_tenacity_owning_retries_sends_max_retries_zero() -> None:
    seen, handler = _script(OVERLOAD, OVERLOAD)
    setup = coerce_retry_policy(build_retrying(RetryPolicy(max_retries=3), sleep=lambda _: None))
    client = _wired(handler).with_options(max_retries=setup.sdk_max_retries)
    retrying = sync_retrying(setup)
    completion = retrying(
        client.chat.completions.create, model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}]
    )
    assert completion.choices[0].message.content == "hi"
    assert len(seen) == 3  # one request per tenacity attempt, none by the SDK


@pytest.mark.anyio
@pytest.mark.parametrize("stream", [False, True])
async def test_async_client_quota_429_is_attempted_once_even_streamed(stream: bool) -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)

        async def chunks() -> AsyncIterator[bytes]:
            yield _body("exceeded_current_quota_error")

        return httpx.Response(429, content=chunks())  # an async-only body, as on the network

    client = _WiredAsyncOpenAI(
        api_key="sk-test",
        base_url="https://api.moonshot.ai/v1",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(ExceededCurrentQuotaError):
        await client.chat.completions.create(
            model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], stream=stream
        )
    assert len(seen) == 1


@pytest.mark.anyio
async def test_async_client_without_the_send_request_read_cannot_see_a_streamed_quota() -> None:
    """The control for the test above: why the async client must read error bodies in ``_send_request``."""

    class _HalfWired(_WiredAsyncOpenAI):
        @override
        async def _send_request(
            self, request: httpx.Request, *, stream: bool, **kwargs: Unpack[HttpxSendArgs]
        ) -> httpx.Response:
            return await self._client.send(request, stream=stream, **kwargs)

        @override
        def _calculate_retry_timeout(
            self,
            remaining_retries: int,
            options: FinalRequestOptions,
            response_headers: httpx.Headers | None = None,
        ) -> float:
            return 0.0

    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)

        async def chunks() -> AsyncIterator[bytes]:
            yield _body("exceeded_current_quota_error")

        return httpx.Response(429, content=chunks())

    client = _HalfWired(
        api_key="sk-test",
        base_url="https://api.moonshot.ai/v1",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(ExceededCurrentQuotaError):
        await client.chat.completions.create(
            model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    assert len(seen) == 3  # the type was unreadable in _should_retry, so the 429 was retried


# ---------------------------------------------------------------- the Kimi clients, x-should-retry added by a proxy

QUOTA_RETRY_TRUE = [
    (429, {"x-should-retry": "true"}),
    (403, {"x-should-retry": "true"}),
    (429, {"x-should-retry": "true", "retry-after": "1"}),
]


def _kimi_client(handler: Callable[[httpx.Request], httpx.Response]) -> Any:
    from kimi_openai import KimiOpenAI

    return KimiOpenAI(
        api_key="sk-test",
        retry_policy=RetryPolicy(initial_backoff=0.0, jitter=0.0),
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("status", "headers"), QUOTA_RETRY_TRUE)
def test_kimi_client_never_retries_quota_whatever_the_headers(
    status: int, headers: dict[str, str], stream: bool
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=_body("exceeded_current_quota_error"), headers=headers)

    with pytest.raises(ExceededCurrentQuotaError):
        _kimi_client(handler).chat.completions.create(
            model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], stream=stream
        )
    assert len(seen) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("status", "headers"), QUOTA_RETRY_TRUE)
async def test_async_kimi_client_never_retries_quota_whatever_the_headers(
    status: int, headers: dict[str, str], stream: bool
) -> None:
    from kimi_openai import AsyncKimiOpenAI

    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)

        async def chunks() -> AsyncIterator[bytes]:
            yield _body("exceeded_current_quota_error")

        return httpx.Response(status, content=chunks(), headers=headers)  # unread, as on the network

    client = AsyncKimiOpenAI(
        api_key="sk-test",
        retry_policy=RetryPolicy(initial_backoff=0.0, jitter=0.0),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(ExceededCurrentQuotaError):
        await client.chat.completions.create(
            model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], stream=stream
        )
    assert len(seen) == 1


def test_kimi_client_obeys_x_should_retry_for_a_proxy_s_own_error() -> None:
    """The header still counts where Moonshot's types say nothing: a proxy's 400 is retried when it asks."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) < 3:
            return httpx.Response(400, text="upstream busy", headers={"x-should-retry": "true"})
        return httpx.Response(200, json=_SUCCESS)

    completion = _kimi_client(handler).chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}]
    )
    assert completion.choices[0].message.content == "hi"
    assert len(seen) == 3


def test_a_callers_tenacity_rule_stops_when_the_server_says_false() -> None:
    calls, call = _counting(_status_error(503, "server_unavailable", {"x-should-retry": "false"}))
    setup = coerce_retry_policy(
        tenacity.Retrying(wait=tenacity.wait_none(), stop=tenacity.stop_after_attempt(5))
    )
    with pytest.raises(openai.InternalServerError):
        sync_retrying(setup)(call)
    assert len(calls) == 1


# ---------------------------------------------------------------- the Kimi clients' waits: openai's own, unless tuned


def _overloaded_then_ok(
    headers: dict[str, str],
) -> tuple[list[httpx.Request], Callable[[httpx.Request], httpx.Response]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(429, content=_body("engine_overloaded_error"), headers=headers)
        return httpx.Response(200, json=_SUCCESS)

    return seen, handler


def _complete(client: KimiOpenAI) -> None:
    client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}])


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({}, 0.5),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "120"}, 120.0),
    ],
)
def test_with_openai_s_numbers_the_wait_is_openai_s_own(
    headers: dict[str, str], wait: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What openai's own tests patch (its random source, its sleep) steers a Kimi client too; and a
    # Retry-After up to openai's cap (120 s on current releases) is honoured, as openai honours it.
    slept: list[float] = []
    monkeypatch.setattr("openai._base_client.random", lambda: 0.0)
    monkeypatch.setattr("openai._base_client.time.sleep", slept.append)
    seen, handler = _overloaded_then_ok(headers)
    _complete(KimiOpenAI(api_key="sk-test", http_client=httpx.Client(transport=httpx.MockTransport(handler))))
    assert (len(seen), slept) == (2, [wait])


def test_a_patch_of_openai_s_wait_applies_to_the_kimi_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []

    def openai_wait(_client: object, remaining_retries: int, *_args: object) -> float:
        asked.append(remaining_retries)
        return 0.0

    monkeypatch.setattr(openai._base_client.BaseClient, "_calculate_retry_timeout", openai_wait)  # pyright: ignore[reportPrivateUsage]
    for client_class in (KimiOpenAI, AsyncKimiOpenAI):
        options = FinalRequestOptions.construct(method="post", url="/chat/completions")
        assert client_class(api_key="sk-test")._calculate_retry_timeout(2, options, None) == 0.0  # pyright: ignore[reportPrivateUsage]
    assert asked == [2, 2]


def test_a_retry_after_beyond_openai_s_cap_is_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("openai._base_client.time.sleep", slept.append)
    seen, handler = _overloaded_then_ok({"retry-after": "121"})
    with pytest.raises(EngineOverloadedError):
        _complete(
            KimiOpenAI(api_key="sk-test", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
        )
    assert (len(seen), slept) == (1, [])


def test_a_policy_with_its_own_numbers_waits_by_them(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("openai._base_client.random", lambda: 0.0)
    monkeypatch.setattr("openai._base_client.time.sleep", slept.append)
    for policy, headers, wait in [
        (RetryPolicy(initial_backoff=0.1, jitter=0.0), {}, 0.1),
        (RetryPolicy(jitter=0.5, random=lambda: 1.0), {}, 0.25),
        (RetryPolicy(retry_after_cap=5.0), {"retry-after": "3"}, 3.0),
    ]:
        assert not policy.waits_as_openai
        slept.clear()
        seen, handler = _overloaded_then_ok(headers)
        client = KimiOpenAI(
            api_key="sk-test",
            retry_policy=policy,
            http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        )
        _complete(client)
        assert (len(seen), slept) == (2, [wait])
    assert RetryPolicy(max_retries=5).waits_as_openai  # the number of retries is not a wait


@pytest.mark.anyio
async def test_async_with_openai_s_numbers_the_wait_is_openai_s_own(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("openai._base_client.random", lambda: 0.0)
    monkeypatch.setattr("openai._base_client.anyio.sleep", sleep)
    seen, handler = _overloaded_then_ok({})

    async def async_handler(request: httpx.Request) -> httpx.Response:
        return handler(request)

    client = AsyncKimiOpenAI(
        api_key="sk-test", http_client=httpx.AsyncClient(transport=httpx.MockTransport(async_handler))
    )
    await client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}])
    assert (len(seen), slept) == (2, [0.5])
