"""Moonshot's file rules: what each upload purpose accepts, the limits, extracted content, media parts.

The limits come from https://platform.kimi.ai/docs/api/files-upload (100 MB per file, 1,000
files and 10 GB per account) and the accepted formats from the same page and
https://platform.kimi.ai/docs/guide/use-kimi-vision-model. Checking them before uploading turns
a 400 after a long upload into an immediate, explicit error.
"""

from __future__ import annotations

import base64
import difflib
import json
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Final, Literal, NoReturn, cast

import openai
from openai.types import FileObject
from openai.types.chat import ChatCompletionContentPartImageParam

from kimi_openai._errors import FileExtractionError, FileExtractionServerError, KimiValidationError
from kimi_openai.types.file_content import ExtractedFile
from kimi_openai.types.video_part_param import ChatCompletionContentPartVideoParam, MediaContentPartParam

__all__ = [
    "EXTRACT_EXTENSIONS",
    "IMAGE_EXTENSIONS",
    "MAX_ACCOUNT_BYTES",
    "MAX_ACCOUNT_FILES",
    "MAX_FILE_BYTES",
    "VIDEO_EXTENSIONS",
    "FileExtractionError",
    "FileExtractionServerError",
    "check_account_limits",
    "check_media_name",
    "check_upload",
    "data_url",
    "extraction_failure",
    "image_mime",
    "media_part",
    "media_purpose",
    "parse_extracted",
    "raise_for_failed_file",
    "sniff_image",
    "sniff_video",
    "video_mime",
]

KD_FILES: Final = "https://platform.kimi.ai/docs/api/files-upload"
KD_VISION: Final = "https://platform.kimi.ai/docs/guide/use-kimi-vision-model"

MAX_FILE_BYTES: Final = 100 * 1024 * 1024
"""100 MB per file (KD_FILES); also the largest chat request body (KD_VISION)."""
MAX_ACCOUNT_FILES: Final = 1_000
MAX_ACCOUNT_BYTES: Final = 10 * 1024**3

IMAGE_EXTENSIONS: Final = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
VIDEO_EXTENSIONS: Final = frozenset(
    {".mp4", ".mpeg", ".mpg", ".mov", ".avi", ".flv", ".webm", ".wmv", ".3gp", ".3gpp"}
)
_DOCUMENT_EXTENSIONS: Final = frozenset(
    {".pdf", ".txt", ".csv", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".md", ".markdown"}
    | {".epub", ".html", ".htm", ".json", ".mobi", ".log", ".xml", ".yaml", ".yml", ".toml", ".ini"}
)
# The docs say "most source code"; these are the common ones, and validate=False lets any other through.
_SOURCE_EXTENSIONS: Final = frozenset(
    {".py", ".js", ".mjs", ".ts", ".tsx", ".jsx", ".java", ".kt", ".scala", ".c", ".h", ".cc", ".cpp"}
    | {".hpp", ".cs", ".go", ".rs", ".rb", ".php", ".swift", ".m", ".r", ".lua", ".pl", ".sh", ".bash"}
    | {".sql", ".css", ".scss", ".vue", ".dart", ".jl", ".ipynb", ".tex", ".bat", ".ps1", ".conf", ".cfg"}
)
EXTRACT_EXTENSIONS: Final = _DOCUMENT_EXTENSIONS | _SOURCE_EXTENSIONS | IMAGE_EXTENSIONS
"""What ``file-extract`` reads: documents, source code and images (KD_FILES)."""

_ALLOWED: Final[Mapping[str, tuple[frozenset[str], str]]] = {
    "file-extract": (
        EXTRACT_EXTENSIONS,
        "a document (pdf, txt, csv, doc(x), xls(x), ppt(x), md, epub, "
        "html, json, mobi, log), source code or an image",
    ),
    "image": (IMAGE_EXTENSIONS, "an image: png, jpeg, webp or gif"),
    "video": (VIDEO_EXTENSIONS, "a video: mp4, mpeg, mov, avi, x-flv, mpg, webm, wmv or 3gpp"),
    "batch": (frozenset({".jsonl"}), "a .jsonl file of requests"),
}


def raise_for_failed_file(file: FileObject) -> FileObject:
    """Return ``file``, or raise :class:`FileExtractionError` when its status is ``error``."""
    if file.status == "error":
        raise FileExtractionError(
            file_id=file.id, filename=file.filename, status=file.status, status_details=file.status_details
        )
    return file


