"""Typed Kimi errors: one class per (status, error.type), openai's tree kept, bodies never crash."""

from __future__ import annotations

import builtins
import json
import re
from pathlib import Path

import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typing_extensions import override

import kimi_openai._errors as errors
from kimi_openai import SnapshotChoice, StreamSnapshot
from kimi_openai._compat import httpx
from kimi_openai._errors import (
    ClientClosedRequestError,
    ContentFilterError,
    EngineOverloadedError,
    ExceededCurrentQuotaError,
    ExceededCurrentQuotaForbiddenError,
    GatewayTimeoutError,
    IncorrectAPIKeyError,
    InvalidAuthenticationError,
    InvalidRequestError,
    KimiAPIError,
    KimiAuthenticationError,
    KimiBadRequestError,
    KimiConfigurationError,
    KimiError,
    KimiInternalServerError,
    KimiNotFoundError,
    KimiPermissionDeniedError,
    KimiRateLimitError,
    KimiValidationError,
    RateLimitReachedError,
    ResourceNotFoundError,
    ServerError,
    ServerUnavailableError,
    UnexpectedOutputError,
    error_class_for,
    make_status_error,
)

API_KEY = "sk-test-not-a-real-key-0123456789"
URL = "https://api.moonshot.ai/v1/chat/completions"


class _Client(openai.OpenAI):
    """The SDK's real body decoding (``_make_status_error_from_response``) feeding our table."""

    @override
    def _make_status_error(
        self, err_msg: str, *, body: object, response: httpx.Response
    ) -> openai.APIStatusError:
        return make_status_error(err_msg, body=body, response=response)


_client = _Client(api_key=API_KEY, base_url="https://api.moonshot.ai/v1")


def _response(
    status: int,
    body: str | bytes,
    headers: dict[str, str] | None = None,
    *,
    url: str = URL,
    model: str = "kimi-k2.6",
) -> httpx.Response:
    request = httpx.Request(
        "POST", url, headers={"Authorization": f"Bearer {API_KEY}"}, json={"model": model, "messages": []}
    )
    return httpx.Response(status, request=request, content=body, headers=headers)


def _kimi_body(error_type: str, message: str = "boom") -> str:
    return json.dumps({"error": {"type": error_type, "message": message}})


def _error(response: httpx.Response) -> KimiAPIError:
    err = _client._make_status_error_from_response(response)  # pyright: ignore[reportPrivateUsage]
    assert isinstance(err, KimiAPIError)
    return err


TABLE = [
    # status, error.type, class, openai base, advice fragment
    (400, "content_filter", ContentFilterError, openai.BadRequestError, "Rephrase"),
    (400, "invalid_request_error", InvalidRequestError, openai.BadRequestError, "Fix the request"),
    (
        401,
        "invalid_authentication_error",
        InvalidAuthenticationError,
        openai.AuthenticationError,
        "per platform",
    ),
    (401, "incorrect_api_key_error", IncorrectAPIKeyError, openai.AuthenticationError, "per platform"),
    (403, "permission_denied_error", KimiPermissionDeniedError, openai.PermissionDeniedError, "permissions"),
    (
        403,
        "exceeded_current_quota_error",
        ExceededCurrentQuotaForbiddenError,
        openai.PermissionDeniedError,
        "Top up",
    ),
    (404, "resource_not_found_error", ResourceNotFoundError, openai.NotFoundError, "'kimi-k2.6'"),
    (429, "engine_overloaded_error", EngineOverloadedError, openai.RateLimitError, "overloaded"),
    (429, "exceeded_current_quota_error", ExceededCurrentQuotaError, openai.RateLimitError, "Top up"),
    (429, "rate_limit_reached_error", RateLimitReachedError, openai.RateLimitError, "Slow down"),
    (499, "client_closed_request", ClientClosedRequestError, openai.APIStatusError, "retry"),
    (500, "server_error", ServerError, openai.InternalServerError, "server-side"),
    (500, "unexpected_output", UnexpectedOutputError, openai.InternalServerError, "server-side"),
    (503, "server_unavailable", ServerUnavailableError, openai.InternalServerError, "maintenance"),
]


