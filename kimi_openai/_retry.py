"""The one retry policy: what is retried, how long to wait, and who retries.

Moonshot's three 429s need different answers (https://platform.kimi.ai/docs/api/errors):
``engine_overloaded_error`` and ``rate_limit_reached_error`` pass with time, but
``exceeded_current_quota_error`` means the balance is empty and never passes by
waiting. The openai SDK retries every 429 alike, so a quota error costs three
requests and several seconds before it surfaces. Everything here decides from
the error *type*, through one classifier, :func:`is_retryable`:

============================================  =========
Retried                                       Not retried
============================================  =========
``EngineOverloadedError``,                    ``ExceededCurrentQuotaError`` (429 or 403)
``RateLimitReachedError``, other 429s         ``ContentFilterError``, other 400s
500, 502, 503 and other 5xx but 504           ``GatewayTimeoutError`` (504 after 900 s)
408, 409, 499                                 a 5xx ``Failed to extract file: ...``
connection errors, timeouts, dropped streams  401, 403, 404, 422 and other 4xx
an ``error`` event mid-stream of a            an ``error`` event of a type above
retried type, or of an unknown type           ``KimiValidationError`` and anything else
============================================  =========

A server's or proxy's ``x-should-retry`` header (the openai SDK obeys it for any
status) is obeyed where it says ``false``. Where it says ``true`` it is obeyed only
for an error Moonshot's documented ``(status, error.type)`` pairs do not settle (a
proxy's own 4xx, say): a quota error, the 504 page, a deterministic 5xx and every
documented 4xx type stay unretried whatever the headers say.

Only one layer retries. Either the SDK retries single requests (its
``max_retries`` comes from the policy and its hooks call :func:`should_retry_response`
and, for a policy with other numbers than openai's, :meth:`RetryPolicy.wait_seconds`;
with openai's numbers openai computes each wait itself), or tenacity owns the loop and the SDK
client it drives gets ``max_retries=0``. Stacking both multiplies attempts
(3 SDK attempts times 3 tenacity attempts = 9 requests for one call). A caller's
own tenacity object keeps its stop, waits and hooks, but its ``retry`` rule is
asked only about errors :func:`is_retryable` allows: a quota error is never
retried, whatever the rule says. ``with_options(max_retries=N)`` bounds whichever
layer retries, and ``0`` leaves none (:meth:`RetrySetup.with_max_retries`).
"""

from __future__ import annotations

import math
import random as _random
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final, TypeAlias, cast

import openai
import openai._constants as _openai_constants

from ._compat import httpx
from ._errors import (
    ERROR_TYPES,
    ClientClosedRequestError,
    ExceededCurrentQuotaError,
    GatewayTimeoutError,
    KimiAPIError,
    KimiConfigurationError,
    KimiConfigurationTypeError,
    KimiConfigurationValueError,
    StreamInterruptedError,
    StreamServerError,
    error_class_for,
    make_status_error,
)
from ._ratelimit_headers import parse_retry_after

if TYPE_CHECKING:
    import tenacity

__all__ = [
    "ASYNC_ON_SYNC",
    "DEFAULT_RETRY_POLICY",
    "RetryConfig",
    "RetryPolicy",
    "RetrySetup",
    "check_max_retries",
    "coerce_retry_policy",
    "is_retryable",
    "read_error_body",
    "read_error_body_async",
    "retry_after_seconds",
    "retry_allowed",
    "should_retry_response",
    "should_retry_response_async",
]

_RETRIED_STATUSES = frozenset({408, 409, 429, 499})
"""4xx statuses that pass with time: the SDK's own three, plus 499 (the connection dropped)."""


_STATUS_OF_TYPE: Final[dict[str, int]] = {error_type: status for status, error_type in ERROR_TYPES}
"""The HTTP status Moonshot sends each documented ``error.type`` with, to classify a stream's ``error`` event."""

