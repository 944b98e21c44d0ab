"""What ``users.balance`` returns."""

from __future__ import annotations

from typing import Literal

from openai import BaseModel

Currency = Literal["CNY", "USD"]
"""What a Moonshot platform bills in: ``"USD"`` on platform.moonshot.ai, ``"CNY"`` on platform.moonshot.cn."""

__all__ = ["Balance", "Currency"]


class Balance(BaseModel):
    """The account balance (https://platform.kimi.ai/docs/api/balance).

    The wire answer is ``{"code": 0, "data": {...}, "scode": "0x0", "status": true}``;
    this is its ``data`` plus the currency the client's platform implies.
    """

    available_balance: float
    """Cash plus vouchers. At or below zero, inference fails with ``exceeded_current_quota_error``."""

    voucher_balance: float
    """Balance from vouchers."""

    cash_balance: float
    """Cash balance; can be negative, and then ``available_balance`` equals ``voucher_balance``."""

    currency: Currency | None = None
    """``"USD"`` on api.moonshot.ai (documented), ``"CNY"`` on api.moonshot.cn (presumed:
    the docs do not say), ``None`` for any other host (a proxy or a self-hosted engine)."""
