"""Files, token estimate, balance and batches replayed from cassettes.

Cassettes: ``cassettes/test_platform_cassettes/``, recorded from the local emulator (each says
``source: emulator``), not from Moonshot: they pin the client against those answers, and
carry no Moonshot ground truth until recorded live. Record again with
``pytest --record-mode=rewrite tests/resources/test_platform_cassettes.py`` (emulator) or
``KIMI_LIVE=1 MOONSHOT_API_KEY=sk-... pytest --record-mode=rewrite tests/resources/test_platform_cassettes.py``
(live). Each test deletes what it uploads, so a live recording leaves the account as it was.

Assertions hold for any good answer, not only the emulator's. Requests match on method and
URL only (the default): a multipart upload's boundary is new on every run, and polling a
batch replays the recorded answers in order, so the same number of polls is made.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator

import pytest
from openai.types import FileObject

from kimi_openai import AsyncKimiOpenAI, KimiOpenAI
from kimi_openai.lib import run_batch
from kimi_openai.pytest_plugin import KimiRecording
from kimi_openai.types import ExtractedFile

SENTENCE = "The tea harvest in Fujian started on the third of April."
NOTES = ("notes.txt", f"Field notes\n\n{SENTENCE}\n".encode())
SETTLED_OK = {"ok", "ready", "processed"}  # Moonshot's old and new success statuses, and openai's


def _png_1x1() -> bytes:
    """A valid one-pixel PNG, so a live server accepts it as an image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture
def uploaded(kimi_client: KimiOpenAI) -> Iterator[FileObject]:
    """A ``file-extract`` upload, deleted after the test."""
    file = kimi_client.files.create(file=NOTES, purpose="file-extract")
    yield file
    kimi_client.files.delete(file.id)


@pytest.mark.vcr
def test_upload(uploaded: FileObject) -> None:
    assert uploaded.id
    assert uploaded.object == "file"
    assert uploaded.filename == "notes.txt"
    assert uploaded.purpose == "file-extract"
    assert uploaded.bytes == len(NOTES[1])
    assert uploaded.status in SETTLED_OK


@pytest.mark.vcr
def test_list_holds_the_upload(kimi_client: KimiOpenAI, uploaded: FileObject) -> None:
    listed = {file.id: file for file in kimi_client.files.list()}
    assert uploaded.id in listed
    assert listed[uploaded.id].filename == "notes.txt"


@pytest.mark.vcr
def test_retrieve(kimi_client: KimiOpenAI, uploaded: FileObject) -> None:
    file = kimi_client.files.retrieve(uploaded.id)
    assert (file.id, file.filename, file.purpose, file.bytes) == (
        uploaded.id,
        "notes.txt",
        "file-extract",
        uploaded.bytes,
    )


@pytest.mark.vcr
def test_content_holds_the_text(kimi_client: KimiOpenAI, uploaded: FileObject) -> None:
    # JSON with `content` (CN docs) or plain text (OpenAPI): the sentence is in either.
    assert SENTENCE in kimi_client.files.content(uploaded.id).text


@pytest.mark.vcr
def test_delete(kimi_client: KimiOpenAI) -> None:
    file = kimi_client.files.create(file=NOTES, purpose="file-extract")
    deleted = kimi_client.files.delete(file.id)
    assert deleted.id == file.id
    assert deleted.deleted is True


@pytest.mark.vcr
def test_extract(kimi_client: KimiOpenAI) -> None:
    extracted = kimi_client.files.extract(NOTES)
    assert isinstance(extracted, ExtractedFile)
    assert extracted.file_id
    assert SENTENCE in extracted.content
    assert extracted.as_system_message() == {"role": "system", "content": extracted.raw}
    kimi_client.files.delete(extracted.file_id)


