"""Kimi exceptions.

Every exception raised by this package derives from ``openai.OpenAIError``, so
code written against the openai SDK keeps catching what it caught before::

    openai.OpenAIError
    ├── KimiError
    │   └── KimiConfigurationError   (bad key, base URL or region at construction)
    └── KimiValidationError          (also a ValueError: a request Kimi would reject)
"""

from __future__ import annotations

import openai


class KimiError(openai.OpenAIError):
    """Base class for errors raised by kimi_openai itself (not by the server)."""


class KimiConfigurationError(KimiError):
    """The client cannot be built: no API key, an empty key, a malformed base URL or an unknown region."""


class KimiValidationError(KimiError, ValueError):
    """A request that Moonshot would reject, caught before any HTTP call.

    The message names the parameter, the model, what is allowed, and the fix.
    """


__all__ = ["KimiConfigurationError", "KimiError", "KimiValidationError"]
