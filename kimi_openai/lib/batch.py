"""Run many chat requests as one Moonshot batch: write the JSONL, upload, create, poll, collect.

``run_batch(client, requests)`` returns a :class:`~kimi_openai.types.batch_result.BatchResult`
with typed chat completions keyed by ``custom_id``; ``resume_batch(client, batch_id)`` picks a
batch up again after the process stopped. For work past one process or one file:
``submit_batch`` uploads and creates a batch and returns its id without waiting,
``collect_batch`` reads a finished batch's answers in any process, streamed line by line,
``write_batch_shards`` splits a job into files under the size limit as it writes them, and
``submit_job`` submits every shard under a caller-chosen job key kept in the batch metadata, so
submitting the same job again finds its batches instead of creating new ones. Rules from https://platform.kimi.ai/docs/api/batch-create:
one model for every line, unique ``custom_id``s, a non-empty ``.jsonl`` of at most 100 MB uploaded
with purpose ``batch``, and ``/v1/chat/completions`` as the only endpoint.

⚠ Moonshot does not show the line format; OpenAI's is used for input
(``{"custom_id", "method", "url", "body"}``) and output (``{"id", "custom_id", "response":
{"status_code", "body"}, "error"}``), as the batch API is documented as OpenAI-compatible.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeAlias, cast

import openai
import tenacity
from openai._models import construct_type
from openai.types import Batch

from kimi_openai._errors import BatchTimeoutError, KimiValidationError
from kimi_openai._rules.batches import (
    BATCH_ENDPOINT,
    JOB_KEY_FIELD,
    SHARD_FIELD,
    SHARDS_FIELD,
    check_batch_request,
    check_one_model,
    custom_ids,
)
from kimi_openai._rules.files import MAX_FILE_BYTES
from kimi_openai.lib._batch_files import (
    BatchLines,
    BatchRequest,
    BatchShard,
    body_of,
    encode_batch_file,
    prepare_batch_body,
    write_batch_shards,
)
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
    "AsyncBatchOutput",
    "BatchAnswer",
    "BatchOutput",
    "BatchRequest",
    "BatchShard",
    "BatchTimeoutError",
    "ProgressCallback",
    "async_collect_batch",
    "async_find_job_batches",
    "async_resume_batch",
    "async_run_batch",
    "async_submit_batch",
    "async_wait_for_batch",
    "batch_lines",
    "collect_batch",
    "find_job_batches",
    "parse_batch_output",
    "parse_output_line",
    "prepare_batch_body",
    "resume_batch",
    "run_batch",
    "submit_batch",
    "submit_job",
    "wait_for_batch",
    "write_batch_shards",
]


# -- writing the input ----------------------------------------------------------------------


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
    pairs = [body_of(index, request) for index, request in enumerate(requests)]
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


# -- reading the output ---------------------------------------------------------------------

BatchAnswer: TypeAlias = KimiChatCompletion | BatchRequestFailure
"""What one request of a batch got: its chat completion, or why it has none."""


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


def parse_output_line(raw: str | bytes) -> tuple[str, BatchAnswer] | None:
    """The ``custom_id`` and answer of one output or error line; ``None`` for a blank line."""
    if not raw.strip():
        return None
    line = _map(json.loads(raw))
    custom_id = str(line.get("custom_id"))
    response = _map(line.get("response"))
    if line.get("error") is None and response.get("status_code") == 200:
        # Built like openai builds responses: without validation, unknown fields kept.
        body = _map(response.get("body"))
        return custom_id, cast(KimiChatCompletion, construct_type(type_=KimiChatCompletion, value=body))
    return custom_id, _failure(custom_id, line)


def parse_batch_output(
    text: str,
) -> tuple[dict[str, KimiChatCompletion], dict[str, BatchRequestFailure]]:
    """Completions and failures from the lines of an output or error file."""
    return _split(parsed for raw in text.splitlines() if (parsed := parse_output_line(raw)) is not None)


def _split(
    answers: Iterable[tuple[str, BatchAnswer]],
) -> tuple[dict[str, KimiChatCompletion], dict[str, BatchRequestFailure]]:
    completions: dict[str, KimiChatCompletion] = {}
    failures: dict[str, BatchRequestFailure] = {}
    for custom_id, answer in answers:
        if isinstance(answer, BatchRequestFailure):
            failures[custom_id] = answer
        else:
            completions[custom_id] = answer
    return completions, failures


def _result(
    batch: Batch, answers: Iterable[tuple[str, BatchAnswer]], ids: Iterable[str] | None
) -> BatchResult:
    completions, failures = _split(answers)
    answered = completions.keys() | failures.keys()
    missing = tuple(i for i in ids or () if i not in answered)
    return BatchResult(batch=batch, completions=completions, failures=failures, missing=missing)


def _answer_files(batch: Batch) -> list[str]:
    return [f for f in (batch.output_file_id, batch.error_file_id) if f]


@dataclass(frozen=True)
class BatchOutput:
    """A finished batch's answers, downloaded and parsed line by line as they are iterated.

    ``for custom_id, answer in output`` streams the output file, then the error file: memory
    holds one line at a time, whatever the batch's size. ``result()`` gathers them all into a
    :class:`BatchResult`, as ``run_batch`` returns.
    """

    batch: Batch
    client: openai.OpenAI

    def __iter__(self) -> Iterator[tuple[str, BatchAnswer]]:
        for file_id in _answer_files(self.batch):
            with self.client.files.with_streaming_response.content(file_id) as response:
                for raw in response.iter_lines():
                    if (parsed := parse_output_line(raw)) is not None:
                        yield parsed

    def result(self, custom_ids: Iterable[str] | None = None) -> BatchResult:
        """Every answer in memory; ``custom_ids``, when given, fills :attr:`BatchResult.missing`."""
        return _result(self.batch, self, custom_ids)


@dataclass(frozen=True)
class AsyncBatchOutput:
    """:class:`BatchOutput` for ``AsyncKimiOpenAI``: ``async for custom_id, answer in output``."""

    batch: Batch
    client: openai.AsyncOpenAI

    async def __aiter__(self) -> AsyncIterator[tuple[str, BatchAnswer]]:
        for file_id in _answer_files(self.batch):
            async with self.client.files.with_streaming_response.content(file_id) as response:
                async for raw in response.iter_lines():
                    if (parsed := parse_output_line(raw)) is not None:
                        yield parsed

    async def result(self, custom_ids: Iterable[str] | None = None) -> BatchResult:
        """Every answer in memory; see :meth:`BatchOutput.result`."""
        return _result(self.batch, [pair async for pair in self], custom_ids)


def _finished(batch: Batch) -> Batch:
    if batch.status not in TERMINAL_STATUSES:
        raise BatchTimeoutError(batch, 0.0)
    return batch


def collect_batch(client: openai.OpenAI, batch_id: str) -> BatchOutput:
    """The answers of a finished batch, from any process that knows its id; never waits.

    Raises:
        BatchTimeoutError: the batch has not finished (``error.batch`` is it as seen now);
            collect it later, or wait with ``resume_batch``.
    """
    return BatchOutput(_finished(client.batches.retrieve(batch_id)), client)


async def async_collect_batch(client: openai.AsyncOpenAI, batch_id: str) -> AsyncBatchOutput:
    """:func:`collect_batch` for ``AsyncKimiOpenAI``."""
    return AsyncBatchOutput(_finished(await client.batches.retrieve(batch_id)), client)


# -- submitting -----------------------------------------------------------------------------

BatchSource: TypeAlias = Iterable[BatchRequest] | BatchShard | str | os.PathLike[str]
"""Requests (prepared and encoded here), a shard from ``write_batch_shards``, or a ready ``.jsonl`` path."""


def _job_metadata(
    metadata: Mapping[str, str] | None, job_key: str | None, shard: int, shards: int
) -> dict[str, str] | None:
    if job_key is None:
        return dict(metadata) if metadata is not None else None
    if not job_key:
        raise KimiValidationError("job_key must be a non-empty string.")
    return {**(metadata or {}), JOB_KEY_FIELD: job_key, SHARD_FIELD: str(shard), SHARDS_FIELD: str(shards)}


@dataclass(frozen=True)
class _Input:
    """A batch's input file, ready to upload: its name and bytes or an open file."""

    filename: str
    content: IO[bytes]
    custom_ids: list[str] | None