@pytest.mark.vcr
def test_upload_media_gives_an_ms_reference(kimi_client: KimiOpenAI) -> None:
    part = kimi_client.files.upload_media(("pixel.png", _png_1x1()))
    assert part["type"] == "image_url"
    url = part["image_url"]["url"]  # pyright: ignore[reportTypedDictNotRequiredAccess, reportGeneralTypeIssues]
    assert isinstance(url, str)
    assert url.startswith("ms://")
    kimi_client.files.delete(url.removeprefix("ms://"))


@pytest.mark.vcr
def test_estimate_token_count(kimi_client: KimiOpenAI) -> None:
    messages = [
        {"role": "system", "content": "You are Kimi."},
        {"role": "user", "content": "Summarise the tea harvest report in one sentence."},
    ]
    short = kimi_client.tokenizers.estimate_token_count(model="kimi-k2.6", messages=messages[1:])
    longer = kimi_client.tokenizers.estimate_token_count(model="kimi-k2.6", messages=messages)
    assert 0 < short.total_tokens < longer.total_tokens


@pytest.mark.vcr
def test_balance(kimi_client: KimiOpenAI) -> None:
    balance = kimi_client.users.balance()
    # available = cash + voucher; with negative cash, available equals voucher (KD-balance).
    expected = balance.voucher_balance + max(balance.cash_balance, 0.0)
    assert balance.available_balance == pytest.approx(expected, abs=1e-4)
    # moonshot.ai bills in US dollars, moonshot.cn in yuan (KD-balance); for the local emulator
    # a recording may run against (no region) the currency is not known.
    assert balance.currency == {"global": "USD", "cn": "CNY"}.get(kimi_client.region or "")


@pytest.mark.vcr
def test_batch_lifecycle_to_results(kimi_client: KimiOpenAI, kimi_recording: KimiRecording) -> None:
    requests = [
        {
            "custom_id": f"q-{n}",
            "model": "kimi-k2.6",
            "messages": [{"role": "user", "content": f"{n} + {n}?"}],
        }
        for n in (1, 2)
    ]
    # Replays and the emulator answer at once; a live batch can take minutes to hours: poll gently.
    interval = 15.0 if kimi_recording.recording and kimi_recording.source == "live" else 0.0
    result = run_batch(
        kimi_client, requests, poll_interval=interval, max_poll_interval=interval * 8, progress=False
    )
    assert result.batch.status == "completed"
    assert result.succeeded
    assert set(result.completions) == {"q-1", "q-2"}
    assert all(c.choices[0].message.content for c in result.completions.values())
    counts = result.batch.request_counts
    assert counts is not None
    assert (counts.total, counts.completed, counts.failed) == (2, 2, 0)
    for file_id in (result.batch.input_file_id, result.batch.output_file_id):
        if file_id:
            kimi_client.files.delete(file_id)


@pytest.mark.vcr
def test_batch_cancel(kimi_client: KimiOpenAI) -> None:
    body = {"model": "kimi-k2.6", "messages": [{"role": "user", "content": "hi"}]}
    line = json.dumps({"custom_id": "c-1", "method": "POST", "url": "/v1/chat/completions", "body": body})
    file = kimi_client.files.create(file=("cancel-me.jsonl", f"{line}\n".encode()), purpose="batch")
    batch = kimi_client.batches.create(input_file_id=file.id, completion_window="24h")
    assert batch.status in {"validating", "in_progress"}
    cancelled = kimi_client.batches.cancel(batch.id)
    assert cancelled.id == batch.id
    assert cancelled.status in {"cancelling", "cancelled"}
    kimi_client.files.delete(file.id)


@pytest.mark.vcr
@pytest.mark.anyio
async def test_async_upload_list_content_delete(async_kimi_client: AsyncKimiOpenAI) -> None:
    file = await async_kimi_client.files.create(file=NOTES, purpose="file-extract")
    assert file.filename == "notes.txt"
    assert file.id in [f.id async for f in async_kimi_client.files.list()]
    assert SENTENCE in (await async_kimi_client.files.content(file.id)).text
    deleted = await async_kimi_client.files.delete(file.id)
    assert deleted.deleted is True
