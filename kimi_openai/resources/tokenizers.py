"""``tokenizers``: Moonshot's token estimate, ``POST /v1/tokenizers/estimate-token-count``.

Counts the input tokens of a chat request before sending it, images and video included
(https://platform.kimi.ai/docs/api/estimate). The path is under ``/tokenizers/``, not ``/chat/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import cast

from openai import BaseModel
from openai._base_client import make_request_options
from openai._legacy_response import async_to_raw_response_wrapper, to_raw_response_wrapper
from openai._resource import AsyncAPIResource, SyncAPIResource
from openai._response import async_to_streamed_response_wrapper, to_streamed_response_wrapper
from openai._types import Body, Headers, NotGiven, Omit, Query, not_given
from openai.types.chat import ChatCompletionMessageParam

from kimi_openai._compat import httpx
from kimi_openai._pipeline import prepare_chat_body
from kimi_openai._rules.schema import as_items
from kimi_openai._state import kimi_state_of, platform_of
from kimi_openai.types.token_estimate import TokenEstimate

__all__ = [
    "AsyncTokenizers",
    "AsyncTokenizersWithRawResponse",
    "AsyncTokenizersWithStreamingResponse",
    "Tokenizers",
    "TokenizersWithRawResponse",
    "TokenizersWithStreamingResponse",
]

ESTIMATE_PATH = "/tokenizers/estimate-token-count"


class _EstimateEnvelope(BaseModel):
    data: TokenEstimate


def _unwrap(envelope: _EstimateEnvelope) -> TokenEstimate:
    # The count sits under "data" when there is no "error" (https://platform.kimi.ai/docs/api/estimate);
    # errors come with an HTTP error status and raise before this runs.
    return envelope.data


def _message(message: ChatCompletionMessageParam | Mapping[str, object] | BaseModel) -> object:
    # A message taken from a response (a ChatCompletionMessage) is sent as the fields it carries.
    return message.model_dump(exclude_unset=True) if isinstance(message, BaseModel) else message


def _body(
    client: object,
    model: str,
    messages: Iterable[ChatCompletionMessageParam | Mapping[str, object] | BaseModel],
    extra: Mapping[str, object],
    extra_body: Body | None,
) -> dict[str, object]:
    """The body chat would send for the same arguments, so the count is of that request.

    The same pipeline as chat (``_pipeline.prepare_chat_body``, with the client's options):
    the checks, the output limit under one name, normalised tool schemas, then the reasoning
    of earlier turns put back; ``extra_body`` is merged first, as chat merges it.
    """
    # A dict, a str or a number is not a list of messages: left as given, for the check to refuse.
    items = as_items(messages)
    listed = cast("list[ChatCompletionMessageParam | Mapping[str, object] | BaseModel] | None", items)
    plain: object = [_message(m) for m in listed] if listed is not None else messages
    plain = _message(plain) if isinstance(plain, BaseModel) else plain
    merged: dict[str, object] = {"model": model, "messages": plain, **extra}
    merged.update(cast(Mapping[str, object], extra_body or {}))
    body = {key: value for key, value in merged.items() if not isinstance(value, Omit)}
    return prepare_chat_body(body, kimi_state_of(client), moonshot_hosted=platform_of(client) is not None)


class Tokenizers(SyncAPIResource):
    """Token counting: ``client.tokenizers.estimate_token_count(model=..., messages=...)``."""

    @cached_property
    def with_raw_response(self) -> TokenizersWithRawResponse:
        return TokenizersWithRawResponse(self)

    @cached_property
    def with_streaming_response(self) -> TokenizersWithStreamingResponse:
        return TokenizersWithStreamingResponse(self)

    def estimate_token_count(
        self,
        *,
        model: str,
        messages: Iterable[ChatCompletionMessageParam | Mapping[str, object] | BaseModel],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
        **extra: object,
    ) -> TokenEstimate:
        """The input tokens ``messages`` would use with ``model``.

        Args:
            model: the model id, as for chat.
            messages: chat messages; image and video parts count too.
            **extra: any other chat field to count (``tools``, ``thinking``...), sent in the body.
        """
        # post_parser has already turned the envelope into the TokenEstimate.
        posted = self._post(
            ESTIMATE_PATH,
            body=_body(self._client, model, messages, extra, extra_body),
            options=make_request_options(
                extra_headers=extra_headers,
                extra_query=extra_query,
                timeout=timeout,
                post_parser=_unwrap,
            ),
            cast_to=_EstimateEnvelope,
        )
        return cast(TokenEstimate, posted)


class AsyncTokenizers(AsyncAPIResource):
    """The async :class:`Tokenizers`."""

    @cached_property
    def with_raw_response(self) -> AsyncTokenizersWithRawResponse:
        return AsyncTokenizersWithRawResponse(self)

    @cached_property
    def with_streaming_response(self) -> AsyncTokenizersWithStreamingResponse:
        return AsyncTokenizersWithStreamingResponse(self)

    async def estimate_token_count(
        self,
        *,
        model: str,
        messages: Iterable[ChatCompletionMessageParam | Mapping[str, object] | BaseModel],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
        **extra: object,
    ) -> TokenEstimate:
        """The input tokens ``messages`` would use with ``model``; see :meth:`Tokenizers.estimate_token_count`."""
        # post_parser has already turned the envelope into the TokenEstimate.
        posted = await self._post(
            ESTIMATE_PATH,
            body=_body(self._client, model, messages, extra, extra_body),
            options=make_request_options(
                extra_headers=extra_headers,
                extra_query=extra_query,
                timeout=timeout,
                post_parser=_unwrap,
            ),
            cast_to=_EstimateEnvelope,
        )
        return cast(TokenEstimate, posted)


class TokenizersWithRawResponse:
    def __init__(self, tokenizers: Tokenizers) -> None:
        self._tokenizers = tokenizers
        self.estimate_token_count = to_raw_response_wrapper(tokenizers.estimate_token_count)


class AsyncTokenizersWithRawResponse:
    def __init__(self, tokenizers: AsyncTokenizers) -> None:
        self._tokenizers = tokenizers
        self.estimate_token_count = async_to_raw_response_wrapper(tokenizers.estimate_token_count)


class TokenizersWithStreamingResponse:
    def __init__(self, tokenizers: Tokenizers) -> None:
        self._tokenizers = tokenizers
        self.estimate_token_count = to_streamed_response_wrapper(tokenizers.estimate_token_count)


class AsyncTokenizersWithStreamingResponse:
    def __init__(self, tokenizers: AsyncTokenizers) -> None:
        self._tokenizers = tokenizers
        self.estimate_token_count = async_to_streamed_response_wrapper(tokenizers.estimate_token_count)
