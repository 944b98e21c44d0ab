"""KimiOpenAI / AsyncKimiOpenAI: construction, settings, copy, and what reaches the wire."""

from __future__ import annotations

import logging
from pathlib import Path

import openai
import pytest
from _helpers import Recorder
from openai.resources.chat import Completions

from kimi_openai import AsyncKimiOpenAI, KimiConfigurationError, KimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai.resources.chat import AsyncKimiCompletions, KimiCompletions

pytestmark = pytest.mark.usefixtures("clean_env")

KEY = "sk-kimi-0123456789abcdef"
OPENAI_ENV = {
    "OPENAI_API_KEY": "sk-openai-should-never-leak-1",
    "OPENAI_BASE_URL": "https://openai.invalid/v1",
    "OPENAI_ORG_ID": "org-should-never-leak",
    "OPENAI_PROJECT_ID": "proj-should-never-leak",
    "OPENAI_ADMIN_KEY": "sk-admin-should-never-leak",
    "OPENAI_WEBHOOK_SECRET": "whsec-should-never-leak",
    "OPENAI_CUSTOM_HEADERS": "X-Leak: yes\nAuthorization: Bearer sk-openai-custom-should-never-leak",
}


# --- API key -----------------------------------------------------------------------------------


def test_key_argument_wins_over_every_variable(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    monkeypatch.setenv("MOONSHOT_API_KEY", "sk-from-moonshot-env")
    monkeypatch.setenv("KIMI_API_KEY", "sk-from-kimi-env")
    (clean_env / ".env").write_text("MOONSHOT_API_KEY=sk-from-dotenv\n")
    assert KimiOpenAI(api_key=KEY).api_key == KEY


def test_moonshot_variable_comes_before_kimi_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOONSHOT_API_KEY", "sk-from-moonshot-env")
    monkeypatch.setenv("KIMI_API_KEY", "sk-from-kimi-env")
    assert KimiOpenAI().api_key == "sk-from-moonshot-env"


def test_kimi_variable_comes_before_dotenv(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    monkeypatch.setenv("KIMI_API_KEY", "sk-from-kimi-env")
    (clean_env / ".env").write_text("MOONSHOT_API_KEY=sk-from-dotenv\n")
    assert KimiOpenAI().api_key == "sk-from-kimi-env"


def test_dotenv_is_read_without_touching_os_environ(clean_env: Path) -> None:
    import os

    (clean_env / ".env").write_text(
        'export KIMI_API_KEY="sk-from-dotenv"\nMOONSHOT_BASE_URL=http://127.0.0.1:9/v1\n'
    )
    client = KimiOpenAI()
    assert client.api_key == "sk-from-dotenv"
    assert str(client.base_url) == "http://127.0.0.1:9/v1/"
    assert "KIMI_API_KEY" not in os.environ
    assert "MOONSHOT_BASE_URL" not in os.environ


def test_openai_api_key_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_ENV["OPENAI_API_KEY"])
    with pytest.raises(KimiConfigurationError) as info:
        KimiOpenAI()
    message = str(info.value)
    assert "MOONSHOT_API_KEY" in message
    assert "KIMI_API_KEY" in message
    assert OPENAI_ENV["OPENAI_API_KEY"] not in message


@pytest.mark.parametrize("client_class", [KimiOpenAI, AsyncKimiOpenAI])
def test_missing_key_is_a_configuration_error_that_is_an_openai_error(
    client_class: type[KimiOpenAI] | type[AsyncKimiOpenAI],
) -> None:
    with pytest.raises(openai.OpenAIError, match=r"api_key=.*MOONSHOT_API_KEY or KIMI_API_KEY"):
        client_class()


@pytest.mark.parametrize("key", ["", "   "])
def test_empty_key_argument_is_rejected(key: str) -> None:
    with pytest.raises(KimiConfigurationError, match="api_key argument is empty"):
        KimiOpenAI(api_key=key)


def test_empty_key_variable_is_rejected_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOONSHOT_API_KEY", "")
    with pytest.raises(
        KimiConfigurationError, match="environment variable MOONSHOT_API_KEY is set but empty"
    ):
        KimiOpenAI()


def test_callable_key_is_accepted_and_called_per_request() -> None:
    recorder = Recorder()
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return KEY

    client = KimiOpenAI(api_key=provider, http_client=recorder.client())
    client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}])
    assert calls
    assert recorder.last.headers["authorization"] == f"Bearer {KEY}"


