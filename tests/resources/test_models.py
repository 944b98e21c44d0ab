"""``client.models``: Kimi model objects, raw/streaming wrappers, and live spec refresh into validation."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai.pagination import SyncPage

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI, KimiValidationError
from kimi_openai._rules.model_specs import clear_model_specs, get_model_spec
from kimi_openai.testing import DEFAULT_MODELS, ModelCard, MoonshotEmulator
from kimi_openai.testing.pytest_plugin import KimiClientFactory
from kimi_openai.types.model import KimiModel

pytestmark = pytest.mark.usefixtures("restore_model_registry")

NEW_MODEL = "kimi-k9-preview"  # matches no row and no family: the permissive default applies
USER: list[Any] = [{"role": "user", "content": "hi"}]


@pytest.fixture
def kimi_emulator() -> MoonshotEmulator:
    """The plugin's emulator, serving one model no spec row or family knows."""
    return MoonshotEmulator(
        models=(*DEFAULT_MODELS, ModelCard(NEW_MODEL, 65_536, supports_image_in=False, thinking="none"))
    )


def test_list_returns_kimi_models_with_the_extra_fields_typed(kimi_emulator_client: KimiOpenAI) -> None:
    page = kimi_emulator_client.models.list()
    assert isinstance(page, SyncPage)
    by_id = {model.id: model for model in page}
    k26 = by_id["kimi-k2.6"]
    assert isinstance(k26, KimiModel)
    assert isinstance(k26, openai.types.Model)
    assert (k26.context_length, k26.supports_image_in, k26.supports_video_in, k26.supports_reasoning) == (
        262_144,
        True,
        True,
        True,
    )
    assert "moonshot-v1-8k" not in by_id  # retired: no longer listed
    assert k26.model_extra in (None, {})  # nothing left untyped


def test_retrieve_returns_a_kimi_model(kimi_emulator_client: KimiOpenAI) -> None:
    model = kimi_emulator_client.models.retrieve("kimi-k3")
    assert isinstance(model, KimiModel)
    assert model.context_length == 1_048_576
    with pytest.raises(openai.NotFoundError):
        kimi_emulator_client.models.retrieve("kimi-no-such-model")
    with pytest.raises(ValueError, match="model"):
        kimi_emulator_client.models.retrieve("")


def test_raw_and_streaming_wrappers_parse_kimi_models(kimi_emulator_client: KimiOpenAI) -> None:
    raw = kimi_emulator_client.models.with_raw_response.list()
    assert raw.http_request.url.path == "/v1/models"
    assert all(isinstance(m, KimiModel) for m in raw.parse())
    one = kimi_emulator_client.models.with_raw_response.retrieve("kimi-k2.6").parse()
    assert isinstance(one, KimiModel)
    assert one.supports_video_in is True
    with kimi_emulator_client.models.with_streaming_response.retrieve("kimi-k2.7-code") as response:
        assert response.parse().context_length == 262_144
    with kimi_emulator_client.models.with_streaming_response.list() as response:
        assert any(m.id == NEW_MODEL for m in response.parse())


@pytest.mark.anyio
async def test_async_list_retrieve_and_wrappers(async_kimi_emulator_client: AsyncKimiOpenAI) -> None:
    models = [m async for m in async_kimi_emulator_client.models.list()]
    assert all(isinstance(m, KimiModel) for m in models)
    assert (await async_kimi_emulator_client.models.retrieve(NEW_MODEL)).context_length == 65_536
    raw = await async_kimi_emulator_client.models.with_raw_response.list()
    assert {m.id for m in raw.parse().data} == {m.id for m in models}
    async with async_kimi_emulator_client.models.with_streaming_response.retrieve("kimi-k3") as response:
        assert (await response.parse()).supports_reasoning is True


