"""``kimi-openai files``: upload, extract, list and delete the account's files.

Moonshot keeps uploaded files until deleted and counts them against a 1,000-file limit
(https://platform.kimi.ai/docs/api/files-upload), so ``extract`` deletes the upload once
its text is read unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

from openai.types import FileObject

from kimi_openai.types import ExtractedFile, KimiFilePurpose

from .connect import connect
from .console import Console, columns
from .errors import ExitCode, UsageError

__all__ = ["configure"]

LIST_HEADER = ("ID", "BYTES", "PURPOSE", "STATUS", "CREATED", "FILENAME")


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)
    upload = actions.add_parser("upload", help="upload a file; prints its id")
    upload.add_argument("path", type=Path)
    upload.add_argument("-p", "--purpose", choices=get_args(KimiFilePurpose), default="file-extract")
    upload.add_argument("--json", action="store_true", help="print the file object as JSON")
    upload.set_defaults(run=_upload)
    extract = actions.add_parser("extract", help="upload a document and print the text Moonshot extracts")
    extract.add_argument("path", type=Path)
    extract.add_argument("--keep", action="store_true", help="keep the upload (its id goes to stderr)")
    extract.add_argument("--json", action="store_true", help="print the extraction as JSON")
    extract.set_defaults(run=_extract)
    listing = actions.add_parser("list", help="the account's files")
    listing.add_argument("--json", action="store_true", help="print the file objects as a JSON array")
    listing.set_defaults(run=_list)
    delete = actions.add_parser("delete", help="delete files by id")
    delete.add_argument("file_ids", nargs="+", metavar="FILE_ID")
    delete.set_defaults(run=_delete)


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    return path


def _upload(args: argparse.Namespace, console: Console) -> int:
    path = _existing(args.path)
    with connect(console).client as client:
        uploaded = client.files.create(file=path, purpose=args.purpose)
    if args.json:
        console.print(uploaded.to_json(indent=None))
        return ExitCode.OK
    # The id alone on stdout, for `id=$(kimi-openai files upload ...)`.
    console.print(uploaded.id)
    console.note(
        f"uploaded {uploaded.filename}: {uploaded.bytes:,} bytes, {uploaded.purpose}, {uploaded.status}"
    )
    return ExitCode.OK


def _extract(args: argparse.Namespace, console: Console) -> int:
    path = _existing(args.path)
    with connect(console).client as client:
        extracted: ExtractedFile = client.files.extract(path)
        if args.keep:
            console.note(f"kept as {extracted.file_id}")
        else:
            client.files.delete(extracted.file_id)
    if args.json:
        console.print(extracted.model_dump_json(exclude={"raw"}))
    else:
        console.out.write(extracted.content if extracted.content.endswith("\n") else extracted.content + "\n")
    return ExitCode.OK


def _created(file: FileObject) -> str:
    return datetime.fromtimestamp(file.created_at, UTC).strftime("%Y-%m-%d %H:%M")


def _rows(found: list[FileObject]) -> list[str]:
    rows = [(f.id, f"{f.bytes:,}", f.purpose, f.status, _created(f), f.filename) for f in found]
    return columns([LIST_HEADER, *rows], right=frozenset({1}))


def _list(args: argparse.Namespace, console: Console) -> int:
    with connect(console).client as client:
        found = list(client.files.list())
    if args.json:
        console.print(json.dumps([f.model_dump(mode="json") for f in found]))
    elif found:
        console.out.write("\n".join(_rows(found)) + "\n")
    else:
        console.note("No files.")
    return ExitCode.OK


def _delete(args: argparse.Namespace, console: Console) -> int:
    file_ids: list[str] = args.file_ids
    with connect(console).client as client:
        for file_id in file_ids:
            client.files.delete(file_id)
            console.print(f"deleted {file_id}")
    return ExitCode.OK
