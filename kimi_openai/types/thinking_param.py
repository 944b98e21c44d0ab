"""The ``thinking`` request field (sent through ``extra_body``).

Shape from the chat OpenAPI (https://platform.kimi.ai/docs/api/chat): an object
with a required ``type`` and no other keys than ``keep``. A boolean is rejected
by the server ("expected type object ... bool is not acceptable").
"""

from __future__ import annotations

from typing import Literal, Required, TypedDict

__all__ = ["ThinkingParam"]


class ThinkingParam(TypedDict, total=False):
    """``{"type": "enabled" | "disabled", "keep": "all" | None}``."""

    type: Required[Literal["enabled", "disabled"]]
    """Turn thinking on or off for this call (K2.5 and later; some models accept only one value)."""

    keep: Literal["all"] | None
    """``"all"`` keeps earlier turns' ``reasoning_content`` in context ("Preserved Thinking", kimi-k2.6;
    required by kimi-k2.7-code). ``None`` (the default) lets the server ignore it."""