_DETERMINISTIC_5XX: Final = ("Failed to extract file",)
"""Starts of 5xx messages that repeat on every attempt: the file content endpoint's extraction
failure (``server_error``, https://platform.kimi.ai/docs/api/errors) fails the same way each time."""


def is_retryable(exc: BaseException) -> bool:
    """Whether repeating the request can succeed: the only place that decides.

    Decided by the Kimi class (its ``error.type``) and then the HTTP status. An
    openai error that did not come through ``make_status_error`` (a plain
    ``openai.OpenAI`` client) is classified by its ``type`` and status alike, and
    an ``error`` event mid-stream by its type.
    """
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code >= 500 and _server_message(exc.body).startswith(_DETERMINISTIC_5XX):
            return False
        if isinstance(exc, KimiAPIError):
            return _class_is_retryable(type(exc), exc.status_code)
        error_type = exc.type if isinstance(exc.type, str) else None
        return _class_is_retryable(error_class_for(exc.status_code, error_type), exc.status_code)
    if isinstance(exc, httpx.HTTPStatusError):
        return is_retryable(_as_error(exc.response))
    if isinstance(exc, StreamServerError):
        return _event_is_retryable(exc.error_type)
    # APITimeoutError subclasses APIConnectionError; httpx.TransportError covers
    # timeouts and a stream cut mid-body (RemoteProtocolError, ReadError), which
    # the SDK does not wrap when it happens while iterating a stream.
    return isinstance(exc, openai.APIConnectionError | httpx.TransportError | StreamInterruptedError)


def retry_allowed(exc: BaseException, headers: Mapping[str, str] | None = None) -> bool:
    """:func:`is_retryable`, with what a server or proxy says in ``x-should-retry`` where that may count.

    ``false`` always stops a retry. ``true`` starts one only for an error whose verdict
    Moonshot's documented error types do not settle (see :func:`_settled`): a quota
    error is never retried, whatever headers the server or a proxy adds.
    ``headers`` defaults to those of the error's response.
    """
    if headers is None:
        headers = _headers_of(exc)
    verdict = headers.get("x-should-retry", "").strip().lower() if headers is not None else ""
    if verdict == "false":
        return False
    if verdict == "true" and not _settled(exc):
        return True
    return is_retryable(exc)


def _settled(exc: BaseException) -> bool:
    """Whether the classifier's verdict stands against an ``x-should-retry: true`` header.

    It does for what repeating cannot fix (an empty balance, the 504 page after 900 s, a
    file that fails to extract the same way every time) and for every ``(status,
    error.type)`` pair Moonshot documents (https://platform.kimi.ai/docs/api/errors):
    the type says what went wrong better than a header a proxy may add to everything.
    """
    if isinstance(exc, ExceededCurrentQuotaError | GatewayTimeoutError):
        return True
    if not isinstance(exc, openai.APIStatusError):
        return False
    if exc.status_code >= 500 and _server_message(exc.body).startswith(_DETERMINISTIC_5XX):
        return True
    error_type = getattr(exc, "error_type", None) if isinstance(exc, KimiAPIError) else exc.type
    return isinstance(error_type, str) and (exc.status_code, error_type) in ERROR_TYPES


def _event_is_retryable(error_type: str | None) -> bool:
    """An ``error`` event sent mid-stream, by its type: the same answer as for that type over HTTP.

    The event has no status of its own (the stream began with 200), so the status
    Moonshot sends the type with stands in. An unknown or missing type counts as a
    server failure: the request had been accepted.
    """
    status = _STATUS_OF_TYPE.get(error_type or "")
    if status is None:
        return True
    return _class_is_retryable(error_class_for(status, error_type), status)


def _server_message(body: object) -> str:
    """``error.message`` of a body (the ``error`` object, or the whole body holding one); ``""`` if none."""
    if not isinstance(body, Mapping):
        return ""
    mapping = cast("Mapping[str, object]", body)
    inner = mapping.get("error", mapping)
    message = cast("Mapping[str, object]", inner).get("message") if isinstance(inner, Mapping) else None
    return message.strip() if isinstance(message, str) else ""