_EXTRACTION_FAILED: Final = "Failed to extract file"
"""How the content endpoint's 500 ``server_error`` for a failed extraction starts (KD_ERRORS)."""
KD_ERRORS: Final = "https://platform.kimi.ai/docs/api/errors"


def extraction_failure(
    error: openai.APIStatusError, *, file_id: str, filename: str | None
) -> FileExtractionServerError | None:
    """The typed error for a failed extraction (KD_ERRORS), or ``None`` for any other error."""
    message = _error_message(cast(object, error.body))
    if not isinstance(error, openai.InternalServerError) or message is None:
        return None
    if not message.startswith(_EXTRACTION_FAILED):
        return None
    return FileExtractionServerError(error, file_id=file_id, filename=filename, details=message)


def _error_message(body: object) -> str | None:
    # openai hands over the inner {"type", "message"} object; a raw body still has the "error" key.
    if not isinstance(body, Mapping):
        return None
    fields = cast(Mapping[str, object], body)
    inner = fields.get("error")
    if isinstance(inner, Mapping):
        fields = cast(Mapping[str, object], inner)
    message = fields.get("message")
    return message if isinstance(message, str) else None


def check_upload(purpose: str, filename: str | None, size: int | None, *, any_purpose: bool = False) -> None:
    """Raise :class:`KimiValidationError` for an upload Moonshot would refuse (KD_FILES).

    ``any_purpose`` lets a purpose Moonshot does not list through unchecked: for a server
    that is not Moonshot's (a proxy or a self-hosted engine), which may take openai's.
    """
    allowed = _ALLOWED.get(purpose)
    if allowed is None and not any_purpose:
        _refuse_purpose(purpose)
    if allowed is not None:
        _check_extension(purpose, filename, *allowed)
    if size == 0:
        raise KimiValidationError(f"file {filename or '<bytes>'!r} is empty: Moonshot rejects empty files.")
    if size is not None and size > MAX_FILE_BYTES:
        raise KimiValidationError(
            f"file {filename or '<bytes>'!r} is {size:,} bytes; Moonshot takes at most 100 MB "
            f"({MAX_FILE_BYTES:,} bytes) per file ({KD_FILES}). Split or compress it."
        )