# --- base URL and region -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (None, "https://api.moonshot.ai/v1/"),
        ("global", "https://api.moonshot.ai/v1/"),
        ("cn", "https://api.moonshot.cn/v1/"),
    ],
)
def test_region_picks_the_endpoint(region: str | None, expected: str) -> None:
    client = KimiOpenAI(api_key=KEY, region=region)  # type: ignore[arg-type]
    assert str(client.base_url) == expected
    assert client.region == (region or "global")


def test_base_url_argument_then_variable_then_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOONSHOT_BASE_URL", "http://proxy.local:8080/v1")
    assert str(KimiOpenAI(api_key=KEY, base_url="http://other.local/v1").base_url) == "http://other.local/v1/"
    from_env = KimiOpenAI(api_key=KEY, region="cn")
    assert str(from_env.base_url) == "http://proxy.local:8080/v1/"
    # region= next to a base URL that is not Moonshot's names the platform that URL fronts.
    assert from_env.region == "cn"
    assert KimiOpenAI(api_key=KEY).region is None


def test_openai_base_url_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", OPENAI_ENV["OPENAI_BASE_URL"])
    assert str(KimiOpenAI(api_key=KEY).base_url) == "https://api.moonshot.ai/v1/"


def test_unknown_region_names_the_allowed_values() -> None:
    with pytest.raises(KimiConfigurationError, match=r"Unknown region 'eu'. Allowed: 'global', 'cn'"):
        KimiOpenAI(api_key=KEY, region="eu")  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["api.moonshot.ai/v1", "ftp://api.moonshot.ai/v1", "https://", "not a url"])
def test_malformed_base_url_is_rejected_at_construction(url: str) -> None:
    with pytest.raises(KimiConfigurationError, match=r"not a valid base URL: expected http\(s\)://"):
        KimiOpenAI(api_key=KEY, base_url=url)


def test_malformed_base_url_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOONSHOT_BASE_URL", "moonshot")
    with pytest.raises(KimiConfigurationError, match="environment variable MOONSHOT_BASE_URL 'moonshot'"):
        KimiOpenAI(api_key=KEY)


# --- nothing of the OpenAI setup reaches Moonshot -----------------------------------------------


def _set_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in OPENAI_ENV.items():
        monkeypatch.setenv(name, value)


def _assert_no_openai_leak(request: httpx.Request) -> None:
    assert request.url.host == "api.moonshot.ai"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    wire = str(request.headers).lower() + str(request.url).lower()
    for value in OPENAI_ENV.values():
        for part in value.lower().split("\n"):
            assert part.split(": ")[-1] not in wire, part
    for header in ("openai-organization", "openai-project", "x-leak"):
        assert header not in request.headers


def test_openai_variables_never_reach_a_moonshot_request(monkeypatch: pytest.MonkeyPatch) -> None:
    _set_openai_env(monkeypatch)
    monkeypatch.setenv("MOONSHOT_API_KEY", KEY)
    recorder = Recorder()
    client = KimiOpenAI(http_client=recorder.client())
    client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}])
    client.with_options(timeout=5).models.list()
    for request in recorder.requests:
        _assert_no_openai_leak(request)


@pytest.mark.anyio
async def test_openai_variables_never_reach_an_async_moonshot_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _set_openai_env(monkeypatch)
    monkeypatch.setenv("KIMI_API_KEY", KEY)
    recorder = Recorder()
    client = AsyncKimiOpenAI(http_client=recorder.async_client())
    await client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}])
    await client.copy(max_retries=0).models.list()
    for request in recorder.requests:
        _assert_no_openai_leak(request)


def test_explicit_openai_style_options_are_still_sent() -> None:
    recorder = Recorder()
    client = KimiOpenAI(
        api_key=KEY,
        organization="org-explicit",
        default_headers={"X-Team": "search"},
        default_query={"trace": "1"},
        http_client=recorder.client(),
    )
    client.models.list()
    assert recorder.last.headers["openai-organization"] == "org-explicit"
    assert recorder.last.headers["x-team"] == "search"
    assert recorder.last.url.params["trace"] == "1"


# --- constructor arguments, copy and with_options ----------------------------------------------


# Every openai parameter by name, and copy()'s parity with the constructor: test_client_openai_parameters.py.


