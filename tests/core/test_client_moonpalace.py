"""MoonPalace as a proxy of the client's platform, and the one line logged when Moonshot's rules are off."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from _helpers import Recorder

from kimi_openai import AsyncKimiOpenAI, KimiConfigurationError, KimiOpenAI, KimiValidationError

KEY = "sk-test-moonpalace-0123456789"
HI: Any = [{"role": "user", "content": "Hi"}]
PALACE = "http://127.0.0.1:9988/v1"


def _rules_off(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "kimi_openai" and "rules are off" in r.getMessage()]


@pytest.mark.parametrize("region", ["global", "cn"])
def test_with_moonpalace_is_a_proxy_of_the_client_s_platform(region: Any) -> None:
    recorder = Recorder()
    client = KimiOpenAI(api_key=KEY, region=region, http_client=recorder.client(), prompt_cache_key="t-1")
    palace = client.with_moonpalace()
    assert type(palace) is KimiOpenAI
    assert (str(palace.base_url), palace.region) == (f"{PALACE}/", region)
    palace.chat.completions.create(model="kimi-k2.6", messages=HI)
    assert str(recorder.last.url) == f"{PALACE}/chat/completions"
    assert recorder.last.headers["authorization"] == f"Bearer {KEY}"
    assert recorder.last_json()["prompt_cache_key"] == "t-1"  # the client's settings are kept
    with pytest.raises(KimiValidationError):  # Moonshot's rules still apply through the proxy
        palace.chat.completions.create(model="kimi-k2.6", messages=HI, n=99)
    assert len(recorder.requests) == 1


def test_with_moonpalace_takes_a_port_a_host_and_another_region() -> None:
    client = KimiOpenAI(api_key=KEY)
    assert str(client.with_moonpalace(port=8080).base_url) == "http://127.0.0.1:8080/v1/"
    assert str(client.with_moonpalace(host="::1").base_url) == "http://[::1]:9988/v1/"
    assert client.with_moonpalace(region="cn").region == "cn"


@pytest.mark.anyio
async def test_async_with_moonpalace() -> None:
    recorder = Recorder()
    client = AsyncKimiOpenAI(api_key=KEY, region="cn", http_client=recorder.async_client())
    palace = client.with_moonpalace(port=9000)
    assert type(palace) is AsyncKimiOpenAI
    assert palace.region == "cn"
    await palace.chat.completions.create(model="kimi-k2.6", messages=HI)
    assert str(recorder.last.url) == "http://127.0.0.1:9000/v1/chat/completions"


@pytest.mark.parametrize("port", [0, 70000, "9988", True, None])
def test_a_port_that_is_not_one_is_refused(port: Any) -> None:
    with pytest.raises(KimiConfigurationError, match="is not a port"):
        KimiOpenAI(api_key=KEY).with_moonpalace(port=port)


def test_a_self_hosted_client_must_say_which_platform_moonpalace_reaches() -> None:
    engine = KimiOpenAI(api_key=KEY, base_url="http://localhost:8000/v1")
    with pytest.raises(KimiConfigurationError, match="needs region='global' or region='cn'"):
        engine.with_moonpalace()
    assert engine.with_moonpalace(region="global").region == "global"
    with pytest.raises(KimiConfigurationError, match="Unknown region"):
        engine.with_moonpalace(region="eu")  # pyright: ignore[reportArgumentType]


def test_a_moonshot_model_sent_where_the_rules_are_off_is_logged_once_per_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="kimi_openai")
    recorder = Recorder()
    client = KimiOpenAI(
        api_key=KEY, base_url=f"http://user:{KEY}@127.0.0.1:9988/v1", http_client=recorder.client()
    )
    for _ in range(3):
        client.chat.completions.create(model="kimi-k2.6", messages=HI, n=99)  # sent unchecked
    assert len(recorder.requests) == 3
    [record] = _rules_off(caplog)
    message = record.getMessage()
    assert "model 'kimi-k2.6' is a Moonshot model" in message
    assert "region='global' or region='cn'" in message
    assert "with_moonpalace()" in message
    assert KEY not in message
    client.copy(timeout=5).chat.completions.create(model="kimi-k2.6", messages=HI)
    assert len(_rules_off(caplog)) == 2  # a copy is another client


@pytest.mark.anyio
async def test_the_async_client_logs_it_too(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="kimi_openai")
    client = AsyncKimiOpenAI(api_key=KEY, base_url=PALACE, http_client=Recorder().async_client())
    await client.chat.completions.create(model="kimi-k3", messages=HI)
    await client.chat.completions.create(model="kimi-k3", messages=HI)
    assert len(_rules_off(caplog)) == 1


@pytest.mark.parametrize(
    ("base_url", "region", "model"),
    [
        ("http://localhost:8000/v1", None, "moonshotai/Kimi-K2-Instruct"),  # open weights: the engine's
        ("http://localhost:8000/v1", None, "Qwen/Qwen3-8B"),  # not a Kimi model
        (PALACE, "global", "kimi-k2.6"),  # a declared proxy: the rules are on
        ("https://api.moonshot.cn/v1", None, "kimi-k2.6"),  # Moonshot itself
    ],
)
def test_nothing_is_logged_where_the_rules_apply_or_the_model_is_not_moonshot_s(
    caplog: pytest.LogCaptureFixture, base_url: str, region: Any, model: str
) -> None:
    caplog.set_level(logging.WARNING, logger="kimi_openai")
    client = KimiOpenAI(api_key=KEY, base_url=base_url, region=region, http_client=Recorder().client())
    client.chat.completions.create(model=model, messages=HI)
    assert _rules_off(caplog) == []
