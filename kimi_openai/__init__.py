"""kimi_openai: the official openai SDK, speaking Kimi (Moonshot AI)."""

from __future__ import annotations

from ._errors import KimiConfigurationError as KimiConfigurationError
from ._errors import KimiError as KimiError
from ._errors import KimiValidationError as KimiValidationError

__all__ = ["KimiConfigurationError", "KimiError", "KimiValidationError"]