def test_copy_and_with_options_return_the_kimi_class_with_kimi_settings() -> None:
    client = KimiOpenAI(api_key=KEY, region="cn", timeout=12, max_retries=4, default_headers={"X-A": "1"})
    for copied in (client.copy(), client.with_options(default_headers={"X-B": "2"})):
        assert type(copied) is KimiOpenAI
        assert copied.region == "cn"
        assert str(copied.base_url) == "https://api.moonshot.cn/v1/"
        assert copied.api_key == KEY
        assert copied.timeout == 12
        assert copied.max_retries == 4
        assert isinstance(copied.chat.completions, KimiCompletions)
    assert client.with_options(default_headers={"X-B": "2"}).default_headers["X-B"] == "2"
    assert client.with_options(default_headers={"X-B": "2"}).default_headers["X-A"] == "1"
    assert client.with_options(set_default_headers={"X-B": "2"}).default_headers.get("X-A") is None


def test_copy_can_switch_region_and_override_arguments() -> None:
    client = KimiOpenAI(api_key=KEY)
    switched = client.copy(region="cn", api_key="sk-cn-key-0123456789")
    assert str(switched.base_url) == "https://api.moonshot.cn/v1/"
    assert switched.api_key == "sk-cn-key-0123456789"
    assert client.region == "global"


def test_copy_rejects_both_header_forms() -> None:
    with pytest.raises(ValueError, match="mutually exclusive"):
        KimiOpenAI(api_key=KEY).copy(default_headers={}, set_default_headers={})


@pytest.mark.anyio
async def test_async_copy_keeps_the_async_kimi_class() -> None:
    client = AsyncKimiOpenAI(api_key=KEY, region="cn")
    copied = client.with_options(timeout=3)
    assert type(copied) is AsyncKimiOpenAI
    assert copied.region == "cn"
    assert isinstance(copied.chat.completions, AsyncKimiCompletions)


def test_explicit_arguments_beat_kimi_defaults() -> None:
    client = KimiOpenAI(api_key=KEY, timeout=1.5, max_retries=0, base_url="http://127.0.0.1:1/v1")
    assert client.timeout == 1.5
    assert client.max_retries == 0
    assert str(client.base_url) == "http://127.0.0.1:1/v1/"


# --- resources and raw-response wrappers -------------------------------------------------------


def test_chat_completions_is_the_kimi_subclass_and_raw_wrappers_reach_it() -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client())
    assert isinstance(client.chat.completions, KimiCompletions)
    assert isinstance(client.chat.completions, Completions)
    raw = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "x"}]
    )
    assert raw.http_response.status_code == 200
    assert raw.parse().choices[0].message.content == "Hello"
    with client.chat.completions.with_streaming_response.create(
        model="m", messages=[{"role": "user", "content": "x"}]
    ) as streamed:
        assert streamed.parse().id == "chatcmpl-test"
    assert client.chat.with_raw_response.completions._completions is client.chat.completions  # pyright: ignore[reportPrivateUsage]


@pytest.mark.anyio
async def test_async_raw_wrappers_reach_the_kimi_resource() -> None:
    recorder = Recorder()
    client = AsyncKimiOpenAI(api_key=KEY, http_client=recorder.async_client())
    assert isinstance(client.chat.completions, AsyncKimiCompletions)
    raw = await client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "x"}]
    )
    assert raw.parse().choices[0].message.content == "Hello"
    assert recorder.last.url.path == "/v1/chat/completions"


# --- the key never shows -----------------------------------------------------------------------


@pytest.mark.parametrize("client_class", [KimiOpenAI, AsyncKimiOpenAI])
def test_repr_and_str_do_not_show_the_key(client_class: type[KimiOpenAI] | type[AsyncKimiOpenAI]) -> None:
    client = client_class(api_key=KEY)
    for text in (repr(client), str(client), repr(client.copy())):
        assert KEY not in text
        assert KEY[:12] not in text
    assert repr(client) == f"{client_class.__name__}(base_url='https://api.moonshot.ai/v1/', region='global')"


def test_debug_logs_and_errors_do_not_show_the_key(caplog: pytest.LogCaptureFixture) -> None:
    body = {"error": {"type": "invalid_authentication_error", "message": "Invalid Authentication"}}
    recorder = Recorder(respond=lambda _r: httpx.Response(401, json=body))
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), max_retries=0)
    with caplog.at_level(logging.DEBUG), pytest.raises(openai.AuthenticationError) as info:
        client.chat.completions.create(model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}])
    assert caplog.records, "openai's debug logging should have run"
    assert KEY not in caplog.text
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)
    assert KEY not in repr(info.value.body)


def test_construction_emits_no_warnings() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = KimiOpenAI(api_key=KEY).with_options(timeout=2)
        assert client.chat.completions is client.chat.completions
