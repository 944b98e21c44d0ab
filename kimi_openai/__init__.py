"""kimi_openai: the official openai SDK, speaking Kimi (Moonshot AI).

Swap ``openai.OpenAI()`` for ``KimiOpenAI()`` and keep the rest of your code.
"""

from __future__ import annotations

from ._client import AsyncKimiOpenAI as AsyncKimiOpenAI
from ._client import KimiOpenAI as KimiOpenAI
from ._constants import REGION_BASE_URLS as REGION_BASE_URLS
from ._constants import Region as Region
from ._errors import KimiConfigurationError as KimiConfigurationError
from ._errors import KimiError as KimiError
from ._errors import KimiValidationError as KimiValidationError

__all__ = [
    "REGION_BASE_URLS",
    "AsyncKimiOpenAI",
    "KimiConfigurationError",
    "KimiError",
    "KimiOpenAI",
    "KimiValidationError",
    "Region",
]
