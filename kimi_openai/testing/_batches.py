"""Batches (moonshot-api.md §1.7, [KD-batch-create / -list / -cancel]).

The life cycle moves one step per ``GET /v1/batches/{id}``, so a test sees every state:
``validating → in_progress → finalizing → completed``, and ``cancelling → cancelled`` after a
cancel. The requests run when the batch completes.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._files import StoredFile, file_not_found
from ._types import EmulatorResponse, JSONObject, RecordedRequest
from ._wire import (
    EmulatorError,
    as_object,
    bad_request,
    dumps,
    error_body,
    json_response,
    load_json,
    not_found,
    request_object,
)

if TYPE_CHECKING:
    from ._state import State

ENDPOINT = "/v1/chat/completions"
MIN_WINDOW_HOURS, MAX_WINDOW_HOURS = 12, 7 * 24
CANCELLABLE = frozenset({"validating", "in_progress", "finalizing"})
NEXT_STATUS = {
    "validating": "in_progress",
    "in_progress": "finalizing",
    "finalizing": "completed",
    "cancelling": "cancelled",
}
DEFAULT_LIMIT = 20
_WINDOW = re.compile(r"^(\d+)([hd])$")


@dataclass
class Batch:
    id: str
    input_file_id: str
    completion_window: str
    metadata: dict[str, str] | None
    created_at: int
    expires_at: int
    lines: list[JSONObject]
    status: str = "validating"
    output_file_id: str | None = None
    error_file_id: str | None = None
    times: dict[str, int | None] = field(default_factory=dict[str, int | None])
    completed: int = 0
    failed: int = 0

    def to_wire(self) -> JSONObject:
        stamps = (
            "in_progress_at",
            "finalizing_at",
            "completed_at",
            "failed_at",
            "cancelling_at",
            "cancelled_at",
        )
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": ENDPOINT,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            **{name: self.times.get(name) for name in stamps},
            "request_counts": {"completed": self.completed, "failed": self.failed, "total": len(self.lines)},
            "metadata": self.metadata,
        }


class BatchStore:
    def __init__(self) -> None:
        self._batches: dict[str, Batch] = {}
        self._lock = threading.Lock()

    def add(self, batch: Batch) -> Batch:
        with self._lock:
            self._batches[batch.id] = batch
        return batch

    def get(self, batch_id: str) -> Batch:
        with self._lock:
            batch = self._batches.get(batch_id)
        if batch is None:
            raise not_found(f"Not found the batch {batch_id} or Permission denied")  # ⚠ wording
        return batch

    def newest_first(self) -> list[Batch]:
        with self._lock:
            return list(reversed(self._batches.values()))


def _window_hours(window: object) -> int:
    found = _WINDOW.match(window) if isinstance(window, str) else None
    hours = (int(found[1]) * (24 if found[2] == "d" else 1)) if found else 0
    if not MIN_WINDOW_HOURS <= hours <= MAX_WINDOW_HOURS:
        raise bad_request(
            f"Invalid request: completion_window must be between 12h and 7d, got {window!r}"
        )  # ⚠
    return hours


def _check_metadata(metadata: object) -> dict[str, str] | None:
    if metadata is None:
        return None
    pairs = as_object(metadata)
    if pairs is None or len(pairs) > 16:
        raise bad_request("Invalid request: metadata takes at most 16 pairs")  # ⚠ wording
    checked = {k: str(v) for k, v in pairs.items()}
    if any(len(k) > 64 or len(v) > 512 for k, v in checked.items()):
        raise bad_request(
            "Invalid request: metadata keys are at most 64 and values at most 512 characters"
        )  # ⚠
    return checked


def _input_lines(stored: StoredFile) -> list[JSONObject]:
    """The request lines; every line must use the same model and a unique custom_id [KD-batch-create]."""
    lines: list[JSONObject] = []
    for number, raw in enumerate(stored.data.decode("utf-8", "replace").splitlines(), start=1):
        if raw.strip():
            lines.append(_parse_line(number, raw))
    if not lines:
        raise bad_request("Invalid request: the input file is empty")  # ⚠ wording
    # repr: a model of any JSON type (a list too) is compared, and refused later by the chat rules.
    if len({repr(line["body"].get("model")) for line in lines}) > 1:
        raise bad_request("Invalid request: all requests in a batch must use the same model")  # ⚠ wording
    ids = [line["custom_id"] for line in lines]
    if len(set(ids)) != len(ids):
        raise bad_request("Invalid request: custom_id must be unique within a batch")  # ⚠ wording
    return lines


def _parse_line(number: int, raw: str) -> JSONObject:
    # ⚠ Line format presumed to be OpenAI's {"custom_id","method","url","body"} (§1.7).
    try:
        line = as_object(load_json(raw))
    except ValueError:
        line = None
    if line is None or not isinstance(line.get("custom_id"), str) or as_object(line.get("body")) is None:
        raise bad_request(
            f"Invalid request: line {number} of the input file is not a valid batch request"
        )  # ⚠
    if line.get("url", ENDPOINT) != ENDPOINT:
        raise bad_request(f"Invalid request: line {number} must use the url {ENDPOINT}")  # ⚠ wording
    return line


def create(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del match
    body = request_object(request.body)
    if body.get("endpoint") != ENDPOINT:
        raise bad_request(f"Invalid request: only {ENDPOINT} is supported as the endpoint")  # ⚠ wording
    hours = _window_hours(body.get("completion_window"))
    metadata = _check_metadata(body.get("metadata"))
    file_id = str(body.get("input_file_id"))
    stored = state.files.get(file_id)
    if stored is None:
        raise file_not_found(file_id)
    if stored.purpose != "batch":
        raise bad_request(f"Invalid request: input file {file_id} must be uploaded with purpose 'batch'")  # ⚠
    now = state.clock()
    batch = Batch(
        state.ids.next("batch_", 20),
        file_id,
        str(body["completion_window"]),
        metadata,
        now,
        now + hours * 3600,
        _input_lines(stored),
    )
    return json_response(state.batches.add(batch).to_wire())


def retrieve(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del request
    batch = state.batches.get(match["batch_id"])
    _advance(state, batch)
    return json_response(batch.to_wire())


def _advance(state: State, batch: Batch) -> None:
    following = NEXT_STATUS.get(batch.status)
    if following is None:
        return
    if following == "completed":
        _run(state, batch)
    batch.status = following
    batch.times[f"{following}_at"] = state.clock()


def _run(state: State, batch: Batch) -> None:
    from ._handlers import complete

    outputs: list[bytes] = []
    errors: list[bytes] = []
    for line in batch.lines:
        request_id = state.ids.next("batch_req_", 20)
        try:
            response: JSONObject = {"status_code": 200, "body": complete(state, line["body"])}
        except EmulatorError as exc:
            response = {"status_code": exc.status, "body": error_body(exc.type, exc.message)}
        # ⚠ Output line shape presumed to be OpenAI's batch output; Moonshot's docs do not show it.
        entry = dumps({"id": request_id, "custom_id": line["custom_id"], "response": response, "error": None})
        (outputs if response["status_code"] == 200 else errors).append(entry + b"\n")
    batch.completed, batch.failed = len(outputs), len(errors)
    batch.output_file_id = _store_output(state, batch, "output", outputs)
    # Like OpenAI, an error file exists only when some request failed.
    batch.error_file_id = _store_output(state, batch, "error", errors) if errors else None


def _store_output(state: State, batch: Batch, kind: str, lines: list[bytes]) -> str:
    stored = StoredFile(
        id=state.ids.next("file-", 20),
        filename=f"{batch.id}_{kind}.jsonl",
        purpose="batch_output",
        data=b"".join(lines),
        created_at=state.clock(),
        status=state.config.file_status,
    )
    return state.files.add(stored).id


def list_batches(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    """``{"object": "list", "data": [...], "has_more": bool}`` [KD-batch-list], newest first."""
    del match
    batches = state.batches.newest_first()
    after = request.query.get("after")
    if after is not None:
        ids = [b.id for b in batches]
        batches = batches[ids.index(after) + 1 :] if after in ids else []
    limit = _limit(request.query.get("limit"))
    page = batches[:limit]
    return json_response(
        {"object": "list", "data": [b.to_wire() for b in page], "has_more": len(batches) > limit}
    )


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise bad_request("Invalid request: limit must be between 1 and 100")  # ⚠ wording
    return int(raw)


def cancel(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del request
    batch = state.batches.get(match["batch_id"])
    if batch.status not in CANCELLABLE:
        # Only validating|in_progress|finalizing can be cancelled [KD-batch-cancel]. ⚠ wording
        raise bad_request(f"Invalid request: batch {batch.id} cannot be cancelled in status {batch.status}")
    batch.status = "cancelling"
    batch.times["cancelling_at"] = state.clock()
    return json_response(batch.to_wire())
