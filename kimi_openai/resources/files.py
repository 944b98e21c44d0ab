"""Kimi's ``files`` resource: openai's, with Moonshot's purposes, limits, extraction and media references.

Moonshot files serve three uses (https://platform.kimi.ai/docs/api/files-upload):
``file-extract`` turns a document into text for a system message, ``image``/``video`` store
media referenced as ``ms://<file_id>`` in chat (https://platform.kimi.ai/docs/guide/use-kimi-vision-model),
and ``batch`` holds the input of a batch. Everything openai's resource does keeps working.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Literal, cast

import anyio
from openai._base_client import AsyncPaginator, make_request_options
from openai._legacy_response import async_to_raw_response_wrapper, to_raw_response_wrapper
from openai._response import async_to_streamed_response_wrapper, to_streamed_response_wrapper
from openai._types import Body, Headers, NotGiven, Omit, Query, not_given, omit
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
from kimi_openai.lib._files import (
    FileInput,
    PreparedUpload,
    check_account_limits,
    check_upload,
    media_part,
    media_purpose,
    parse_extracted,
    prepared_upload,
    raise_for_failed_file,
)
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


def _list_query(
    after: str | Omit, limit: int | Omit, order: str | Omit, purpose: str | Omit
) -> dict[str, object]:
    given = {"after": after, "limit": limit, "order": order, "purpose": purpose}
    return {key: value for key, value in given.items() if not isinstance(value, Omit)}


def _multipart(
    upload: PreparedUpload, purpose: str, extra_headers: Headers | None
) -> tuple[dict[str, object], Headers]:
    body: dict[str, object] = {"file": upload.file, "purpose": purpose}
    # The multipart encoder adds the boundary to this Content-Type, as in openai's own upload.
    return body, {"Content-Type": "multipart/form-data", **(extra_headers or {})}


def _media_parser(purpose: str) -> Callable[[FileObject], MediaContentPartParam]:
    def parse(file: FileObject) -> MediaContentPartParam:
        raise_for_failed_file(file)
        return media_part(f"ms://{file.id}", purpose)

    return parse


def _extracted_parser(file_id: str, filename: str | None) -> Callable[[str], ExtractedFile]:
    def parse(text: str) -> ExtractedFile:
        return parse_extracted(text, file_id=file_id, filename=filename)

    return parse


def _check(upload: PreparedUpload, purpose: str, validate: bool) -> None:
    if validate:
        check_upload(purpose, upload.filename, upload.size)


def _stored(files: list[FileObject]) -> list[tuple[int, int]]:
    return [(1, file.bytes or 0) for file in files]


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
            purpose: ``file-extract``, ``image``, ``video`` or ``batch``; other openai purposes pass through.
            validate: check the extension for the purpose, emptiness and the 100 MB limit first.
            check_account_limits: list the account's files first and check the 1,000-file and
                10 GB limits (one more request).

        Raises:
            KimiValidationError: the upload breaks a documented limit.
        """
        with prepared_upload(file) as upload:
            _check(upload, purpose, validate)
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
                query=_list_query(after, limit, order, purpose),
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
            FileExtractionError: Moonshot could not extract it (status ``error``).
        """
        uploaded = self.create(
            file=file, purpose="file-extract", validate=validate, check_account_limits=check_account_limits
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
        return cast(
            ExtractedFile,
            self._get(
                f"/files/{file_id}/content",
                options=make_request_options(
                    extra_headers=extra_headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                    timeout=timeout,
                    post_parser=_extracted_parser(file_id, filename),
                ),
                cast_to=str,
            ),
        )

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
            _check(upload, kind, validate)
            if check_account_limits:
                check_account_limits_of(self, upload)
            body, headers = _multipart(upload, kind, extra_headers)
            posted = self._post(
                "/files",
                body=body,
                files=extract_files(cast(Mapping[str, object], body), paths=[["file"]]),
                options=make_request_options(
                    extra_headers=headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                    timeout=timeout,
                    post_parser=_media_parser(kind),
                ),
                cast_to=FileObject,
            )
            return cast(MediaContentPartParam, posted)


def check_account_limits_of(files: KimiFiles, upload: PreparedUpload) -> None:
    """Check the 1,000-file and 10 GB account limits against the listed files."""
    check_account_limits(_stored(files.list().data), upload.size)


async def async_check_account_limits_of(files: AsyncKimiFiles, upload: PreparedUpload) -> None:
    page = await files.list()
    check_account_limits(_stored(page.data), upload.size)


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
            _check(upload, purpose, validate)
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
                query=_list_query(after, limit, order, purpose),
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
            file=file, purpose="file-extract", validate=validate, check_account_limits=check_account_limits
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
        text = await self._get(
            f"/files/{file_id}/content",
            options=make_request_options(
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                post_parser=_extracted_parser(file_id, filename),
            ),
            cast_to=str,
        )
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
            _check(upload, kind, validate)
            if check_account_limits:
                await async_check_account_limits_of(self, upload)
            body, headers = _multipart(upload, kind, extra_headers)
            posted = await self._post(
                "/files",
                body=body,
                files=extract_files(cast(Mapping[str, object], body), paths=[["file"]]),
                options=make_request_options(
                    extra_headers=headers,
                    extra_query=extra_query,
                    extra_body=extra_body,
                    timeout=timeout,
                    post_parser=_media_parser(kind),
                ),
                cast_to=FileObject,
            )
            return cast(MediaContentPartParam, posted)


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
