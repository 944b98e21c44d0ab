"""A distinctive fake key, searched for everywhere the package writes something a user may keep.

Errors (every attribute, args, ``str``/``repr``, the traceback, the pickle and what it
unpickles to), stream error events, construction messages, ``repr(client)`` and the log
records of httpx/httpx2 and openai. Each case runs with a key shaped like Moonshot's
(``sk-…``), with one that looks like nothing in particular and with one with spaces inside
(sent as given): a key is a secret whatever its shape. Cassettes are searched in ``test_pytest_plugin.py`` and ``test_vcr.py``.
"""

from __future__ import annotations

import json
import logging
import pickle
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openai
import pytest

from kimi_openai import (
    AsyncKimiOpenAI,
    KimiAPIError,
    KimiConfigurationError,
    KimiOpenAI,
    MalformedResponseError,
    StreamConnectionError,
    StreamServerError,
)
from kimi_openai._compat import HTTP_LIBRARY, httpx

SK_KEY = "sk-LEAKCANARY7f3a9b2c4d5e6f708192a3b4c5d6e7f8"
PLAIN_KEY = "LeakCanaryPlain7f3a9b2c4d5e6f70"
"""Not ``sk-``-shaped: only knowing it as the client's key finds it."""
ENCODED_KEY = "Leak/Canary+Plain=7f3a9b2c4d5e"
"""Neither: and URLs percent-encode it, so it is only found where its encoded form is looked for."""
SPACED_KEY = "Leak Canary Spaced 7f3a9b2c4d5e"
"""A space inside is a legal header value, sent as given: hidden like any other client's key."""
KEY_SHAPED = pytest.mark.parametrize(
    "key", [SK_KEY, PLAIN_KEY, ENCODED_KEY], ids=["sk-key", "plain-key", "encoded-key"]
)
"""Keys recognisable by their shape alone, where no client holds them (given as a URL or a region)."""
KEYS = pytest.mark.parametrize(
    "key",
    [SK_KEY, PLAIN_KEY, ENCODED_KEY, SPACED_KEY],
    ids=["sk-key", "plain-key", "encoded-key", "spaced-key"],
)


def _forms(key: str) -> tuple[str, ...]:
    return (key, quote(key, safe=""), json.dumps(key)[1:-1])


def exposures(value: object, key: str) -> list[str]:
    """Every place under ``value`` (attributes, items, bodies, headers, causes) that holds ``key``."""
    found: list[str] = []
    _walk(value, key, "", found, set(), 0)
    return found


def _walk(value: object, key: str, path: str, found: list[str], seen: set[int], depth: int) -> None:
    if depth > 10 or id(value) in seen:
        return
    if isinstance(value, str | bytes):
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        if any(form in text for form in _forms(key)):
            found.append(path or "<value>")
        return
    seen.add(id(value))
    for name, child in _children(value):
        _walk(child, key, f"{path}.{name}", found, seen, depth + 1)


def _children(value: object) -> Iterator[tuple[str, object]]:
    if isinstance(value, Mapping):
        for k, v in list(value.items()):  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            yield f"[{k!r}]", k
            yield f"[{k!r}]", v
    elif isinstance(value, list | tuple | set | frozenset):
        yield from ((f"[{i}]", item) for i, item in enumerate(value))  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
    elif isinstance(value, httpx.Request):
        yield from _request_parts(value)
    elif isinstance(value, httpx.Response):
        yield from _response_parts(value)
    elif isinstance(value, BaseException):
        yield from _error_parts(value)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        yield from vars(value).items()


def _request_parts(request: httpx.Request) -> Iterator[tuple[str, object]]:
    yield "url", str(request.url)
    yield "headers", request.headers.raw
    yield "content", _read(lambda: request.content)


def _response_parts(response: httpx.Response) -> Iterator[tuple[str, object]]:
    yield "headers", response.headers.raw
    yield "content", _read(lambda: response.content)
    yield "request", _read(lambda: response.request)


