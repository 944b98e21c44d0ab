"""Moonshot's official tools ("formulas"): tool declarations and fiber calls.

https://platform.kimi.ai/docs/guide/use-official-tools
"""

from __future__ import annotations

from openai._resource import AsyncAPIResource, SyncAPIResource

__all__ = ["AsyncFormulas", "Formulas"]


class Formulas(SyncAPIResource):
    """``client.formulas``: ``GET /formulas/{uri}/tools`` and ``POST /formulas/{uri}/fibers``."""


class AsyncFormulas(AsyncAPIResource):
    """``client.formulas`` on an async client."""
