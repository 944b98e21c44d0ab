"""Kimi's ``files`` resource: openai's, with Moonshot's purposes, limits, extraction and media references.

Moonshot files serve three uses (https://platform.kimi.ai/docs/api/files-upload):
``file-extract`` turns a document into text for a system message, ``image``/``video`` store
media referenced as ``ms://<file_id>`` in chat (https://platform.kimi.ai/docs/guide/use-kimi-vision-model),
and ``batch`` holds the input of a batch. Everything openai's resource does keeps working.
"""

from __future__ import annotations

import io
import mimetypes
import os
import time
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePath
from typing import IO, Literal, TypeAlias, cast

import anyio
import openai
from openai._base_client import AsyncPaginator, make_request_options
from openai._constants import OVERRIDE_CAST_TO_HEADER, RAW_RESPONSE_HEADER
from openai._legacy_response import async_to_raw_response_wrapper, to_raw_response_wrapper
from openai._response import async_to_streamed_response_wrapper, to_streamed_response_wrapper
from openai._types import Body, FileTypes, Headers, NotGiven, Omit, Query, not_given, omit
from openai._utils import extract_files
from openai.pagination import AsyncCursorPage, SyncCursorPage
from openai.resources.files import (
    AsyncFiles,
    AsyncFilesWithRawResponse,
    AsyncFilesWithStreamingResponse,
    Files,
    FilesWithRawResponse,
    FilesWithStreamingResponse,
)
from openai.types import FileObject, FilePurpose, file_create_params
from typing_extensions import override

from kimi_openai._compat import httpx
from kimi_openai._rules.files import (
    check_account_limits,
    check_upload,
    extraction_failure,
    media_part,
    media_purpose,
    parse_extracted,
    raise_for_failed_file,
)
from kimi_openai._state import platform_of
from kimi_openai.types.file_content import ExtractedFile, KimiFilePurpose
from kimi_openai.types.video_part_param import MediaContentPartParam

__all__ = [
    "AsyncKimiFiles",
    "AsyncKimiFilesWithRawResponse",
    "AsyncKimiFilesWithStreamingResponse",
    "KimiFilePage",
    "KimiFiles",
    "KimiFilesWithRawResponse",
    "KimiFilesWithStreamingResponse",
]

MediaPurpose = Literal["image", "video"]

_SETTLED = frozenset({"ok", "ready", "processed", "error", "deleted"})
"""Statuses after which a file no longer changes. openai waits for ``processed`` only, which
Moonshot never reports: it says ``ok`` (CN docs) or ``ready`` (https://platform.kimi.ai/docs/api/files-upload)."""


FileInput: TypeAlias = "FileTypes | str"
"""What ``files.create`` takes: anything openai takes, or a path as a string."""


@dataclass(frozen=True, slots=True)
class PreparedUpload:
    """An upload ready for openai's multipart encoder, with what the checks need to know."""

    file: FileTypes
    """What to hand to openai: paths become an open handle, so the body is streamed."""
    filename: str | None
    size: int | None
    """Bytes that will be sent; ``None`` for a stream whose size cannot be known."""


@contextmanager
def prepared_upload(file: FileInput) -> Generator[PreparedUpload]:
    """Open paths (openai would read them whole into memory) and measure every input."""
    if isinstance(file, tuple):
        name, content, *rest = file
        with _opened(content) as (handle, size, _):
            yield PreparedUpload(cast(FileTypes, (name, handle, *rest)), name, size)
        return
    with _opened(file) as (handle, size, name):
        shown = name or "upload"
        yield PreparedUpload((shown, handle, _mime_type(shown)), name, size)


@contextmanager
def _opened(
    content: str | os.PathLike[str] | bytes | IO[bytes],
) -> Generator[tuple[bytes | IO[bytes], int | None, str | None]]:
    if isinstance(content, str | os.PathLike):
        path = Path(content)
        size = path.stat().st_size
        with path.open("rb") as handle:
            yield handle, size, path.name
        return
    if isinstance(content, bytes):
        yield content, len(content), None
        return
    raw_name = getattr(content, "name", None)
    name = PurePath(raw_name).name if isinstance(raw_name, str) else None
    yield content, _stream_size(content), name