def _refuse_purpose(purpose: str) -> NoReturn:
    # Moonshot answers any other purpose with a 400 "Invalid purpose", but only after the whole
    # upload (https://platform.kimi.ai/docs/api/errors); say so before sending a byte.
    close = difflib.get_close_matches(purpose, list(_ALLOWED), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    names = ", ".join(repr(name) for name in _ALLOWED)
    raise KimiValidationError(
        f"purpose={purpose!r} is not one Moonshot takes: it takes {names} ({KD_FILES}).{hint} "
        f"(validate=False sends it anyway.)"
    )


def _check_extension(purpose: str, filename: str | None, extensions: frozenset[str], what: str) -> None:
    if filename is None:
        raise KimiValidationError(
            f"purpose={purpose!r} needs a file name to check the format: pass a path, an open "
            f"file, or a (filename, content) tuple (or validate=False)."
        )
    suffix = PurePath(filename).suffix.lower()
    if suffix not in extensions:
        raise KimiValidationError(
            f"file {filename!r} cannot be uploaded with purpose={purpose!r}: it takes {what}, "
            f"and {suffix or 'no extension'!r} is not one ({KD_FILES}). Rename it or pick "
            f"another purpose (or validate=False)."
        )


def check_account_limits(stored: Iterable[tuple[int, int]], size: int | None) -> None:
    """Raise if one more file of ``size`` bytes breaks the account limits (KD_FILES).

    ``stored`` holds ``(count, bytes)`` per listed file, normally ``(1, file.bytes)``.
    """
    count = total = 0
    for one, nbytes in stored:
        count, total = count + one, total + nbytes
    if count >= MAX_ACCOUNT_FILES:
        raise KimiValidationError(
            f"the account already stores {count} files, the most Moonshot allows ({MAX_ACCOUNT_FILES}); "
            f"delete some with client.files.delete(file_id) first ({KD_FILES})."
        )
    if size is not None and total + size > MAX_ACCOUNT_BYTES:
        raise KimiValidationError(
            f"the account stores {total:,} bytes; {size:,} more would pass Moonshot's 10 GB total "
            f"({KD_FILES}). Delete some files with client.files.delete(file_id) first."
        )


def media_purpose(filename: str | None) -> Literal["image", "video"]:
    """``image`` or ``video``, from the file extension."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return "image"
    if suffix in VIDEO_EXTENSIONS:
        return "video"
    raise KimiValidationError(
        f"cannot tell whether {filename or '<bytes>'!r} is an image or a video: pass purpose='image' "
        f"or purpose='video' ({KD_VISION})."
    )


def media_part(url: str, purpose: str) -> MediaContentPartParam:
    """An ``image_url`` or ``video_url`` content part for ``url``."""
    if purpose == "video":
        video: ChatCompletionContentPartVideoParam = {"type": "video_url", "video_url": {"url": url}}
        return video
    image: ChatCompletionContentPartImageParam = {"type": "image_url", "image_url": {"url": url}}
    return image


_ENVELOPE_KEYS: Final = frozenset({"file_type", "filename", "title", "type"})
"""Keys seen next to ``content`` in the JSON answer (moonshot-api.md §1.4, observed, not documented)."""


def parse_extracted(text: str, *, file_id: str, filename: str | None) -> ExtractedFile:
    """Read every known answer of ``/files/{id}/content``: the JSON object, a JSON string, or plain text.

    The OpenAPI page says ``text/plain`` (https://platform.kimi.ai/docs/api/files-content), the
    CN page "a JSON string" (https://platform.moonshot.cn/docs/api/files), and the object seen in
    use has ``content`` beside ``file_type``/``filename``/``title``/``type``. A body counts as the
    object only with a string ``content`` and at least one of those keys, so an extracted
    ``{"content": ...}`` document is not mistaken for it; ``raw`` always keeps the body as sent.
    """
    try:
        parsed: object = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, str):
        return ExtractedFile(file_id=file_id, content=parsed, raw=text, filename=filename)
    if isinstance(parsed, dict):
        fields = cast(dict[str, object], parsed)
        content = fields.get("content")
        if isinstance(content, str) and not _ENVELOPE_KEYS.isdisjoint(fields):
            return ExtractedFile(
                file_id=file_id,
                content=content,
                raw=text,
                filename=_text(fields.get("filename")) or filename,
                file_type=_text(fields.get("file_type")),
                title=_text(fields.get("title")),
                type=_text(fields.get("type")),
            )
    return ExtractedFile(file_id=file_id, content=text, raw=text, filename=filename)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def check_media_name(filename: str, extensions: frozenset[str], kind: str) -> None:
    if PurePath(filename).suffix.lower() not in extensions:
        raise KimiValidationError(
            f"{filename!r} is not a supported {kind}: {_ALLOWED[kind][1]} ({KD_VISION})."
        )


def data_url(data: bytes, mime_type: str) -> str:
    if not data:
        raise KimiValidationError("the media content is empty.")
    if len(data) * 4 // 3 > MAX_FILE_BYTES:
        # The whole request body must stay under 100 MB (KD_VISION).
        raise KimiValidationError(
            f"{len(data):,} bytes is too large to inline in a request (100 MB body limit, {KD_VISION}); "
            f"upload it with client.files.upload_media(path) and send the ms:// part instead."
        )
    return f"data:{mime_type};base64,{base64.b64encode(data).decode('ascii')}"


_IMAGE_MIME: Final = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
_IMAGE_MIME_MORE: Final = {".webp": "image/webp", ".gif": "image/gif"}
_VIDEO_MIME: Final = {
    ".mp4": "video/mp4", ".mpeg": "video/mpeg", ".mpg": "video/mpeg", ".mov": "video/quicktime",
    ".avi": "video/x-msvideo", ".flv": "video/x-flv", ".webm": "video/webm", ".wmv": "video/x-ms-wmv",
    ".3gp": "video/3gpp", ".3gpp": "video/3gpp",
}  # fmt: skip


def image_mime(suffix: str) -> str:
    return {**_IMAGE_MIME, **_IMAGE_MIME_MORE}[suffix.lower()]


def video_mime(suffix: str) -> str:
    return _VIDEO_MIME[suffix.lower()]


def sniff_image(data: bytes) -> str:
    signatures = {
        b"\x89PNG\r\n\x1a\n": "image/png",
        b"\xff\xd8\xff": "image/jpeg",
        b"GIF87a": "image/gif",
        b"GIF89a": "image/gif",
    }
    for signature, kind in signatures.items():
        if data.startswith(signature):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise KimiValidationError("cannot tell the image format (png, jpeg, webp or gif): pass mime_type=.")


def sniff_video(data: bytes) -> str:
    if data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:10] == b"qt" else "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    raise KimiValidationError(
        "cannot tell the video format from its bytes: pass mime_type=, e.g. 'video/mp4'."
    )
