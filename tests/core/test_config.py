"""Construction-time checks: a malformed base URL or a mistyped Kimi option fails at once.

Without them the mistake shows up later and elsewhere: a bad port or host as an
``APIConnectionError`` after every retry, a mistyped ``max_tokens_field`` as an output
limit Moonshot silently ignores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _helpers import Recorder

from kimi_openai import AsyncKimiOpenAI, KimiConfigurationError, KimiOpenAI
from kimi_openai._compat import httpx

KEY = "sk-test-config-0123456789"

BAD_URLS: dict[str, tuple[str, str]] = {
    "port-out-of-range": ("https://api.moonshot.ai:99999/v1", "port"),
    "port-not-a-number": ("https://api.moonshot.ai:abc/v1", "port"),
    "port-zero": ("http://localhost:0/v1", "port"),
    "space-in-host": ("https://api moonshot.ai/v1", "host 'api moonshot.ai'"),
    "query": ("https://api.moonshot.ai/v1?page=1", "default_query"),
    "fragment": ("https://api.moonshot.ai/v1#top", "fragment"),
    "bad-ipv6": ("http://[zz]/v1", "zz"),
}


@pytest.mark.parametrize("case", BAD_URLS)
def test_malformed_base_url_argument_is_rejected_naming_the_problem(case: str) -> None:
    url, problem = BAD_URLS[case]
    with pytest.raises(KimiConfigurationError) as info:
        KimiOpenAI(api_key=KEY, base_url=url)
    message = str(info.value)
    assert message.startswith(f"base_url {url!r} is not a valid base URL")
    assert problem in message
    assert "Fix it" in message


@pytest.mark.parametrize("case", BAD_URLS)
def test_malformed_base_url_variable_is_rejected_naming_the_variable(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, problem = BAD_URLS[case]
    monkeypatch.setenv("MOONSHOT_BASE_URL", url)
    with pytest.raises(KimiConfigurationError, match="environment variable MOONSHOT_BASE_URL") as info:
        AsyncKimiOpenAI(api_key=KEY)
    assert problem in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.moonshot.ai/v1",
        "https://api.moonshot.cn:443/v1",
        "http://localhost:8000/v1",
        "http://127.0.0.1:30000/v1",
        "http://[::1]:8000/v1",
        "http://my_gpu-box.internal:8000/v1",
        "https://例子.测试/v1",
    ],
)
def test_well_formed_base_urls_are_accepted(url: str) -> None:
    assert KimiOpenAI(api_key=KEY, base_url=url).base_url.path == "/v1/"


BAD_OPTIONS: list[tuple[str, object, str]] = [
    ("max_tokens_field", "max_tokenz", "'max_tokens', 'max_completion_tokens'"),
    ("reasoning_echo", "bogus", "'auto', 'strict', 'off'"),
    ("validation", "no", "validation=True or validation=False"),
    ("normalize_tool_schemas", 1, "normalize_tool_schemas=True or normalize_tool_schemas=False"),
    ("k2_tool_call_markup", "yes", "k2_tool_call_markup=True or k2_tool_call_markup=False"),
]


@pytest.mark.parametrize(("option", "value", "allowed"), BAD_OPTIONS)
def test_kimi_options_are_checked_by_the_constructors(option: str, value: object, allowed: str) -> None:
    kwargs: dict[str, Any] = {option: value}
    for client_class in (KimiOpenAI, AsyncKimiOpenAI):
        with pytest.raises(KimiConfigurationError, match=f"^{option}={value!r} is not allowed") as info:
            client_class(api_key=KEY, **kwargs)
        assert allowed in str(info.value)


@pytest.mark.parametrize(("option", "value", "allowed"), BAD_OPTIONS)
def test_kimi_options_are_checked_by_with_options(option: str, value: object, allowed: str) -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client())
    kwargs: dict[str, Any] = {option: value}
    with pytest.raises(KimiConfigurationError, match=allowed):
        client.with_options(**kwargs)
    with pytest.raises(KimiConfigurationError, match=allowed):
        client.copy(**kwargs)
    assert recorder.requests == []


def test_a_valid_option_still_reaches_the_wire() -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key=KEY, http_client=recorder.client(), max_tokens_field="max_completion_tokens")
    client.chat.completions.create(
        model="kimi-k2.6", messages=[{"role": "user", "content": "hi"}], max_tokens=50
    )
    body = recorder.last_json()
    assert body["max_completion_tokens"] == 50
    assert "max_tokens" not in body


# -- region= next to a base URL -------------------------------------------------------------------

PROXY = "https://llm-gateway.example.com/moonshot/v1"


@pytest.mark.parametrize("client_class", [KimiOpenAI, AsyncKimiOpenAI])
def test_region_with_a_proxy_base_url_names_the_platform_it_fronts(
    client_class: type[KimiOpenAI] | type[AsyncKimiOpenAI],
) -> None:
    client = client_class(api_key=KEY, base_url=PROXY, region="cn")
    assert (str(client.base_url), client.region) == (f"{PROXY}/", "cn")
    assert repr(client) == f"{client_class.__name__}(base_url='{PROXY}/', region='cn')"
    assert client_class(api_key=KEY, base_url=PROXY).region is None


@pytest.mark.parametrize("client_class", [KimiOpenAI, AsyncKimiOpenAI])
def test_the_region_follows_a_base_url_set_after_construction(
    client_class: type[KimiOpenAI] | type[AsyncKimiOpenAI],
) -> None:
    """openai lets ``client.base_url`` be set; the platform (and whether its rules apply) follows it."""
    client = client_class(api_key=KEY)
    assert client.region == "global"
    client.base_url = "https://api.moonshot.cn/v1"
    assert client.region == "cn"
    client.base_url = PROXY
    assert client.region is None


def test_region_with_moonshot_base_url_variable_names_the_platform_it_fronts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOONSHOT_BASE_URL", PROXY)
    assert KimiOpenAI(api_key=KEY, region="global").region == "global"
    assert KimiOpenAI(api_key=KEY).region is None


@pytest.mark.parametrize("client_class", [KimiOpenAI, AsyncKimiOpenAI])
def test_an_official_host_with_the_other_region_is_refused(
    client_class: type[KimiOpenAI] | type[AsyncKimiOpenAI],
) -> None:
    with pytest.raises(KimiConfigurationError) as info:
        client_class(api_key=KEY, base_url="https://api.moonshot.cn/v1", region="global")
    message = str(info.value)
    assert "region='global'" in message
    assert "'https://api.moonshot.cn/v1'" in message
    assert "Pass region='cn'" in message
    assert client_class(api_key=KEY, base_url="https://api.moonshot.cn/v1", region="cn").region == "cn"


def test_an_official_host_variable_with_the_other_region_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOONSHOT_BASE_URL", "https://api.moonshot.ai/v1")
    with pytest.raises(KimiConfigurationError, match="environment variable MOONSHOT_BASE_URL"):
        KimiOpenAI(api_key=KEY, region="cn")


def test_copy_keeps_the_region_a_proxy_fronts() -> None:
    client = KimiOpenAI(api_key=KEY, base_url=PROXY, region="cn")
    for copied in (client.copy(), client.with_options(timeout=3), client.copy(base_url=PROXY)):
        assert (str(copied.base_url), copied.region) == (f"{PROXY}/", "cn")
    assert client.copy(base_url=f"{PROXY}/", region="global").region == "global"


def test_copy_to_another_base_url_drops_the_proxy_region() -> None:
    # As KimiOpenAI(base_url=...) would: the new URL may be a self-hosted engine.
    client = KimiOpenAI(api_key=KEY, base_url=PROXY, region="cn")
    local = client.copy(base_url="http://localhost:8000/v1")
    assert local.region is None
    other = client.copy(base_url="https://other-gateway.example.com/v1", region="cn")
    assert other.region == "cn"
    assert client.copy(base_url="https://api.moonshot.ai/v1").region == "global"


def test_copy_with_a_region_alone_switches_to_its_official_endpoint() -> None:
    client = KimiOpenAI(api_key=KEY, base_url=PROXY, region="cn")
    switched = client.copy(region="global")
    assert (str(switched.base_url), switched.region) == ("https://api.moonshot.ai/v1/", "global")
    with pytest.raises(KimiConfigurationError, match="Pass region='cn'"):
        KimiOpenAI(api_key=KEY, region="cn").copy(base_url="https://api.moonshot.cn/v1", region="global")


@pytest.mark.anyio
async def test_async_copy_keeps_the_region_a_proxy_fronts() -> None:
    client = AsyncKimiOpenAI(api_key=KEY, base_url=PROXY, region="global")
    assert client.with_options(max_retries=0).region == "global"
    assert client.copy(base_url="http://localhost:8000/v1").region is None


# -- inputs that cannot work: refused at construction, naming the argument, never quoting the key ----

CANARY = "sk-ConfigCanary7f3a9b2c4d5e6f70"

BAD_KEYS: dict[str, tuple[object, str]] = {
    "int": (12345678901, "must be a string (or a callable returning one), not int"),
    "bytes": (CANARY.encode(), "not bytes. Decode it first"),
    "list": ([CANARY], "not list"),
    "newline-inside": (
        f"{CANARY[:10]}\n{CANARY[10:]}",
        "holds a line break or control character (character 11)",
    ),
    "trailing-newline": (f"{CANARY}\n", "starts or ends with a space or a line break"),
    "surrounding-spaces": (f"  {CANARY} ", "starts or ends with a space or a line break"),
    "double-quotes": (f'"{CANARY}"', "starts or ends with a quote mark"),
    "single-quotes": (f"'{CANARY}'", "starts or ends with a quote mark"),
    "typographic-quotes": (f"\u201c{CANARY}\u201d", "starts or ends with a quote mark"),
    "tab-inside": (f"{CANARY[:5]}\t{CANARY[5:]}", "(character 6)"),
    "non-ascii": (CANARY.replace("a", "\u0430", 1), "non-ASCII character"),
    "en-dash": (CANARY.replace("-", "\u2013", 1), "non-ASCII character (character 3;"),
}


@pytest.mark.parametrize("case", BAD_KEYS)
@pytest.mark.parametrize("client_class", [KimiOpenAI, AsyncKimiOpenAI])
def test_a_key_that_cannot_work_is_refused_at_construction(
    case: str, client_class: type[KimiOpenAI] | type[AsyncKimiOpenAI]
) -> None:
    key, problem = BAD_KEYS[case]
    with pytest.raises(KimiConfigurationError) as info:
        client_class(api_key=key)  # pyright: ignore[reportArgumentType]
    message = str(info.value)
    assert message.startswith("The api_key argument ")
    assert problem in message
    assert CANARY[3:] not in message
    assert CANARY[12:] not in message


@pytest.mark.parametrize("case", ["trailing-newline", "double-quotes", "non-ascii"])
def test_a_key_variable_that_cannot_work_is_refused_naming_the_variable(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, problem = BAD_KEYS[case]
    monkeypatch.setenv("MOONSHOT_API_KEY", str(key))
    with pytest.raises(KimiConfigurationError) as info:
        KimiOpenAI()
    message = str(info.value)
    assert message.startswith("The environment variable MOONSHOT_API_KEY ")
    assert problem in message
    assert CANARY[12:] not in message


def test_a_key_provider_is_still_taken_as_openai_takes_it() -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key=lambda: CANARY, http_client=recorder.client())
    client.models.list()
    assert recorder.last.headers["authorization"] == f"Bearer {CANARY}"


def test_a_key_with_a_space_inside_is_sent_as_given() -> None:
    # A legal header value, as openai sends it: a self-hosted engine may hand out such keys.
    recorder = Recorder()
    client = KimiOpenAI(
        api_key="team key 7f3a", base_url="http://localhost:8000/v1", http_client=recorder.client()
    )
    client.with_options(max_retries=0).models.list()
    assert recorder.last.headers["authorization"] == "Bearer team key 7f3a"


@pytest.mark.anyio
async def test_a_key_with_a_space_inside_is_sent_as_given_async(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOONSHOT_API_KEY", "team key 7f3a")
    recorder = Recorder()
    client = AsyncKimiOpenAI(http_client=recorder.async_client())
    await client.models.list()
    assert recorder.last.headers["authorization"] == "Bearer team key 7f3a"


@pytest.mark.parametrize(
    "url", ["https://api.moonshot.ai/v1\r\nX-Injected: 1", "https://api.moonshot.ai/v\n1"]
)
def test_a_line_break_in_the_base_url_is_refused(url: str) -> None:
    with pytest.raises(KimiConfigurationError, match=r"^base_url .* line break or control character"):
        KimiOpenAI(api_key=KEY, base_url=url)


def _wrong_http_clients() -> list[tuple[type[KimiOpenAI] | type[AsyncKimiOpenAI], object, str]]:
    return [
        (KimiOpenAI, object(), "not object"),
        (KimiOpenAI, httpx.AsyncClient(), "(an async client given to KimiOpenAI)"),
        (AsyncKimiOpenAI, httpx.Client(), "(a sync client given to AsyncKimiOpenAI)"),
        (AsyncKimiOpenAI, "http://localhost", "not str"),
    ]


@pytest.mark.parametrize("index", range(4))
def test_an_http_client_of_the_wrong_kind_is_refused_naming_what_to_pass(index: int) -> None:
    client_class, http_client, problem = _wrong_http_clients()[index]
    with pytest.raises(KimiConfigurationError) as info:
        client_class(api_key=KEY, http_client=http_client)  # pyright: ignore[reportArgumentType]
    assert isinstance(info.value, TypeError)  # what openai raises: `except TypeError` keeps working
    message = str(info.value)
    assert message.startswith(
        f"Invalid `http_client` argument: {client_class.__name__} needs an {httpx.__name__}."
    )
    assert problem in message
    assert "DefaultHttpxClient" in message or "DefaultAsyncHttpxClient" in message


@pytest.mark.parametrize("client_class", [KimiOpenAI, AsyncKimiOpenAI])
def test_kimi_base_url_is_read_after_moonshot_base_url(
    client_class: type[KimiOpenAI] | type[AsyncKimiOpenAI], clean_env: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIMI_BASE_URL", "http://localhost:8000/v1")
    assert str(client_class(api_key=KEY).base_url) == "http://localhost:8000/v1/"
    monkeypatch.setenv("MOONSHOT_BASE_URL", PROXY)
    assert str(client_class(api_key=KEY).base_url) == f"{PROXY}/"
    assert str(client_class(api_key=KEY, base_url="https://api.moonshot.cn/v1").base_url) == (
        "https://api.moonshot.cn/v1/"
    )


def test_kimi_base_url_in_dotenv_and_its_region(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text("KIMI_BASE_URL=https://api.moonshot.cn/v1\n")
    client = KimiOpenAI(api_key=KEY)
    assert (str(client.base_url), client.region) == ("https://api.moonshot.cn/v1/", "cn")
    monkeypatch.setenv("KIMI_BASE_URL", PROXY)  # the environment before ./.env, as for the key
    assert KimiOpenAI(api_key=KEY, region="cn").region == "cn"


def test_a_malformed_kimi_base_url_is_refused_naming_it(
    clean_env: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIMI_BASE_URL", "https://api.moonshot.ai:99999/v1")
    with pytest.raises(KimiConfigurationError, match="environment variable KIMI_BASE_URL"):
        KimiOpenAI(api_key=KEY)


@pytest.mark.parametrize("case", ["surrounding-spaces", "single-quotes", "typographic-quotes"])
def test_kimi_api_key_with_quotes_or_whitespace_around_it_is_refused_naming_it(
    case: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, problem = BAD_KEYS[case]
    monkeypatch.setenv("KIMI_API_KEY", str(key))
    with pytest.raises(KimiConfigurationError) as info:
        AsyncKimiOpenAI()
    message = str(info.value)
    assert message.startswith("The environment variable KIMI_API_KEY ")
    assert problem in message
    assert CANARY[12:] not in message
