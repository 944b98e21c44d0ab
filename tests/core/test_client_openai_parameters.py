"""Every parameter of the installed openai's client constructor and ``copy()``, on the Kimi clients.

Checked against whichever openai is installed (CI runs the newest 2.x and the newest 3.x), by
introspecting its signatures: a parameter a new openai release adds fails here until the Kimi
clients name it and its meaning on Moonshot is decided.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any, cast

import openai
import pytest
from _helpers import Recorder
from openai._utils import assert_signatures_in_sync
from openai.types.chat import ChatCompletionFunctionToolParam

from kimi_openai import AsyncKimiOpenAI, KimiConfigurationError, KimiOpenAI
from kimi_openai._compat import httpx

pytestmark = pytest.mark.usefixtures("clean_env")

KEY = "sk-kimi-0123456789abcdef"
BASE_URL = "http://moonshot.test/v1"
MESSAGES: list[Any] = [{"role": "user", "content": "hi"}]
PAIRS = [(KimiOpenAI, openai.OpenAI), (AsyncKimiOpenAI, openai.AsyncOpenAI)]
PLATFORM_ONLY: dict[str, object] = {
    "admin_api_key": "sk-admin-secret-0123456789",
    "workload_identity": {"identity_provider_id": "idp-secret-42", "service_account_id": "sa-1"},
    "provider": object(),
    "data_residency": "eu",
}
"""Each OpenAI-platform-only option with a value it takes on OpenAI."""

ClientPair = tuple[type[KimiOpenAI] | type[AsyncKimiOpenAI], type[openai.OpenAI] | type[openai.AsyncOpenAI]]


def _named(function: Callable[..., object]) -> set[str]:
    """The parameters a caller can pass by name (not ``self``, not a ``**`` catch-all)."""
    return {
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and name != "self"
    }


def _openai_defaults(function: Callable[..., object], *, skip: set[str]) -> dict[str, object]:
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if name != "self" and name not in skip and parameter.default is not inspect.Parameter.empty
    }


def _send(client: KimiOpenAI | AsyncKimiOpenAI) -> None:
    if isinstance(client, KimiOpenAI):
        client.chat.completions.create(model="kimi-k2.6", messages=MESSAGES)
        return
    import asyncio

    asyncio.run(client.chat.completions.create(model="kimi-k2.6", messages=MESSAGES))


def _http_client(kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI], recorder: Recorder) -> Any:
    return recorder.client() if kimi is KimiOpenAI else recorder.async_client()


def _wire(request: httpx.Request) -> tuple[str, str, dict[str, str], object]:
    return request.method, str(request.url), dict(request.headers), json.loads(request.content)


# --- the signatures ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kimi", "base"), PAIRS)
@pytest.mark.parametrize("method", ["__init__", "copy", "with_options"])
def test_every_openai_parameter_is_named_by_the_kimi_client(kimi: Any, base: Any, method: str) -> None:
    missing = _named(getattr(base, method)) - _named(getattr(kimi, method))
    assert not missing, f"{kimi.__name__}.{method} lacks openai {openai.__version__}'s {sorted(missing)}"


@pytest.mark.parametrize("kimi", [KimiOpenAI, AsyncKimiOpenAI])
def test_copy_takes_every_constructor_option(kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI]) -> None:
    # openai's own check on its clients (tests/core/test_client.py, test_copy_signature).
    copy = inspect.signature(kimi.copy).parameters
    for name in inspect.signature(kimi.__init__).parameters:
        if name not in {"self", "_strict_response_validation"}:
            assert name in copy, f"copy() lacks {name}"
    assert kimi.with_options is kimi.copy


# --- the defaults: accepted, and nothing changes --------------------------------------------------


@pytest.mark.parametrize(("kimi", "base"), PAIRS)
def test_every_openai_parameter_at_its_default_changes_no_request(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI], base: type[openai.OpenAI] | type[openai.AsyncOpenAI]
) -> None:
    plain, every = Recorder(), Recorder()
    _send(kimi(api_key=KEY, base_url=BASE_URL, http_client=_http_client(kimi, plain)))
    defaults = _openai_defaults(base.__init__, skip={"api_key", "base_url", "http_client"})
    assert {"admin_api_key", "provider", "workload_identity"} <= set(defaults)
    client = cast(Any, kimi)(
        api_key=KEY, base_url=BASE_URL, http_client=_http_client(kimi, every), **defaults
    )
    _send(client)
    assert _wire(every.last) == _wire(plain.last)


@pytest.mark.parametrize(("kimi", "base"), PAIRS)
def test_every_copy_parameter_at_its_default_changes_no_request(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI], base: type[openai.OpenAI] | type[openai.AsyncOpenAI]
) -> None:
    recorder = Recorder()
    client = kimi(api_key=KEY, base_url=BASE_URL, http_client=_http_client(kimi, recorder))
    _send(client)
    copied = cast(Any, client).copy(**_openai_defaults(base.copy, skip=set()))
    _send(copied)
    first, second = recorder.requests
    assert _wire(first) == _wire(second)


def test_openai_admin_key_variable_still_never_reaches_moonshot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_ADMIN_KEY", "sk-admin-from-env-0123")
    recorder = Recorder()
    client = KimiOpenAI(api_key=KEY, admin_api_key=None, http_client=recorder.client())
    client.chat.completions.create(model="kimi-k2.6", messages=MESSAGES)
    assert "sk-admin-from-env-0123" not in str(recorder.last.headers)
    assert getattr(client, "admin_api_key", None) is None


# --- OpenAI-platform-only options given a value ----------------------------------------------------


@pytest.mark.parametrize("kimi", [KimiOpenAI, AsyncKimiOpenAI])
@pytest.mark.parametrize("name", sorted(PLATFORM_ONLY))
def test_platform_only_option_with_a_value_is_refused_at_construction(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI], name: str
) -> None:
    recorder = Recorder()
    with pytest.raises(KimiConfigurationError) as info:
        cast(Any, kimi)(api_key=KEY, http_client=_http_client(kimi, recorder), **{name: PLATFORM_ONLY[name]})
    message = str(info.value)
    assert message.startswith(f"{name} is an OpenAI-platform option")
    assert "Moonshot has no such setting" in message
    assert f"Leave {name} unset (None" in message
    assert "secret" not in message  # the value (a key, an identity) is never shown
    assert not recorder.requests


@pytest.mark.parametrize("kimi", [KimiOpenAI, AsyncKimiOpenAI])
@pytest.mark.parametrize("method", ["copy", "with_options"])
@pytest.mark.parametrize("name", sorted(PLATFORM_ONLY))
def test_platform_only_option_with_a_value_is_refused_by_copy(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI], method: str, name: str
) -> None:
    recorder = Recorder()
    client = kimi(api_key=KEY, base_url=BASE_URL, http_client=_http_client(kimi, recorder))
    with pytest.raises(
        KimiConfigurationError, match=f"^{name} is an OpenAI-platform option.*no such setting"
    ):
        getattr(client, method)(**{name: PLATFORM_ONLY[name]})
    assert not recorder.requests


def test_platform_only_option_is_named_before_a_missing_key() -> None:
    # The option is the mistake to fix first: without it, the client would be looking for a key.
    with pytest.raises(KimiConfigurationError, match=r"^data_residency is an OpenAI-platform option"):
        KimiOpenAI(data_residency=cast(Any, "us"))


def test_data_residency_points_at_moonshot_regions() -> None:
    with pytest.raises(KimiConfigurationError, match=r"region='global'.*region='cn'"):
        KimiOpenAI(api_key=KEY, data_residency=cast(Any, "eu"))


# --- _enforce_credentials ----------------------------------------------------------------------------


@pytest.mark.parametrize("kimi", [KimiOpenAI, AsyncKimiOpenAI])
def test_enforce_credentials_false_builds_a_client_without_a_key(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-never-used-0123")
    with pytest.raises(KimiConfigurationError, match="No Moonshot API key found"):
        kimi()
    client = kimi(_enforce_credentials=False)
    assert client.api_key == ""
    assert "sk-openai-never-used-0123" not in str(client.auth_headers)
    # openai's copy() enforces credentials again unless told otherwise; so does the Kimi one.
    assert client.copy(_enforce_credentials=False).api_key == ""
    with pytest.raises(KimiConfigurationError, match="No Moonshot API key found"):
        client.copy()


def test_enforce_credentials_false_keeps_a_key_that_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOONSHOT_API_KEY", KEY)
    assert KimiOpenAI(_enforce_credentials=False).api_key == KEY


@pytest.mark.parametrize("kimi", [KimiOpenAI, AsyncKimiOpenAI])
def test_enforce_credentials_false_still_refuses_a_malformed_key(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only a missing key is tolerated: a key that is there but cannot work is still a mistake.
    with pytest.raises(KimiConfigurationError, match="api_key argument"):
        kimi(api_key=f'"{KEY}"', _enforce_credentials=False)
    monkeypatch.setenv("MOONSHOT_API_KEY", f" {KEY}\n")
    with pytest.raises(KimiConfigurationError, match="MOONSHOT_API_KEY"):
        kimi(_enforce_credentials=False)


# --- options of a newer openai than this package names ------------------------------------------------


class _NewerOpenAI(openai.OpenAI):
    """openai.OpenAI as a later release might be: one more constructor option."""

    def __init__(self, *, future_option: str = "default", **kwargs: Any) -> None:
        self.future_option = future_option
        super().__init__(**kwargs)


# KimiOpenAI with _NewerOpenAI as its openai base: C3 puts it right after the Kimi classes.
_KimiOnNewerOpenAI: Any = type("_KimiOnNewerOpenAI", (KimiOpenAI, _NewerOpenAI), {})


def test_an_option_of_a_newer_openai_reaches_openai_and_survives_copy() -> None:
    assert _KimiOnNewerOpenAI.__mro__.index(_NewerOpenAI) < _KimiOnNewerOpenAI.__mro__.index(openai.OpenAI)
    client = _KimiOnNewerOpenAI(api_key=KEY, future_option="given")
    assert client.future_option == "given"
    assert client.copy(timeout=3).future_option == "given"
    assert client.with_options(future_option="changed").future_option == "changed"
    assert _KimiOnNewerOpenAI(api_key=KEY).future_option == "default"


@pytest.mark.parametrize("kimi", [KimiOpenAI, AsyncKimiOpenAI])
def test_a_keyword_openai_does_not_take_either_is_a_type_error(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI],
) -> None:
    # Reported as the misspelling it is, not as a missing key (no key is set here).
    with pytest.raises(
        TypeError, match=rf"^{kimi.__name__}\(\) got an unexpected keyword argument 'api_kye'"
    ):
        cast(Any, kimi)(api_kye=KEY)
    client = kimi(api_key=KEY)
    with pytest.raises(TypeError, match="'timout'"):
        cast(Any, client).copy(timout=3)


# --- parse() and stream() take what create() takes -----------------------------------------------


@pytest.mark.parametrize("kimi", [KimiOpenAI, AsyncKimiOpenAI])
@pytest.mark.parametrize("helper", ["parse", "stream"])
def test_parse_and_stream_keep_create_s_signature(
    kimi: type[KimiOpenAI] | type[AsyncKimiOpenAI], helper: str
) -> None:
    # openai's own check on its chat resource (tests/lib/chat: test_parse_method_in_sync,
    # test_stream_method_in_sync): every parameter of create, with the same annotation.
    completions = kimi(api_key=KEY).chat.completions
    assert_signatures_in_sync(
        completions.create, getattr(completions, helper), exclude_params={"response_format", "stream"}
    )
    assert "thinking" in inspect.signature(getattr(completions, helper)).parameters


_WEATHER_TOOL: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
_STREAM = (
    'data: {"id":"c","object":"chat.completion.chunk","created":0,"model":"kimi-k2.6",'
    '"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)


def _answer(request: httpx.Request) -> httpx.Response:
    if json.loads(request.content).get("stream"):
        return httpx.Response(200, text=_STREAM, headers={"content-type": "text/event-stream"})
    return Recorder.respond(request)


@pytest.mark.parametrize("helper", ["parse", "stream"])
def test_tools_given_as_a_generator_are_sent(helper: str) -> None:
    # openai's helpers take any iterable of tools; read once, a generator would be sent empty.
    recorder = Recorder(respond=_answer)
    completions = KimiOpenAI(api_key=KEY, base_url=BASE_URL, http_client=recorder.client()).chat.completions
    tools = (tool for tool in [_WEATHER_TOOL])
    if helper == "parse":
        completions.parse(model="kimi-k2.6", messages=MESSAGES, tools=tools)
    else:
        with completions.stream(model="kimi-k2.6", messages=MESSAGES, tools=tools) as stream:
            stream.get_final_completion()
    assert recorder.last_json()["tools"] == [_WEATHER_TOOL]


@pytest.mark.anyio
@pytest.mark.parametrize("helper", ["parse", "stream"])
async def test_tools_given_as_a_generator_are_sent_async(helper: str) -> None:
    recorder = Recorder(respond=_answer)
    client = AsyncKimiOpenAI(api_key=KEY, base_url=BASE_URL, http_client=recorder.async_client())
    tools = (tool for tool in [_WEATHER_TOOL])
    if helper == "parse":
        await client.chat.completions.parse(model="kimi-k2.6", messages=MESSAGES, tools=tools)
    else:
        async with client.chat.completions.stream(
            model="kimi-k2.6", messages=MESSAGES, tools=tools
        ) as stream:
            await stream.get_final_completion()
    assert recorder.last_json()["tools"] == [_WEATHER_TOOL]
