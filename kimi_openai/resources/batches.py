"""Kimi's ``batches`` resource: openai's, with Moonshot's completion windows and limits checked first.

openai types ``completion_window`` as ``"24h"`` only; Moonshot takes ``12h`` up to ``7d`` (``1d``,
``3d``...), runs only ``/v1/chat/completions``, and caps ``metadata`` at 16 pairs with keys of at
most 64 and values of at most 512 characters (https://platform.kimi.ai/docs/api/batch-create).
Retrieve, list and cancel are openai's and work on Moonshot's shapes unchanged.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from openai._legacy_response import async_to_raw_response_wrapper, to_raw_response_wrapper
from openai._response import async_to_streamed_response_wrapper, to_streamed_response_wrapper
from openai._types import Body, Headers, NotGiven, Omit, Query, not_given, omit
from openai.resources.batches import (
    AsyncBatches,
    AsyncBatchesWithRawResponse,
    AsyncBatchesWithStreamingResponse,
    Batches,
    BatchesWithRawResponse,
    BatchesWithStreamingResponse,
)
from openai.types import Batch
from typing_extensions import override

from kimi_openai._compat import httpx
from kimi_openai._rules.batches import BATCH_ENDPOINT, check_batch_request

__all__ = ["AsyncKimiBatches", "KimiBatches"]


class KimiBatches(Batches):
    """openai's ``batches`` with Moonshot's windows (``12h``-``7d``) and a default endpoint."""

    @cached_property
    @override
    def with_raw_response(self) -> KimiBatchesWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return KimiBatchesWithRawResponse(self)

    @cached_property
    @override
    def with_streaming_response(self) -> KimiBatchesWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return KimiBatchesWithStreamingResponse(self)

    @override
    def create(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        *,
        completion_window: Literal["12h", "24h", "1d", "2d", "3d", "7d"] | str,
        input_file_id: str,
        endpoint: Literal["/v1/chat/completions"] | str = BATCH_ENDPOINT,
        metadata: dict[str, str] | Omit | None = omit,
        validate: bool = True,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> Batch:
        """Create a batch from a ``.jsonl`` file uploaded with purpose ``batch``.

        Args:
            completion_window: from ``12h`` to ``7d``.
            endpoint: ``/v1/chat/completions``, the only one Moonshot runs.
            metadata: at most 16 pairs; keys up to 64, values up to 512 characters.
            validate: False sends the request unchecked.
        """
        if validate:
            check_batch_request(completion_window=completion_window, endpoint=endpoint, metadata=metadata)
        return super().create(
            completion_window=completion_window,  # pyright: ignore[reportArgumentType]
            endpoint=endpoint,  # pyright: ignore[reportArgumentType]
            input_file_id=input_file_id,
            metadata=metadata,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )


class AsyncKimiBatches(AsyncBatches):
    """The async :class:`KimiBatches`."""

    @cached_property
    @override
    def with_raw_response(self) -> AsyncKimiBatchesWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return AsyncKimiBatchesWithRawResponse(self)

    @cached_property
    @override
    def with_streaming_response(self) -> AsyncKimiBatchesWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return AsyncKimiBatchesWithStreamingResponse(self)

    @override
    async def create(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        *,
        completion_window: Literal["12h", "24h", "1d", "2d", "3d", "7d"] | str,
        input_file_id: str,
        endpoint: Literal["/v1/chat/completions"] | str = BATCH_ENDPOINT,
        metadata: dict[str, str] | Omit | None = omit,
        validate: bool = True,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> Batch:
        """Create a batch; see :meth:`KimiBatches.create`."""
        if validate:
            check_batch_request(completion_window=completion_window, endpoint=endpoint, metadata=metadata)
        return await super().create(
            completion_window=completion_window,  # pyright: ignore[reportArgumentType]
            endpoint=endpoint,  # pyright: ignore[reportArgumentType]
            input_file_id=input_file_id,
            metadata=metadata,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )


class KimiBatchesWithRawResponse(BatchesWithRawResponse):
    def __init__(self, batches: KimiBatches) -> None:
        super().__init__(batches)
        self.create = to_raw_response_wrapper(batches.create)


class AsyncKimiBatchesWithRawResponse(AsyncBatchesWithRawResponse):
    def __init__(self, batches: AsyncKimiBatches) -> None:
        super().__init__(batches)
        self.create = async_to_raw_response_wrapper(batches.create)


class KimiBatchesWithStreamingResponse(BatchesWithStreamingResponse):
    def __init__(self, batches: KimiBatches) -> None:
        super().__init__(batches)
        self.create = to_streamed_response_wrapper(batches.create)


class AsyncKimiBatchesWithStreamingResponse(AsyncBatchesWithStreamingResponse):
    def __init__(self, batches: AsyncKimiBatches) -> None:
        super().__init__(batches)
        self.create = async_to_streamed_response_wrapper(batches.create)