def test_refresh_gives_an_unknown_model_the_servers_limits_and_validation_uses_them(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    assert get_model_spec(NEW_MODEL).context_length is None
    with pytest.raises(openai.BadRequestError, match="token limit"):  # before: only the server knew
        kimi_emulator_client.chat.completions.create(model=NEW_MODEL, messages=USER, max_tokens=100_000)
    listed = kimi_emulator_client.models.refresh_specs()
    assert NEW_MODEL in {m.id for m in listed}
    spec = get_model_spec(NEW_MODEL)
    assert (spec.matched_by, spec.context_length, spec.supports_image_in) == ("live", 65_536, False)
    sent = len(kimi_emulator.chat_requests())
    with pytest.raises(KimiValidationError, match=r"max_tokens=100000.*kimi-k9-preview.*65,536"):
        kimi_emulator_client.chat.completions.create(model=NEW_MODEL, messages=USER, max_tokens=100_000)
    image: list[Any] = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,x"}}]}]
    with pytest.raises(KimiValidationError, match="image"):
        kimi_emulator_client.chat.completions.create(model=NEW_MODEL, messages=image)
    assert len(kimi_emulator.chat_requests()) == sent  # rejected before the wire
    kimi_emulator_client.chat.completions.create(model=NEW_MODEL, messages=USER, max_tokens=1_000)
    assert kimi_emulator.last_chat_request()["max_tokens"] == 1_000


def test_refresh_overrides_a_known_model_with_the_servers_value(
    kimi_emulator_client_factory: KimiClientFactory,
) -> None:
    client = kimi_emulator_client_factory(
        emulator=MoonshotEmulator(models=(ModelCard("kimi-k2.6", 524_288, thinking="default_on"),))
    )
    assert get_model_spec("kimi-k2.6").context_length == 262_144
    client.models.refresh_specs()
    assert get_model_spec("kimi-k2.6").context_length == 524_288
    assert get_model_spec("kimi-k2.6").fixed_temperature_thinking == 1.0  # table rules kept


@pytest.mark.anyio
async def test_async_refresh_specs(async_kimi_emulator_client: AsyncKimiOpenAI) -> None:
    listed = await async_kimi_emulator_client.models.refresh_specs()
    assert len(listed) == len(DEFAULT_MODELS) + 1
    assert get_model_spec(NEW_MODEL).context_length == 65_536
    with pytest.raises(KimiValidationError, match="max_tokens"):
        await async_kimi_emulator_client.chat.completions.create(
            model=NEW_MODEL, messages=USER, max_tokens=70_000
        )


def test_raw_refresh_specs_merges_when_parsed(kimi_emulator_client: KimiOpenAI) -> None:
    raw = kimi_emulator_client.models.with_raw_response.refresh_specs()
    assert raw.http_request.url.path == "/v1/models"
    assert get_model_spec(NEW_MODEL).matched_by == "default"  # nothing merged before parse()
    listed = raw.parse()
    assert NEW_MODEL in {model.id for model in listed}
    assert get_model_spec(NEW_MODEL).context_length == 65_536


@pytest.mark.anyio
async def test_async_streamed_refresh_specs_merges_when_parsed(
    async_kimi_emulator_client: AsyncKimiOpenAI,
) -> None:
    async with async_kimi_emulator_client.models.with_streaming_response.refresh_specs() as response:
        assert response.headers["x-request-id"]
        assert all(isinstance(model, KimiModel) for model in await response.parse())
    assert get_model_spec(NEW_MODEL).matched_by == "live"


def test_the_registry_fixture_restored_the_default_lookup() -> None:
    # Runs after the refresh tests in file order: their live entries are gone.
    assert get_model_spec(NEW_MODEL).matched_by == "default"
    assert get_model_spec("kimi-k2.6").context_length == 262_144


def test_clear_model_specs_forgets_the_live_entries(kimi_emulator_client: KimiOpenAI) -> None:
    kimi_emulator_client.models.refresh_specs()
    assert get_model_spec(NEW_MODEL).context_length == 65_536
    clear_model_specs()
    assert get_model_spec(NEW_MODEL).matched_by == "default"
    with pytest.raises(openai.BadRequestError):  # only the server judges it again
        kimi_emulator_client.chat.completions.create(model=NEW_MODEL, messages=USER, max_tokens=70_000)
