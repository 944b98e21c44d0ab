"""``MoonshotEmulator``: an offline stand-in for the Moonshot (Kimi) HTTP API.

The core is framework-neutral: ``handle(method, path, headers, body)`` returns an
``EmulatorResponse``. The adapters (in-process transports, a loopback HTTP server) only move
bytes. Request ids go out in ``x-request-id``, the header the openai SDK reads as ``request_id``;
⚠ the header Moonshot itself uses was not confirmed (moonshot-api.md §10).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Self, TypeAlias, cast, get_args
from urllib.parse import parse_qsl, unquote

from kimi_openai._constants import Region

from . import _batches, _files, _formulas, _handlers, _responses
from ._catalogue import DEFAULT_MODELS, Catalogue, ModelCard
from ._log import LOG_BYTES, LOG_REQUESTS, RequestLog
from ._rate_limits import LIMITED_PATHS, WINDOW_SECONDS, RateLimits, RateWindows, request_tokens
from ._responses_rules import ResponsesRules
from ._script import (
    CHAT_PATH,
    RESPONSES_PATH,
    DroppedStream,
    ErrorReply,
    FiberFailure,
    FileStatus,
    QueuedItem,
    RawReply,
    ScriptItem,
    TextReply,
    ToolCall,
    ToolCallsReply,
)
from ._state import MAX_FILE_BYTES, MAX_FILES, EmulatorConfig, FixedClock, State
from ._types import (
    Balance,
    EmulatorResponse,
    FileContentFormat,
    JSONObject,
    RateLimit,
    ReasoningReplay,
    RecordedRequest,
    StatelessFields,
    StreamUsagePlacement,
    UnservedAnswer,
    Usage,
)
from ._unserved import is_unserved, unserved_error
from ._wire import EmulatorError, error_response, not_found

if TYPE_CHECKING:
    from kimi_openai._compat import httpx

Handler: TypeAlias = Callable[[State, RecordedRequest, "re.Match[str]"], EmulatorResponse]


_ROUTES: tuple[tuple[str, re.Pattern[str], Handler], ...] = tuple(
    (method, re.compile(pattern), handler)
    for method, pattern, handler in (
        ("POST", r"^/v1/chat/completions$", _handlers.chat_completions),
        ("POST", r"^/v1/responses$", _responses.create_response),
        ("GET", r"^/v1/models$", _handlers.list_models),
        ("GET", r"^/v1/models/(?P<model>[^/]+)$", _handlers.retrieve_model),
        ("POST", r"^/v1/tokenizers/estimate-token-count$", _handlers.estimate_tokens),
        ("GET", r"^/v1/users/me/balance$", _handlers.balance),
        ("POST", r"^/v1/files$", _files.upload),
        ("GET", r"^/v1/files$", _files.list_files),
        ("GET", r"^/v1/files/(?P<file_id>[^/]+)$", _files.retrieve),
        ("DELETE", r"^/v1/files/(?P<file_id>[^/]+)$", _files.delete),
        ("GET", r"^/v1/files/(?P<file_id>[^/]+)/content$", _files.content),
        # The formula URI holds a slash ("moonshot/web-search:latest"): match it greedily.
        ("GET", r"^/v1/formulas/(?P<uri>.+)/tools$", _formulas.tools),
        ("POST", r"^/v1/formulas/(?P<uri>.+)/fibers$", _formulas.fibers),
        ("POST", r"^/v1/batches$", _batches.create),
        ("GET", r"^/v1/batches$", _batches.list_batches),
        ("GET", r"^/v1/batches/(?P<batch_id>[^/]+)$", _batches.retrieve),
        ("POST", r"^/v1/batches/(?P<batch_id>[^/]+)/cancel$", _batches.cancel),
    )
)

GATEWAY_TIMEOUT_PAGE = (
    b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    b"<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"
)
"""An nginx-style page: the gateway answers 504 with HTML after 900 s (moonshot-api.md §1.1)."""

RESPONSES_MODELS_AS_DOCUMENTED: tuple[str, ...] = ("kimi-k3",)
"""``responses_models=`` for the reading of Moonshot's Responses page: "This endpoint currently
supports kimi-k3" (https://platform.kimi.ai/docs/api/responses). The default serves every model."""