def _read(get: Callable[[], object]) -> object:
    """An attribute httpx may refuse (a body never read, a response without a request): None then."""
    try:
        return get()
    except (httpx.RequestNotRead, httpx.ResponseNotRead, RuntimeError):
        return None


def _error_parts(error: BaseException) -> Iterator[tuple[str, object]]:
    yield "str()", str(error)
    yield "repr()", repr(error)
    yield "args", error.args
    yield "__cause__", error.__cause__
    if not error.__suppress_context__:
        yield "__context__", error.__context__
    # The whole of every Kimi error; of a cause raised by openai or httpx, what a traceback shows.
    if type(error).__module__.startswith("kimi_openai"):
        yield from vars(error).items()


def assert_key_free(error: BaseException, key: str) -> None:
    """Nothing the error holds or shows has the key, and neither has its pickle nor what it unpickles to."""
    assert exposures(error, key) == []
    shown = "".join(traceback.format_exception(error))
    assert not any(form in shown for form in _forms(key)), shown
    data = pickle.dumps(error)
    assert not any(form.encode() in data for form in _forms(key))
    restored = pickle.loads(data)
    assert type(restored) is _named(type(error))
    assert str(restored) == str(error)
    assert exposures(restored, key) == []


def _named(cls: type) -> type:
    # On openai 2.x a broken stream's error is also the httpx error, a class built at run time
    # under the Kimi class's name: it unpickles as that Kimi class.
    named: type = getattr(sys.modules[cls.__module__], cls.__qualname__)
    return named


# --- errors from HTTP statuses ---------------------------------------------------------------------

STATUSES = [
    (401, "invalid_authentication_error"),
    (403, "permission_denied_error"),
    (404, "resource_not_found_error"),
    (429, "rate_limit_reached_error"),
    (500, "server_error"),
    (503, "server_unavailable"),
    (504, None),
]


def _quoting_server(status: int, error_type: str | None) -> Any:
    """A server (or a proxy in front of it) that quotes the bearer token it was sent, everywhere."""

    def respond(request: httpx.Request) -> httpx.Response:
        request.read()
        token = request.headers["authorization"].removeprefix("Bearer ")
        headers = {"x-debug-echo": f"Bearer {token}", "x-credential": token, "x-request-id": "req-1"}
        if error_type is None:  # a gateway's HTML page
            page = f"<html><body>504 Gateway Time-out for Authorization: Bearer {token}</body></html>"
            return httpx.Response(status, text=page, headers={**headers, "content-type": "text/html"})
        body = {
            "error": {
                "message": f"token {token} rejected (Authorization: Bearer {token})",
                "type": error_type,
                "details": {"received": [token, {"auth": f"Bearer {token}"}]},
            }
        }
        return httpx.Response(status, json=body, headers=headers)

    return respond


@KEYS
@pytest.mark.parametrize(("status", "error_type"), STATUSES, ids=[str(s) for s, _ in STATUSES])
def test_an_error_quoting_the_key_holds_it_nowhere_sync(
    key: str, status: int, error_type: str | None
) -> None:
    transport = httpx.MockTransport(_quoting_server(status, error_type))
    client = KimiOpenAI(api_key=key, max_retries=0, http_client=httpx.Client(transport=transport))
    with pytest.raises(KimiAPIError) as info:
        client.chat.completions.create(
            model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], extra_query={"q": key}
        )
    assert info.value.status_code == status
    assert info.value.request_id == "req-1"  # what the error is for is kept
    assert info.value.response.headers["x-request-id"] == "req-1"
    assert_key_free(info.value, key)


@KEYS
@pytest.mark.parametrize(("status", "error_type"), STATUSES, ids=[str(s) for s, _ in STATUSES])
@pytest.mark.anyio
async def test_an_error_quoting_the_key_holds_it_nowhere_async(
    key: str, status: int, error_type: str | None
) -> None:
    respond = _quoting_server(status, error_type)

    async def handler(request: httpx.Request) -> httpx.Response:
        await request.aread()
        return respond(request)

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncKimiOpenAI(api_key=key, max_retries=0, http_client=http_client)
    with pytest.raises(KimiAPIError) as info:
        await client.models.list()
    assert info.value.status_code == status
    assert_key_free(info.value, key)


