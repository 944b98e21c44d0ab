"""Writing a batch's input: each request prepared as a direct call, encoded one line at a time.

Lines stream from the caller's requests to bytes (or to files), so the size is known while
writing: a file that would pass Moonshot's 100 MB (https://platform.kimi.ai/docs/api/files-upload)
is refused at the line that passes it, or the job is split there into shards, instead of after
every request has been prepared.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, TypeAlias, cast

import openai
from openai import BaseModel, NotGiven, Omit

from kimi_openai._errors import KimiValidationError
from kimi_openai._pipeline import prepare_chat_body
from kimi_openai._rules.batches import (
    BATCH_ENDPOINT,
    CustomIds,
    check_not_streamed,
    check_one_model,
    check_ready_line,
)
from kimi_openai._rules.files import MAX_FILE_BYTES
from kimi_openai._state import kimi_state_of, platform_of

__all__ = [
    "BatchLines",
    "BatchRequest",
    "BatchShard",
    "encode_batch_file",
    "prepare_batch_body",
    "write_batch_shards",
]

BatchRequest: TypeAlias = Mapping[str, object]
"""One request: the keyword arguments of ``chat.completions.create`` (``model``, ``messages``...),
optionally with a ``custom_id``; or a ready line, ``{"custom_id": ..., "body": {...}}``."""

_CALL_OPTIONS: Final = frozenset({"extra_headers", "extra_query", "timeout"})


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


def jsonable(value: object) -> object:
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
        out["messages"] = [jsonable(m) if isinstance(m, BaseModel) else m for m in items]
    return out


def body_of(index: int, request: BatchRequest) -> tuple[object, dict[str, object]]:
    """The ``custom_id`` (or ``None``) and the chat body of one request."""
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


def encode_line(line: Mapping[str, object]) -> bytes:
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=jsonable).encode() + b"\n"


class BatchLines:
    """Requests made into encoded lines one at a time: ids assigned, one model, each body prepared."""

    def __init__(
        self,
        *,
        model: str | None = None,
        validate: bool = True,
        client: openai.OpenAI | openai.AsyncOpenAI | None = None,
    ) -> None:
        self.model = model
        self.validate = validate
        self.client = client
        self.ids = CustomIds()
        self.first_model: str | None = None

    def encode(self, requests: Iterable[BatchRequest]) -> Iterator[tuple[str, bytes]]:
        """``(custom_id, line)`` for each request, the line JSON-encoded with its newline."""
        for index, request in enumerate(requests):
            given, body = body_of(index, request)
            custom_id = self.ids.assign(index, given)
            if self.model is not None:
                body.setdefault("model", self.model)
            model = body.get("model")
            if not isinstance(model, str):
                raise KimiValidationError(
                    f"request {custom_id!r} has no model: pass model= or name it in the request."
                )
            if self.first_model is None:
                self.first_model = model
            elif model != self.first_model:
                check_one_model([self.first_model, model])
            body = prepare_batch_body(body, validate=self.validate, client=self.client)
            yield (
                custom_id,
                encode_line({"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT, "body": body}),
            )


def _too_big(custom_id: str, size: int, max_bytes: int) -> KimiValidationError:
    return KimiValidationError(
        f"request {custom_id!r} alone is {size:,} bytes as a batch line; a batch file holds at most "
        f"{max_bytes:,} bytes (https://platform.kimi.ai/docs/api/files-upload)."
    )


SPOOL_BYTES: Final = 8 * 1024 * 1024
"""A batch file bigger than this is spooled to a temporary file while it is written."""


def encode_batch_file(
    lines: BatchLines, requests: Iterable[BatchRequest], max_bytes: int = MAX_FILE_BYTES
) -> tuple[IO[bytes], list[str]]:
    """One batch file, rewound, and its ids; refused at the first line past ``max_bytes``.

    Past a few megabytes the file is on disk, not in memory; the caller closes it.
    """
    file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned open)
    ids: list[str] = []
    size = 0
    try:
        for custom_id, line in lines.encode(requests):
            size += len(line)
            if size > max_bytes:
                raise KimiValidationError(
                    f"the batch passes {max_bytes:,} bytes at request {len(ids)} ({custom_id!r}), the most one "
                    "batch file may hold (https://platform.kimi.ai/docs/api/files-upload); split it with "
                    "write_batch_shards() or submit_job(), which write one file per shard."
                )
            file.write(line)
            ids.append(custom_id)
        if not ids:
            raise KimiValidationError("a batch needs at least one request.")
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file, ids


@dataclass(frozen=True, slots=True)
class BatchShard:
    """One input file of a sharded job, written to disk and ready to upload."""

    path: Path
    index: int
    """Its place in the job, from ``0``."""
    lines: int
    bytes: int


class _ShardFile:
    def __init__(self, directory: Path, stem: str, index: int) -> None:
        self.path = directory / f"{stem}-{index:05d}.jsonl"
        self.index = index
        self.lines = 0
        self.bytes = 0
        self.file: IO[bytes] = self.path.open("wb")

    def write(self, line: bytes) -> None:
        self.file.write(line)
        self.lines += 1
        self.bytes += len(line)

    def close(self) -> BatchShard:
        self.file.close()
        return BatchShard(self.path, self.index, self.lines, self.bytes)


def write_batch_shards(
    requests: Iterable[BatchRequest],
    directory: str | Path,
    *,
    model: str | None = None,
    validate: bool = True,
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    max_lines: int | None = None,
    stem: str = "batch",
) -> list[BatchShard]:
    """Write ``requests`` as batch input files of at most ``max_bytes`` (and ``max_lines``) each.

    Each request is prepared as :func:`~kimi_openai.lib.batch.run_batch` prepares it, and
    written as soon as it is: memory holds one line at a time, and a file is closed the moment
    the next line would not fit. ``custom_id``\\ s are unique across the whole job. Files are
    named ``<stem>-00000.jsonl``, ``<stem>-00001.jsonl``... in ``directory``.
    """
    if max_bytes < 1 or (max_lines is not None and max_lines < 1):
        raise KimiValidationError("max_bytes and max_lines must be at least 1.")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    shards: list[BatchShard] = []
    current: _ShardFile | None = None
    try:
        for custom_id, line in BatchLines(model=model, validate=validate, client=client).encode(requests):
            if len(line) > max_bytes:
                raise _too_big(custom_id, len(line), max_bytes)
            full = current is not None and (
                current.bytes + len(line) > max_bytes
                or (max_lines is not None and current.lines >= max_lines)
            )
            if current is None or full:
                if current is not None:
                    shards.append(current.close())
                current = _ShardFile(folder, stem, len(shards))
            current.write(line)
    finally:
        if current is not None and not current.file.closed:
            shards.append(current.close())
    if not shards:
        raise KimiValidationError("a batch needs at least one request.")
    return shards