@pytest.mark.parametrize(("status", "error_type", "cls", "base", "advice"), TABLE)
def test_each_documented_error_type_has_its_class(
    status: int, error_type: str, cls: type[KimiAPIError], base: type[openai.APIStatusError], advice: str
) -> None:
    response = _response(status, _kimi_body(error_type, "server says no"), {"x-request-id": "req-1"})
    err = _error(response)
    assert type(err) is cls
    assert isinstance(err, base)
    assert isinstance(err, openai.APIStatusError)
    assert isinstance(err, KimiAPIError)
    assert err.status_code == status
    assert err.error_type == error_type
    assert err.type == error_type  # openai's own attribute, from the inner error object
    assert err.body == {"type": error_type, "message": "server says no"}
    assert err.request_id == "req-1"
    assert err.raw_body == _kimi_body(error_type, "server says no")
    assert f"Error code: {status} - server says no [{error_type}]" in err.message
    assert advice in err.message
    assert str(err) == err.message


def test_quota_error_is_recognised_on_403_and_429_alike() -> None:
    for status in (403, 429):
        err = _error(_response(status, _kimi_body("exceeded_current_quota_error")))
        assert isinstance(err, ExceededCurrentQuotaError)
        assert isinstance(err, openai.RateLimitError)
        assert err.status_code == status
    forbidden = _error(_response(403, _kimi_body("exceeded_current_quota_error")))
    assert isinstance(forbidden, openai.PermissionDeniedError)
    with pytest.raises(ExceededCurrentQuotaError):
        raise forbidden


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, KimiBadRequestError),
        (401, KimiAuthenticationError),
        (403, KimiPermissionDeniedError),
        (404, KimiNotFoundError),
        (409, errors.KimiConflictError),
        (418, KimiAPIError),
        (422, errors.KimiUnprocessableEntityError),
        (429, KimiRateLimitError),
        (499, ClientClosedRequestError),
        (500, KimiInternalServerError),
        (502, KimiInternalServerError),
        (503, ServerUnavailableError),
        (504, GatewayTimeoutError),
    ],
)
def test_unknown_error_type_falls_back_on_the_status(status: int, cls: type[KimiAPIError]) -> None:
    err = _error(_response(status, _kimi_body("some_new_error")))
    assert type(err) is cls
    assert err.error_type == "some_new_error"
    assert error_class_for(status, None) is cls


def test_same_type_on_an_undocumented_status_uses_the_status_class() -> None:
    assert error_class_for(500, "engine_overloaded_error") is KimiInternalServerError


def test_html_504_page_becomes_a_typed_error_with_the_raw_text() -> None:
    page = "<html><head><title>504 Gateway Time-out</title></head><body><h1>504</h1></body></html>"
    err = _error(_response(504, page, {"content-type": "text/html", "msh-request-id": "gw-9"}))
    assert type(err) is GatewayTimeoutError
    assert isinstance(err, openai.InternalServerError)
    assert err.raw_body == page
    assert err.body == page
    assert err.error_type is None
    assert err.request_id == "gw-9"
    assert "HTML page" in err.message
    assert "stream=True" in err.message
    assert "<html" not in err.message  # the page stays in raw_body, out of the message


def test_truncated_json_keeps_its_type_when_the_type_made_it() -> None:
    cut = '{"error":{"type":"exceeded_current_quota_error","message":"Your acc'
    err = _error(_response(429, cut))
    assert type(err) is ExceededCurrentQuotaError
    assert err.raw_body == cut
    assert "truncated" in err.message


def test_truncated_json_before_the_type_falls_back_on_the_status() -> None:
    err = _error(_response(429, '{"error":{"ty'))
    assert type(err) is KimiRateLimitError
    assert err.error_type is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"[1, 2]",
        b'"just a string"',
        b'{"error": "flat string"}',
        b"\xff\xfe\x00",
        b'{"error": {"type": 7}}',
    ],
)
def test_odd_bodies_never_raise(body: bytes) -> None:
    err = _error(_response(429, body))
    assert type(err) is KimiRateLimitError
    assert err.error_type is None


@pytest.mark.parametrize(
    "header", ["x-request-id", "msh-request-id", "x-msh-request-id", "msh-trace-id", "x-trace-id"]
)
def test_request_id_is_read_from_several_header_names(header: str) -> None:
    err = _error(_response(500, _kimi_body("server_error"), {header: "abc-123"}))
    assert err.request_id == "abc-123"


def test_request_id_is_none_without_any_header() -> None:
    assert _error(_response(500, _kimi_body("server_error"))).request_id is None


