"""What both Kimi clients do the same way around openai's request cycle: the hooks openai calls.

Kept apart from ``_client`` so that module stays about construction and copying.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

import openai
from openai._models import FinalRequestOptions
from openai._streaming import SSEDecoder
from openai._types import ResponseT

from ._compat import httpx
from ._config import platform_of
from ._constants import Region
from ._errors import MalformedResponseError, make_status_error
from ._pipeline import KimiSettings
from ._reasoning_echo import ReasoningStore
from ._reasoning_echo_keys import Prefix
from ._redaction import redact_url_userinfo
from ._response import after_completion, after_stream, fast_completion
from ._retry import RetrySetup, should_retry_response

__all__ = ["KimiClientHooks", "malformed_response"]


class KimiClientHooks:
    """What both Kimi clients do the same way: nothing here awaits or does I/O.

    Listed first among the clients' bases, so these override openai's hooks.
    """

    _kimi: KimiSettings
    _retry: RetrySetup
    _reasoning: ReasoningStore
    _strict_response_validation: bool
    max_retries: int
    _kimi_fronts: Region | None = None
    """The platform a non-Moonshot base URL fronts, as told by ``region=`` (see ``platform_of``)."""
    _kimi_newer_options: Mapping[str, object]
    """Constructor keywords of a newer openai than this package names, for ``copy()`` to carry over."""

    @property
    def region(self) -> Region | None:
        """The Moonshot platform this client talks to; ``None`` for a self-hosted engine.

        A proxy's base URL counts as the platform given with it: ``KimiOpenAI(base_url=proxy, region="cn")``.
        """
        return platform_of(self)

    def __repr__(self) -> str:
        # Never the key, nor a password in the base URL: reprs end up in logs, tracebacks and bug reports.
        base_url = redact_url_userinfo(str(cast("openai.OpenAI", self).base_url))
        return f"{type(self).__name__}(base_url={base_url!r}, region={self.region!r})"

    def _make_sse_decoder(self) -> SSEDecoder:
        # The same events as openai's decoder, with lines split at C speed (see _sse).
        from ._sse import KimiSSEDecoder  # loaded with the first stream

        return KimiSSEDecoder()

    def _make_status_error(
        self, err_msg: str, *, body: object, response: httpx.Response
    ) -> openai.APIStatusError:
        return make_status_error(err_msg, body=body, response=response)

    def _should_retry(self, response: httpx.Response) -> bool:
        # openai retries every 429; Moonshot's error.type tells a quota error (never retried)
        # from overload and rate limits: https://platform.kimi.ai/docs/api/errors
        return should_retry_response(response, retry_after_cap=self._retry.policy.retry_after_cap)

    def _calculate_retry_timeout(
        self,
        remaining_retries: int,
        options: FinalRequestOptions,
        response_headers: httpx.Headers | None = None,
    ) -> float:
        policy = self._retry.policy
        if policy.waits_as_openai:
            # openai's own computation (the same numbers, Retry-After-Ms / Retry-After honoured up to
            # the same cap): what tunes or patches openai's back-off applies here too.
            parent: Any = super()
            return cast(float, parent._calculate_retry_timeout(remaining_retries, options, response_headers))
        attempt = options.get_max_retries(self.max_retries) - remaining_retries
        return policy.wait_seconds(attempt, headers=response_headers)

    def _process_response_data(
        self, *, data: object, cast_to: type[ResponseT], response: httpx.Response
    ) -> ResponseT:
        # Every parsed body passes here, with_raw_response(...).parse() included.
        result = fast_completion(data, cast_to, strict=self._strict_response_validation)
        if result is None:
            parent: Any = super()
            result = parent._process_response_data(data=data, cast_to=cast_to, response=response)
        return cast("ResponseT", after_completion(result, self._kimi, self._reasoning, response=response))

    def _kimi_stream_started(self) -> object:
        """Called by a Kimi stream when created: the request it answers, for remembering its reasoning."""
        return self._reasoning.take_pending()

    def _kimi_stream_done(self, chunks: list[Any], started: object) -> None:
        """Called by Kimi streams once ``[DONE]`` arrived, with what ``_kimi_stream_started`` gave."""
        after_stream(chunks, self._reasoning, started if isinstance(started, Prefix) else None)


def malformed_response(response: httpx.Response, exc: json.JSONDecodeError) -> MalformedResponseError:
    """The typed error for a 2xx JSON body openai could not decode (a cut-off answer), not a traceback.

    openai decodes the body with ``response.json()`` in ``_process_response``, before any
    data hook, and only for a JSON content type (other bodies come back as text), so the
    clients catch the decoding error there. ``with_raw_response(...).parse()`` decodes
    later, outside the client, and keeps openai's behaviour.
    """
    return MalformedResponseError(response, f"{exc.msg} at character {exc.pos}")
