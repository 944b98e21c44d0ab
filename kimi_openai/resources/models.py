"""``client.models`` with Moonshot's extra model fields typed, and live spec refresh.

``GET /v1/models`` items carry ``context_length``, ``supports_image_in``,
``supports_video_in`` and ``supports_reasoning`` besides openai's fields
(https://platform.kimi.ai/docs/api/list-models): ``list`` and ``retrieve`` return
:class:`~kimi_openai.types.model.KimiModel`. ``refresh_specs`` feeds the list to
:func:`kimi_openai._rules.model_specs.refresh_model_specs`, so a model released after this
package gets its real context length in request validation without a new release.
Moonshot's list has no pagination; openai's one-page ``SyncPage`` fits it as is.
"""

from __future__ import annotations

from functools import cached_property
from typing import cast

from openai import BaseModel
from openai._base_client import AsyncPaginator, make_request_options
from openai._legacy_response import async_to_raw_response_wrapper, to_raw_response_wrapper
from openai._response import async_to_streamed_response_wrapper, to_streamed_response_wrapper
from openai._types import Body, Headers, NotGiven, Query, not_given
from openai.pagination import AsyncPage, SyncPage
from openai.resources.models import (
    AsyncModels,
    AsyncModelsWithRawResponse,
    AsyncModelsWithStreamingResponse,
    Models,
    ModelsWithRawResponse,
    ModelsWithStreamingResponse,
)
from typing_extensions import override

from kimi_openai._compat import httpx
from kimi_openai._rules.model_specs import refresh_model_specs
from kimi_openai.types.model import KimiModel

__all__ = ["AsyncKimiModels", "KimiModels"]

MODELS_PATH = "/models"


def _model_path(model: str) -> str:
    if not model:
        raise ValueError(f"Expected a non-empty value for `model` but received {model!r}")
    return f"{MODELS_PATH}/{model}"


class _ModelList(BaseModel):
    # A parameterised list: openai 2.x's construct_type crashes on bare generics.
    data: list[KimiModel] = []  # noqa: RUF012 # pydantic copies field defaults


def _merge(models: list[KimiModel]) -> list[KimiModel]:
    refresh_model_specs(model.model_dump() for model in models)
    return models


def _merge_listed(listed: _ModelList) -> list[KimiModel]:
    return _merge(listed.data)


class KimiModels(Models):
    """openai's ``models`` on a Kimi client: Kimi model objects and ``refresh_specs()``."""

    @cached_property
    @override
    def with_raw_response(self) -> KimiModelsWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return KimiModelsWithRawResponse(self)

    @cached_property
    @override
    def with_streaming_response(self) -> KimiModelsWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return KimiModelsWithStreamingResponse(self)

    @override
    def retrieve(
        self,
        model: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> KimiModel:
        """One model, with its context length and input capabilities."""
        return self._get(
            _model_path(model),
            options=make_request_options(
                extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body, timeout=timeout
            ),
            cast_to=KimiModel,
        )

    @override
    def list(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> SyncPage[KimiModel]:
        """The models the key can use, with their context length and input capabilities."""
        return self._get_api_list(
            MODELS_PATH,
            page=SyncPage[KimiModel],
            options=make_request_options(
                extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body, timeout=timeout
            ),
            model=KimiModel,
        )

    def refresh_specs(
        self,
        *,
        extra_headers: Headers | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> list[KimiModel]:
        """List the models and merge their limits into the spec lookup used by validation.

        Afterwards ``get_model_spec(id)`` reports the server's ``context_length`` and
        input capabilities for every listed id, known to this package or not; the live
        values win over the built-in table. Returns the listed models.

        ``with_raw_response.refresh_specs()`` merges when its ``.parse()`` is called.
        """
        # One GET /models (Moonshot's list has no pages), merged by the post-parser: the raw
        # response's parse() does the same as this call.
        merged = self._get(
            MODELS_PATH,
            options=make_request_options(
                extra_headers=extra_headers, timeout=timeout, post_parser=_merge_listed
            ),
            cast_to=_ModelList,
        )
        return cast("list[KimiModel]", merged)


class AsyncKimiModels(AsyncModels):
    """The async :class:`KimiModels`."""

    @cached_property
    @override
    def with_raw_response(self) -> AsyncKimiModelsWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return AsyncKimiModelsWithRawResponse(self)

    @cached_property
    @override
    def with_streaming_response(self) -> AsyncKimiModelsWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return AsyncKimiModelsWithStreamingResponse(self)

    @override
    async def retrieve(
        self,
        model: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> KimiModel:
        """One model; see :meth:`KimiModels.retrieve`."""
        return await self._get(
            _model_path(model),
            options=make_request_options(
                extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body, timeout=timeout
            ),
            cast_to=KimiModel,
        )

    @override
    def list(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> AsyncPaginator[KimiModel, AsyncPage[KimiModel]]:
        """The models the key can use; see :meth:`KimiModels.list`."""
        return self._get_api_list(
            MODELS_PATH,
            page=AsyncPage[KimiModel],
            options=make_request_options(
                extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body, timeout=timeout
            ),
            model=KimiModel,
        )

    async def refresh_specs(
        self,
        *,
        extra_headers: Headers | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> list[KimiModel]:
        """List the models and merge their limits into the spec lookup; see :meth:`KimiModels.refresh_specs`."""
        merged = await self._get(
            MODELS_PATH,
            options=make_request_options(
                extra_headers=extra_headers, timeout=timeout, post_parser=_merge_listed
            ),
            cast_to=_ModelList,
        )
        return cast("list[KimiModel]", merged)


class KimiModelsWithRawResponse(ModelsWithRawResponse):
    def __init__(self, models: KimiModels) -> None:
        super().__init__(models)
        self.retrieve = to_raw_response_wrapper(models.retrieve)
        self.list = to_raw_response_wrapper(models.list)
        self.refresh_specs = to_raw_response_wrapper(models.refresh_specs)


class AsyncKimiModelsWithRawResponse(AsyncModelsWithRawResponse):
    def __init__(self, models: AsyncKimiModels) -> None:
        super().__init__(models)
        self.retrieve = async_to_raw_response_wrapper(models.retrieve)
        self.list = async_to_raw_response_wrapper(models.list)
        self.refresh_specs = async_to_raw_response_wrapper(models.refresh_specs)


class KimiModelsWithStreamingResponse(ModelsWithStreamingResponse):
    def __init__(self, models: KimiModels) -> None:
        super().__init__(models)
        self.retrieve = to_streamed_response_wrapper(models.retrieve)
        self.list = to_streamed_response_wrapper(models.list)
        self.refresh_specs = to_streamed_response_wrapper(models.refresh_specs)


class AsyncKimiModelsWithStreamingResponse(AsyncModelsWithStreamingResponse):
    def __init__(self, models: AsyncKimiModels) -> None:
        super().__init__(models)
        self.retrieve = async_to_streamed_response_wrapper(models.retrieve)
        self.list = async_to_streamed_response_wrapper(models.list)
        self.refresh_specs = async_to_streamed_response_wrapper(models.refresh_specs)
