"""Files: upload, list, retrieve, delete and content (moonshot-api.md §1.4).

FileObject fields per [KD-files-upload]: ``id, object, bytes, created_at, filename, purpose, status,
status_details``. Batch output and error files are stored here too, with OpenAI's purposes
``batch_output`` (⚠ presumed; Moonshot's batch docs do not name them).
"""

from __future__ import annotations

import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ._types import EmulatorResponse, JSONObject, RecordedRequest
from ._wire import EmulatorError, bad_request, dumps, json_response, not_found

if TYPE_CHECKING:
    from ._state import State

PURPOSES = frozenset({"file-extract", "image", "video", "batch"})
"""Upload purposes [KD-files-upload]; the older CN page lists only the first three."""
DOWNLOADABLE = frozenset({"file-extract", "batch", "batch_output"})
_NAME = re.compile(r'(?:^|;)\s*name="([^"]*)"')
_FILENAME = re.compile(r'(?:^|;)\s*filename="([^"]*)"')
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?')


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int
    status: str
    status_details: str = ""

    def to_wire(self) -> JSONObject:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": self.status,
            "status_details": self.status_details,
        }


class FileStore:
    """Files by id, in upload order."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._lock = threading.Lock()

    def add(self, stored: StoredFile) -> StoredFile:
        with self._lock:
            self._files[stored.id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def remove(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.pop(file_id, None)

    def all(self) -> list[StoredFile]:
        with self._lock:
            return list(self._files.values())


@dataclass(frozen=True)
class FormPart:
    name: str
    filename: str | None
    data: bytes


def parse_multipart(content_type: str, body: bytes) -> dict[str, FormPart]:
    """The fields of a ``multipart/form-data`` body, by name."""
    found = _BOUNDARY.search(content_type)
    if not content_type.startswith("multipart/form-data") or found is None:
        raise bad_request("Invalid request: the upload must be multipart/form-data")  # ⚠ wording
    parts: dict[str, FormPart] = {}
    for section in body.split(b"--" + found.group(1).encode())[1:]:
        if section.startswith(b"--"):
            break
        head, _, data = section.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        disposition = next(
            (
                line
                for line in head.decode("utf-8", "replace").split("\r\n")
                if line.lower().startswith("content-disposition")
            ),
            "",
        )
        name, filename = _NAME.search(disposition), _FILENAME.search(disposition)
        if name is not None:
            parts[name.group(1)] = FormPart(
                name.group(1), filename.group(1) if filename else None, data.removesuffix(b"\r\n")
            )
    return parts


def file_not_found(file_id: str) -> EmulatorError:
    return not_found(f"Not found the file {file_id} or Permission denied")  # ⚠ wording after the model's


def upload(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del match
    parts = parse_multipart(request.headers.get("content-type", ""), request.body)
    purpose = parts["purpose"].data.decode("utf-8", "replace") if "purpose" in parts else ""
    if purpose not in PURPOSES:
        raise bad_request("Invalid purpose: only 'file-extract' accepted")  # verbatim [KD-errors]
    upload_part = parts.get("file")
    if upload_part is None:
        raise bad_request("Invalid request: the file field is required")  # ⚠ wording
    _check_size(state, len(upload_part.data))
    scripted = state.script.take_file_status(request.path)
    stored = StoredFile(
        id=state.ids.next("file-", 20),
        filename=upload_part.filename or "upload",
        purpose=purpose,
        data=upload_part.data,
        created_at=state.clock(),
        status=scripted.status if scripted else state.config.file_status,
        status_details=scripted.status_details if scripted else "",
    )
    return json_response(state.files.add(stored).to_wire())


def _check_size(state: State, size: int) -> None:
    # The three limits of [KD-files-upload]; ⚠ the wording of each message.
    if size == 0:
        raise bad_request("Invalid request: file size is zero, please confirm the file is not empty")
    if size > state.config.max_file_bytes:
        raise bad_request(
            f"Invalid request: file size is too large, the maximum is {state.config.max_file_bytes} bytes (100MB)"
        )
    if len(state.files.all()) >= state.config.max_files:
        raise bad_request(
            f"Invalid request: too many files, at most {state.config.max_files} files are allowed"
        )


def list_files(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    """``{"object": "list", "data": [...]}`` [KD-files-list], without ``has_more``.

    The openai SDK pages with ``after=<last id>`` while no ``has_more: false`` arrives; the emulator
    honours ``after`` so that iteration ends. ⚠ Whether the real server does is unknown.
    """
    del match
    files = state.files.all()
    after = request.query.get("after")
    if after is not None:
        ids = [f.id for f in files]
        files = files[ids.index(after) + 1 :] if after in ids else []
    return json_response({"object": "list", "data": [f.to_wire() for f in files]})


def retrieve(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del request
    stored = state.files.get(match["file_id"])
    if stored is None:
        raise file_not_found(match["file_id"])
    return json_response(stored.to_wire())


def delete(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del request
    if state.files.remove(match["file_id"]) is None:
        raise file_not_found(match["file_id"])  # [KD-files-delete]
    return json_response({"id": match["file_id"], "object": "file", "deleted": True})


def content(state: State, request: RecordedRequest, match: re.Match[str]) -> EmulatorResponse:
    del request
    stored = state.files.get(match["file_id"])
    if stored is None:
        raise file_not_found(match["file_id"])
    if stored.purpose not in DOWNLOADABLE:
        # Content is served only for file-extract files [KD-files-content]. ⚠ wording
        raise bad_request(
            f"Invalid request: file {stored.id} with purpose {stored.purpose!r} has no content to download"
        )
    if stored.purpose != "file-extract":
        return EmulatorResponse(200, {"content-type": "application/octet-stream"}, stored.data)
    text = stored.data.decode("utf-8", "replace")
    if state.config.file_content == "text":
        return EmulatorResponse(200, {"content-type": "text/plain; charset=utf-8"}, text.encode("utf-8"))
    return EmulatorResponse(200, {"content-type": "application/json"}, dumps(extracted(stored, text)))


def extracted(stored: StoredFile, text: str) -> JSONObject:
    """The JSON content of an extracted file. ⚠ Keys from third-party code, not the official docs (§1.4)."""
    file_type = mimetypes.guess_type(stored.filename)[0] or "application/octet-stream"
    return {
        "content": text,
        "file_type": file_type,
        "filename": stored.filename,
        "title": PurePosixPath(stored.filename).stem,
        "type": "file",
    }