def test_an_error_still_says_what_the_server_said() -> None:
    transport = httpx.MockTransport(_quoting_server(401, "invalid_authentication_error"))
    client = KimiOpenAI(api_key=SK_KEY, max_retries=0, http_client=httpx.Client(transport=transport))
    with pytest.raises(KimiAPIError) as info:
        client.models.list()
    error = info.value
    assert error.body == {
        "message": "token sk-*** rejected (Authorization: Bearer sk-***)",
        "type": "invalid_authentication_error",
        "details": {"received": ["sk-***", {"auth": "Bearer sk-***"}]},
    }
    assert error.response.json()["error"]["type"] == "invalid_authentication_error"
    assert error.request.headers["authorization"] == "sk-***"
    assert error.request.url.path == "/v1/models"


@KEYS
def test_a_cut_off_answer_quoting_the_key_holds_it_nowhere(key: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"]
        body = f'{{"id":"x","note":"sent with {token}","choices":['
        return httpx.Response(200, content=body.encode(), headers={"content-type": "application/json"})

    client = KimiOpenAI(
        api_key=key, max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    with pytest.raises(MalformedResponseError) as info:
        client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}])
    assert info.value.raw_body == '{"id":"x","note":"sent with Bearer sk-***","choices":['
    assert_key_free(info.value, key)


# --- errors raised inside streams ----------------------------------------------------------------


def _stream_body(key: str) -> bytes:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "kimi-k2.6",
        "choices": [{"index": 0, "delta": {"content": "partial answer"}}],
    }
    error = {"error": {"message": f"upstream refused Bearer {key}", "type": "server_error", "token": key}}
    return f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(error)}\n\n".encode()


def _sse(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})


@KEYS
def test_a_stream_error_event_quoting_the_key_holds_it_nowhere_sync(key: str) -> None:
    transport = httpx.MockTransport(lambda _request: _sse(_stream_body(key)))
    client = KimiOpenAI(api_key=key, max_retries=0, http_client=httpx.Client(transport=transport))
    stream = client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(StreamServerError) as info:
        for _ in stream:
            pass
    assert info.value.message == "upstream refused Bearer sk-***"
    assert info.value.partial.content == "partial answer"
    assert isinstance(info.value.__cause__, openai.APIError)
    assert exposures(vars(info.value.__cause__), key) == []  # built by kimi_openai, shown in tracebacks
    assert_key_free(info.value, key)


@KEYS
@pytest.mark.anyio
async def test_a_stream_error_event_quoting_the_key_holds_it_nowhere_async(key: str) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return _sse(_stream_body(key))

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncKimiOpenAI(api_key=key, max_retries=0, http_client=http_client)
    stream = await client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(StreamServerError) as info:
        async for _ in stream:
            pass
    assert_key_free(info.value, key)


class _BrokenStream(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        chunk: dict[str, object] = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "kimi-k2.6",
            "choices": [],
        }
        yield f"data: {json.dumps(chunk)}\n\n".encode()
        raise httpx.ReadError("connection reset by peer")


@KEYS
def test_a_dropped_stream_error_pickles_without_the_key(key: str) -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_BrokenStream(), headers={"content-type": "text/event-stream"})

    transport = httpx.MockTransport(handler)
    client = KimiOpenAI(api_key=key, max_retries=0, http_client=httpx.Client(transport=transport))
    stream = client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(StreamConnectionError) as info:
        for _ in stream:
            pass
    assert_key_free(info.value, key)
    assert isinstance(pickle.loads(pickle.dumps(info.value)), StreamConnectionError)


# --- construction and repr -------------------------------------------------------------------------


@KEY_SHAPED
@pytest.mark.parametrize("argument", ["base_url", "region"])
def test_a_key_passed_where_a_url_or_region_belongs_is_not_quoted(key: str, argument: str) -> None:
    kwargs: dict[str, Any] = {argument: key}
    with pytest.raises(KimiConfigurationError) as info:
        KimiOpenAI(api_key="sk-the-real-key-0123456789", **kwargs)
    message = str(info.value)
    assert argument in message or "region" in message
    assert "shaped like an API key" in message
    assert exposures(info.value, key) == []