def _input_of(source: BatchSource, lines: BatchLines) -> _Input:
    if isinstance(source, BatchShard):
        source = source.path
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise KimiValidationError(
                f"{path} is {path.stat().st_size:,} bytes; a batch file holds at most {MAX_FILE_BYTES:,}: "
                "split it with write_batch_shards()."
            )
        return _Input(path.name, path.open("rb"), None)
    data, ids = encode_batch_file(lines, source)
    return _Input(f"batch-{ids[0]}-{len(ids)}.jsonl", data, ids)


def find_job_batches(client: openai.OpenAI, job_key: str) -> dict[int, Batch]:
    """The batches submitted for ``job_key``, by shard: the newest of each not failed, expired or cancelled."""
    found: dict[int, Batch] = {}
    # Newest first (https://platform.kimi.ai/docs/api/batch-list): the first seen of a shard is its newest.
    for batch in client.batches.list(limit=100):
        if (shard := _job_shard(batch, job_key)) is not None:
            found.setdefault(shard, batch)
    return found


def _job_shard(batch: Batch, job_key: str) -> int | None:
    metadata = batch.metadata or {}
    if metadata.get(JOB_KEY_FIELD) != job_key or batch.status in {
        "failed",
        "expired",
        "cancelling",
        "cancelled",
    }:
        return None
    shard = metadata.get(SHARD_FIELD, "0")
    return int(shard) if shard.isdigit() else None


