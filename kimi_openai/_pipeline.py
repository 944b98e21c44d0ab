"""The one chat pipeline: what a Kimi client does to a chat request before it is sent, and to the answer.

Going out, :func:`prepare_chat_body` runs the steps in one order, for every caller: the chat
rules check the body and normalise it (``_rules.chat``: the output-limit field, MFJS schemas,
``thinking`` turned off where a forced tool needs it), then the reasoning echo puts back what a
framework dropped (``_reasoning_echo``). Validation comes first because it decides the final
``thinking``, and whether a turn needs its reasoning depends on that. The callers:

* the clients' ``_prepare_options`` hook (:func:`prepare_options`), which sees every request
  the SDK sends (``create``, ``stream``, ``parse``, their raw and streaming-response forms,
  sync and async) and runs again on each retry, on a fresh copy of the options, so the work
  is idempotent and never mutates what the caller passed;
* the lines of a batch (``lib/batch``) and the token estimate (``resources/tokenizers``),
  which send what chat would send for the same arguments.

Coming back, :func:`after_completion` (every parsed body, ``with_raw_response(...).parse()``
included) and :func:`after_stream` (a stream that reached ``[DONE]``) keep the rate-limit
headers, apply the K2 markup parser when the client asks for it, and remember the reasoning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from openai import Omit
from openai._models import FinalRequestOptions
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from ._ratelimit_headers import parse_rate_limit_headers
from ._rules.chat import check_helper_arguments, prepare_chat_request
from ._state import KimiSettings, KimiState, kimi_state_of
from .types.chat.kimi_chat_completion import KimiChatCompletion

if TYPE_CHECKING:
    from ._compat import httpx
    from ._reasoning_echo_keys import Prefix

__all__ = [
    "CHAT_COMPLETIONS_PATH",
    "RATE_LIMIT_ATTRIBUTE",
    "after_completion",
    "after_stream",
    "aprepare_options",
    "check_helper_call",
    "fast_completion",
    "prepare_chat_body",
    "prepare_options",
]

CHAT_COMPLETIONS_PATH = "/chat/completions"

RATE_LIMIT_ATTRIBUTE = "_kimi_rate_limit"
"""The parsed ``X-RateLimit-*`` headers of a completion's response (read by ``rate_limit_of``)."""


# -- the request ----------------------------------------------------------------------------------


def prepare_chat_body(
    body: Mapping[str, Any], state: KimiState | None, *, moonshot_hosted: bool, validate: bool = True
) -> dict[str, Any]:
    """The chat body to send: checked and normalised by the chat rules, then its reasoning restored.

    ``state`` is the client's (:func:`~kimi_openai._state.kimi_state_of`); without one (a plain
    openai client) the default options apply and nothing is restored. ``moonshot_hosted``: the
    request reaches Moonshot's platform, whose rules then apply. ``validate=False`` skips the
    checks, as the client's own ``validation=False`` does.

    Raises:
        KimiValidationError: the request breaks a rule of the model, or ``reasoning_echo="strict"``
            and a turn needs reasoning that is not known.
    """
    settings = KimiSettings() if state is None else state.settings
    prepared = _checked(body, settings, moonshot_hosted=moonshot_hosted, validate=validate)
    if state is None:
        return prepared
    return state.reasoning.restore(prepared, settings.reasoning_echo, moonshot_hosted=moonshot_hosted)


def _checked(
    body: Mapping[str, Any], settings: KimiSettings, *, moonshot_hosted: bool, validate: bool = True
) -> dict[str, Any]:
    return prepare_chat_request(
        body,
        validate=validate and settings.validation,
        max_tokens_field=settings.max_tokens_field,
        normalize_tool_schemas=settings.normalize_tool_schemas,
        moonshot_hosted=moonshot_hosted,
    ).body


def _body_with_extra(json_data: Mapping[str, Any], extra: Mapping[str, Any] | None) -> dict[str, Any]:
    # openai merges extra_body into the body only when building the HTTP request, after
    # this hook; merge it here (the same way) so the checks see `thinking` and friends.
    merged = {**json_data, **(extra or {})}
    return {key: value for key, value in merged.items() if not isinstance(value, Omit)}


def _chat_body(options: FinalRequestOptions) -> dict[str, Any] | None:
    """A chat completion request's body, ``extra_body`` merged; ``None`` for any other request."""
    if options.url != CHAT_COMPLETIONS_PATH or options.method.lower() != "post":
        return None
    json_data = cast("object", options.json_data)
    if not isinstance(json_data, Mapping):
        return None
    return _body_with_extra(
        cast("Mapping[str, Any]", json_data), cast("Mapping[str, Any] | None", options.extra_json)
    )


def prepare_options(
    options: FinalRequestOptions, state: KimiState, *, moonshot_hosted: bool = True
) -> FinalRequestOptions:
    """The clients' request hook: a chat completion request goes through the pipeline; anything else passes."""
    body = _chat_body(options)
    if body is None:
        return options
    options.json_data = prepare_chat_body(body, state, moonshot_hosted=moonshot_hosted)
    options.extra_json = None
    return options


async def aprepare_options(
    options: FinalRequestOptions, state: KimiState, *, moonshot_hosted: bool = True
) -> FinalRequestOptions:
    """:func:`prepare_options` of the async client: a shared reasoning store is read without blocking."""
    body = _chat_body(options)
    if body is None:
        return options
    settings = state.settings
    checked = _checked(body, settings, moonshot_hosted=moonshot_hosted)
    prefix = await state.reasoning.afetch(checked, settings.reasoning_echo)
    options.json_data = state.reasoning.restore(
        checked, settings.reasoning_echo, moonshot_hosted=moonshot_hosted, prefix=prefix
    )
    options.extra_json = None
    return options


def check_helper_call(client: object, arguments: Mapping[str, Any], response_format: object) -> None:
    """Before ``.parse()`` or ``.stream()`` hands its arguments to openai: what openai reads first.

    The client's ``validation=False`` turns it off, as it does the request checks.
    """
    state = kimi_state_of(client)
    if state is not None and not state.settings.validation:
        return
    check_helper_arguments(arguments, response_format)


# -- the answer -----------------------------------------------------------------------------------


def after_completion(result: Any, state: KimiState, response: httpx.Response | None = None) -> Any:
    """A parsed response body, with Kimi's post-processing applied to chat completions.

    Given the ``response``, a completion keeps its rate-limit headers (a completion
    has no headers of its own): https://www.kimi.com/help/kimi-api/api-rate-limits
    """
    if isinstance(result, ChatCompletion):
        if response is not None:
            object.__setattr__(result, RATE_LIMIT_ATTRIBUTE, parse_rate_limit_headers(response.headers))
        if state.settings.k2_tool_call_markup:
            # Loaded only when asked for: self-hosted engines without a Kimi tool parser.
            from ._k2_apply import apply_k2_markup

            apply_k2_markup(result)
        state.reasoning.remember_completion(result)
    return result


def after_stream(chunks: list[Any], state: KimiState, request: Prefix | None) -> None:
    """Called once a chat stream has finished (``[DONE]`` received); ``request`` as taken at its start."""
    state.reasoning.remember_chunks(chunks, request)


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
