"""What the Kimi clients do with a chat response before the caller sees it.

Called from the clients' ``_process_response_data`` (every parsed body, including
``with_raw_response(...).parse()``) and from the streams when ``[DONE]`` arrives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from ._ratelimit_headers import parse_rate_limit_headers
from .types.chat.kimi_chat_completion import KimiChatCompletion

if TYPE_CHECKING:
    from ._compat import httpx
    from ._pipeline import KimiSettings
    from ._reasoning_echo import ReasoningStore
    from ._reasoning_echo_keys import Prefix

__all__ = ["RATE_LIMIT_ATTRIBUTE", "after_completion", "after_stream"]


RATE_LIMIT_ATTRIBUTE = "_kimi_rate_limit"
"""The parsed ``X-RateLimit-*`` headers of a completion's response (read by ``rate_limit_of``)."""


def after_completion(
    result: Any, settings: KimiSettings, store: ReasoningStore, response: httpx.Response | None = None
) -> Any:
    """A parsed response body, with Kimi's post-processing applied to chat completions.

    Given the ``response``, a completion keeps its rate-limit headers (a completion
    has no headers of its own): https://www.kimi.com/help/kimi-api/api-rate-limits
    """
    if isinstance(result, ChatCompletion):
        if response is not None:
            object.__setattr__(result, RATE_LIMIT_ATTRIBUTE, parse_rate_limit_headers(response.headers))
        if settings.k2_tool_call_markup:
            # Loaded only when asked for: self-hosted engines without a Kimi tool parser.
            from ._k2_apply import apply_k2_markup

            apply_k2_markup(result)
        store.remember_completion(result)
    return result


def after_stream(chunks: list[Any], store: ReasoningStore, request: Prefix | None) -> None:
    """Called once a chat stream has finished (``[DONE]`` received); ``request`` as taken at its start."""
    store.remember_chunks(chunks, request)


def fast_completion(data: object, cast_to: object, *, strict: bool) -> KimiChatCompletion | None:
    """A chat completion built by the compiled validator, or ``None`` to let openai build it.

    openai builds responses with ``construct()``, a pure-Python walk that costs far more
    than pydantic-core's validator. Strict validation accepts only payloads whose every
    value already has its declared type, exactly when both build equal objects; anything
    else (an unknown ``finish_reason``, a ``builtin_function`` tool call) goes openai's way.
    """
    if cast_to is not KimiChatCompletion or strict or not isinstance(data, dict):
        return None
    try:
        return KimiChatCompletion.model_validate(data, strict=True)
    except ValidationError:
        return None
