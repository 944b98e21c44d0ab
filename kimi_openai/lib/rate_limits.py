"""Read the ``X-RateLimit-*`` headers off what a call returned, and pace bulk async calls by them.

Moonshot's help centre says responses carry ``X-RateLimit-Limit``, ``-Remaining`` and
``-Reset`` (https://www.kimi.com/help/kimi-api/api-rate-limits). A parsed completion
keeps no headers, so :func:`rate_limit_of` reads them from whatever still has them:
a raw response (``with_raw_response``), a stream (its ``response``), an error
(``KimiAPIError.rate_limit``), or a completion the client tagged on the way in.

:func:`limited_create` runs one call inside an :class:`~kimi_openai.AsyncRateLimiter`
slot and feeds the headers back to it, so a low tier (Tier0: 3 RPM,
https://platform.moonshot.ai/docs/pricing/limits) is paced by the client instead of
answered with 429s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai._legacy_response import LegacyAPIResponse

from kimi_openai._client import AsyncKimiOpenAI
from kimi_openai._errors import KimiAPIError
from kimi_openai._ratelimit_headers import AsyncRateLimiter, RateLimitInfo, parse_rate_limit_headers
from kimi_openai._response import RATE_LIMIT_ATTRIBUTE
from kimi_openai.types.chat import KimiChatCompletion

__all__ = ["limited_create", "rate_limit_of"]


def rate_limit_of(obj: object) -> RateLimitInfo | None:
    """The ``X-RateLimit-*`` headers behind ``obj``; ``None`` when it has none. Never raises.

    ``obj`` may be a ``RateLimitInfo``, an ``httpx.Response``, a raw response from
    ``with_raw_response`` / ``with_streaming_response``, a stream, a ``KimiAPIError``
    (or any error with a ``response``), or a completion tagged by the client.
    """
    if obj is None or isinstance(obj, RateLimitInfo):
        return obj
    if isinstance(obj, KimiAPIError):
        return obj.rate_limit
    tagged = getattr(obj, RATE_LIMIT_ATTRIBUTE, None)
    if isinstance(tagged, RateLimitInfo):
        return tagged
    headers = getattr(obj, "headers", None)
    if not isinstance(headers, Mapping):
        headers = getattr(getattr(obj, "response", None), "headers", None)
    if isinstance(headers, Mapping):
        return parse_rate_limit_headers(cast("Mapping[str, str]", headers))
    return None


async def limited_create(
    client: AsyncKimiOpenAI, limiter: AsyncRateLimiter, *, tokens: float = 0, **create_kwargs: Any
) -> KimiChatCompletion:
    """``client.chat.completions.create(**create_kwargs)`` inside a limiter slot (not streamed).

    ``tokens`` is what the call claims from ``tokens_per_minute`` (an estimate: prompt
    plus ``max_tokens``). The response's headers, or the error's, go to
    ``limiter.observe`` so an exhausted window pauses the calls that follow.
    """
    if create_kwargs.get("stream"):
        raise ValueError("limited_create does not stream: hold limiter.acquire() around the stream instead.")
    async with limiter.acquire(tokens=tokens):
        try:
            raw = cast(
                "LegacyAPIResponse[KimiChatCompletion]",
                await client.chat.completions.with_raw_response.create(**create_kwargs),
            )
        except KimiAPIError as error:
            limiter.observe(error.rate_limit)
            raise
        info = rate_limit_of(raw)
        limiter.observe(info)
        completion = raw.parse()
        object.__setattr__(completion, RATE_LIMIT_ATTRIBUTE, info)
        return completion
