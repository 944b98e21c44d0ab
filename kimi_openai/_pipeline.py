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

A ``POST /responses`` request goes through :func:`prepare_responses_body` instead, in the same
order: the client's memory first expands ``previous_response_id`` into ``input`` (Moonshot keeps
no responses: ``_responses_memory``), the Responses rules (``_rules.responses``) check and
normalise the result, then the memory puts back reasoning items a caller dropped. A call Moonshot
has no endpoint for (``_rules.endpoints``) is refused by :func:`refuse_unserved` before anything.

Coming back, :func:`after_completion` (every parsed body, ``with_raw_response(...).parse()``
included) and :func:`after_stream` (a stream that reached ``[DONE]``) keep the rate-limit
headers, apply the K2 markup parser when the client asks for it, and remember the reasoning.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from openai import Omit
from openai._models import FinalRequestOptions
from openai.types.chat import ChatCompletion
from openai.types.responses import Response, ResponseCompletedEvent, ResponseIncompleteEvent
from pydantic import ValidationError

from ._constants import CHAT_COMPLETIONS_PATH, RESPONSES_PATH
from ._errors import UnservedEndpointError
from ._ratelimit_headers import parse_rate_limit_headers
from ._reasoning_echo import StreamedTurn
from ._responses_memory import ResponsesMemory
from ._rules.chat import check_helper_arguments, prepare_chat_request
from ._rules.endpoints import unserved_endpoint
from ._rules.responses import prepare_responses_request
from ._state import KimiSettings, KimiState, kimi_state_of
from ._stream_index import choice_index
from ._usage import chunk_usage, stream_usage
from .types.chat.kimi_chat_completion import KimiChatCompletion
from .types.kimi_response import KimiResponse

if TYPE_CHECKING:
    from ._compat import httpx
    from ._reasoning_echo_keys import Prefix

__all__ = [
    "CHAT_COMPLETIONS_PATH",
    "RATE_LIMIT_ATTRIBUTE",
    "RESPONSES_PATH",
    "StreamRecord",
    "after_completion",
    "after_stream",
    "aprepare_options",
    "check_helper_call",
    "fast_completion",
    "prepare_chat_body",
    "prepare_options",
    "prepare_responses_body",
    "refuse_unserved",
    "response_cast",
    "responses_memory",
]


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


def prepare_responses_body(
    body: Mapping[str, Any], state: KimiState | None, *, moonshot_hosted: bool, validate: bool = True
) -> dict[str, Any]:
    """The Responses body to send: history expanded, checked and normalised, reasoning items restored.

    Raises:
        KimiValidationError: an unknown ``previous_response_id`` on Moonshot's platform, a field or
            tool Moonshot's Responses API refuses, or (``reasoning_echo="strict"``) a call whose
            reasoning items are missing and not known.
    """
    settings = KimiSettings() if state is None else state.settings
    checks = validate and settings.validation
    memory = None if state is None else responses_memory(state)
    if memory is not None:
        body = memory.expand(body, refuse_unknown=moonshot_hosted and checks)
    prepared = prepare_responses_request(
        body,
        validate=checks,
        normalize_tool_schemas=settings.normalize_tool_schemas,
        moonshot_hosted=moonshot_hosted,
    ).body
    if memory is None:
        return prepared
    return dict(memory.restore_reasoning(prepared, settings.reasoning_echo, moonshot_hosted=moonshot_hosted))


def responses_memory(state: KimiState) -> ResponsesMemory:
    """The client's memory of returned Responses: in its store, under its namespace, beside the reasoning echo's."""
    return ResponsesMemory(state.store, state.reasoning.namespace)


def refuse_unserved(options: FinalRequestOptions, base_url: object, *, moonshot_hosted: bool) -> None:
    """Raise :class:`UnservedEndpointError` for an openai endpoint Moonshot's platform does not have.

    Only on Moonshot's platform: a self-hosted engine or an undeclared proxy may serve anything.
    """
    if not moonshot_hosted:
        return
    found = unserved_endpoint(options.method, options.url)
    if found is not None:
        url = f"{base_url}".rstrip("/") + options.url
        raise UnservedEndpointError.before_sending(options.method, url, *found)


def _body_with_extra(json_data: Mapping[str, Any], extra: Mapping[str, Any] | None) -> dict[str, Any]:
    # openai merges extra_body into the body only when building the HTTP request, after
    # this hook; merge it here (the same way) so the checks see `thinking` and friends.
    merged = {**json_data, **(extra or {})}
    return {key: value for key, value in merged.items() if not isinstance(value, Omit)}


def _pipeline_body(options: FinalRequestOptions) -> dict[str, Any] | None:
    """A chat completion or Responses request's body, ``extra_body`` merged; ``None`` for any other request."""
    if options.url not in (CHAT_COMPLETIONS_PATH, RESPONSES_PATH) or options.method.lower() != "post":
        return None
    json_data = cast("object", options.json_data)
    if not isinstance(json_data, Mapping):
        return None
    return _body_with_extra(
        cast("Mapping[str, Any]", json_data), cast("Mapping[str, Any] | None", options.extra_json)
    )


