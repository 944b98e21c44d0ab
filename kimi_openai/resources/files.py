"""Kimi's ``files`` resource: openai's, with Moonshot's purposes, limits, extraction and media references.

Moonshot files serve three uses (https://platform.kimi.ai/docs/api/files-upload):
``file-extract`` turns a document into text for a system message, ``image``/``video`` store
media referenced as ``ms://<file_id>`` in chat (https://platform.kimi.ai/docs/guide/use-kimi-vision-model),
and ``batch`` holds the input of a batch. Everything openai's resource does keeps working.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import cached_property
from typing import Literal, cast

import anyio
import openai
from openai._base_client import AsyncPaginator, make_request_options
from openai._types import Body, Headers, NotGiven, Omit, Query, not_given, omit
from openai._utils import extract_files
from openai.pagination import AsyncCursorPage, SyncCursorPage
from openai.resources.files import AsyncFiles, Files
from openai.types import FileObject, FilePurpose, file_create_params
from typing_extensions import override

from kimi_openai._compat import httpx
from kimi_openai._rules.files import (
    FileInput,
    PreparedUpload,
    check_account_limits,
    extraction_failure,
    media_purpose,
    prepared_upload,
    raise_for_failed_file,
)
from kimi_openai.resources._files_parts import (
    AsyncKimiFilesWithRawResponse,
    AsyncKimiFilesWithStreamingResponse,
    KimiFilesWithRawResponse,
    KimiFilesWithStreamingResponse,
    check_before_upload,
    extracted_parser,
    list_query,
    media_parser,
    multipart,
    stored_sizes,
    upload_headers,
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
