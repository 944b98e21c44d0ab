"""``client.models`` with Moonshot's extra model fields typed."""

from __future__ import annotations

from openai.resources.models import AsyncModels, Models

__all__ = ["AsyncKimiModels", "KimiModels"]


class KimiModels(Models):
    """openai's ``models`` resource on a Kimi client."""


class AsyncKimiModels(AsyncModels):
    """openai's ``models`` resource on an async Kimi client."""
