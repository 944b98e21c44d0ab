"""The files resource against the in-process emulator: openai's calls, Kimi checks, extraction, media."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import IO, cast

import openai
import pytest
from openai.types import FileObject

from kimi_openai import KimiOpenAI, KimiValidationError
from kimi_openai._client import AsyncKimiOpenAI
from kimi_openai._compat import httpx
from kimi_openai._errors import InvalidRequestError, ServerError
from kimi_openai._rules.files import (
    MAX_ACCOUNT_BYTES,
    MAX_FILE_BYTES,
    FileExtractionError,
    check_account_limits,
    parse_extracted,
)
from kimi_openai.lib import (
    extracted_file_messages,
    image_part_from_bytes,
    image_part_from_path,
    video_part_from_bytes,
    video_part_from_path,
)
from kimi_openai.resources.files import AsyncKimiFiles, KimiFiles, prepared_upload
from kimi_openai.testing import MoonshotEmulator
from kimi_openai.testing.pytest_plugin import KimiClientFactory
from kimi_openai.types.file_content import KimiFilePurpose

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16


@pytest.fixture
def files(kimi_emulator_client: KimiOpenAI) -> KimiFiles:
    return KimiFiles(kimi_emulator_client)


@pytest.fixture
def async_files(async_kimi_emulator_client: AsyncKimiOpenAI) -> AsyncKimiFiles:
    return AsyncKimiFiles(async_kimi_emulator_client)


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("Kimi reads this.")
    return path


def _uploads(kimi_emulator: MoonshotEmulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in kimi_emulator.requests]


# -- openai's calls, unchanged ---------------------------------------------------------------


def test_upload_list_retrieve_content_delete(files: KimiFiles, doc: Path) -> None:
    created = files.create(file=doc, purpose="file-extract")
    assert isinstance(created, FileObject)
    assert (created.filename, created.purpose, created.bytes) == ("notes.txt", "file-extract", 16)
    assert [f.id for f in files.list()] == [created.id]
    assert files.retrieve(created.id).status == "ok"
    assert json.loads(files.content(created.id).text)["content"] == "Kimi reads this."
    assert files.delete(created.id).deleted is True
    assert list(files.list()) == []


def test_iterating_the_list_stops_without_has_more(
    files: KimiFiles, doc: Path, kimi_emulator: MoonshotEmulator
) -> None:
    # Moonshot's list has no has_more; openai's page would ask again with after=<last id> forever.
    for _ in range(3):
        files.create(file=doc, purpose="file-extract")
    kimi_emulator.clear_requests()
    assert len(list(files.list())) == 3
    assert _uploads(kimi_emulator) == ["GET /v1/files"]


def test_wait_for_processing_settles_on_ok(files: KimiFiles, doc: Path) -> None:
    created = files.create(file=doc, purpose="file-extract")
    assert files.wait_for_processing(created.id, poll_interval=0).status == "ok"


def test_a_path_is_streamed_from_an_open_handle(doc: Path) -> None:
    with prepared_upload(doc) as upload:
        assert isinstance(upload.file, tuple)
        name, handle, mime = cast(tuple[str, IO[bytes], str], upload.file)
        assert (name, mime, upload.size) == ("notes.txt", "text/plain", 16)
        assert isinstance(handle, io.BufferedReader)
    assert handle.closed


def test_openai_purposes_and_inputs_still_pass(files: KimiFiles, kimi_emulator: MoonshotEmulator) -> None:
    # Bytes with an openai tuple, and an open file: both go through openai's encoder.
    created = files.create(file=("requests.jsonl", b'{"a": 1}\n'), purpose="batch")
    assert created.purpose == "batch"
    handle = io.BytesIO(PNG)
    handle.name = "/somewhere/pic.png"
    assert files.create(file=handle, purpose="image").filename == "pic.png"


# -- checks before uploading ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "purpose", "expected"),
    [
        ("movie.mp4", "file-extract", "takes a document"),
        ("notes.txt", "image", "png, jpeg, webp or gif"),
        ("pic.png", "video", "mp4, mpeg, mov"),
        ("requests.json", "batch", ".jsonl"),
        ("README", "file-extract", "no extension"),
    ],
)
def test_wrong_extension_for_the_purpose(
    files: KimiFiles, kimi_emulator: MoonshotEmulator, filename: str, purpose: KimiFilePurpose, expected: str
) -> None:
    with pytest.raises(KimiValidationError, match=expected) as caught:
        files.create(file=(filename, b"data"), purpose=purpose)
    assert filename in str(caught.value)
    assert kimi_emulator.requests == ()


def test_validate_false_skips_the_checks(files: KimiFiles) -> None:
    assert (
        files.create(file=("odd.xyz", b"data"), purpose="file-extract", validate=False).filename == "odd.xyz"
    )


def test_empty_file(files: KimiFiles, tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.touch()
    with pytest.raises(KimiValidationError, match="is empty"):
        files.create(file=empty, purpose="file-extract")


def test_file_over_100_mb_is_refused_without_reading_it(files: KimiFiles, tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(KimiValidationError, match="at most 100 MB"):
        files.create(file=big, purpose="file-extract")


def test_bytes_without_a_name_for_a_kimi_purpose(files: KimiFiles) -> None:
    with pytest.raises(KimiValidationError, match="needs a file name"):
        files.create(file=b"data", purpose="file-extract")


@pytest.mark.parametrize("purpose", ["file_extract", "assistants", "user_data"])
def test_a_purpose_moonshot_does_not_take_is_refused_before_uploading(
    files: KimiFiles, kimi_emulator: MoonshotEmulator, purpose: str
) -> None:
    with pytest.raises(KimiValidationError, match="'file-extract', 'image', 'video', 'batch'"):
        files.create(file=("notes.txt", b"data"), purpose=cast(KimiFilePurpose, purpose))
    assert kimi_emulator.requests == ()


def test_a_typo_in_the_purpose_is_named(files: KimiFiles) -> None:
    with pytest.raises(KimiValidationError, match="Did you mean 'file-extract'"):
        files.create(file=("notes.txt", b"data"), purpose=cast(KimiFilePurpose, "file_extract"))


def test_other_purposes_pass_to_a_server_that_is_not_moonshots(
    kimi_emulator_client_factory: KimiClientFactory, kimi_emulator: MoonshotEmulator
) -> None:
    # A proxy or a self-hosted server may take openai's purposes: leave the answer to it.
    proxy = kimi_emulator_client_factory(base_url="https://llm-gateway.example.com/v1")
    with pytest.raises(InvalidRequestError, match="Invalid purpose"):
        proxy.files.create(file=("notes.txt", b"data"), purpose="assistants")
    assert _uploads(kimi_emulator) == ["POST /v1/files"]


# -- what is measured is what is sent --------------------------------------------------------


def test_a_handle_part_way_in_is_measured_whole(
    files: KimiFiles, kimi_emulator: MoonshotEmulator, tmp_path: Path
) -> None:
    # httpx and httpx2 rewind a file to 0 before sending it: the server gets all 10 bytes.
    path = tmp_path / "digits.txt"
    path.write_bytes(b"0123456789")
    with path.open("rb") as handle:
        handle.seek(5)
        with prepared_upload(handle) as upload:
            assert upload.size == 10
        assert handle.tell() == 5
        assert files.create(file=handle, purpose="file-extract").bytes == 10
    assert b"0123456789" in kimi_emulator.requests[-1].body


def test_a_handle_at_its_end_is_not_taken_for_empty(files: KimiFiles, tmp_path: Path) -> None:
    path = tmp_path / "digits.txt"
    path.write_bytes(b"0123456789")
    with path.open("rb") as handle:
        handle.seek(0, io.SEEK_END)
        assert files.create(file=handle, purpose="file-extract").bytes == 10


def test_a_handle_part_way_into_a_big_file_is_refused(
    files: KimiFiles, kimi_emulator: MoonshotEmulator, tmp_path: Path
) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written
    with big.open("rb") as handle:
        handle.seek(MAX_FILE_BYTES // 2)
        with pytest.raises(KimiValidationError, match="at most 100 MB"):
            files.create(file=handle, purpose="file-extract")
    assert kimi_emulator.requests == ()


def test_account_limits_are_checked_against_the_list(
    files: KimiFiles, doc: Path, kimi_emulator: MoonshotEmulator
) -> None:
    files.create(file=doc, purpose="file-extract", check_account_limits=True)
    assert _uploads(kimi_emulator) == ["GET /v1/files", "POST /v1/files"]


def test_account_file_count_limit() -> None:
    with pytest.raises(KimiValidationError, match=r"already stores 1000 files"):
        check_account_limits([(1, 10)] * 1000, 10)
    check_account_limits([(1, 10)] * 999, 10)


def test_account_size_limit() -> None:
    with pytest.raises(KimiValidationError, match="10 GB"):
        check_account_limits([(1, MAX_ACCOUNT_BYTES - 5)], 6)
    check_account_limits([(1, MAX_ACCOUNT_BYTES - 5)], 5)


def test_account_limits_with_a_full_account(files: KimiFiles) -> None:
    for _ in range(1000):
        files.create(file=("a.txt", b"x"), purpose="file-extract", validate=False)
    with pytest.raises(KimiValidationError, match="delete some"):
        files.create(file=("b.txt", b"x"), purpose="file-extract", check_account_limits=True)


# -- extraction -----------------------------------------------------------------------------


def test_extract_json_content(files: KimiFiles, doc: Path) -> None:
    extracted = files.extract(doc)
    assert extracted.content == "Kimi reads this."
    assert (extracted.filename, extracted.file_type, extracted.title, extracted.type) == (
        "notes.txt",
        "text/plain",
        "notes",
        "file",
    )
    assert extracted.file_id.startswith("file-")
    assert json.loads(extracted.raw)["content"] == "Kimi reads this."


def test_extract_plain_text_content(kimi_emulator_client_factory: KimiClientFactory, doc: Path) -> None:
    client = kimi_emulator_client_factory(emulator=MoonshotEmulator(file_content="text"))
    extracted = KimiFiles(client).extract(doc)
    assert (extracted.content, extracted.raw, extracted.filename) == (
        "Kimi reads this.",
        "Kimi reads this.",
        "notes.txt",
    )
    assert extracted.file_type is None


def test_an_extracted_json_document_is_not_mistaken_for_the_envelope() -> None:
    document = json.dumps({"content": "inner"})
    extracted = parse_extracted(document, file_id="file-1", filename="data.json")
    assert extracted.content == document


def test_an_envelope_with_content_and_title_only() -> None:
    body = json.dumps({"content": "Revenue grew.", "title": "Q3"})
    extracted = parse_extracted(body, file_id="file-1", filename="q3.pdf")
    assert (extracted.content, extracted.title, extracted.filename, extracted.raw) == (
        "Revenue grew.",
        "Q3",
        "q3.pdf",
        body,
    )


def test_a_json_string_answer_loses_its_quotes() -> None:
    # The CN page says the content is "a JSON string" (https://platform.moonshot.cn/docs/api/files).
    extracted = parse_extracted('"hello\\nworld"', file_id="file-1", filename="a.txt")
    assert (extracted.content, extracted.raw) == ("hello\nworld", '"hello\\nworld"')


def test_failed_extraction_raises_with_the_details(
    files: KimiFiles, doc: Path, kimi_emulator: MoonshotEmulator
) -> None:
    kimi_emulator.queue_file_status("error", "Failed to extract file: the file is damaged")
    with pytest.raises(FileExtractionError, match="the file is damaged") as caught:
        files.extract(doc)
    assert caught.value.status == "error"
    assert caught.value.status_details == "Failed to extract file: the file is damaged"
    assert caught.value.file_id.startswith("file-")
    assert not any(r.path.endswith("/content") for r in kimi_emulator.requests)


EXTRACTION_FAILED = "Failed to extract file: the pdf is damaged"


def test_a_500_failed_extraction_is_a_file_extraction_error(
    kimi_emulator_client: KimiOpenAI, doc: Path, kimi_emulator: MoonshotEmulator
) -> None:
    # max_retries=0: the retry policy's own test covers not retrying this 500.
    files = KimiFiles(kimi_emulator_client.with_options(max_retries=0))
    kimi_emulator.queue_error(500, "server_error", EXTRACTION_FAILED, path="/v1/files/*/content")
    with pytest.raises(FileExtractionError, match="the pdf is damaged") as caught:
        files.extract(doc)
    error = caught.value
    assert (error.status, error.status_details, error.filename) == ("error", EXTRACTION_FAILED, "notes.txt")
    assert error.file_id.startswith("file-")
    assert isinstance(error.__cause__, ServerError)
    # Still the server's 500, for code that catches openai's classes.
    assert isinstance(error, openai.InternalServerError)
    assert error.status_code == 500


def test_other_content_errors_are_left_alone(
    kimi_emulator_client: KimiOpenAI, kimi_emulator: MoonshotEmulator
) -> None:
    files = KimiFiles(kimi_emulator_client.with_options(max_retries=0))
    kimi_emulator.queue_error(500, "server_error", "something else broke", path="/v1/files/*/content")
    with pytest.raises(ServerError) as caught:
        files.retrieve_extracted("file-1")
    assert not isinstance(caught.value, FileExtractionError)


def test_extract_sends_the_options_with_the_upload_too(files: KimiFiles, doc: Path) -> None:
    seen: list[tuple[str, str | None, str | None, object]] = []

    def record(request: httpx.Request) -> None:
        timeout = cast(dict[str, object], request.extensions.get("timeout", {}))
        seen.append(
            (request.method, request.headers.get("x-trace"), request.url.params.get("q"), timeout.get("read"))
        )

    files._client._client.event_hooks["request"].append(record)  # pyright: ignore[reportPrivateUsage]
    files.extract(doc, extra_headers={"x-trace": "t1"}, extra_query={"q": "1"}, timeout=7.5)
    assert seen == [("POST", "t1", "1", 7.5), ("GET", "t1", "1", 7.5)]


def test_system_messages_one_per_file(files: KimiFiles, doc: Path, tmp_path: Path) -> None:
    other = tmp_path / "more.md"
    other.write_text("# More")
    first, second = files.extract(doc), files.extract(other)
    messages = extracted_file_messages([first, second])
    assert messages == [{"role": "system", "content": first.raw}, {"role": "system", "content": second.raw}]
    assert extracted_file_messages(first) == messages[:1]


def test_raw_and_streaming_responses_reach_the_new_methods(files: KimiFiles, doc: Path) -> None:
    raw = files.with_raw_response.extract(doc)
    assert raw.http_request.url.path.endswith("/content")
    assert raw.parse().content == "Kimi reads this."
    with files.with_streaming_response.extract(doc) as streamed:
        assert streamed.parse().content == "Kimi reads this."
    created = files.with_raw_response.create(file=("x.txt", b"x"), purpose="file-extract").parse()
    assert created.filename == "x.txt"
    assert files.with_raw_response.retrieve_extracted(created.id).parse().content == "x"


# -- media ----------------------------------------------------------------------------------


def test_upload_media_image_and_video(
    files: KimiFiles, tmp_path: Path, kimi_emulator: MoonshotEmulator
) -> None:
    (tmp_path / "pic.png").write_bytes(PNG)
    (tmp_path / "clip.mp4").write_bytes(MP4)
    image = files.upload_media(tmp_path / "pic.png")
    video = files.upload_media(tmp_path / "clip.mp4")
    stored = {f.id: f.purpose for f in files.list()}
    assert image["type"] == "image_url"
    assert video["type"] == "video_url"
    image_id = image["image_url"]["url"].removeprefix("ms://")
    video_id = video["video_url"]["url"].removeprefix("ms://")
    assert stored == {image_id: "image", video_id: "video"}


def test_upload_media_needs_a_known_kind(files: KimiFiles) -> None:
    with pytest.raises(KimiValidationError, match="purpose='image'"):
        files.upload_media(("blob.bin", PNG))
    part = files.upload_media(("blob.png", PNG), purpose="image")
    assert part["type"] == "image_url"


def test_upload_media_raw_response(files: KimiFiles) -> None:
    raw = files.with_raw_response.upload_media(("pic.gif", b"GIF89a..."))
    assert raw.status_code == 200
    assert raw.parse()["type"] == "image_url"


def test_inline_parts(tmp_path: Path) -> None:
    (tmp_path / "pic.jpg").write_bytes(b"\xff\xd8\xff\xe0rest")
    image = image_part_from_path(tmp_path / "pic.jpg")
    assert (
        image["image_url"]["url"]
        == "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0rest").decode()
    )
    assert image_part_from_bytes(PNG)["image_url"]["url"].startswith("data:image/png;base64,")
    assert video_part_from_bytes(MP4)["video_url"]["url"].startswith("data:video/mp4;base64,")
    (tmp_path / "clip.webm").write_bytes(b"\x1a\x45\xdf\xa3...")
    assert video_part_from_path(tmp_path / "clip.webm")["video_url"]["url"].startswith(
        "data:video/webm;base64,"
    )


def test_inline_parts_refuse_unknown_media(tmp_path: Path) -> None:
    with pytest.raises(KimiValidationError, match="mime_type"):
        image_part_from_bytes(b"not an image")
    with pytest.raises(KimiValidationError, match="mime_type"):
        video_part_from_bytes(b"not a video")
    (tmp_path / "pic.bmp").write_bytes(b"BM")
    with pytest.raises(KimiValidationError, match="not a supported image"):
        image_part_from_path(tmp_path / "pic.bmp")


# -- async ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_round_trip(async_files: AsyncKimiFiles, doc: Path) -> None:
    extracted = await async_files.extract(doc, check_account_limits=True)
    assert extracted.content == "Kimi reads this."
    assert [f.id async for f in async_files.list()] == [extracted.file_id]
    part = await async_files.upload_media(("pic.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "))
    assert part["type"] == "image_url"
    assert (await async_files.wait_for_processing(extracted.file_id, poll_interval=0)).status == "ok"


@pytest.mark.anyio
async def test_async_wrappers_and_errors(
    async_files: AsyncKimiFiles, doc: Path, kimi_emulator: MoonshotEmulator
) -> None:
    raw = await async_files.with_raw_response.extract(doc)
    assert raw.parse().title == "notes"
    async with async_files.with_streaming_response.upload_media(("clip.mov", MP4)) as streamed:
        assert (await streamed.parse())["type"] == "video_url"
    kimi_emulator.queue_file_status()
    with pytest.raises(FileExtractionError):
        await async_files.extract(doc)
    with pytest.raises(KimiValidationError):
        await async_files.create(file=("a.exe", b"x"), purpose="file-extract")


@pytest.mark.anyio
async def test_async_500_failed_extraction(
    async_kimi_emulator_client: AsyncKimiOpenAI, kimi_emulator: MoonshotEmulator, doc: Path
) -> None:
    client = async_kimi_emulator_client
    kimi_emulator.queue_error(500, "server_error", EXTRACTION_FAILED, path="/v1/files/*/content")
    with pytest.raises(FileExtractionError, match="the pdf is damaged") as caught:
        await AsyncKimiFiles(client).extract(doc)
    assert isinstance(caught.value.__cause__, ServerError)


@pytest.mark.anyio
async def test_async_extract_sends_the_options_with_the_upload_too(
    async_files: AsyncKimiFiles, doc: Path, kimi_emulator: MoonshotEmulator
) -> None:
    await async_files.extract(doc, extra_headers={"x-trace": "t2"}, extra_query={"q": "2"})
    sent = [(r.method, r.headers.get("x-trace"), r.query.get("q")) for r in kimi_emulator.requests]
    assert sent == [("POST", "t2", "2"), ("GET", "t2", "2")]
