"""The project's own suite uses the same cassette plugin users enable."""

from __future__ import annotations

import pytest

pytest_plugins = ["kimi_openai.pytest_plugin"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