def _submit(
    client: openai.OpenAI,
    source: BatchSource,
    lines: BatchLines,
    window: str,
    metadata: dict[str, str] | None,
) -> tuple[Batch, list[str] | None]:
    if lines.validate:  # before the upload: a refused batch leaves no file behind
        check_batch_request(completion_window=window, endpoint=BATCH_ENDPOINT, metadata=metadata)
    from kimi_openai.resources.files import KimiFiles  # here: resources.files imports this package

    upload = _input_of(source, lines)
    try:
        uploaded = KimiFiles(client).create(
            file=(upload.filename, upload.content, "application/jsonl"), purpose="batch"
        )
    finally:
        upload.content.close()
    batch = KimiBatches(client).create(
        completion_window=window, input_file_id=uploaded.id, metadata=metadata, validate=lines.validate
    )
    return batch, upload.custom_ids


def submit_batch(
    client: openai.OpenAI,
    source: BatchSource,
    *,
    model: str | None = None,
    completion_window: str = "24h",
    metadata: dict[str, str] | None = None,
    validate: bool = True,
    job_key: str | None = None,
    shard: int = 0,
    shards: int = 1,
) -> str:
    """Upload ``source`` and create its batch; the batch id. Never waits for the batch to run.

    ``source`` is requests (as for ``run_batch``; past 100 MB they are refused at the line that
    passes it), a :class:`BatchShard`, or the path of a ready ``.jsonl``. With ``job_key``, the
    batch's metadata names the job and the shard (``shard`` of ``shards``), and a batch already
    submitted for that job and shard (and not failed, expired, cancelling or cancelled) is returned instead
    of a new one: submitting again after a crash creates nothing twice.
    """
    tagged = _job_metadata(metadata, job_key, shard, shards)
    if job_key is not None and (found := find_job_batches(client, job_key).get(shard)) is not None:
        return found.id
    lines = BatchLines(model=model, validate=validate, client=client)
    return _submit(client, source, lines, completion_window, tagged)[0].id


def submit_job(
    client: openai.OpenAI,
    requests: Iterable[BatchRequest],
    *,
    job_key: str,
    directory: str | Path,
    model: str | None = None,
    completion_window: str = "24h",
    metadata: dict[str, str] | None = None,
    validate: bool = True,
    max_bytes: int = MAX_FILE_BYTES,
    max_lines: int | None = None,
) -> list[str]:
    """Split ``requests`` into shards (:func:`write_batch_shards` into ``directory``) and submit each; the batch ids.

    Every batch carries ``job_key``. When the job's batches all exist already, their ids are
    returned without reading ``requests``; when some do, only the missing shards are submitted.
    """
    existing = find_job_batches(client, job_key)
    total = _shard_total(existing)
    if total and all(index in existing for index in range(total)):
        return [existing[index].id for index in range(total)]
    shards = write_batch_shards(
        requests,
        directory,
        model=model,
        validate=validate,
        client=client,
        max_bytes=max_bytes,
        max_lines=max_lines,
    )
    ids: list[str] = []
    for shard in shards:
        found = existing.get(shard.index)
        if found is None:
            lines = BatchLines(model=model, validate=validate, client=client)
            tagged = _job_metadata(metadata, job_key, shard.index, len(shards))
            found = _submit(client, shard, lines, completion_window, tagged)[0]
        ids.append(found.id)
    return ids


def _shard_total(batches: Mapping[int, Batch]) -> int:
    for batch in batches.values():
        total = (batch.metadata or {}).get(SHARDS_FIELD, "")
        if total.isdigit():
            return int(total)
    return 0


async def async_find_job_batches(client: openai.AsyncOpenAI, job_key: str) -> dict[int, Batch]:
    """:func:`find_job_batches` for ``AsyncKimiOpenAI``."""
    found: dict[int, Batch] = {}
    async for batch in client.batches.list(limit=100):
        if (shard := _job_shard(batch, job_key)) is not None:
            found.setdefault(shard, batch)
    return found


