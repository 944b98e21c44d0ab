"""Balance: ``GET /v1/users/me/balance`` through the Users resource, currency by platform."""

from __future__ import annotations

import json

import pytest

from kimi_openai import KimiOpenAI
from kimi_openai._client import AsyncKimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai.resources.users import AsyncUsers, Users, currency_of
from kimi_openai.testing import Balance as EmulatedBalance
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.types.balance import Balance


def _users(emulator: MoonshotEmulator, base_url: str) -> Users:
    client = KimiOpenAI(
        api_key="sk-test", base_url=base_url, http_client=httpx.Client(transport=emulator.transport())
    )
    return Users(client)


def test_balance_fields() -> None:
    emulator = MoonshotEmulator()
    balance = _users(emulator, "https://api.moonshot.ai/v1").balance()
    assert balance == Balance(
        available_balance=49.58894, voucher_balance=46.58893, cash_balance=3.00001, currency="USD"
    )
    assert emulator.requests[-1].path == "/v1/users/me/balance"


@pytest.mark.parametrize(
    ("base_url", "region", "currency"),
    [
        ("https://api.moonshot.ai/v1", "global", "USD"),
        ("https://api.moonshot.cn/v1", "cn", "CNY"),
        ("http://localhost:8000/v1", "global", None),
    ],
)
def test_currency_follows_the_platform(base_url: str, region: str, currency: str | None) -> None:
    emulator = MoonshotEmulator(region="cn" if region == "cn" else "global")
    assert _users(emulator, base_url).balance().currency == currency
    assert currency_of(base_url) == currency


def test_negative_cash() -> None:
    emulator = MoonshotEmulator(balance=EmulatedBalance(cash_balance=-2.5, voucher_balance=10.0))
    balance = _users(emulator, "https://api.moonshot.ai/v1").balance()
    assert (balance.cash_balance, balance.available_balance) == (-2.5, 10.0)


def test_raw_and_streaming_responses() -> None:
    users = _users(MoonshotEmulator(), "https://api.moonshot.cn/v1")
    raw = users.with_raw_response.balance()
    assert json.loads(raw.text)["scode"] == "0x0"
    assert raw.parse().currency == "CNY"
    with users.with_streaming_response.balance() as streamed:
        assert streamed.parse().voucher_balance == 46.58893


@pytest.mark.anyio
async def test_async_balance() -> None:
    emulator = MoonshotEmulator()
    client = AsyncKimiOpenAI(
        api_key="sk-test",
        base_url="https://api.moonshot.ai/v1",
        http_client=httpx.AsyncClient(transport=emulator.async_transport()),
    )
    users = AsyncUsers(client)
    assert (await users.balance()).currency == "USD"
    assert (await users.with_raw_response.balance()).parse().available_balance == 49.58894
    async with users.with_streaming_response.balance() as streamed:
        assert (await streamed.parse()).cash_balance == 3.00001
