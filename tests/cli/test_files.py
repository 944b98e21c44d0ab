"""``kimi-openai files``: upload, extract, list, delete, against one served emulator across commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli_helpers import run_cli, served_with_key, without_key

from kimi_openai.testing import MoonshotEmulator

NOTES = "Kimi is a family of models by Moonshot AI.\n"


@pytest.fixture(autouse=True)
def notes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    without_key(monkeypatch, tmp_path)
    path = tmp_path / "notes.txt"
    path.write_text(NOTES, encoding="utf-8")
    return path


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[MoonshotEmulator]:
    emulator = MoonshotEmulator()
    with served_with_key(monkeypatch, emulator):
        yield emulator


def _listed_ids(capsys: pytest.CaptureFixture[str]) -> list[str]:
    run = run_cli(capsys, "files", "list", "--json")
    assert run.code == 0
    return [file["id"] for file in json.loads(run.out)]


def test_upload_prints_the_id_then_list_and_delete_use_it(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator
) -> None:
    upload = run_cli(capsys, "files", "upload", "notes.txt")
    assert upload.code == 0
    file_id = upload.out.strip()
    assert upload.out == f"{file_id}\n"
    assert upload.err == f"uploaded notes.txt: {len(NOTES):,} bytes, file-extract, ok\n"
    listing = run_cli(capsys, "files", "list")
    header, row = listing.out.splitlines()
    assert header.split() == ["ID", "BYTES", "PURPOSE", "STATUS", "CREATED", "FILENAME"]
    assert row.split()[:4] == [file_id, str(len(NOTES)), "file-extract", "ok"]
    assert row.endswith("  notes.txt")
    deleted = run_cli(capsys, "files", "delete", file_id)
    assert (deleted.code, deleted.out) == (0, f"deleted {file_id}\n")
    assert _listed_ids(capsys) == []


def test_upload_with_a_purpose_and_json(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator, tmp_path: Path
) -> None:
    (tmp_path / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    run = run_cli(capsys, "files", "upload", "--purpose", "image", "--json", "cat.png")
    assert run.code == 0
    uploaded = json.loads(run.out)
    assert (uploaded["purpose"], uploaded["filename"]) == ("image", "cat.png")
    assert _listed_ids(capsys) == [uploaded["id"]]


def test_extract_prints_the_text_and_deletes_the_upload(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator
) -> None:
    run = run_cli(capsys, "files", "extract", "notes.txt")
    assert (run.code, run.out, run.err) == (0, NOTES, "")
    assert _listed_ids(capsys) == []


def test_extract_keep_keeps_the_upload_and_names_it(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator
) -> None:
    run = run_cli(capsys, "files", "extract", "--keep", "--json", "notes.txt")
    assert run.code == 0
    extracted = json.loads(run.out)
    assert (extracted["content"], extracted["filename"], extracted["title"]) == (NOTES, "notes.txt", "notes")
    assert "raw" not in extracted
    assert run.err == f"kept as {extracted['file_id']}\n"
    assert _listed_ids(capsys) == [extracted["file_id"]]


def test_list_with_no_files_says_so_on_stderr(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator
) -> None:
    run = run_cli(capsys, "files", "list")
    assert (run.code, run.out, run.err) == (0, "", "No files.\n")


def test_deleting_an_unknown_file_exits_1(
    capsys: pytest.CaptureFixture[str], emulator: MoonshotEmulator
) -> None:
    run = run_cli(capsys, "files", "delete", "file-nope")
    assert run.code == 1
    assert "error: ResourceNotFoundError" in run.err


def test_a_refused_upload_exits_1_before_sending(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    run = run_cli(capsys, "files", "upload", "empty.txt")  # offline: Moonshot's upload rules apply
    assert run.code == 1
    assert "KimiValidationError" in run.err


@pytest.mark.parametrize("action", ["upload", "extract"])
def test_a_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str], action: str) -> None:
    run = run_cli(capsys, "files", action, "nowhere.pdf")
    assert run.code == 2
    assert run.err.endswith("error: nowhere.pdf: no such file\n")


def test_files_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "files")
    assert run.code == 2
    assert "the following arguments are required: ACTION" in run.err
