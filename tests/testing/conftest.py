"""Clients for the emulator's own tests: openai's plain SDK and raw HTTP, never the Kimi client.

The emulator is an encoding of Moonshot's rules written apart from the package's, so its tests
talk to it as any OpenAI-compatible client would. The emulator is the plugin's ``kimi_emulator``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import openai
import pytest

from kimi_openai._compat import httpx
from kimi_openai.testing import MoonshotEmulator

BASE_URL = "http://emulator.local/v1"


@pytest.fixture
def client(kimi_emulator: MoonshotEmulator) -> Iterator[openai.OpenAI]:
    """openai's own client on the emulator's in-process transport, without retries."""
    http = httpx.Client(transport=kimi_emulator.transport())
    with openai.OpenAI(api_key="sk-test", base_url=BASE_URL, http_client=http, max_retries=0) as sdk:
        yield sdk


@pytest.fixture
async def async_client(kimi_emulator: MoonshotEmulator) -> AsyncIterator[openai.AsyncOpenAI]:
    """openai's own async client on the emulator's in-process transport, without retries."""
    http = httpx.AsyncClient(transport=kimi_emulator.async_transport())
    async with openai.AsyncOpenAI(
        api_key="sk-test", base_url=BASE_URL, http_client=http, max_retries=0
    ) as sdk:
        yield sdk


@pytest.fixture
def raw(kimi_emulator: MoonshotEmulator) -> Iterator[httpx.Client]:
    """Plain HTTP to the emulator, with the test key: for what no SDK would send."""
    headers = {"Authorization": "Bearer sk-test"}
    with httpx.Client(transport=kimi_emulator.transport(), base_url=BASE_URL, headers=headers) as http:
        yield http