def _class_is_retryable(cls: type[KimiAPIError], status_code: int) -> bool:
    if issubclass(cls, ExceededCurrentQuotaError | GatewayTimeoutError):
        # Quota: waiting does not refill a balance. 504: the gateway already
        # waited 900 s; the fix is stream=True (https://platform.kimi.ai/docs/api/errors).
        return False
    if issubclass(cls, ClientClosedRequestError):
        return True
    return status_code in _RETRIED_STATUSES or (status_code >= 500 and status_code != 504)


def retry_after_seconds(headers: Mapping[str, str] | None, *, cap: float) -> float | None:
    """The server's ``Retry-After-Ms`` / ``Retry-After`` in seconds, at most ``cap``; ``None`` if absent or bad."""
    value = parse_retry_after(headers)
    return None if value is None else min(value, cap)


def read_error_body(response: httpx.Response) -> None:
    """Read an error response's body if it is still unread (a streamed request). Never raises."""
    if response.is_stream_consumed or response.is_closed:
        return
    try:
        response.read()
    except Exception:  # an async-only stream, or a connection that broke while reading
        return


async def read_error_body_async(response: httpx.Response) -> None:
    """The async twin of :func:`read_error_body`."""
    if response.is_stream_consumed or response.is_closed:
        return
    try:
        await response.aread()
    except Exception:  # a sync-only stream, or a connection that broke while reading
        return


def should_retry_response(response: httpx.Response, *, retry_after_cap: float | None = None) -> bool:
    """The SDK's ``_should_retry(response)`` decision, by Kimi ``error.type``. Never raises.

    Reads a streamed (unread) body first. A ``Retry-After`` beyond the cap stops the
    retry, as in the SDK; then the response is turned into its typed error and given
    to :func:`retry_allowed` (the classifier, and ``x-should-retry`` where it may count).
    An async-only body that cannot be read here is classified by status alone: see
    ``read_error_body_async``.
    """
    read_error_body(response)
    return _decide(
        response, DEFAULT_RETRY_POLICY.retry_after_cap if retry_after_cap is None else retry_after_cap
    )


async def should_retry_response_async(
    response: httpx.Response, *, retry_after_cap: float | None = None
) -> bool:
    """:func:`should_retry_response` for an async response whose body may be unread."""
    await read_error_body_async(response)
    return _decide(
        response, DEFAULT_RETRY_POLICY.retry_after_cap if retry_after_cap is None else retry_after_cap
    )


def _decide(response: httpx.Response, cap: float) -> bool:
    try:
        retry_after = parse_retry_after(response.headers)
        if retry_after is not None and retry_after > cap:
            return False  # the server asks for longer than we are willing to wait
        return retry_allowed(_as_error(response), response.headers)
    except Exception:  # a classifier must answer; fall back on the status alone
        return _class_is_retryable(KimiAPIError, response.status_code)


def _as_error(response: httpx.Response) -> openai.APIStatusError:
    try:
        text = response.text.strip()
    except Exception:  # still unread: classify on status and headers only
        text = None
    return make_status_error(f"Error code: {response.status_code}", body=text, response=response)


OPENAI_RETRY_AFTER_CAP: Final[float] = float(getattr(_openai_constants, "MAX_RETRY_AFTER_DELAY", 60))
"""The longest ``Retry-After`` the installed openai honours: 120 s on current 2.x and 3.x
releases; the 60 s older releases wrote inline where this constant did not exist yet."""


