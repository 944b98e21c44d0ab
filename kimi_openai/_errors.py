"""Kimi exceptions and warnings: every public one the package raises, the helpers' and workflows' too.

Every exception raised by this package derives from ``openai.OpenAIError``, so
code written against the openai SDK keeps catching what it caught before, and from
:class:`KimiError`, so one ``except KimiError`` catches all of them, the server's errors
(:class:`KimiAPIError`, also drawn under ``openai.APIStatusError``) included. Each
documented Moonshot ``error.type`` (https://platform.kimi.ai/docs/api/errors)
has its own class, which also subclasses the openai class for its HTTP status::

    openai.OpenAIError
    ├── KimiError                    (everything the package raises; KimiAPIError too, drawn below)
    │   ├── KimiConfigurationError   (bad key, base URL, region or http_client at construction)
    │   │   ├── KimiConfigurationTypeError  + TypeError  (where openai raises one: max_retries=None, a wrong http_client)
    │   │   └── KimiConfigurationValueError + ValueError (where openai raises one: a negative max_retries)
    │   ├── KimiValidationError      + ValueError (a request Kimi would reject, caught before any HTTP call)
    │   ├── MalformedResponseError   + openai.APIResponseValidationError (a 2xx JSON body that cannot be decoded)
    │   ├── StreamInterruptedError   (a stream ended before ``data: [DONE]``; ``.partial``)
    │   │   ├── StreamConnectionError    + openai.APIConnectionError (dropped)
    │   │   │   └── StreamTimeoutError       + openai.APITimeoutError (no chunk within the read timeout)
    │   │   └── StreamServerError        + openai.APIError (an ``error`` event mid-stream)
    │   ├── StructuredOutputError    (``.parse()`` / ``.stream()`` made no value of the schema; ``.reason``, ``.completion``)
    │   │   ├── StructuredOutputLengthError        + openai.LengthFinishReasonError (cut off by the output limit)
    │   │   ├── StructuredOutputContentFilterError + openai.ContentFilterFinishReasonError
    │   │   ├── StructuredOutputEmptyError         + ValueError (no content, no tool call, no refusal)
    │   │   └── StructuredOutputInvalidError       + pydantic.ValidationError (not valid JSON for the schema)
    │   ├── FileExtractionError      (Moonshot could not process an uploaded file; ``.file_id``)
    │   ├── ContinuationLimitError   (``continue_after_length`` stopped, the answer still cut off; ``.text``)
    │   ├── ToolLoopError            (``run_tools`` / ``run_web_search`` stopped before an answer; ``.messages``)
    │   │   ├── MaxStepsExceededError    (the model still asked for tools after ``max_steps``)
    │   │   ├── TokenBudgetExceededError (the requests used more than ``max_tokens_budget``)
    │   │   ├── RepeatedToolCallError    (the same call ``repeated_call_limit`` times in a row)
    │   │   ├── ReadOnlyStreakError      (``read_only_streak_limit`` read-only calls in a row)
    │   │   ├── InvalidCompactionError   (a ``compact=`` callable returned a transcript Moonshot rejects)
    │   │   └── ToolExecutionError       (a tool raised, with ``on_tool_error="raise"``)
    │   ├── BatchTimeoutError        + TimeoutError (a batch not finished within ``timeout``; ``.batch``)
    │   └── K2MarkupError            + ValueError (defective K2 tool-call markup, in strict mode; ``.problem``)
    └── openai.APIStatusError
        └── KimiAPIError             + KimiError (any Kimi HTTP error; fallback for other statuses)
            ├── KimiBadRequestError            + openai.BadRequestError          400
            │   ├── ContentFilterError             content_filter
            │   └── InvalidRequestError            invalid_request_error
            ├── KimiAuthenticationError        + openai.AuthenticationError      401
            │   ├── InvalidAuthenticationError     invalid_authentication_error
            │   └── IncorrectAPIKeyError           incorrect_api_key_error
            ├── KimiPermissionDeniedError      + openai.PermissionDeniedError    403 permission_denied_error
            ├── KimiNotFoundError              + openai.NotFoundError            404
            │   ├── ResourceNotFoundError          resource_not_found_error
            │   └── UnservedEndpointError          (raised before sending: an openai endpoint Moonshot lacks)
            ├── KimiConflictError              + openai.ConflictError            409
            ├── KimiUnprocessableEntityError   + openai.UnprocessableEntityError 422
            ├── KimiRateLimitError             + openai.RateLimitError           429
            │   ├── EngineOverloadedError          engine_overloaded_error
            │   ├── RateLimitReachedError          rate_limit_reached_error
            │   └── ExceededCurrentQuotaError      exceeded_current_quota_error
            │       └── ExceededCurrentQuotaForbiddenError
            │                                  + KimiPermissionDeniedError       403 exceeded_current_quota_error
            ├── ClientClosedRequestError                                         499
            └── KimiInternalServerError        + openai.InternalServerError      5xx
                ├── ServerError                    500 server_error
                │   └── FileExtractionServerError  + FileExtractionError (500 ``Failed to extract file``)
                ├── UnexpectedOutputError          500 unexpected_output
                ├── ServerUnavailableError         503
                └── GatewayTimeoutError            504 (an HTML page, not JSON)

    UserWarning
    └── KimiWarning                  (a request Kimi accepts but that probably does not do what was meant)

The 403 quota error (seen live: https://github.com/MoonshotAI/Kimi-K2/issues/5)
is both an ``ExceededCurrentQuotaError`` (hence an ``openai.RateLimitError``)
and an ``openai.PermissionDeniedError``: whichever one the caller catches, a
quota problem is caught, and its ``status_code`` stays the real 403.

``KimiPermissionDeniedError`` is not named ``PermissionDeniedError`` so that it
never shadows ``openai.PermissionDeniedError`` in a star import or a reader's head.

This module imports nothing of the package above it: the error a stream breaks with carries a
:class:`~kimi_openai.StreamSnapshot` (``_stream_snapshot``) and an HTTP error its rate-limit
headers (``_ratelimit_headers``), both leaves.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, cast

import openai
import pydantic

from ._compat import httpx
from ._ratelimit_headers import RateLimitInfo, parse_rate_limit_headers, parse_retry_after
from ._redaction import (
    credentials_in_headers,
    known_secrets,
    redact,
    redact_tree,
    redacted_request,
    redacted_response,
)
from ._stream_snapshot import StreamSnapshot

if TYPE_CHECKING:
    from openai.types import Batch


class _KeyFree:
    """Mixed into every Kimi error: no attribute holds a key, and pickling keeps it that way.

    A server or a proxy may quote the bearer token back (in the message, the body, an HTML
    page), and the request an error holds carries ``Authorization``. Each error therefore
    replaces, once built, every attribute and argument with a redacted copy (the request and
    response too: copies without credential headers, their bodies redacted), and pickles
    what is left (openai's errors neither unpickle nor leave the key out).
    """

    def _redact_attributes(self, request: httpx.Request | None) -> None:
        secrets = (*_request_credentials(request), *known_secrets())
        copies: dict[int, object] = {}
        for name, value in list(vars(self).items()):
            self.__dict__[name] = _redacted_attribute(value, secrets, copies)
        error = cast("BaseException", self)
        error.args = tuple(_redacted_attribute(arg, secrets, copies) for arg in error.args)

    def __reduce__(self) -> tuple[object, ...]:
        error = cast("BaseException", self)
        return (_rebuild_error, (_importable_class(type(self)), error.args, dict(vars(self))))


def _rebuild_error(
    cls: type[BaseException], args: tuple[object, ...], state: dict[str, object]
) -> BaseException:
    """Unpickles a Kimi error without calling its constructor (which needs a live response)."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


def _importable_class(cls: type) -> type:
    """The class itself, or its nearest base that pickle can find by name.

    A stream error raised on openai 2.x is also its ``httpx`` transport error: a class built
    at run time, which unpickles as the Kimi class it extends.
    """
    for candidate in cls.__mro__:
        module = sys.modules.get(candidate.__module__)
        if module is not None and getattr(module, candidate.__qualname__, None) is candidate:
            return candidate
    return cls


def _request_credentials(request: httpx.Request | None) -> list[str]:
    return [] if request is None else credentials_in_headers(request.headers.multi_items())


def _redacted_attribute(value: object, secrets: tuple[str, ...], copies: dict[int, object]) -> object:
    if isinstance(value, httpx.Request | httpx.Response):
        if id(value) not in copies:
            copies[id(value)] = _redacted_exchange(value, secrets, copies)
        return copies[id(value)]
    return redact_tree(value, secrets)


def _redacted_exchange(
    value: httpx.Request | httpx.Response, secrets: tuple[str, ...], copies: dict[int, object]
) -> object:
    if isinstance(value, httpx.Request):
        return redacted_request(value, secrets)
    request = _attached_request(value)
    copied = None if request is None else _redacted_attribute(request, secrets, copies)
    return redacted_response(value, secrets, request=cast("httpx.Request | None", copied))


def _attached_request(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:  # a response built without a request
        return None


class KimiError(_KeyFree, openai.OpenAIError):
    """Base class for errors raised by kimi_openai itself (not by the server)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self._redact_attributes(None)


class KimiConfigurationError(KimiError):
    """The client cannot be built: no API key, a key that cannot work (not a string; quotes or
    whitespace around it, a line break, control or non-ASCII character in it), a malformed base
    URL, an unknown region, a wrong ``http_client``.

    The message names the argument or variable, and never quotes a key.
    """


class KimiConfigurationTypeError(KimiConfigurationError, TypeError):
    """A :class:`KimiConfigurationError` where openai raises a ``TypeError`` for the same argument.

    Code written for ``openai.OpenAI`` (``except TypeError``) keeps catching it; code written
    for this package catches it as a ``KimiConfigurationError``.
    """


class KimiConfigurationValueError(KimiConfigurationError, ValueError):
    """A :class:`KimiConfigurationError` where openai raises a ``ValueError`` for the same argument."""


class KimiValidationError(KimiError, ValueError):
    """A request that Moonshot would reject, caught before any HTTP call.

    The message names the parameter, the model, what is allowed, and the fix.
    """


class MalformedResponseError(KimiError, openai.APIResponseValidationError):
    """A successful response whose JSON body cannot be decoded (cut off mid-way, or not JSON at all).

    Raised instead of a decoding traceback; the body is kept, the API key redacted.
    """

    raw_body: str | None
    """The body as text, or ``None`` if it could not be read."""

    def __init__(self, response: httpx.Response, detail: str) -> None:
        raw = _redact(_raw_text(response, None), response)
        message = (
            f"Moonshot returned HTTP {response.status_code} with a JSON body that cannot be decoded "
            f"({detail}; {len(raw or '')} characters, kept in .raw_body)"
        )
        openai.APIResponseValidationError.__init__(self, response, raw, message=message)
        self.raw_body = raw
        self.request_id = find_request_id(response.headers)
        self._redact_attributes(_attached_request(response))


StreamInterruptReason = Literal["connection", "timeout", "server_error", "malformed", "incomplete"]
"""Why a stream stopped early: the connection broke, a read timed out, the server sent an
``error`` event, an event was not JSON, or the body ended without ``data: [DONE]``."""


class StreamInterruptedError(KimiError):
    """A streamed response ended before ``data: [DONE]``: the retry policy treats it as transient.

    Streams can drop mid-reasoning on long contexts, and only ``[DONE]`` marks a
    complete stream: https://platform.moonshot.ai/docs/guide/utilize-the-streaming-output-feature-of-kimi-api

    ``partial`` holds everything that did arrive (content, reasoning, tool-call
    fragments, usage, the chunks themselves). The error is raised from what broke the
    stream (``__cause__``): the transport error for a dropped or timed-out stream, as
    openai 3.x's own error is; openai's ``APIError`` for an ``error`` event.
    """

    partial: StreamSnapshot
    """What the stream delivered before it stopped."""
    reason: StreamInterruptReason
    """Why it stopped."""

    def __init__(
        self,
        message: str,
        *,
        partial: StreamSnapshot | None = None,
        reason: StreamInterruptReason = "incomplete",
    ) -> None:
        openai.OpenAIError.__init__(self, message)
        self.message = message
        _set_partial(self, partial, reason)
        self._redact_attributes(None)


class StreamConnectionError(StreamInterruptedError, openai.APIConnectionError):
    """The connection broke or timed out mid-stream; also an ``openai.APIConnectionError``.

    On openai 2.x, which lets the ``httpx`` error escape a stream unwrapped, the error
    raised is also an instance of that ``httpx`` class (``httpx.ReadError``,
    ``httpx.ReadTimeout``, ...), so ``except httpx.TransportError`` keeps catching it.
    """

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request,
        partial: StreamSnapshot | None = None,
        reason: StreamInterruptReason = "connection",
    ) -> None:
        openai.APIConnectionError.__init__(self, message=message, request=request)
        _set_partial(self, partial, reason)
        self._redact_attributes(request)


class StreamTimeoutError(StreamConnectionError, openai.APITimeoutError):
    """No chunk arrived within the read timeout mid-stream; also the ``openai.APITimeoutError`` openai 3.x raises."""

    def __init__(
        self, message: str, *, request: httpx.Request, partial: StreamSnapshot | None = None
    ) -> None:
        super().__init__(message, request=request, partial=partial, reason="timeout")


class StreamServerError(StreamInterruptedError, openai.APIError):
    """The server sent an ``error`` event mid-stream; also the ``openai.APIError`` openai raises for it."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request,
        body: object | None,
        partial: StreamSnapshot | None = None,
    ) -> None:
        openai.APIError.__init__(self, message, request, body=body)
        _set_partial(self, partial, "server_error")
        self.error_type: str | None = self.type if isinstance(self.type, str) and self.type else None
        """The event's ``error.type`` (``"engine_overloaded_error"``...), or ``None``: what decides a retry."""
        self._redact_attributes(request)


def stream_error_event(message: str, request: httpx.Request, body: object) -> openai.APIError:
    """The ``openai.APIError`` openai raises for an ``error`` event in a stream, with no key in it.

    It becomes the ``__cause__`` of the :class:`StreamServerError` raised to the caller, so
    it shows in every traceback: a server that quotes the bearer token must not put it there.
    """
    secrets = (*_request_credentials(request), *known_secrets())
    return openai.APIError(
        redact(message, secrets), redacted_request(request, secrets), body=redact_tree(body, secrets)
    )


def _set_partial(
    error: StreamInterruptedError, partial: StreamSnapshot | None, reason: StreamInterruptReason
) -> None:
    error.partial = StreamSnapshot() if partial is None else partial
    error.reason = reason


REQUEST_ID_HEADERS: Final[tuple[str, ...]] = (
    "x-request-id",
    "msh-request-id",
    "x-msh-request-id",
    "x-moonshot-request-id",
    "msh-trace-id",
    "x-msh-trace-id",
    "x-trace-id",
    "trace-id",
)
"""Looked up in this order. Moonshot does not document its request-id header, so several names are tried."""

_LIMITS_URL = "https://platform.moonshot.ai/docs/pricing/limits"
_MAX_PARSED_REQUEST = 1_000_000
"""Request bodies larger than this (images, long contexts) are not parsed to quote the model."""
_TYPE_PATTERN = re.compile(r'"type"\s*:\s*"([A-Za-z0-9_.\-]{1,80})"')
_MESSAGE_CHARS = 1000
"""Longest server message quoted in ours; the whole body stays in ``raw_body``."""


class KimiAPIError(KimiError, openai.APIStatusError):
    """An HTTP error from Moonshot, with what its body and headers said.

    Built as the openai errors are: ``KimiAPIError(message, response=..., body=...)``. Both an
    ``openai.APIStatusError`` (what openai code catches) and a :class:`KimiError` (what code
    written for this package catches: one ``except KimiError`` for every failure).
    """

    advice: ClassVar[str] = "See https://platform.kimi.ai/docs/api/errors."
    """What to do about it; ``{retry_hint}``, ``{host}`` and ``{model}`` are filled in."""

    error_type: str | None
    """Moonshot's ``error.type`` (``"engine_overloaded_error"``...), or ``None`` when absent."""
    raw_body: str | None
    """The response body as text (an HTML page for a gateway 504), or ``None`` if it was never read."""
    rate_limit: RateLimitInfo | None
    """The ``X-RateLimit-*`` headers, if the response had any."""

    def __init__(self, message: str, *, response: httpx.Response, body: object | None) -> None:
        # openai's constructor, not KimiError's (which takes positional arguments only).
        openai.APIStatusError.__init__(self, message, response=response, body=body)
        self.request_id = find_request_id(response.headers)
        self.raw_body = _redact(_raw_text(response, body), response)
        self.error_type = _error_type(_error_payload(body), self.raw_body)
        self.rate_limit = parse_rate_limit_headers(response.headers)
        self._redact_attributes(_attached_request(response))


class KimiBadRequestError(KimiAPIError, openai.BadRequestError):
    """HTTP 400 with an ``error.type`` this package does not know."""

    advice = "Fix the request; retrying it unchanged gives the same error."


class ContentFilterError(KimiBadRequestError):
    """400 ``content_filter``: the input or the output was judged high risk."""

    advice = "Rephrase the input; retrying the same request gives the same result."


class InvalidRequestError(KimiBadRequestError):
    """400 ``invalid_request_error``: a malformed request, too many tokens, a bad file purpose..."""

    advice = "Fix the request as the message says (for token limits: shorten the input or lower max_tokens)."


_KEY_ADVICE = (
    "Keys are per platform: a key from platform.moonshot.ai / platform.kimi.ai works only on "
    "api.moonshot.ai, and a key from platform.moonshot.cn only on api.moonshot.cn. This request "
    "went to {host}: check that the key comes from that platform (MOONSHOT_API_KEY) or point the "
    "client at the other one (MOONSHOT_BASE_URL)."
)


class KimiAuthenticationError(KimiAPIError, openai.AuthenticationError):
    """HTTP 401."""

    advice = _KEY_ADVICE


class InvalidAuthenticationError(KimiAuthenticationError):
    """401 ``invalid_authentication_error``."""


class IncorrectAPIKeyError(KimiAuthenticationError):
    """401 ``incorrect_api_key_error``."""


class KimiPermissionDeniedError(KimiAPIError, openai.PermissionDeniedError):
    """HTTP 403 ``permission_denied_error`` (and any other 403)."""

    advice = (
        "This key may not use this API: check the key's permissions and, for organisations, the IP allowlist."
    )


class KimiNotFoundError(KimiAPIError, openai.NotFoundError):
    """HTTP 404 with an ``error.type`` this package does not know."""

    advice = (
        "Check the model id{model} and any file id in the request; retired model ids return 404.{suggestion}"
    )


class ResourceNotFoundError(KimiNotFoundError):
    """404 ``resource_not_found_error``: an unknown model (or one the key may not use), or file."""


class UnservedEndpointError(KimiNotFoundError):
    """An openai endpoint Moonshot's platform does not have (embeddings, audio...): raised before sending.

    An ``openai.NotFoundError``, so a handler written for the 404 keeps working; its response is
    a 404 made on the client (no request left it), its ``error_type`` ``None``.
    """

    advice = "Moonshot's platform does not have this endpoint; the request was not sent."

    @classmethod
    def before_sending(cls, method: str, url: str, what: str, fix: str) -> UnservedEndpointError:
        """The error for ``method url``, which asks Moonshot's platform for ``what``; ``fix`` says what to do."""
        message = (
            f"Moonshot has no endpoint for {what}: {method.upper()} {httpx.URL(url).path} was not sent "
            f"(https://platform.kimi.ai/docs/api/overview). {fix}."
        )
        body = {"message": message, "type": None, "code": None}
        response = httpx.Response(404, request=httpx.Request(method.upper(), url), json={"error": body})
        return cls(message, response=response, body=body)


class KimiConflictError(KimiAPIError, openai.ConflictError):
    """HTTP 409."""


class KimiUnprocessableEntityError(KimiAPIError, openai.UnprocessableEntityError):
    """HTTP 422."""


class KimiRateLimitError(KimiAPIError, openai.RateLimitError):
    """HTTP 429 with an ``error.type`` this package does not know."""

    advice = "Slow down: {retry_hint}."


class EngineOverloadedError(KimiRateLimitError):
    """429 ``engine_overloaded_error``: Moonshot is overloaded; retried with back-off."""

    advice = "The service is overloaded, not your account: {retry_hint}."


class RateLimitReachedError(KimiRateLimitError):
    """429 ``rate_limit_reached_error``: the account's concurrency, RPM, TPM or TPD limit."""

    advice = (
        "Slow down: {retry_hint}. Your tier's concurrency/RPM/TPM/TPD limits are at "
        f"{_LIMITS_URL}; a TPD (tokens per day) limit resets the next day."
    )


class ExceededCurrentQuotaError(KimiRateLimitError):
    """429 (or 403) ``exceeded_current_quota_error``: no balance left, or the account is suspended.

    Never retried: waiting does not refill a balance.
    """

    advice = (
        "Top up the account balance (or reactivate the account) in the Moonshot console; "
        "retrying will not help."
    )


# openai's bases declare status_code as Literal[429] and Literal[403]; the instance
# attribute is always the real status (403 here), so the clash is only nominal.
class ExceededCurrentQuotaForbiddenError(ExceededCurrentQuotaError, KimiPermissionDeniedError):  # pyright: ignore[reportIncompatibleVariableOverride]
    """The quota error when Moonshot sends it with HTTP 403 (https://github.com/MoonshotAI/Kimi-K2/issues/5)."""

    advice = ExceededCurrentQuotaError.advice


class ClientClosedRequestError(KimiAPIError):
    """HTTP 499 ``client_closed_request``: the connection closed before the answer was sent."""

    advice = "The connection closed before the response was sent (a client or proxy timeout?); retry."


class KimiInternalServerError(KimiAPIError, openai.InternalServerError):
    """HTTP 5xx with an ``error.type`` this package does not know."""

    advice = "A server-side error: {retry_hint}."


class ServerError(KimiInternalServerError):
    """500 ``server_error`` (for example ``Failed to extract file``)."""


class UnexpectedOutputError(KimiInternalServerError):
    """500 ``unexpected_output`` (for example ``invalid state transition``)."""


class ServerUnavailableError(KimiInternalServerError):
    """503 ``server_unavailable``: scaling or maintenance."""

    advice = "Moonshot is scaling or under maintenance: {retry_hint}."


class GatewayTimeoutError(KimiInternalServerError):
    """504: no response within 900 s; the body is an HTML page, kept in ``raw_body``."""

    advice = (
        "The gateway gave up after 900 s without a response: use stream=True for long generations "
        "(https://platform.kimi.ai/docs/api/errors)."
    )


# -- raised by the package's helpers and workflows -------------------------------------------------


class FileExtractionError(KimiError):
    """Moonshot could not process an uploaded file: its status is ``error`` (https://platform.moonshot.cn/docs/api/files).

    The file stays on the account; delete it with ``client.files.delete(error.file_id)``.
    """

    file_id: str
    """The id of the failed file."""
    filename: str
    status: str
    """The file's status: ``"error"``."""
    status_details: str | None
    """What the server said went wrong (``status_details``), if anything."""

    def __init__(self, *, file_id: str, filename: str, status: str, status_details: str | None) -> None:
        super().__init__(self._record(file_id, filename, status, status_details))

    def _record(self, file_id: str, filename: str, status: str, status_details: str | None) -> str:
        self.file_id, self.filename, self.status, self.status_details = (
            file_id,
            filename,
            status,
            status_details,
        )
        detail = f": {status_details}" if status_details else ""
        return f"Moonshot could not process file {filename!r} ({file_id}), status {status!r}{detail}"


class FileExtractionServerError(FileExtractionError, ServerError):
    """The content endpoint's 500 ``Failed to extract file: ...``, a :class:`FileExtractionError`.

    It stays the :class:`~kimi_openai.ServerError` the server sent too (same ``status_code``,
    ``response`` and ``body``), so ``except openai.InternalServerError`` still catches it.
    """

    def __init__(
        self, error: openai.APIStatusError, *, file_id: str, filename: str | None, details: str
    ) -> None:
        message = self._record(file_id, filename or file_id, "error", details)
        ServerError.__init__(self, message, response=error.response, body=error.body)


StructuredOutputReason = Literal["length", "content_filter", "empty", "invalid"]
"""Why ``.parse()`` produced no value: cut off by the output limit, stopped by the content
filter, no content at all, or content that is not valid JSON for the schema."""


class StructuredOutputError(KimiError):
    """``.parse()`` (or ``.stream()``'s final parse) could not produce a value of the schema.

    The message says which case it is and what to change; each case is a subclass that is
    also the exception openai raises for it (or pydantic, for content that does not
    validate), so ``except openai.LengthFinishReasonError`` and friends keep working.
    """

    reason: StructuredOutputReason
    """Which case: ``"length"``, ``"content_filter"``, ``"empty"`` or ``"invalid"``."""
    completion: Any
    """The completion as it arrived (``reasoning_content`` and ``usage`` included), or ``None``."""

    def _explained(self, message: str, reason: StructuredOutputReason, completion: object) -> None:
        self.args = (message,)
        self.reason, self.completion = reason, completion
        self._redact_attributes(None)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StructuredOutputLengthError(StructuredOutputError, openai.LengthFinishReasonError):
    """The answer was cut off by the output limit before the JSON was complete (``finish_reason="length"``)."""

    def __init__(self, message: str, *, completion: Any) -> None:
        openai.LengthFinishReasonError.__init__(self, completion=completion)
        self._explained(message, "length", completion)


class StructuredOutputContentFilterError(StructuredOutputError, openai.ContentFilterFinishReasonError):
    """Moonshot's content filter stopped the answer (``finish_reason="content_filter"``)."""

    def __init__(self, message: str, *, completion: object) -> None:
        openai.OpenAIError.__init__(self, message)  # openai 2.x's constructor takes no completion
        self._explained(message, "content_filter", completion)


class StructuredOutputEmptyError(StructuredOutputError, ValueError):
    """The answer had no content to parse: no JSON, no tool call, no refusal.

    openai's ``.parse()`` returns ``parsed=None`` here; the Kimi client raises instead, since
    a thinking model whose answer stayed in ``reasoning_content`` is the usual cause and a
    ``None`` would only fail later, further from it.
    """

    def __init__(self, message: str, *, completion: object) -> None:
        super().__init__(message)
        self._explained(message, "empty", completion)


class StructuredOutputInvalidError(StructuredOutputError, pydantic.ValidationError):
    """The content is not valid JSON for the schema: a ``pydantic.ValidationError`` too.

    ``errors()`` lists pydantic's errors as the plain ``ValidationError`` did; the message
    quotes the first one and the start of the content. Built with :meth:`of`.
    """

    @classmethod
    def of(
        cls, error: pydantic.ValidationError, message: str, completion: object
    ) -> StructuredOutputInvalidError:
        """The Kimi error for pydantic's ``error``; raises whatever pydantic raises if it cannot rebuild it."""
        details = cast("list[Any]", error.errors(include_url=False))
        made = cls.from_exception_data(error.title, details)
        made._explained(message, "invalid", completion)
        return made

    def __reduce__(self) -> tuple[object, ...]:
        # pydantic's state is rebuilt from its line errors, not by a bare __new__.
        details = self.errors(include_url=False)
        return (_rebuild_invalid, (self.title, details, str(self), self.completion))


def _rebuild_invalid(title: str, details: list[Any], message: str, completion: object) -> BaseException:
    made = StructuredOutputInvalidError.from_exception_data(title, details)
    made._explained(message, "invalid", completion)  # pyright: ignore[reportPrivateUsage]
    return made


class ContinuationLimitError(KimiError):
    """``continue_after_length`` stopped while the answer was still cut off (``finish_reason == "length"``).

    ``text`` holds everything written so far, prefix and continuations joined.
    """

    def __init__(self, message: str, *, text: str, continuations: int) -> None:
        super().__init__(message)
        self.text = text
        """The joined text so far."""
        self.continuations = continuations
        """How many continuation requests were sent."""


class ToolLoopError(KimiError):
    """A tool loop (``run_tools``, ``run_web_search``) stopped before the model answered.

    ``messages`` is the transcript up to that point (the request messages, then every echoed
    assistant turn and tool result), ready to resume from.
    """

    def __init__(
        self, message: str, *, messages: list[dict[str, Any]], steps: int, total_tokens: int
    ) -> None:
        super().__init__(message)
        self.messages = messages
        """The transcript so far."""
        self.steps = steps
        """Chat requests sent."""
        self.total_tokens = total_tokens
        """The sum of ``usage.total_tokens`` of those requests."""


class MaxStepsExceededError(ToolLoopError):
    """The model still asked for tools after ``max_steps`` requests (or ``max_searches`` searches)."""


class TokenBudgetExceededError(ToolLoopError):
    """The requests so far used more than ``max_tokens_budget`` tokens (sum of ``usage.total_tokens``)."""


class _GuardError(ToolLoopError):
    """A loop guard stopped the loop before running ``tool_name`` once more."""

    def __init__(
        self,
        message: str,
        *,
        messages: list[dict[str, Any]],
        steps: int,
        total_tokens: int,
        tool_name: str,
        arguments: str,
        count: int,
    ) -> None:
        super().__init__(message, messages=messages, steps=steps, total_tokens=total_tokens)
        self.tool_name = tool_name
        """The tool of the call that tripped the guard."""
        self.arguments = arguments
        """That call's arguments, as the model sent them."""
        self.count = count
        """How many calls the guard counted, that one included."""


class RepeatedToolCallError(_GuardError):
    """The model made the same call (tool and JSON-normalised arguments) ``repeated_call_limit`` times in a row.

    The repeated call was not run; ``messages`` ends before the turn that made it.
    """


class ReadOnlyStreakError(_GuardError):
    """The model made ``read_only_streak_limit`` calls to read-only tools in a row, none to a mutating tool.

    The last call was not run; ``messages`` ends before the turn that made it.
    """


class InvalidCompactionError(ToolLoopError):
    """The ``compact=`` callable of a tool loop returned messages Moonshot would reject; nothing was sent.

    ``problem`` says which rule the compacted list breaks; ``messages`` is the full transcript.
    """

    def __init__(
        self, message: str, *, messages: list[dict[str, Any]], steps: int, total_tokens: int, problem: str
    ) -> None:
        super().__init__(message, messages=messages, steps=steps, total_tokens=total_tokens)
        self.problem = problem
        """What is wrong with the compacted list."""


class ToolExecutionError(ToolLoopError):
    """A tool raised and ``on_tool_error="raise"`` was chosen; the tool's exception is ``__cause__``."""

    def __init__(
        self,
        message: str,
        *,
        messages: list[dict[str, Any]],
        steps: int,
        total_tokens: int,
        tool_name: str,
        tool_call_id: str,
    ) -> None:
        super().__init__(message, messages=messages, steps=steps, total_tokens=total_tokens)
        self.tool_name = tool_name
        """The tool that raised."""
        self.tool_call_id = tool_call_id
        """The id of the call, as the model sent it."""


class BatchTimeoutError(KimiError, TimeoutError):
    """The batch was not finished within ``timeout``; ``resume_batch(client, error.batch.id)`` continues."""

    def __init__(self, batch: Batch, timeout: float) -> None:
        self.batch = batch
        """The batch as last seen."""
        super().__init__(
            f"batch {batch.id} is still {batch.status!r} after {timeout} s; "
            f"call resume_batch(client, {batch.id!r}) to keep waiting."
        )


K2ProblemKind = Literal[
    "unclosed_section",
    "unclosed_call",
    "missing_section_begin",
    "missing_argument_begin",
    "invalid_arguments",
    "nonstandard_id",
    "stray_text",
    "unexpected_token",
]


@dataclass(frozen=True)
class K2Problem:
    """One defect found in the markup. The markup is still parsed as far as possible."""

    kind: K2ProblemKind
    """What went wrong; stable, meant for code."""
    message: str
    """What went wrong, for people."""
    call_index: int | None = None
    """Position of the affected call in this message (0-based), if a call is affected."""


class K2MarkupError(KimiError, ValueError):
    """Raised in strict mode at the first defect in K2 tool-call markup."""

    problem: K2Problem

    def __init__(self, problem: K2Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class KimiWarning(UserWarning):
    """A request Kimi accepts but that probably does not do what was meant."""


ERROR_TYPES: Final[dict[tuple[int, str], type[KimiAPIError]]] = {
    (400, "content_filter"): ContentFilterError,
    (400, "invalid_request_error"): InvalidRequestError,
    (401, "invalid_authentication_error"): InvalidAuthenticationError,
    (401, "incorrect_api_key_error"): IncorrectAPIKeyError,
    (403, "permission_denied_error"): KimiPermissionDeniedError,
    (403, "exceeded_current_quota_error"): ExceededCurrentQuotaForbiddenError,
    (404, "resource_not_found_error"): ResourceNotFoundError,
    (429, "engine_overloaded_error"): EngineOverloadedError,
    (429, "exceeded_current_quota_error"): ExceededCurrentQuotaError,
    (429, "rate_limit_reached_error"): RateLimitReachedError,
    (499, "client_closed_request"): ClientClosedRequestError,
    (500, "server_error"): ServerError,
    (500, "unexpected_output"): UnexpectedOutputError,
    (503, "server_unavailable"): ServerUnavailableError,
}
"""``(HTTP status, error.type)`` → class, from https://platform.kimi.ai/docs/api/errors."""

STATUS_FALLBACKS: Final[dict[int, type[KimiAPIError]]] = {
    400: KimiBadRequestError,
    401: KimiAuthenticationError,
    403: KimiPermissionDeniedError,
    404: KimiNotFoundError,
    409: KimiConflictError,
    422: KimiUnprocessableEntityError,
    429: KimiRateLimitError,
    499: ClientClosedRequestError,
    503: ServerUnavailableError,
    504: GatewayTimeoutError,
}
"""Status → class when the ``error.type`` is missing or unknown; other 5xx get ``KimiInternalServerError``."""


def error_class_for(status_code: int, error_type: str | None) -> type[KimiAPIError]:
    """The class for a status and ``error.type``: the exact pair, else the status, else ``KimiAPIError``."""
    if error_type is not None and (exact := ERROR_TYPES.get((status_code, error_type))) is not None:
        return exact
    if (fallback := STATUS_FALLBACKS.get(status_code)) is not None:
        return fallback
    return KimiInternalServerError if status_code >= 500 else KimiAPIError


def make_status_error(
    err_msg: str, *, body: object, response: httpx.Response, model_hint: Callable[[str], str] | None = None
) -> openai.APIStatusError:
    """Build the typed error for a failed response. Never raises on a malformed body.

    ``err_msg`` and ``body`` are what openai's ``_make_status_error_from_response``
    passes: the body is the decoded JSON, or the stripped text when it was not
    JSON (the HTML 504 page, a truncated answer). Like openai's own client, the
    error's ``body`` is the inner ``error`` object when there is one.

    The message is rebuilt rather than taken from ``err_msg``: openai 2.x puts the
    whole body there (all of an HTML page), 3.x only ``error.message``. Ours is
    ``Error code: <status> - <error.message> [<error.type>]. <what to do>`` on both.
    ``model_hint`` says what to do about the request's model on a 404 (retired, or did-you-mean).
    """
    del err_msg  # part of the SDK hook's signature; see above
    raw = _raw_text(response, body)
    payload = _error_payload(body)
    error_type = _error_type(payload, raw)
    cls = error_class_for(response.status_code, error_type)
    message = _compose_message(cls, error_type, payload, raw, response, model_hint)
    return cls(message, response=response, body=payload if payload is not None else body)


def find_request_id(headers: Mapping[str, str]) -> str | None:
    """The first request-id header present (see ``REQUEST_ID_HEADERS``)."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def _raw_text(response: httpx.Response, body: object) -> str | None:
    try:
        return response.text
    except Exception:  # body never read (closed stream): fall back on what the SDK decoded
        return body if isinstance(body, str) else None


def _error_payload(body: object) -> Mapping[str, object] | None:
    """The ``error`` object of a Moonshot body, or the body itself when it is already that object."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except (ValueError, RecursionError):
            return None
    if not isinstance(body, Mapping):
        return None
    mapping = cast("Mapping[str, object]", body)
    inner = mapping.get("error", mapping)
    return cast("Mapping[str, object]", inner) if isinstance(inner, Mapping) else None


def _error_type(payload: Mapping[str, object] | None, raw: str | None) -> str | None:
    if payload is not None:
        value = payload.get("type")
        return value if isinstance(value, str) and value else None
    if raw:
        # A truncated JSON body still names its type near the start; reading it
        # keeps a cut-off quota 429 from being retried as a plain rate limit.
        match = _TYPE_PATTERN.search(raw[:2000])
        if match:
            return match.group(1)
    return None


def _compose_message(
    cls: type[KimiAPIError],
    error_type: str | None,
    payload: Mapping[str, object] | None,
    raw: str | None,
    response: httpx.Response,
    model_hint: Callable[[str], str] | None = None,
) -> str:
    head = f"Error code: {response.status_code}"
    server_message = payload.get("message") if payload is not None else None
    if isinstance(server_message, str) and server_message:
        head += f" - {server_message[:_MESSAGE_CHARS]}"
    if error_type:
        head += f" [{error_type}]"
    parts = [head]
    if payload is None and raw:
        kind = "an HTML page" if "<html" in raw[:500].lower() else "a non-JSON or truncated body"
        parts.append(f"Moonshot returned {kind} ({len(raw)} characters, kept in .raw_body)")
    parts.append(_advice(cls, response, model_hint))
    return _redact(". ".join(parts), response) or head


def _advice(
    cls: type[KimiAPIError], response: httpx.Response, model_hint: Callable[[str], str] | None
) -> str:
    retry_after = parse_retry_after(response.headers)
    if retry_after is not None and retry_after > 0:
        retry_hint = f"retry after {retry_after:g} s (Retry-After)"
    else:
        retry_hint = "retry after a short back-off"
    # The request body is parsed only when the advice quotes the model (404s).
    model = _request_model(response) if "{model}" in cls.advice else None
    context = {
        "retry_hint": retry_hint,
        "host": _request_host(response),
        "model": f" {model!r}" if model else "",
        "suggestion": f" {model_hint(model)}" if model and model_hint is not None else "",
    }
    return cls.advice.format_map(context)


def _request_host(response: httpx.Response) -> str:
    try:
        return response.request.url.host or "the configured base URL"
    except Exception:  # no request attached
        return "the configured base URL"


def _request_model(response: httpx.Response) -> str | None:
    try:
        content = response.request.content
        if len(content) > _MAX_PARSED_REQUEST:
            return None
        data: object = json.loads(content)
    except Exception:  # streamed, absent or non-JSON request body
        return None
    if isinstance(data, dict):
        model = data.get("model")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if isinstance(model, str):
            return model[:100]
    return None


def _redact(text: str | None, response: httpx.Response) -> str | None:
    """Never let the API key reach a message or ``raw_body``, even if a proxy echoes it."""
    if text is None:
        return None
    return redact(text, (*_request_credentials(_attached_request(response)), *known_secrets()))


__all__ = [
    "ERROR_TYPES",
    "REQUEST_ID_HEADERS",
    "STATUS_FALLBACKS",
    "BatchTimeoutError",
    "ClientClosedRequestError",
    "ContentFilterError",
    "ContinuationLimitError",
    "EngineOverloadedError",
    "ExceededCurrentQuotaError",
    "ExceededCurrentQuotaForbiddenError",
    "FileExtractionError",
    "FileExtractionServerError",
    "GatewayTimeoutError",
    "IncorrectAPIKeyError",
    "InvalidAuthenticationError",
    "InvalidCompactionError",
    "InvalidRequestError",
    "K2MarkupError",
    "K2Problem",
    "KimiAPIError",
    "KimiAuthenticationError",
    "KimiBadRequestError",
    "KimiConfigurationError",
    "KimiConfigurationTypeError",
    "KimiConfigurationValueError",
    "KimiConflictError",
    "KimiError",
    "KimiInternalServerError",
    "KimiNotFoundError",
    "KimiPermissionDeniedError",
    "KimiRateLimitError",
    "KimiUnprocessableEntityError",
    "KimiValidationError",
    "KimiWarning",
    "MalformedResponseError",
    "MaxStepsExceededError",
    "RateLimitReachedError",
    "ReadOnlyStreakError",
    "RepeatedToolCallError",
    "ResourceNotFoundError",
    "ServerError",
    "ServerUnavailableError",
    "StreamConnectionError",
    "StreamInterruptedError",
    "StreamServerError",
    "StreamTimeoutError",
    "StructuredOutputContentFilterError",
    "StructuredOutputEmptyError",
    "StructuredOutputError",
    "StructuredOutputInvalidError",
    "StructuredOutputLengthError",
    "TokenBudgetExceededError",
    "ToolExecutionError",
    "ToolLoopError",
    "UnexpectedOutputError",
    "UnservedEndpointError",
    "error_class_for",
    "find_request_id",
    "make_status_error",
    "stream_error_event",
]
