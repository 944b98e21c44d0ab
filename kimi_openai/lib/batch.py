"""Run many chat requests as one Moonshot batch: write the JSONL, upload, create, poll, collect.

``run_batch(client, requests)`` returns a :class:`~kimi_openai.types.batch_result.BatchResult`
with typed chat completions keyed by ``custom_id``; ``resume_batch(client, batch_id)`` picks a
batch up again after the process stopped. Rules from https://platform.kimi.ai/docs/api/batch-create:
one model for every line, unique ``custom_id``s, a non-empty ``.jsonl`` of at most 100 MB uploaded
with purpose ``batch``, and ``/v1/chat/completions`` as the only endpoint.

⚠ Moonshot does not show the line format; OpenAI's is used for input
(``{"custom_id", "method", "url", "body"}``) and output (``{"id", "custom_id", "response":
{"status_code", "body"}, "error"}``), as the batch API is documented as OpenAI-compatible.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeAlias, cast

import openai
import tenacity
from openai import BaseModel, NotGiven, Omit
from openai._models import construct_type
from openai.types import Batch

from kimi_openai._errors import BatchTimeoutError, KimiValidationError
from kimi_openai._pipeline import prepare_chat_body
from kimi_openai._rules.batches import (
    BATCH_ENDPOINT,
    check_not_streamed,
    check_one_model,
    check_ready_line,
    custom_ids,
)
from kimi_openai._state import kimi_state_of, platform_of
from kimi_openai.lib._batch_poll import (
    TERMINAL_STATUSES,
    PollLoop,
    Progress,
    ProgressCallback,
)
from kimi_openai.resources.batches import AsyncKimiBatches, KimiBatches
from kimi_openai.types.batch_result import BatchRequestFailure, BatchResult
from kimi_openai.types.chat import KimiChatCompletion

__all__ = [
    "TERMINAL_STATUSES",
    "BatchRequest",
    "BatchTimeoutError",
    "ProgressCallback",
    "async_resume_batch",
    "async_run_batch",
    "batch_lines",
    "parse_batch_output",
    "prepare_batch_body",
    "resume_batch",
    "run_batch",
]

BatchRequest: TypeAlias = Mapping[str, object]
"""One request: the keyword arguments of ``chat.completions.create`` (``model``, ``messages``...),
optionally with a ``custom_id``; or a ready line, ``{"custom_id": ..., "body": {...}}``."""

_CALL_OPTIONS: Final = frozenset({"extra_headers", "extra_query", "timeout"})


# -- writing the input ----------------------------------------------------------------------


def prepare_batch_body(
    body: Mapping[str, object],
    *,
    validate: bool = True,
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
) -> dict[str, object]:
    """The body of one line, checked and rewritten as a direct chat call would be.

    The single place a batch request is validated: the same rules as ``chat.completions.create``.
    With ``client``, its Kimi options apply as they do to its own calls: ``validation=False``
    skips the checks, ``max_tokens_field`` and ``normalize_tool_schemas`` rewrite the body, and
    ``reasoning_echo`` puts remembered ``reasoning_content`` back on assistant turns.
    """
    check_not_streamed(body)
    # Without a client the lines are taken to be for Moonshot's platform.
    hosted = client is None or platform_of(client) is not None
    return prepare_chat_body(
        _with_plain_messages(body), kimi_state_of(client), moonshot_hosted=hosted, validate=validate
    )


def _jsonable(value: object) -> object:
    # Messages taken from responses are models: send the fields they carry, as openai does.
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_unset=True)
    raise TypeError(f"cannot write {type(value).__name__} into a batch line")


def _with_plain_messages(body: Mapping[str, object]) -> dict[str, Any]:
    # openai turns message models into dicts before the client's hook sees them; so here,
    # or the reasoning echo would skip assistant turns taken from responses.
    out: dict[str, Any] = dict(body)
    messages: object = out.get("messages")
    if isinstance(messages, list):
        items = cast(list[object], messages)
        out["messages"] = [_jsonable(m) if isinstance(m, BaseModel) else m for m in items]
    return out


def _body_of(index: int, request: BatchRequest) -> tuple[object, dict[str, object]]:
    data = dict(request)
    custom_id = data.pop("custom_id", None)
    if "body" in data and "messages" not in data:
        check_ready_line(index, custom_id, data)
        body = data["body"]
        if not isinstance(body, Mapping):
            raise KimiValidationError(f"request {index}: 'body' must be a mapping of chat parameters.")
        return custom_id, dict(cast(Mapping[str, object], body))
    unsupported = sorted(_CALL_OPTIONS & data.keys())
    if unsupported:
        raise KimiValidationError(f"request {index}: {', '.join(unsupported)} cannot be sent inside a batch.")
    extra: object = data.pop("extra_body", None) or {}
    if not isinstance(extra, Mapping):
        raise KimiValidationError(f"request {index}: extra_body must be a mapping.")
    given = {k: v for k, v in data.items() if not isinstance(v, NotGiven | Omit)}
    # extra_body merges at the top level of the body, as in a direct call.
    return custom_id, {**given, **cast(Mapping[str, object], extra)}


def batch_lines(
    requests: Iterable[BatchRequest],
    *,
    model: str | None = None,
    validate: bool = True,
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
) -> list[dict[str, object]]:
    """The JSONL lines for ``requests``: unique ``custom_id``s (``request-<n>`` when missing), one model.

    Each body is prepared by :func:`prepare_batch_body`, with ``client``'s Kimi options when given.

    Raises:
        KimiValidationError: no request, a duplicate ``custom_id``, two models, a ready line
            whose ``url`` or ``method`` is not ``POST /v1/chat/completions``, or a request the
            chat rules refuse.
    """
    pairs = [_body_of(index, request) for index, request in enumerate(requests)]
    if not pairs:
        raise KimiValidationError("a batch needs at least one request.")
    ids = custom_ids([custom_id for custom_id, _ in pairs])
    lines: list[dict[str, object]] = []
    for custom_id, (_, body) in zip(ids, pairs, strict=True):
        if model is not None:
            body.setdefault("model", model)
        if not isinstance(body.get("model"), str):
            raise KimiValidationError(
                f"request {custom_id!r} has no model: pass model= to run_batch or in the request."
            )
        body = prepare_batch_body(body, validate=validate, client=client)
        lines.append({"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT, "body": body})
    check_one_model(str(line["body"]["model"]) for line in lines)  # pyright: ignore[reportIndexIssue, reportUnknownArgumentType]
    return lines


def _jsonl(lines: list[dict[str, object]]) -> bytes:
    return b"".join(
        json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=_jsonable).encode() + b"\n"
        for line in lines
    )


# -- reading the output ---------------------------------------------------------------------


def _map(value: object) -> Mapping[str, object]:
    return cast(Mapping[str, object], value) if isinstance(value, Mapping) else {}


def _failure(custom_id: str, line: Mapping[str, object]) -> BatchRequestFailure:
    response = _map(line.get("response"))
    # OpenAI puts a line-level error in "error"; an HTTP error keeps Moonshot's {"error": {...}} body.
    error = _map(line.get("error")) or _map(_map(response.get("body")).get("error"))
    status = response.get("status_code")
    kind = error.get("type") or error.get("code")
    return BatchRequestFailure(
        custom_id=custom_id,
        status_code=status if isinstance(status, int) else None,
        error_type=str(kind) if kind else None,
        message=str(error.get("message") or f"request failed with status {status}"),
        line=line,
    )


def parse_batch_output(
    text: str,
) -> tuple[dict[str, KimiChatCompletion], dict[str, BatchRequestFailure]]:
    """Completions and failures from the lines of an output or error file."""
    completions: dict[str, KimiChatCompletion] = {}
    failures: dict[str, BatchRequestFailure] = {}
    for raw in text.splitlines():
        if not raw.strip():
            continue
        line = _map(json.loads(raw))
        custom_id = str(line.get("custom_id"))
        response = _map(line.get("response"))
        if line.get("error") is None and response.get("status_code") == 200:
            # Built like openai builds responses: without validation, unknown fields kept.
            completions[custom_id] = cast(
                KimiChatCompletion, construct_type(type_=KimiChatCompletion, value=_map(response.get("body")))
            )
        else:
            failures[custom_id] = _failure(custom_id, line)
    return completions, failures


def _result(batch: Batch, texts: list[str], custom_ids: Iterable[str] | None) -> BatchResult:
    completions: dict[str, KimiChatCompletion] = {}
    failures: dict[str, BatchRequestFailure] = {}
    for text in texts:
        done, failed = parse_batch_output(text)
        completions.update(done)
        failures.update(failed)
    answered = completions.keys() | failures.keys()
    missing = tuple(i for i in custom_ids or () if i not in answered)
    return BatchResult(batch=batch, completions=completions, failures=failures, missing=missing)


def _collect(client: openai.OpenAI, batch: Batch, custom_ids: Iterable[str] | None) -> BatchResult:
    file_ids = [f for f in (batch.output_file_id, batch.error_file_id) if f]
    return _result(batch, [client.files.content(f).text for f in file_ids], custom_ids)


async def _async_collect(
    client: openai.AsyncOpenAI, batch: Batch, custom_ids: Iterable[str] | None
) -> BatchResult:
    file_ids = [f for f in (batch.output_file_id, batch.error_file_id) if f]
    texts = [(await client.files.content(f)).text for f in file_ids]
    return _result(batch, texts, custom_ids)


# -- polling --------------------------------------------------------------------------------


def _timed_out(error: tenacity.RetryError, timeout: float | None) -> BatchTimeoutError:
    return BatchTimeoutError(cast(Batch, error.last_attempt.result()), timeout or 0.0)


def _wait(client: openai.OpenAI, batch_id: str, progress: Progress, loop: PollLoop) -> Batch:
    # One retry layer: the poll loop retries, so each poll goes out with the client's own
    # retries (SDK or tenacity) off; stacked, they multiply the requests.
    batches = client.with_options(max_retries=0).batches
    try:
        return loop.run(lambda: batches.retrieve(batch_id), progress)
    except tenacity.RetryError as error:
        raise _timed_out(error, loop.timeout) from None
    finally:
        progress.close()


async def _async_wait(client: openai.AsyncOpenAI, batch_id: str, progress: Progress, loop: PollLoop) -> Batch:
    batches = client.with_options(max_retries=0).batches
    try:
        return await loop.async_run(lambda: batches.retrieve(batch_id), progress)
    except tenacity.RetryError as error:
        raise _timed_out(error, loop.timeout) from None
    finally:
        progress.close()


# -- the entry points -----------------------------------------------------------------------


def run_batch(
    client: openai.OpenAI,
    requests: Iterable[BatchRequest],
    *,
    model: str | None = None,
    completion_window: str = "24h",
    metadata: dict[str, str] | None = None,
    validate: bool = True,
    poll_interval: float = 5.0,
    max_poll_interval: float = 60.0,
    timeout: float | None = None,
    max_poll_errors: int = 5,
    progress: bool | ProgressCallback = True,
) -> BatchResult:
    """Run ``requests`` as one batch and wait for the results.

    Args:
        client: a ``KimiOpenAI`` (or an ``openai.OpenAI`` pointed at Moonshot). Its Kimi options
            shape each line as they shape its direct calls; its retry policy paces poll errors.
        requests: chat requests, as ``create`` keyword arguments, each with an optional ``custom_id``.
        model: the model of requests that do not name one.
        completion_window: ``12h`` to ``7d``.
        metadata: at most 16 pairs, attached to the batch.
        validate: check every request with the chat rules (a client built with
            ``validation=False`` skips them too), and the batch options.
        poll_interval: first wait between polls, in seconds; it grows by half each poll.
        max_poll_interval: the longest wait between polls.
        timeout: give up waiting after this many seconds (``BatchTimeoutError``; the batch runs on).
        max_poll_errors: retryable poll errors in a row before giving up; before each new poll
            the client's retry policy waits out ``Retry-After`` (up to its cap) or backs off.
        progress: a tqdm bar (``True``, with the ``kimi-openai[progress]`` extra installed), a
            callback, or ``False``.
    """
    lines = batch_lines(requests, model=model, validate=validate, client=client)
    from kimi_openai.resources.files import KimiFiles  # here: resources.files imports this package

    uploaded = KimiFiles(client).create(
        file=(_filename(lines), _jsonl(lines), "application/jsonl"), purpose="batch"
    )
    batch = KimiBatches(client).create(
        completion_window=completion_window, input_file_id=uploaded.id, metadata=metadata, validate=validate
    )
    return resume_batch(
        client,
        batch.id,
        custom_ids=[str(line["custom_id"]) for line in lines],
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        timeout=timeout,
        max_poll_errors=max_poll_errors,
        progress=progress,
    )


def resume_batch(
    client: openai.OpenAI,
    batch_id: str,
    *,
    custom_ids: Iterable[str] | None = None,
    poll_interval: float = 5.0,
    max_poll_interval: float = 60.0,
    timeout: float | None = None,
    max_poll_errors: int = 5,
    progress: bool | ProgressCallback = True,
) -> BatchResult:
    """Wait for an existing batch (say, after a restart) and collect its results.

    ``custom_ids``, when given, fills :attr:`BatchResult.missing`.
    """
    loop = PollLoop.for_client(client, poll_interval, max_poll_interval, timeout, max_poll_errors)
    batch = _wait(client, batch_id, Progress(progress, batch_id), loop)
    return _collect(client, batch, custom_ids)


async def async_run_batch(
    client: openai.AsyncOpenAI,
    requests: Iterable[BatchRequest],
    *,
    model: str | None = None,
    completion_window: str = "24h",
    metadata: dict[str, str] | None = None,
    validate: bool = True,
    poll_interval: float = 5.0,
    max_poll_interval: float = 60.0,
    timeout: float | None = None,
    max_poll_errors: int = 5,
    progress: bool | ProgressCallback = True,
) -> BatchResult:
    """Run ``requests`` as one batch and wait for the results; see :func:`run_batch`."""
    lines = batch_lines(requests, model=model, validate=validate, client=client)
    from kimi_openai.resources.files import AsyncKimiFiles  # here: resources.files imports this package

    uploaded = await AsyncKimiFiles(client).create(
        file=(_filename(lines), _jsonl(lines), "application/jsonl"), purpose="batch"
    )
    batch = await AsyncKimiBatches(client).create(
        completion_window=completion_window, input_file_id=uploaded.id, metadata=metadata, validate=validate
    )
    return await async_resume_batch(
        client,
        batch.id,
        custom_ids=[str(line["custom_id"]) for line in lines],
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        timeout=timeout,
        max_poll_errors=max_poll_errors,
        progress=progress,
    )


async def async_resume_batch(
    client: openai.AsyncOpenAI,
    batch_id: str,
    *,
    custom_ids: Iterable[str] | None = None,
    poll_interval: float = 5.0,
    max_poll_interval: float = 60.0,
    timeout: float | None = None,
    max_poll_errors: int = 5,
    progress: bool | ProgressCallback = True,
) -> BatchResult:
    """Wait for an existing batch and collect its results; see :func:`resume_batch`."""
    loop = PollLoop.for_client(client, poll_interval, max_poll_interval, timeout, max_poll_errors)
    batch = await _async_wait(client, batch_id, Progress(progress, batch_id), loop)
    return await _async_collect(client, batch, custom_ids)


def _filename(lines: list[dict[str, object]]) -> str:
    # The .jsonl extension is required (KD_BATCH_CREATE); the name helps find the file in a listing.
    return f"batch-{lines[0]['custom_id']}-{len(lines)}.jsonl"
