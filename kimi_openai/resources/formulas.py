"""Moonshot's official tools ("formulas"): tool declarations and fiber calls.

https://platform.kimi.ai/docs/guide/use-official-tools

* ``client.formulas.tools("moonshot/web-search:latest")``: ``GET /formulas/{uri}/tools``, the
  formula's ordinary ``function`` tools, ready for ``tools=``;
* ``client.formulas.call(uri, name, arguments)``: ``POST /formulas/{uri}/fibers`` with
  ``{"name", "arguments": <JSON string>}``, answered by a :class:`~kimi_openai.types.FiberResult`.

A formula URI holds a slash and a colon (``moonshot/date:latest``); both go into the path as they
are: the server routes on the slash, so it must not be percent-encoded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cached_property
from typing import Any, cast

from openai import BaseModel
from openai._base_client import make_request_options
from openai._legacy_response import async_to_raw_response_wrapper, to_raw_response_wrapper
from openai._resource import AsyncAPIResource, SyncAPIResource
from openai._response import async_to_streamed_response_wrapper, to_streamed_response_wrapper
from openai._types import Body, Headers, NotGiven, Query, not_given
from openai.types.chat import ChatCompletionFunctionToolParam

from kimi_openai._compat import httpx
from kimi_openai._errors import KimiValidationError
from kimi_openai.types.formula import FiberResult

__all__ = [
    "AsyncFormulas",
    "AsyncFormulasWithRawResponse",
    "AsyncFormulasWithStreamingResponse",
    "Formulas",
    "FormulasWithRawResponse",
    "FormulasWithStreamingResponse",
    "formula_path",
]


class _ToolsEnvelope(BaseModel):
    # A parameterised list: openai 2.x's construct_type crashes on bare generics.
    tools: list[Any] = []  # noqa: RUF012 # pydantic copies field defaults


def _unwrap_tools(envelope: _ToolsEnvelope) -> list[ChatCompletionFunctionToolParam]:
    # {"tools": [{"type": "function", "function": {...}}]}: ordinary function tools (§1.8).
    return [cast("ChatCompletionFunctionToolParam", tool) for tool in envelope.tools]


def formula_path(uri: str, endpoint: str) -> str:
    """``/formulas/{uri}/{endpoint}``, the URI kept as it is (its slash is part of the route)."""
    clean = uri.strip().strip("/")
    if not clean or any(c in clean for c in "?# ") or "/" not in clean:
        raise KimiValidationError(
            f"formula uri {uri!r} is not a formula URI: pass one like 'moonshot/web-search:latest' "
            "(https://platform.kimi.ai/docs/guide/use-official-tools)."
        )
    return f"/formulas/{clean}/{endpoint}"


def _fiber_body(name: str, arguments: str | Mapping[str, object]) -> dict[str, object]:
    # The fiber takes arguments as a JSON *string*, as the model produced them (§1.8).
    text = arguments if isinstance(arguments, str) else json.dumps(dict(arguments), ensure_ascii=False)
    return {"name": name, "arguments": text}


class Formulas(SyncAPIResource):
    """``client.formulas``: ``GET /formulas/{uri}/tools`` and ``POST /formulas/{uri}/fibers``."""

    @cached_property
    def with_raw_response(self) -> FormulasWithRawResponse:
        return FormulasWithRawResponse(self)

    @cached_property
    def with_streaming_response(self) -> FormulasWithStreamingResponse:
        return FormulasWithStreamingResponse(self)

    def tools(
        self,
        uri: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> list[ChatCompletionFunctionToolParam]:
        """The tool declarations of formula ``uri`` (e.g. ``"moonshot/date:latest"``), for ``tools=``."""
        got = self._get(
            formula_path(uri, "tools"),
            options=make_request_options(
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                post_parser=_unwrap_tools,
            ),
            cast_to=_ToolsEnvelope,
        )
        return cast("list[ChatCompletionFunctionToolParam]", got)

    def call(
        self,
        uri: str,
        name: str,
        arguments: str | Mapping[str, object],
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> FiberResult:
        """Run tool ``name`` of formula ``uri`` (a "fiber").

        Args:
            uri: the formula, e.g. ``"moonshot/web-search:latest"``.
            name: the ``function.name`` the model called.
            arguments: the call's arguments: the JSON string the model sent (passed on unchanged)
                or a mapping (sent as JSON).

        Returns:
            The :class:`~kimi_openai.types.FiberResult`; a failed fiber is a result too
            (``succeeded`` False, ``error_message`` set), not an exception.
        """
        return self._post(
            formula_path(uri, "fibers"),
            body=_fiber_body(name, arguments),
            options=make_request_options(
                extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body, timeout=timeout
            ),
            cast_to=FiberResult,
        )


class AsyncFormulas(AsyncAPIResource):
    """``client.formulas`` on an async client."""

    @cached_property
    def with_raw_response(self) -> AsyncFormulasWithRawResponse:
        return AsyncFormulasWithRawResponse(self)

    @cached_property
    def with_streaming_response(self) -> AsyncFormulasWithStreamingResponse:
        return AsyncFormulasWithStreamingResponse(self)

    async def tools(
        self,
        uri: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> list[ChatCompletionFunctionToolParam]:
        """The tool declarations of formula ``uri``; see :meth:`Formulas.tools`."""
        got = await self._get(
            formula_path(uri, "tools"),
            options=make_request_options(
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                post_parser=_unwrap_tools,
            ),
            cast_to=_ToolsEnvelope,
        )
        return cast("list[ChatCompletionFunctionToolParam]", got)

    async def call(
        self,
        uri: str,
        name: str,
        arguments: str | Mapping[str, object],
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> FiberResult:
        """Run tool ``name`` of formula ``uri``; see :meth:`Formulas.call`."""
        return await self._post(
            formula_path(uri, "fibers"),
            body=_fiber_body(name, arguments),
            options=make_request_options(
                extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body, timeout=timeout
            ),
            cast_to=FiberResult,
        )


class FormulasWithRawResponse:
    def __init__(self, formulas: Formulas) -> None:
        self._formulas = formulas
        self.tools = to_raw_response_wrapper(formulas.tools)
        self.call = to_raw_response_wrapper(formulas.call)


class AsyncFormulasWithRawResponse:
    def __init__(self, formulas: AsyncFormulas) -> None:
        self._formulas = formulas
        self.tools = async_to_raw_response_wrapper(formulas.tools)
        self.call = async_to_raw_response_wrapper(formulas.call)


class FormulasWithStreamingResponse:
    def __init__(self, formulas: Formulas) -> None:
        self._formulas = formulas
        self.tools = to_streamed_response_wrapper(formulas.tools)
        self.call = to_streamed_response_wrapper(formulas.call)


class AsyncFormulasWithStreamingResponse:
    def __init__(self, formulas: AsyncFormulas) -> None:
        self._formulas = formulas
        self.tools = async_to_streamed_response_wrapper(formulas.tools)
        self.call = async_to_streamed_response_wrapper(formulas.call)