@KEY_SHAPED
@pytest.mark.parametrize("where", ["environment", "dotenv"])
def test_a_key_in_moonshot_base_url_is_not_quoted(
    key: str, where: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOONSHOT_BASE_URL", raising=False)
    if where == "environment":
        monkeypatch.setenv("MOONSHOT_BASE_URL", key)
    else:
        (tmp_path / ".env").write_text(f"MOONSHOT_BASE_URL={key}\n")
    with pytest.raises(KimiConfigurationError, match="MOONSHOT_BASE_URL") as info:
        KimiOpenAI(api_key="sk-the-real-key-0123456789")
    assert exposures(info.value, key) == []


@KEY_SHAPED
def test_a_bad_base_url_holding_a_password_is_not_quoted_with_it(key: str) -> None:
    with pytest.raises(KimiConfigurationError) as info:
        KimiOpenAI(
            api_key="sk-the-real-key-0123456789", base_url=f"https://user:{key}@gateway.example:99999/v1"
        )
    assert "https://user:sk-***@gateway.example:99999/v1" in str(info.value)
    assert exposures(info.value, key) == []


def test_a_bad_base_url_shows_its_query_without_credential_values() -> None:
    with pytest.raises(KimiConfigurationError) as info:
        KimiOpenAI(
            api_key="sk-the-real-key-0123456789",
            base_url=f"https://gateway.example/v1?page=2&key={PLAIN_KEY}",
        )
    assert "'https://gateway.example/v1?page=2&key=sk-***'" in str(info.value)


@KEYS
def test_repr_hides_the_password_of_the_base_url_and_the_key(key: str) -> None:
    password = quote(key, safe="")
    client = KimiOpenAI(api_key=key, base_url=f"https://user:{password}@gateway.example/v1")
    assert repr(client) == "KimiOpenAI(base_url='https://user:sk-***@gateway.example/v1/', region=None)"
    assert password in str(client.base_url)  # still sent: only what is shown is redacted
    async_client = AsyncKimiOpenAI(api_key=key, base_url=f"https://u:{password}@gateway.example/v1")
    assert exposures(repr(async_client), key) == []


# --- log records ---------------------------------------------------------------------------------


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    lines = [f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records]
    return "\n".join(lines) + caplog.text


@KEYS
def test_log_records_of_httpx_and_openai_never_show_the_key(
    key: str, caplog: pytest.LogCaptureFixture
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        status = 401 if request.url.path.endswith("/files") else 200
        return httpx.Response(status, json={"object": "list", "data": []})

    caplog.set_level(logging.DEBUG)
    client = KimiOpenAI(
        api_key=key, max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    client.models.list(extra_query={"key": key, "q": key}, extra_headers={"x-api-key": key, "X-Debug": key})
    with pytest.raises(KimiAPIError):
        client.files.list(extra_query={"access_token": key})
    text = _logged(caplog)
    assert f"{HTTP_LIBRARY} HTTP Request: GET https://api.moonshot.ai/v1/models?key=sk-***" in text
    if openai.__version__.startswith("2."):  # openai 2.x prints the request options at DEBUG
        assert "'x-api-key': 'sk-***'" in text
        assert "Traceback" in text  # and logs the status error with its traceback
    assert not any(form in text for form in _forms(key))


def test_a_key_shaped_value_is_hidden_in_logs_whoever_sent_it(caplog: pytest.LogCaptureFixture) -> None:
    KimiOpenAI(api_key="sk-unrelated-key-0123456789")  # installs the filter
    caplog.set_level(logging.INFO)
    logging.getLogger(HTTP_LIBRARY).info("HTTP Request: GET %s", f"https://example.com/v1?sig={SK_KEY}")
    assert SK_KEY not in caplog.text
    assert "https://example.com/v1?sig=sk-***" in caplog.text