def _stream_size(handle: IO[bytes]) -> int | None:
    # httpx and httpx2 seek a file back to 0 before writing a multipart field, so the whole
    # stream is sent whatever the handle's position: measure from 0, and leave the position alone.
    try:
        if not handle.seekable():
            return None
        position = handle.tell()
        end = handle.seek(0, io.SEEK_END)
        handle.seek(position)
    except (OSError, ValueError):
        return None
    return end


def _mime_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


# -- request parts and parsers ------------------------------------------------------------------


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


class KimiFilePage(SyncCursorPage[FileObject]):
    """A page of files that ends when ``has_more`` is not ``true``.

    Moonshot's list has no ``has_more`` and no pagination (https://platform.kimi.ai/docs/api/files-list);
    openai's page would then ask again with ``after=<last id>`` and, if the server ignores it,
    get the same files forever.
    """

    @override
    def has_next_page(self) -> bool:
        return self.has_more is True and super().has_next_page()


class AsyncKimiFilePage(AsyncCursorPage[FileObject]):
    """The async :class:`KimiFilePage`."""

    @override
    def has_next_page(self) -> bool:
        return self.has_more is True and super().has_next_page()


class KimiFiles(Files):
    """openai's ``files`` for Moonshot: pre-upload checks, ``extract``, ``upload_media``, streamed paths."""

    @cached_property
    @override
    def with_raw_response(self) -> KimiFilesWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return KimiFilesWithRawResponse(self)

    @cached_property
    @override
    def with_streaming_response(self) -> KimiFilesWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return KimiFilesWithStreamingResponse(self)

    @override
    def create(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        *,
        file: FileInput,
        purpose: KimiFilePurpose | FilePurpose,
        expires_after: file_create_params.ExpiresAfter | Omit = omit,
        validate: bool = True,
        check_account_limits: bool = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> FileObject:
        """Upload a file; a path (``str`` or ``Path``) is streamed from disk, not read into memory.

        Args:
            file: a path, an open binary file, bytes, or openai's ``(filename, content[, mime])`` tuple.
            purpose: ``file-extract``, ``image``, ``video`` or ``batch``; other openai purposes are
                refused on Moonshot's hosts and passed through to any other ``base_url``.
            validate: check the purpose, the extension for it, emptiness and the 100 MB limit first.
            check_account_limits: list the account's files first and check the 1,000-file and
                10 GB limits (one more request).

        Raises:
            KimiValidationError: the upload breaks a documented limit.
        """
        with prepared_upload(file) as upload:
            check_before_upload(upload, purpose, validate, self._client)
            if check_account_limits:
                check_account_limits_of(self, upload)
            return super().create(
                file=upload.file,
                purpose=cast(FilePurpose, purpose),
                expires_after=expires_after,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
            )

    @override
    def list(
        self,
        *,
        after: str | Omit = omit,
        limit: int | Omit = omit,
        order: Literal["asc", "desc"] | Omit = omit,
        purpose: str | Omit = omit,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> SyncCursorPage[FileObject]:
        """List the account's files; iterating stops after the one page Moonshot returns."""
        return self._get_api_list(
            "/files",
            page=KimiFilePage,
            options=make_request_options(
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                query=list_query(after, limit, order, purpose),
            ),
            model=FileObject,
        )

    @override
    def wait_for_processing(
        self, id: str, *, poll_interval: float = 5.0, max_wait_seconds: float = 30 * 60
    ) -> FileObject:
        """Wait until the file's status settles (``ok``/``ready``/``error`` on Moonshot)."""
        start = time.monotonic()
        file = self.retrieve(id)
        while file.status not in _SETTLED:
            if time.monotonic() - start > max_wait_seconds:
                raise RuntimeError(f"file {id} was still {file.status!r} after {max_wait_seconds} seconds")
            self._sleep(poll_interval)
            file = self.retrieve(id)
        return file

    def extract(
        self,
        file: FileInput,
        *,
        validate: bool = True,
        check_account_limits: bool = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> ExtractedFile:
        """Upload a document with purpose ``file-extract`` and return its extracted text.

        ``with_raw_response.extract`` gives the raw response of the content download.

        Raises:
            KimiValidationError: the file's format or size is not accepted.
            FileExtractionError: Moonshot could not extract it (status ``error``, or the
                content download's 500 ``Failed to extract file``).
        """
        uploaded = self.create(
            file=file,
            purpose="file-extract",
            validate=validate,
            check_account_limits=check_account_limits,
            extra_headers=upload_headers(extra_headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        raise_for_failed_file(uploaded)
        return self.retrieve_extracted(
            uploaded.id,
            filename=uploaded.filename,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def retrieve_extracted(
        self,
        file_id: str,
        *,
        filename: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> ExtractedFile:
        """The extracted text of a ``file-extract`` file already uploaded (``GET /files/{id}/content``)."""
        if not file_id:
            raise ValueError(f"Expected a non-empty value for `file_id` but received {file_id!r}")
        try:
            text = self._get(
                f"/files/{file_id}/content",
                options=make_request_options(
                    extra_headers=extra_headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                    timeout=timeout,
                    post_parser=extracted_parser(file_id, filename),
                ),
                cast_to=str,
            )
        except openai.APIStatusError as error:
            # A failed extraction is a 500 "Failed to extract file: ..." from this endpoint
            # (https://platform.kimi.ai/docs/api/errors): raise it typed, with the details.
            failure = extraction_failure(error, file_id=file_id, filename=filename)
            if failure is None:
                raise
            raise failure from error
        return cast(ExtractedFile, text)

    def upload_media(
        self,
        file: FileInput,
        *,
        purpose: MediaPurpose | None = None,
        validate: bool = True,
        check_account_limits: bool = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> MediaContentPartParam:
        """Upload an image or video and return the ``ms://<file_id>`` content part that references it.

        ``purpose`` defaults from the extension. Put the part in a user message's ``content``.
        """
        with prepared_upload(file) as upload:
            kind = purpose or media_purpose(upload.filename)
            check_before_upload(upload, kind, validate, self._client)
            if check_account_limits:
                check_account_limits_of(self, upload)
            body, headers = multipart(upload, kind, extra_headers)
            posted = self._post(
                "/files",
                body=body,
                files=extract_files(cast(Mapping[str, object], body), paths=[["file"]]),
                options=make_request_options(
                    extra_headers=headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                    timeout=timeout,
                    post_parser=media_parser(kind),
                ),
                cast_to=FileObject,
            )
            return cast(MediaContentPartParam, posted)


def check_account_limits_of(files: KimiFiles, upload: PreparedUpload) -> None:
    """Check the 1,000-file and 10 GB account limits against the listed files."""
    check_account_limits(stored_sizes(files.list().data), upload.size)


async def async_check_account_limits_of(files: AsyncKimiFiles, upload: PreparedUpload) -> None:
    page = await files.list()
    check_account_limits(stored_sizes(page.data), upload.size)


class AsyncKimiFiles(AsyncFiles):
    """The async :class:`KimiFiles`."""

    @cached_property
    @override
    def with_raw_response(self) -> AsyncKimiFilesWithRawResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return AsyncKimiFilesWithRawResponse(self)

    @cached_property
    @override
    def with_streaming_response(self) -> AsyncKimiFilesWithStreamingResponse:  # pyright: ignore[reportIncompatibleMethodOverride]
        return AsyncKimiFilesWithStreamingResponse(self)

    @override
    async def create(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        *,
        file: FileInput,
        purpose: KimiFilePurpose | FilePurpose,
        expires_after: file_create_params.ExpiresAfter | Omit = omit,
        validate: bool = True,
        check_account_limits: bool = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> FileObject:
        """Upload a file; see :meth:`KimiFiles.create`."""
        with prepared_upload(file) as upload:
            check_before_upload(upload, purpose, validate, self._client)
            if check_account_limits:
                await async_check_account_limits_of(self, upload)
            return await super().create(
                file=upload.file,
                purpose=cast(FilePurpose, purpose),
                expires_after=expires_after,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
            )

    @override
    def list(
        self,
        *,
        after: str | Omit = omit,
        limit: int | Omit = omit,
        order: Literal["asc", "desc"] | Omit = omit,
        purpose: str | Omit = omit,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> AsyncPaginator[FileObject, AsyncCursorPage[FileObject]]:
        """List the account's files; iterating stops after the one page Moonshot returns."""
        return self._get_api_list(
            "/files",
            page=AsyncKimiFilePage,
            options=make_request_options(
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                query=list_query(after, limit, order, purpose),
            ),
            model=FileObject,
        )

    @override
    async def wait_for_processing(
        self, id: str, *, poll_interval: float = 5.0, max_wait_seconds: float = 30 * 60
    ) -> FileObject:
        """Wait until the file's status settles (``ok``/``ready``/``error`` on Moonshot)."""
        start = time.monotonic()
        file = await self.retrieve(id)
        while file.status not in _SETTLED:
            if time.monotonic() - start > max_wait_seconds:
                raise RuntimeError(f"file {id} was still {file.status!r} after {max_wait_seconds} seconds")
            await anyio.sleep(poll_interval)
            file = await self.retrieve(id)
        return file

    async def extract(
        self,
        file: FileInput,
        *,
        validate: bool = True,
        check_account_limits: bool = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> ExtractedFile:
        """Upload a document with purpose ``file-extract`` and return its text; see :meth:`KimiFiles.extract`."""
        uploaded = await self.create(
            file=file,
            purpose="file-extract",
            validate=validate,
            check_account_limits=check_account_limits,
            extra_headers=upload_headers(extra_headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        raise_for_failed_file(uploaded)
        return await self.retrieve_extracted(
            uploaded.id,
            filename=uploaded.filename,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    async def retrieve_extracted(
        self,
        file_id: str,
        *,
        filename: str | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> ExtractedFile:
        """The extracted text of a ``file-extract`` file already uploaded."""
        if not file_id:
            raise ValueError(f"Expected a non-empty value for `file_id` but received {file_id!r}")
        try:
            text = await self._get(
                f"/files/{file_id}/content",
                options=make_request_options(
                    extra_headers=extra_headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                    timeout=timeout,
                    post_parser=extracted_parser(file_id, filename),
                ),
                cast_to=str,
            )
        except openai.APIStatusError as error:
            # A failed extraction is a 500 "Failed to extract file: ..." from this endpoint
            # (https://platform.kimi.ai/docs/api/errors): raise it typed, with the details.
            failure = extraction_failure(error, file_id=file_id, filename=filename)
            if failure is None:
                raise
            raise failure from error
        return cast(ExtractedFile, text)

    async def upload_media(
        self,
        file: FileInput,
        *,
        purpose: MediaPurpose | None = None,
        validate: bool = True,
        check_account_limits: bool = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = not_given,
    ) -> MediaContentPartParam:
        """Upload an image or video and return its ``ms://`` content part; see :meth:`KimiFiles.upload_media`."""
        with prepared_upload(file) as upload:
            kind = purpose or media_purpose(upload.filename)
            check_before_upload(upload, kind, validate, self._client)
            if check_account_limits:
                await async_check_account_limits_of(self, upload)
            body, headers = multipart(upload, kind, extra_headers)
            posted = await self._post(
                "/files",
                body=body,
                files=extract_files(cast(Mapping[str, object], body), paths=[["file"]]),
                options=make_request_options(
                    extra_headers=headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                    timeout=timeout,
                    post_parser=media_parser(kind),
                ),
                cast_to=FileObject,
            )
            return cast(MediaContentPartParam, posted)


# -- response wrappers ------------------------------------------------------------------------


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