class MoonshotEmulator:
    """An in-memory Moonshot API: chat, responses, models, files, batches, formulas, estimate, balance.

    Any non-empty bearer key is accepted unless ``api_keys`` is given. ``api_keys`` is either a
    set of keys of this emulator's ``region`` or a mapping from key to region; a key of the other
    region gets 401, as keys of one platform do on the other [KD-errors "Platform key isolation"].

    ``requests`` keeps the newest ``log_requests`` requests whose bodies add up to at most
    ``log_bytes`` (the newest one is kept whole whatever its size); ``request_count`` counts all.

    ``/v1/responses`` serves the models in ``responses_models`` (default: every catalogue model;
    ``RESPONSES_MODELS_AS_DOCUMENTED`` for kimi-k3 only); ``responses_stateless`` and
    ``responses_reasoning`` choose between the two readings of an undocumented rule (see their types).
    ``unserved`` is the answer to openai endpoints Moonshot lacks (embeddings, audio...).

    ``rpm`` and ``tpm`` turn on an enforcing limit per API key over a sliding window of
    ``rate_window`` seconds, measured with ``rate_clock`` (default ``time.monotonic``); ``rate_limit``
    only sends advisory headers, and the two exclude each other.
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] | Mapping[str, Region] | None = None,
        region: Region = "global",
        models: Iterable[ModelCard] = DEFAULT_MODELS,
        balance: Balance | None = None,
        stream_usage: StreamUsagePlacement = "include_usage",
        file_content: FileContentFormat = "json",
        file_status: str = "ok",
        max_file_bytes: int = MAX_FILE_BYTES,
        max_files: int = MAX_FILES,
        web_search_tokens: int = 13046,
        builtin_call_type: str = "builtin_function",
        rate_limit: RateLimit | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        rate_window: float = WINDOW_SECONDS,
        rate_clock: Callable[[], float] | None = None,
        responses_models: Iterable[str] | None = None,
        responses_stateless: StatelessFields = "ignore",
        responses_reasoning: ReasoningReplay = "optional",
        unserved: UnservedAnswer = "not_open",
        clock: Callable[[], int] | None = None,
        log_requests: int = LOG_REQUESTS,
        log_bytes: int = LOG_BYTES,
    ) -> None:
        _check_choice("stream_usage", stream_usage, StreamUsagePlacement)
        _check_choice("file_content", file_content, FileContentFormat)
        _check_choice("responses_stateless", responses_stateless, StatelessFields)
        _check_choice("responses_reasoning", responses_reasoning, ReasoningReplay)
        _check_choice("unserved", unserved, UnservedAnswer)
        limits = RateLimits(rpm, tpm, rate_window) if rpm is not None or tpm is not None else None
        if limits is not None and rate_limit is not None:
            raise ValueError(
                "rate_limit (advisory headers) and rpm/tpm (an enforced limit) exclude each other"
            )
        served = None if responses_models is None else frozenset(responses_models)
        self.config = EmulatorConfig(
            region=region,
            stream_usage=stream_usage,
            file_content=file_content,
            file_status=file_status,
            max_file_bytes=max_file_bytes,
            max_files=max_files,
            web_search_tokens=web_search_tokens,
            builtin_call_type=builtin_call_type,
            rate_limit=rate_limit,
            rate_limits=limits,
            responses_rules=ResponsesRules(served, responses_stateless, responses_reasoning),
            unserved=unserved,
        )
        self._keys = _key_regions(api_keys, region)
        self._state = State(self.config, Catalogue(models), balance or Balance(), clock or FixedClock())
        self._log = RequestLog(log_requests, log_bytes)
        self._windows = None if limits is None else RateWindows(limits, rate_clock or time.monotonic, region)

    # -- the core -----------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> EmulatorResponse:
        """Answer one request. ``path`` starts with ``/v1`` and may carry a query string."""
        request = self._record(method, path, headers, body)
        request_id = self._state.ids.next("req-", 24)
        with self._state.lock:
            response = self._dispatch(request)
        extra = {self.config.request_id_header: request_id, **self._rate_limit_headers()}
        return EmulatorResponse(
            response.status,
            {**response.headers, **extra},
            response.body,
            response.chunks,
            response.drop_after,
        )

    def _record(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> RecordedRequest:
        # Split by hand: urlsplit reads "//host/..." as a netloc and raises on "//[x", and a request
        # target is a path, whatever it looks like.
        target, _, query = path.partition("#")[0].partition("?")
        request = RecordedRequest(
            method=method.upper(),
            path=unquote(target),
            query=dict(parse_qsl(query)),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
        )
        self._log.append(request)
        return request

    def _dispatch(self, request: RecordedRequest) -> EmulatorResponse:
        limit_headers: Mapping[str, str] = {}
        try:
            key = self._authenticate(request.headers.get("authorization", ""))
            limit_headers = self._admit(key, request)
            response = self._route(request)
        except EmulatorError as exc:
            response = error_response(exc.status, exc.type, exc.message, exc.headers)
        except RecursionError:
            # Only a body nested deeper than Python's stack gets here (json.loads and json.dumps
            # recurse); the server's own decoder has a depth limit too.
            response = error_response(
                400, "invalid_request_error", "Invalid request: the JSON nests too deeply"
            )
        if not limit_headers:
            return response
        return EmulatorResponse(
            response.status,
            {**response.headers, **limit_headers},
            response.body,
            response.chunks,
            response.drop_after,
        )

    def _route(self, request: RecordedRequest) -> EmulatorResponse:
        scripted = self._state.script.take_error(request.path)
        if scripted is not None:
            return _scripted_response(scripted)
        for method, pattern, handler in _ROUTES:
            match = pattern.match(request.path)
            if match is not None and method == request.method:
                return handler(self._state, request, match)
        if is_unserved(request.method, request.path):
            raise unserved_error(self.config.unserved, request.method, request.path)
        raise not_found(f"Not found: {request.method} {request.path}")  # ⚠ wording

    def _admit(self, key: str, request: RecordedRequest) -> Mapping[str, str]:
        """Count a model request against its key's window: its headers, or the 429 when over the limit."""
        if self._windows is None or request.method != "POST" or request.path not in LIMITED_PATHS:
            return {}
        return self._windows.admit(key, request_tokens(request.path, request.body))

    def _authenticate(self, authorization: str) -> str:
        """The request's API key, or the 401 Moonshot answers."""
        scheme, _, key = authorization.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise EmulatorError(401, "invalid_authentication_error", "Invalid Authentication")
        if self._keys is None:
            return key
        region = self._keys.get(key)
        if region is None:
            raise EmulatorError(401, "incorrect_api_key_error", "Incorrect API key provided")
        if region != self.config.region:
            # A key of the other platform [KD-errors "Platform key isolation"]. ⚠ which of the two 401 types
            raise EmulatorError(401, "invalid_authentication_error", "Invalid Authentication")
        return key

    def _rate_limit_headers(self) -> dict[str, str]:
        limit = self.config.rate_limit
        if limit is None:
            return {}
        remaining = max(limit.limit - self._log.count, 0)
        return {
            "X-RateLimit-Limit": str(limit.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(limit.reset_seconds),
        }

    # -- state --------------------------------------------------------------------------------

    @property
    def balance(self) -> Balance:
        return self._state.balance

    @balance.setter
    def balance(self, value: Balance) -> None:
        """A balance at or below zero makes chat answer 429 ``exceeded_current_quota_error``."""
        self._state.balance = value

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        """The requests kept in the log (see the class docstring), oldest first."""
        return self._log.entries()

    @property
    def request_count(self) -> int:
        """Every request received since the last ``clear_requests()``, including those the log let go."""
        return self._log.count

    @property
    def hang_ups(self) -> int:
        """Answers the socket server could not finish because the client had gone (reset, closed).

        Counted since the last ``clear_requests()``; a hang-up is no error of the emulator and prints
        nothing. An answer small enough to sit whole in the socket's buffers is delivered before the
        client leaves, so only the hang-ups the server runs into are counted.
        """
        return self._log.hang_ups

    def note_hang_up(self) -> None:
        """Called by the socket server when a client went away before its answer was sent."""
        self._log.note_hang_up()

    def chat_requests(self) -> tuple[RecordedRequest, ...]:
        return tuple(r for r in self.requests if r.path == CHAT_PATH)

    def last_chat_request(self) -> JSONObject:
        """The JSON body of the latest chat completion request; ``LookupError`` if none came."""
        for request in reversed(self.requests):
            if request.path == CHAT_PATH and request.json is not None:
                return request.json
        raise LookupError("the emulator has received no chat completion request")

    def responses_requests(self) -> tuple[RecordedRequest, ...]:
        return tuple(r for r in self.requests if r.path == RESPONSES_PATH)

    def last_responses_request(self) -> JSONObject:
        """The JSON body of the latest ``POST /v1/responses``; ``LookupError`` if none came."""
        for request in reversed(self.requests):
            if request.path == RESPONSES_PATH and request.json is not None:
                return request.json
        raise LookupError("the emulator has received no Responses request")

    def clear_requests(self) -> None:
        """Forget the logged requests and reset ``request_count`` and ``hang_ups``."""
        self._log.clear()

    @property
    def pending(self) -> tuple[QueuedItem, ...]:
        """Scripted items not consumed yet."""
        return self._state.script.pending()

    def reset_script(self) -> None:
        self._state.script.clear()

    # -- the script ---------------------------------------------------------------------------

    def queue(self, item: ScriptItem, *, path: str | None = None) -> Self:
        """Queue any scripted item for the next request whose path matches ``path``.

        ``path`` is an fnmatch pattern, or several joined by ``|``. By default answers, errors and
        drops go to the next model call, ``/v1/chat/completions`` or ``/v1/responses``.
        """
        self._state.script.push(item, path)
        return self

    def queue_text(
        self,
        content: str,
        *,
        reasoning: str | None = None,
        finish_reason: str = "stop",
        usage: Usage | None = None,
        path: str | None = None,
    ) -> Self:
        return self.queue(TextReply(content, reasoning, finish_reason, usage), path=path)

    def queue_tool_calls(
        self,
        *calls: ToolCall | tuple[str, str | Mapping[str, object]],
        content: str = "",
        reasoning: str | None = None,
        usage: Usage | None = None,
        path: str | None = None,
    ) -> Self:
        built = tuple(call if isinstance(call, ToolCall) else ToolCall(*call) for call in calls)
        return self.queue(ToolCallsReply(built, content, reasoning, usage), path=path)

    def queue_error(
        self,
        status: int,
        type: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        path: str | None = None,
    ) -> Self:
        return self.queue(ErrorReply(status, type, message, dict(headers or {})), path=path)

    def queue_raw(
        self,
        status: int,
        body: bytes | str,
        *,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        path: str | None = None,
    ) -> Self:
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self.queue(RawReply(status, data, content_type, dict(headers or {})), path=path)

    def queue_drop(
        self, after_chunks: int, reply: TextReply | ToolCallsReply | None = None, *, path: str | None = None
    ) -> Self:
        """The next model answer breaks its connection after ``after_chunks`` body parts (SSE events)."""
        return self.queue(DroppedStream(after_chunks, reply), path=path)

    def queue_quota_exceeded(self, *, status: int = 429, path: str | None = None) -> Self:
        """``exceeded_current_quota_error``, 429 as documented or 403 as seen live (moonshot-api.md §7)."""
        return self.queue_error(status, "exceeded_current_quota_error", _handlers.QUOTA_MESSAGE, path=path)

    def queue_overloaded(self, *, retry_after: int = 1, path: str | None = None) -> Self:
        """429 ``engine_overloaded_error`` with ``Retry-After`` [KD-errors]."""
        message = "The engine is currently overloaded, please try again later"  # ⚠ wording
        return self.queue_error(
            429, "engine_overloaded_error", message, headers={"Retry-After": str(retry_after)}, path=path
        )

    def queue_rate_limited(self, *, retry_after: int | None = None, path: str | None = None) -> Self:
        """429 ``rate_limit_reached_error``, worded after LLM-Red-Team/kimi-cc #41."""
        message = (
            "Your account org-emulator / proj-emulator <ak-emulator> request reached project TPM rate limit, "
            "current: 1410, limit: 100, see https://platform.moonshot.cn/docs/pricing/limits"
        )
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return self.queue_error(429, "rate_limit_reached_error", message, headers=headers, path=path)

    def queue_server_error(self, status: int = 500, *, path: str | None = None) -> Self:
        """A 5xx with the type of [KD-errors]: ``server_error`` (500) or ``server_unavailable`` (503)."""
        kind = {500: "server_error", 503: "server_unavailable"}.get(status, "server_error")
        return self.queue_error(status, kind, f"{kind.replace('_', ' ')}, please try again later", path=path)

    def queue_gateway_timeout(self, *, path: str | None = None) -> Self:
        """The HTML 504 page of the gateway."""
        return self.queue_raw(504, GATEWAY_TIMEOUT_PAGE, content_type="text/html", path=path)

    def queue_file_status(
        self, status: str = "error", details: str = "Failed to extract file: the file is damaged"
    ) -> Self:
        """The next uploaded file gets this status (``error``: a failed extraction)."""
        return self.queue(FileStatus(status, details))

    def queue_fiber_failure(self, error: str = "quota exhausted", *, in_context: bool = True) -> Self:
        return self.queue(FiberFailure(error, in_context))

    # -- adapters -----------------------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        """An in-process transport for ``httpx.Client(transport=...)``."""
        from ._transport import EmulatorTransport

        return EmulatorTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An in-process transport for ``httpx.AsyncClient(transport=...)``."""
        from ._transport import AsyncEmulatorTransport

        return AsyncEmulatorTransport(self)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Generator[str]:
        """Serve on a loopback address in a thread; yields the base URL (ending in ``/v1``)."""
        from ._server import serve

        with serve(self, host, port) as base_url:
            yield base_url


def _key_regions(
    api_keys: Iterable[str] | Mapping[str, Region] | None, region: Region
) -> dict[str, Region] | None:
    if api_keys is None:
        return None
    if isinstance(api_keys, Mapping):
        return {str(k): v for k, v in cast("Mapping[str, Region]", api_keys).items()}
    return dict.fromkeys(api_keys, region)


def _scripted_response(item: ErrorReply | RawReply) -> EmulatorResponse:
    if isinstance(item, ErrorReply):
        return error_response(item.status, item.type, item.message, item.headers)
    return EmulatorResponse(item.status, {"content-type": item.content_type, **item.headers}, item.body)


def _check_choice(name: str, value: object, allowed: object) -> None:
    """A misspelt option would otherwise fall back to a default without a word."""
    choices = get_args(allowed)
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(repr(c) for c in choices)}")
