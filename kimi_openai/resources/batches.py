"""Kimi's ``batches`` resource: openai's, with Moonshot's completion windows and limits checked first.

openai types ``completion_window`` as ``"24h"`` only; Moonshot takes ``12h`` up to ``7d`` (``1d``,
``3d``...), runs only ``/v1/chat/completions``, and caps ``metadata`` at 16 pairs with keys of at
most 64 and values of at most 512 characters (https://platform.kimi.ai/docs/api/batch-create).
Retrieve, list and cancel are openai's and work on Moonshot's shapes unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from typing import Final, Literal

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
from kimi_openai._errors import KimiValidationError

__all__ = [
    "BATCH_ENDPOINT",
    "AsyncKimiBatches",
    "KimiBatches",
    "check_batch_request",
]

KD_BATCH_CREATE: Final = "https://platform.kimi.ai/docs/api/batch-create"
BATCH_ENDPOINT: Final = "/v1/chat/completions"
"""The only endpoint a Moonshot batch runs (KD_BATCH_CREATE)."""
MIN_WINDOW_HOURS: Final = 12
MAX_WINDOW_HOURS: Final = 7 * 24
_WINDOW: Final = re.compile(r"^(\d+)([hd])$")


def window_hours(window: str) -> int | None:
    """Hours in a ``12h``/``1d`` style window; ``None`` when it is not written that way."""
    found = _WINDOW.match(window)
    return None if found is None else int(found[1]) * (24 if found[2] == "d" else 1)


def check_batch_request(
    *, completion_window: str, endpoint: str, metadata: Mapping[str, str] | Omit | None
) -> None:
    """Raise :class:`KimiValidationError` for a batch Moonshot would refuse (KD_BATCH_CREATE)."""
    hours = window_hours(completion_window)
    if hours is None or not MIN_WINDOW_HOURS <= hours <= MAX_WINDOW_HOURS:
        raise KimiValidationError(
            f"completion_window={completion_window!r} is not allowed: Moonshot takes hours or days "
            f"from '12h' to '7d', e.g. '24h' or '3d' ({KD_BATCH_CREATE})."
        )
    if endpoint != BATCH_ENDPOINT:
        raise KimiValidationError(
            f"endpoint={endpoint!r} is not allowed: Moonshot batches run only {BATCH_ENDPOINT!r} ({KD_BATCH_CREATE})."
        )
    if isinstance(metadata, Mapping):
        if len(metadata) > 16:
            raise KimiValidationError(f"metadata has {len(metadata)} pairs; Moonshot takes at most 16.")
        for key, value in metadata.items():
            if len(key) > 64 or len(value) > 512:
                raise KimiValidationError(
                    f"metadata key {key[:20]!r}...: keys are at most 64 and values at most 512 characters."
                )


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