def prepare_options(
    options: FinalRequestOptions, state: KimiState, *, moonshot_hosted: bool = True, base_url: object = ""
) -> FinalRequestOptions:
    """The clients' request hook: chat and Responses requests go through the pipeline; anything else passes.

    On Moonshot's platform, an openai endpoint it does not have is refused first (``base_url``
    is the client's, for the error's request URL).
    """
    refuse_unserved(options, base_url, moonshot_hosted=moonshot_hosted)
    body = _pipeline_body(options)
    if body is None:
        return options
    if options.url == CHAT_COMPLETIONS_PATH:
        options.json_data = prepare_chat_body(
            _with_cache_key(body, state), state, moonshot_hosted=moonshot_hosted
        )
    else:
        options.json_data = prepare_responses_body(body, state, moonshot_hosted=moonshot_hosted)
    options.extra_json = None
    return options


async def aprepare_options(
    options: FinalRequestOptions, state: KimiState, *, moonshot_hosted: bool = True, base_url: object = ""
) -> FinalRequestOptions:
    """:func:`prepare_options` of the async client: a shared reasoning store is read without blocking."""
    refuse_unserved(options, base_url, moonshot_hosted=moonshot_hosted)
    body = _pipeline_body(options)
    if body is None:
        return options
    if options.url == RESPONSES_PATH:
        options.json_data = prepare_responses_body(body, state, moonshot_hosted=moonshot_hosted)
        options.extra_json = None
        return options
    settings = state.settings
    checked = _checked(_with_cache_key(body, state), settings, moonshot_hosted=moonshot_hosted)
    # Without a shared store there is nothing to read: no coroutine on every request.
    prefix = (
        await state.reasoning.afetch(checked, settings.reasoning_echo)
        if state.reasoning.shared is not None
        else None
    )
    options.json_data = state.reasoning.restore(
        checked, settings.reasoning_echo, moonshot_hosted=moonshot_hosted, prefix=prefix
    )
    options.extra_json = None
    return options


def _with_cache_key(body: dict[str, Any], state: KimiState) -> dict[str, Any]:
    """The chat body with the client's default ``prompt_cache_key``; the call's own value wins."""
    cache_key = state.settings.prompt_cache_key
    if cache_key is not None and "prompt_cache_key" not in body:
        body["prompt_cache_key"] = cache_key
    return body


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
        state.usage.add(result.model, result.usage)
    elif isinstance(result, Response):
        _remember_response(result, state, response)
    elif isinstance(result, ResponseCompletedEvent | ResponseIncompleteEvent):
        _remember_response(result.response, state, response)  # the last event of a Responses stream
    return result


def response_cast(cast_to: Any) -> Any:
    """What openai builds a parsed body as: a Responses ``Response`` as :class:`KimiResponse`, else as asked."""
    return KimiResponse if cast_to is Response else cast_to


def _remember_response(result: Response, state: KimiState, response: httpx.Response | None) -> None:
    # The request as sent (history expanded, reasoning restored) is on the HTTP exchange itself.
    request = None if response is None else response.request
    if request is None or not result.id:
        return
    try:
        body = json.loads(request.content)
    except (ValueError, RuntimeError):  # a body not JSON, or a stream not read (never for openai's requests)
        return
    if isinstance(body, dict):
        output = [item.model_dump(mode="json", exclude_unset=True) for item in result.output or []]
        responses_memory(state).remember(cast("dict[str, Any]", body), result.id, output)


class StreamRecord:
    """What a Kimi client keeps from a chat stream while it is read, for :func:`after_stream`.

    Each choice's turn (its reasoning, text and tool-call ids, for the reasoning echo) and
    the chunks the usage is read from. Gathered chunk by chunk, so the stream need not keep
    its chunk objects for it: a thinking stream is thousands of chunks, and objects kept
    alive are what the garbage collector walks over and over while the stream is read.
    """

    __slots__ = ("_kimi_chunks", "first", "last_with_usage", "turns")

    def __init__(self, *, kimi_chunks: bool) -> None:
        self._kimi_chunks = kimi_chunks
        """The chunks are Kimi's: a choice's usage is already on the chunk (KimiChatCompletionChunk)."""
        self.first: object = None
        self.last_with_usage: object = None
        self.turns: dict[int, StreamedTurn] = {}

    def add(self, chunk: object) -> None:
        """One chunk, as the stream yields it."""
        if self.first is None:
            self.first = chunk
        if (getattr(chunk, "usage", None) if self._kimi_chunks else chunk_usage(chunk)) is not None:
            self.last_with_usage = chunk
        choices = getattr(chunk, "choices", None)
        if not isinstance(choices, list):
            return
        turns = self.turns
        for choice in cast("list[object]", choices):
            delta = getattr(choice, "delta", None)
            if delta is not None:
                index = choice_index(getattr(choice, "index", None))
                turn = turns.get(index)
                if turn is None:
                    turn = turns[index] = StreamedTurn()
                turn.add(delta)

    def add_text(self, chunk: object, usage: object, index: int, reasoning: bool, text: str) -> None:
        """:meth:`add` for a chunk whose one choice ``index`` only adds ``text`` to its reasoning
        (or its answer), from a caller that has looked at the chunk already (``usage``: the chunk's)."""
        if not self._kimi_chunks or self.first is None:
            self.add(chunk)
            return
        if usage is not None:
            self.last_with_usage = chunk
        if text:
            turn = self.turns.get(index)
            if turn is None:
                turn = self.turns[index] = StreamedTurn()
            (turn.reasoning if reasoning else turn.content).append(text)


def after_stream(record: StreamRecord, state: KimiState, request: Prefix | None) -> None:
    """Called once a chat stream has finished (``[DONE]`` received); ``request`` as taken at its start."""
    state.reasoning.remember_stream(record.turns.values(), request)
    counted = stream_usage(record.first, record.last_with_usage)
    if counted is not None:
        state.usage.add(*counted)


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