def check_max_retries(value: object) -> None:
    """Refuse a ``max_retries`` that is not an int >= 0, with the exception class openai uses.

    openai raises ``TypeError`` for ``None`` or a non-int and ``ValueError`` for a negative
    number; the errors raised here are those and :class:`KimiConfigurationError` at once.
    """
    if value is None:
        raise KimiConfigurationTypeError(
            "max_retries cannot be None: pass 0 to turn retries off, or a larger int for more."
        )
    if isinstance(value, bool) or not isinstance(value, int):
        raise KimiConfigurationTypeError(f"max_retries must be an int >= 0, got {value!r}.")
    if value < 0:
        raise KimiConfigurationValueError(f"max_retries must be an int >= 0, got {value!r}.")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry. Decisions come from :func:`is_retryable`."""

    max_retries: int = 2
    """Retries after the first attempt (the SDK's ``max_retries``)."""
    initial_backoff: float = _openai_constants.INITIAL_RETRY_DELAY
    """Seconds before the first retry when the server gives no ``Retry-After`` (openai's: 0.5)."""
    max_backoff: float = _openai_constants.MAX_RETRY_DELAY
    """Ceiling of the exponential back-off (openai's: 8.0)."""
    jitter: float = 0.25
    """Up to this fraction is taken off each back-off at random, so clients do not retry in step."""
    retry_after_cap: float = OPENAI_RETRY_AFTER_CAP
    """Longest ``Retry-After`` honoured (the installed openai's: 120 s on current releases); a
    longer one means: do not retry, raise now."""
    random: Callable[[], float] = field(default=_random.random, repr=False, compare=False)
    """Source of jitter in [0, 1); replace it for deterministic tests."""

    def __post_init__(self) -> None:
        check_max_retries(self.max_retries)
        for name in ("initial_backoff", "max_backoff", "retry_after_cap"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise KimiConfigurationError(f"{name} must be a finite number >= 0, got {value!r}.")
        if not 0 <= self.jitter <= 1:
            raise KimiConfigurationError(f"jitter must be between 0 and 1, got {self.jitter!r}.")

    @property
    def waits_as_openai(self) -> bool:
        """Whether every wait of this policy is the one openai computes: its numbers, its random source.

        The SDK hooks of the clients then leave each wait to openai itself (``Retry-After-Ms`` /
        ``Retry-After`` honoured up to the same cap, the same back-off), so whatever tunes or
        patches openai's back-off applies to a Kimi client as well. Only *what* is retried differs.
        """
        return self.random is _random.random and (
            self.initial_backoff,
            self.max_backoff,
            self.jitter,
            self.retry_after_cap,
        ) == (
            _openai_constants.INITIAL_RETRY_DELAY,
            _openai_constants.MAX_RETRY_DELAY,
            0.25,
            OPENAI_RETRY_AFTER_CAP,
        )

    def should_retry(self, exc: BaseException) -> bool:
        """:func:`retry_allowed`, plus: not when the server asks to wait longer than ``retry_after_cap``.

        The same decision the SDK's loop makes from the response, for a loop (tenacity) that sees
        the error.
        """
        if not retry_allowed(exc):
            return False
        retry_after = parse_retry_after(_headers_of(exc))
        return retry_after is None or retry_after <= self.retry_after_cap

    def wait_seconds(
        self,
        attempt: int,
        *,
        headers: Mapping[str, str] | None = None,
        response: httpx.Response | None = None,
        exc: BaseException | None = None,
    ) -> float:
        """Seconds to sleep before retry number ``attempt`` (0 for the first retry).

        A positive ``Retry-After`` (from ``headers``, else ``response``, else the
        error's response) is honoured exactly, up to the cap; otherwise
        exponential back-off with jitter.
        """
        if headers is None and response is not None:
            headers = response.headers
        if headers is None and exc is not None:
            headers = _headers_of(exc)
        retry_after = retry_after_seconds(headers, cap=self.retry_after_cap)
        if retry_after is not None and retry_after > 0:
            return retry_after
        backoff = min(self.initial_backoff * 2.0 ** min(max(attempt, 0), 60), self.max_backoff)
        return backoff * (1.0 - self.jitter * self.random())


def _headers_of(exc: BaseException) -> Mapping[str, str] | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    return headers if isinstance(headers, Mapping) else None  # pyright: ignore[reportUnknownVariableType]


DEFAULT_RETRY_POLICY = RetryPolicy()
"""The installed openai's own numbers: 2 retries, 0.5-8 s back-off, its ``Retry-After`` cap."""


RetryConfig: TypeAlias = "int | RetryPolicy | tenacity.Retrying | tenacity.AsyncRetrying"
"""What a ``max_retries``-like option accepts."""

ASYNC_ON_SYNC: Final = (
    "A tenacity.AsyncRetrying cannot drive synchronous calls: pass a tenacity.Retrying "
    "(or an int / RetryPolicy) to the synchronous client."
)


@dataclass(frozen=True, slots=True)
class RetrySetup:
    """A resolved retry option: who retries, and how.

    ``retrying`` is set only when the caller handed over a tenacity object: then
    tenacity owns the loop and ``sdk_max_retries`` is 0. The tenacity objects a setup
    drives are made by ``_retry_tenacity.sync_retrying`` / ``async_retrying``, loaded
    only when retries first need tenacity; this module never imports that one.
    """

    policy: RetryPolicy
    """Numbers for the SDK hooks and for tenacity objects built here."""
    retrying: tenacity.Retrying | tenacity.AsyncRetrying | None = None
    """The caller's own tenacity object as given; its ``retry`` rule is gated by :func:`is_retryable` when used."""
    max_retries: int | None = None
    """A cap on the tenacity object's retries, from ``with_options(max_retries=...)``; ``None``: its own stop."""

    @property
    def sdk_max_retries(self) -> int:
        """The ``max_retries`` to give the openai client: 0 whenever tenacity owns retries."""
        return 0 if self.retrying is not None else self.policy.max_retries

    def with_max_retries(self, max_retries: int) -> RetrySetup:
        """This setup allowing ``max_retries`` retries, whichever layer retries.

        ``0`` leaves no retry layer at all: what a feature that retries on its own asks for.
        """
        policy = replace(self.policy, max_retries=max_retries)  # validates the number
        if self.retrying is None or max_retries == 0:
            return RetrySetup(policy)
        return replace(self, max_retries=max_retries)


def coerce_retry_policy(
    value: RetryConfig | RetrySetup | None,
    *,
    default: RetryPolicy = DEFAULT_RETRY_POLICY,
    sync: bool = False,
) -> RetrySetup:
    """Resolve an ``int | RetryPolicy | tenacity.Retrying | tenacity.AsyncRetrying`` option.

    ``None`` → ``default``; an int → ``default`` with that many retries; a policy
    as is; a tenacity object → tenacity owns retries and the SDK gets 0; a
    ``RetrySetup`` (what ``copy()`` hands on) as is. ``sync`` (a synchronous
    client) refuses a ``tenacity.AsyncRetrying`` here rather than at the first request.
    """
    setup = _coerce(value, default)
    if sync and _is_tenacity(setup.retrying, "AsyncRetrying"):
        raise KimiConfigurationError(ASYNC_ON_SYNC)
    return setup


def _coerce(value: RetryConfig | RetrySetup | None, default: RetryPolicy) -> RetrySetup:
    if value is None:
        return RetrySetup(default)
    if isinstance(value, RetrySetup):
        return value
    if isinstance(value, RetryPolicy):
        return RetrySetup(value)
    if _is_tenacity(value, "Retrying", "AsyncRetrying"):
        return RetrySetup(
            replace(default, max_retries=0), cast("tenacity.Retrying | tenacity.AsyncRetrying", value)
        )
    if isinstance(value, bool) or not isinstance(value, int):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise KimiConfigurationTypeError(
            f"max_retries must be an int >= 0, a RetryPolicy or a tenacity.Retrying, got {value!r}."
        )
    return RetrySetup(replace(default, max_retries=value))  # __post_init__ rejects negatives


def _is_tenacity(value: object, *kinds: str) -> bool:
    """Whether ``value`` is one of tenacity's ``kinds``, without importing tenacity for it.

    tenacity loads only when retries need it (``import kimi_openai`` stays light); a
    tenacity object cannot exist before tenacity is imported.
    """
    module = sys.modules.get("tenacity")
    return module is not None and isinstance(value, tuple(getattr(module, kind) for kind in kinds))