def test_rate_limit_headers_are_parsed_onto_the_error() -> None:
    headers = {"X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "6m0s"}
    err = _error(_response(429, _kimi_body("rate_limit_reached_error"), headers))
    assert err.rate_limit is not None
    assert err.rate_limit.limit == 200
    assert err.rate_limit.remaining == 0
    assert err.rate_limit.reset_seconds == 360
    assert _error(_response(429, _kimi_body("rate_limit_reached_error"))).rate_limit is None


def test_rate_limit_message_names_the_retry_after() -> None:
    err = _error(_response(429, _kimi_body("rate_limit_reached_error"), {"retry-after": "7"}))
    assert "retry after 7 s" in err.message
    assert "TPD" in err.message
    overloaded = _error(_response(429, _kimi_body("engine_overloaded_error")))
    assert "retry after a short back-off" in overloaded.message


def test_401_names_the_host_and_the_other_platform() -> None:
    cn = "https://api.moonshot.cn/v1/chat/completions"
    err = _error(_response(401, _kimi_body("invalid_authentication_error"), url=cn))
    assert "went to api.moonshot.cn" in err.message
    assert "api.moonshot.ai" in err.message
    assert "MOONSHOT_API_KEY" in err.message


def test_404_names_the_model_id() -> None:
    err = _error(_response(404, _kimi_body("resource_not_found_error"), model="kimi-k1-retired"))
    assert "'kimi-k1-retired'" in err.message


def test_a_huge_request_body_is_not_parsed_to_quote_the_model() -> None:
    response = _response(404, _kimi_body("resource_not_found_error"), model="m" * 2_000_000)
    err = _error(response)
    assert "Check the model id and any file id" in err.message


def test_the_api_key_never_reaches_the_message_or_raw_body() -> None:
    echo = _kimi_body("invalid_authentication_error", f"bad key {API_KEY} and sk-otherkey987654")
    err = _error(_response(401, echo))
    assert API_KEY not in err.message
    assert "sk-otherkey987654" not in err.message
    assert API_KEY not in (err.raw_body or "")
    assert "sk-***" in err.message
    assert "Bearer" not in err.message


def test_classes_are_constructible_like_openai_errors() -> None:
    response = _response(400, _kimi_body("content_filter"))
    err = ContentFilterError("flagged", response=response, body={"type": "content_filter"})
    assert err.message == "flagged"
    assert err.error_type == "content_filter"
    assert err.status_code == 400
    assert err.raw_body == _kimi_body("content_filter")


def test_body_of_a_closed_unread_stream_is_none() -> None:
    request = httpx.Request("POST", URL)
    response = httpx.Response(429, request=request, content=iter([b"never read"]))
    response.close()
    err = _error(response)
    assert type(err) is KimiRateLimitError
    assert err.raw_body is None
    assert err.body is None


def test_base_errors_keep_their_behaviour() -> None:
    assert issubclass(KimiConfigurationError, KimiError)
    assert issubclass(KimiValidationError, ValueError)
    assert issubclass(KimiError, openai.OpenAIError)


@pytest.mark.parametrize(("status", "error_type", "cls", "base", "advice"), TABLE)
def test_one_except_kimi_error_catches_every_server_error_and_openai_still_catches_it(
    status: int, error_type: str, cls: type[KimiAPIError], base: type[openai.APIStatusError], advice: str
) -> None:
    err = _error(_response(status, _kimi_body(error_type)))
    with pytest.raises(KimiError) as caught:
        raise err
    assert caught.value is err
    with pytest.raises(base):  # code written for openai keeps catching it as before
        raise err
    assert (err.status_code, err.error_type, err.request_id) == (status, error_type, None)


def test_a_server_error_is_a_kimi_error_with_its_key_kept_out() -> None:
    err = _error(_response(500, f"upstream said Bearer {API_KEY}"))
    assert isinstance(err, KimiError)
    assert API_KEY not in str(err)
    assert API_KEY not in repr(vars(err))


def test_a_stream_timeout_is_an_openai_timeout_and_keeps_the_partial() -> None:
    partial = StreamSnapshot((SnapshotChoice(0, content="Hel"),))
    err = errors.StreamTimeoutError("no chunk for 60 s", request=httpx.Request("POST", URL), partial=partial)
    assert isinstance(err, openai.APITimeoutError)
    assert isinstance(err, errors.StreamConnectionError)
    assert (err.message, err.reason, err.partial.content) == ("no chunk for 60 s", "timeout", "Hel")
    assert err.request.url == URL


def test_all_lists_every_public_class_and_function() -> None:
    defined = {
        name
        for name, value in vars(errors).items()
        if not name.startswith("_")
        and (isinstance(value, type) or callable(value))
        and getattr(value, "__module__", None) == errors.__name__
    }
    assert defined | {"ERROR_TYPES", "REQUEST_ID_HEADERS", "STATUS_FALLBACKS"} == set(errors.__all__)


_printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
_error_types = st.sampled_from([*{t for _, t in errors.ERROR_TYPES}, "", "unknown"]) | st.text(max_size=10)
_bodies = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    _json.map(lambda v: json.dumps(v).encode()),
    st.tuples(_error_types, _json).map(
        lambda p: json.dumps({"error": {"type": p[0], "message": p[1]}}).encode()
    ),
    st.tuples(_error_types, st.integers(0, 60)).map(
        lambda p: json.dumps({"error": {"type": p[0], "message": "m"}}).encode()[: p[1]]
    ),
)
_headers = st.dictionaries(
    st.sampled_from(
        [
            "retry-after",
            "retry-after-ms",
            "x-should-retry",
            "x-request-id",
            "msh-request-id",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "content-type",
        ]
    ),
    _printable,
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(status=st.integers(400, 599), body=_bodies, headers=_headers)
def test_fuzz_any_error_response_becomes_a_typed_error(
    status: int, body: bytes, headers: dict[str, str]
) -> None:
    err = _error(_response(status, body, headers))
    assert isinstance(err, openai.APIStatusError)
    assert err.status_code == status
    assert isinstance(err.message, str)
    assert API_KEY not in err.message
    direct = make_status_error(
        "Error code: x", body=body.decode("latin-1"), response=_response(status, body, headers)
    )
    assert isinstance(direct, KimiAPIError)


_DOC_BLOCKS = [
    block
    for block in re.findall(
        r"```python\n(.*?)```", (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text(), re.S
    )
    if "req-123" in block
]


@pytest.mark.parametrize("block", _DOC_BLOCKS, ids=[f"block{i}" for i in range(len(_DOC_BLOCKS))])
def test_the_quota_example_prints_what_the_page_says(block: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(block, "docs/errors.md", "exec"), {"__name__": "docs_example"})
    assert "429 exceeded_current_quota_error req-123" in capsys.readouterr().out


def _public_exceptions() -> dict[str, type]:
    """Every exception and warning class the public modules export, by name."""
    import kimi_openai
    import kimi_openai.lib
    import kimi_openai.lib.k2_tool_calls

    found: dict[str, type] = {}
    for module in (kimi_openai, kimi_openai.lib, kimi_openai.lib.k2_tool_calls):
        for name in module.__all__:
            if name in {
                "PartialStream",
                "PartialChoice",
                "PartialToolCall",
            }:  # deprecated names, not exceptions
                continue
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, BaseException):
                found[name] = value
    return found


def _drawn() -> list[tuple[str, int]]:
    """The classes of the module docstring's tree, in order, with the column each is drawn at."""
    return [
        (match.group(1).rpartition(".")[2], match.start(1))
        for line in (errors.__doc__ or "").split("\n")
        if (match := re.search(r"[├└]── ([\w.]+)", line))
    ]


def test_every_public_exception_lives_in_the_error_module_and_its_drawn_tree() -> None:
    public = _public_exceptions()
    assert {
        "KimiError",
        "ToolLoopError",
        "BatchTimeoutError",
        "FileExtractionError",
        "K2MarkupError",
    } <= public.keys()
    assert {name for name, cls in public.items() if cls.__module__ != errors.__name__} == set()
    assert public.keys() - {name for name, _ in _drawn()} == set()


def test_the_drawn_tree_shows_each_class_under_a_class_it_extends() -> None:
    drawn = _drawn()
    checked = 0
    for row, (name, column) in enumerate(drawn):
        cls = getattr(errors, name, None)
        parents = [parent for parent, at in drawn[:row] if at == column - 4]
        if cls is None or not parents:  # a root: openai's or Python's own class
            continue
        parent = parents[-1]
        base = getattr(errors, parent, None) or getattr(openai, parent, None) or getattr(builtins, parent)
        assert issubclass(cls, base), f"{name} is drawn under {parent}"
        checked += 1
    assert checked >= 40
