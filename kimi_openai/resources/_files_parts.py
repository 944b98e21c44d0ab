"""What the Kimi ``files`` resource builds around openai's calls: request parts, parsers, response wrappers.

Kept apart from :mod:`kimi_openai.resources.files` so that module stays about the calls themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from openai._constants import OVERRIDE_CAST_TO_HEADER, RAW_RESPONSE_HEADER
from openai._legacy_response import async_to_raw_response_wrapper, to_raw_response_wrapper
from openai._response import async_to_streamed_response_wrapper, to_streamed_response_wrapper
from openai._types import Headers, Omit
from openai.resources.files import (
    AsyncFilesWithRawResponse,
    AsyncFilesWithStreamingResponse,
    FilesWithRawResponse,
    FilesWithStreamingResponse,
)
from openai.types import FileObject

from kimi_openai._config import platform_of
from kimi_openai._rules.files import (
    PreparedUpload,
    check_upload,
    media_part,
    parse_extracted,
    raise_for_failed_file,
)
from kimi_openai.types.file_content import ExtractedFile
from kimi_openai.types.video_part_param import MediaContentPartParam

if TYPE_CHECKING:
    from kimi_openai.resources.files import AsyncKimiFiles, KimiFiles

__all__ = [
    "AsyncKimiFilesWithRawResponse",
    "AsyncKimiFilesWithStreamingResponse",
    "KimiFilesWithRawResponse",
    "KimiFilesWithStreamingResponse",
    "check_before_upload",
    "extracted_parser",
    "list_query",
    "media_parser",
    "multipart",
    "stored_sizes",
    "upload_headers",
]


def list_query(
    after: str | Omit, limit: int | Omit, order: str | Omit, purpose: str | Omit
) -> dict[str, object]:
    given = {"after": after, "limit": limit, "order": order, "purpose": purpose}
    return {key: value for key, value in given.items() if not isinstance(value, Omit)}


def multipart(
    upload: PreparedUpload, purpose: str, extra_headers: Headers | None
) -> tuple[dict[str, object], Headers]:
    body: dict[str, object] = {"file": upload.file, "purpose": purpose}
    # The multipart encoder adds the boundary to this Content-Type, as in openai's own upload.
    return body, {"Content-Type": "multipart/form-data", **(extra_headers or {})}


def media_parser(purpose: str) -> Callable[[FileObject], MediaContentPartParam]:
    def parse(file: FileObject) -> MediaContentPartParam:
        raise_for_failed_file(file)
        return media_part(f"ms://{file.id}", purpose)

    return parse


def extracted_parser(file_id: str, filename: str | None) -> Callable[[str], ExtractedFile]:
    def parse(text: str) -> ExtractedFile:
        return parse_extracted(text, file_id=file_id, filename=filename)

    return parse


def check_before_upload(upload: PreparedUpload, purpose: str, validate: bool, client: object) -> None:
    # Only Moonshot's platform is known to refuse other purposes (KD files-upload); a self-hosted
    # server, or a proxy not declared to front Moonshot (region=), may take openai's, so those pass.
    if validate:
        check_upload(purpose, upload.filename, upload.size, any_purpose=platform_of(client) is None)


def upload_headers(extra_headers: Headers | None) -> Headers | None:
    # extract() makes two requests; with_raw_response / with_streaming_response mark the
    # headers to get the raw response back, which is meant for the content download only.
    if extra_headers is None:
        return None
    markers = {RAW_RESPONSE_HEADER.lower(), OVERRIDE_CAST_TO_HEADER.lower()}
    return {key: value for key, value in extra_headers.items() if key.lower() not in markers}


def stored_sizes(files: list[FileObject]) -> list[tuple[int, int]]:
    return [(1, file.bytes or 0) for file in files]


class KimiFilesWithRawResponse(FilesWithRawResponse):
    def __init__(self, files: KimiFiles) -> None:
        super().__init__(files)
        # Re-wrapped so the wrappers carry the Kimi signatures (purposes, validate, ...).
        self.create = to_raw_response_wrapper(files.create)
        self.list = to_raw_response_wrapper(files.list)
        self.extract = to_raw_response_wrapper(files.extract)
        self.retrieve_extracted = to_raw_response_wrapper(files.retrieve_extracted)
        self.upload_media = to_raw_response_wrapper(files.upload_media)


class AsyncKimiFilesWithRawResponse(AsyncFilesWithRawResponse):
    def __init__(self, files: AsyncKimiFiles) -> None:
        super().__init__(files)
        # Re-wrapped so the wrappers carry the Kimi signatures (purposes, validate, ...).
        self.create = async_to_raw_response_wrapper(files.create)
        self.list = async_to_raw_response_wrapper(files.list)
        self.extract = async_to_raw_response_wrapper(files.extract)
        self.retrieve_extracted = async_to_raw_response_wrapper(files.retrieve_extracted)
        self.upload_media = async_to_raw_response_wrapper(files.upload_media)


class KimiFilesWithStreamingResponse(FilesWithStreamingResponse):
    def __init__(self, files: KimiFiles) -> None:
        super().__init__(files)
        # Re-wrapped so the wrappers carry the Kimi signatures (purposes, validate, ...).
        self.create = to_streamed_response_wrapper(files.create)
        self.list = to_streamed_response_wrapper(files.list)
        self.extract = to_streamed_response_wrapper(files.extract)
        self.retrieve_extracted = to_streamed_response_wrapper(files.retrieve_extracted)
        self.upload_media = to_streamed_response_wrapper(files.upload_media)


class AsyncKimiFilesWithStreamingResponse(AsyncFilesWithStreamingResponse):
    def __init__(self, files: AsyncKimiFiles) -> None:
        super().__init__(files)
        # Re-wrapped so the wrappers carry the Kimi signatures (purposes, validate, ...).
        self.create = async_to_streamed_response_wrapper(files.create)
        self.list = async_to_streamed_response_wrapper(files.list)
        self.extract = async_to_streamed_response_wrapper(files.extract)
        self.retrieve_extracted = async_to_streamed_response_wrapper(files.retrieve_extracted)
        self.upload_media = async_to_streamed_response_wrapper(files.upload_media)
