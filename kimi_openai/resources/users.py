"""``users``: the account, for now its balance (``GET /v1/users/me/balance``).

https://platform.kimi.ai/docs/api/balance documents the amounts in USD on the international
platform. The China platform (api.moonshot.cn) presumably reports CNY: its docs do not say.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Optional, cast

from openai import BaseModel
from openai._base_client import make_request_options
from openai._legacy_response import async_to_raw_response_wrapper, to_raw_response_wrapper
from openai._resource import AsyncAPIResource, SyncAPIResource
from openai._response import async_to_streamed_response_wrapper, to_streamed_response_wrapper
from openai._types import Body, Headers, NotGiven, Query, not_given

from kimi_openai._compat import httpx
from kimi_openai._config import region_of
from kimi_openai._rules.model_specs import PLATFORM_CURRENCY
from kimi_openai._state import platform_of
from kimi_openai.types.balance import Balance, Currency

__all__ = [
    "AsyncUsers",
    "AsyncUsersWithRawResponse",
    "AsyncUsersWithStreamingResponse",
    "Users",
    "UsersWithRawResponse",
    "UsersWithStreamingResponse",
    "currency_of",
]

BALANCE_PATH = "/users/me/balance"


class _BalanceData(BaseModel):
    available_balance: float
    voucher_balance: float
    cash_balance: float


class _BalanceEnvelope(BaseModel):
    # {"code": 0, "data": {...}, "scode": "0x0", "status": true} (https://platform.kimi.ai/docs/api/balance).
    # Optional[X], not X | None: see the note in kimi_openai/types/chat/__init__.py.
    data: _BalanceData
    code: Optional[int] = None  # noqa: UP045
    scode: Optional[str] = None  # noqa: UP045
    status: Optional[bool] = None  # noqa: UP045


def currency_of(base_url: object) -> Currency | None:
    """``USD`` for api.moonshot.ai, ``CNY`` for api.moonshot.cn (presumed), else ``None``."""
    return PLATFORM_CURRENCY.get(region_of(base_url))


def _currency_of_client(client: object) -> Currency | None:
    # The client's platform, a proxy declared with region= included (kimi_openai._state.platform_of).
    return PLATFORM_CURRENCY.get(platform_of(client))


def _parser(currency: Currency | None) -> Callable[[_BalanceEnvelope], Balance]:
    def parse(envelope: _BalanceEnvelope) -> Balance:
        data = envelope.data
        return Balance(
            available_balance=data.available_balance,
            voucher_balance=data.voucher_balance,
            cash_balance=data.cash_balance,
            currency=currency,
        )

    return parse


class Users(SyncAPIResource):
    """The account: ``client.users.balance()``."""

    @cached_property
    def with_raw_response(self) -> UsersWithRawResponse:
        return UsersWithRawResponse(self)

    @cached_property
    def with_streaming_response(self) -> UsersWithStreamingResponse:
        return UsersWithStreamingResponse(self)

    def balance(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> Balance:
        """The account's available, voucher and cash balance, with the currency of the platform."""
        # post_parser has already turned the envelope into the Balance.
        posted = self._get(
            BALANCE_PATH,
            options=make_request_options(
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                post_parser=_parser(_currency_of_client(self._client)),
            ),
            cast_to=_BalanceEnvelope,
        )
        return cast(Balance, posted)


class AsyncUsers(AsyncAPIResource):
    """The async :class:`Users`."""

    @cached_property
    def with_raw_response(self) -> AsyncUsersWithRawResponse:
        return AsyncUsersWithRawResponse(self)

    @cached_property
    def with_streaming_response(self) -> AsyncUsersWithStreamingResponse:
        return AsyncUsersWithStreamingResponse(self)

    async def balance(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> Balance:
        """The account's balance; see :meth:`Users.balance`."""
        # post_parser has already turned the envelope into the Balance.
        posted = await self._get(
            BALANCE_PATH,
            options=make_request_options(
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                post_parser=_parser(_currency_of_client(self._client)),
            ),
            cast_to=_BalanceEnvelope,
        )
        return cast(Balance, posted)


class UsersWithRawResponse:
    def __init__(self, users: Users) -> None:
        self._users = users
        self.balance = to_raw_response_wrapper(users.balance)


class AsyncUsersWithRawResponse:
    def __init__(self, users: AsyncUsers) -> None:
        self._users = users
        self.balance = async_to_raw_response_wrapper(users.balance)


class UsersWithStreamingResponse:
    def __init__(self, users: Users) -> None:
        self._users = users
        self.balance = to_streamed_response_wrapper(users.balance)


class AsyncUsersWithStreamingResponse:
    def __init__(self, users: AsyncUsers) -> None:
        self._users = users
        self.balance = async_to_streamed_response_wrapper(users.balance)