async def _async_submit(
    client: openai.AsyncOpenAI,
    source: BatchSource,
    lines: BatchLines,
    window: str,
    metadata: dict[str, str] | None,
) -> tuple[Batch, list[str] | None]:
    if lines.validate:
        check_batch_request(completion_window=window, endpoint=BATCH_ENDPOINT, metadata=metadata)
    from kimi_openai.resources.files import AsyncKimiFiles  # here: resources.files imports this package

    upload = _input_of(source, lines)
    try:
        uploaded = await AsyncKimiFiles(client).create(
            file=(upload.filename, upload.content, "application/jsonl"), purpose="batch"
        )
    finally:
        upload.content.close()
    batch = await AsyncKimiBatches(client).create(
        completion_window=window, input_file_id=uploaded.id, metadata=metadata, validate=lines.validate
    )
    return batch, upload.custom_ids


async def async_submit_batch(
    client: openai.AsyncOpenAI,
    source: BatchSource,
    *,
    model: str | None = None,
    completion_window: str = "24h",
    metadata: dict[str, str] | None = None,
    validate: bool = True,
    job_key: str | None = None,
    shard: int = 0,
    shards: int = 1,
) -> str:
    """:func:`submit_batch` for ``AsyncKimiOpenAI``."""
    tagged = _job_metadata(metadata, job_key, shard, shards)
    if (
        job_key is not None
        and (found := (await async_find_job_batches(client, job_key)).get(shard)) is not None
    ):
        return found.id
    lines = BatchLines(model=model, validate=validate, client=client)
    return (await _async_submit(client, source, lines, completion_window, tagged))[0].id


# -- polling --------------------------------------------------------------------------------


def _timed_out(error: tenacity.RetryError, timeout: float | None) -> BatchTimeoutError:
    return BatchTimeoutError(cast(Batch, error.last_attempt.result()), timeout or 0.0)


def wait_for_batch(
    client: openai.OpenAI,
    batch_id: str,
    *,
    poll_interval: float = 5.0,
    max_poll_interval: float = 60.0,
    timeout: float | None = None,
    max_poll_errors: int = 5,
    progress: bool | ProgressCallback = True,
) -> Batch:
    """Poll ``batch_id`` until it ends (see :func:`run_batch` for the arguments); the batch."""
    loop = PollLoop.for_client(client, poll_interval, max_poll_interval, timeout, max_poll_errors)
    bar = Progress(progress, batch_id)
    # One retry layer: the poll loop retries, so each poll goes out with the client's own
    # retries (SDK or tenacity) off; stacked, they multiply the requests.
    batches = client.with_options(max_retries=0).batches
    try:
        return loop.run(lambda: batches.retrieve(batch_id), bar)
    except tenacity.RetryError as error:
        raise _timed_out(error, loop.timeout) from None
    finally:
        bar.close()


async def async_wait_for_batch(
    client: openai.AsyncOpenAI,
    batch_id: str,
    *,
    poll_interval: float = 5.0,
    max_poll_interval: float = 60.0,
    timeout: float | None = None,
    max_poll_errors: int = 5,
    progress: bool | ProgressCallback = True,
) -> Batch:
    """:func:`wait_for_batch` for ``AsyncKimiOpenAI``."""
    loop = PollLoop.for_client(client, poll_interval, max_poll_interval, timeout, max_poll_errors)
    bar = Progress(progress, batch_id)
    batches = client.with_options(max_retries=0).batches
    try:
        return await loop.async_run(lambda: batches.retrieve(batch_id), bar)
    except tenacity.RetryError as error:
        raise _timed_out(error, loop.timeout) from None
    finally:
        bar.close()


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
            They are prepared and written one at a time; past 100 MB the batch is refused at the
            request that passes it (``submit_job`` splits instead).
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
    lines = BatchLines(model=model, validate=validate, client=client)
    batch, ids = _submit(client, requests, lines, completion_window, _job_metadata(metadata, None, 0, 1))
    return resume_batch(
        client,
        batch.id,
        custom_ids=ids,
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
    batch = wait_for_batch(
        client,
        batch_id,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        timeout=timeout,
        max_poll_errors=max_poll_errors,
        progress=progress,
    )
    return BatchOutput(batch, client).result(custom_ids)


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
    lines = BatchLines(model=model, validate=validate, client=client)
    batch, ids = await _async_submit(
        client, requests, lines, completion_window, _job_metadata(metadata, None, 0, 1)
    )
    return await async_resume_batch(
        client,
        batch.id,
        custom_ids=ids,
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
    batch = await async_wait_for_batch(
        client,
        batch_id,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        timeout=timeout,
        max_poll_errors=max_poll_errors,
        progress=progress,
    )
    return await AsyncBatchOutput(batch, client).result(custom_ids)
