"""The project's own suite uses the same cassette plugin users enable, and a few shared fixtures.

Clients and emulators come from the plugin (``kimi_emulator``, ``kimi_emulator_client``,
``kimi_emulator_client_factory(**options)``...); what is here sets up the process around them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kimi_openai._rules.model_specs import default_registry

pytest_plugins = ["kimi_openai.pytest_plugin"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Kimi variables and an empty working directory (so no stray .env) unless a test sets them."""
    for name in ("MOONSHOT_API_KEY", "KIMI_API_KEY", "MOONSHOT_BASE_URL", "KIMI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def restore_model_registry() -> Iterator[None]:
    """Live model entries merged by a test (``models.refresh_specs``) do not reach other tests."""
    saved = default_registry._live  # pyright: ignore[reportPrivateUsage]
    yield
    default_registry._live = saved  # pyright: ignore[reportPrivateUsage]
