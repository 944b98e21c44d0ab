"""``kimi-openai batch``: submit a file of chat requests as a batch, see how it runs, collect its answers.

The input is JSON Lines, one request a line: the keyword arguments of
``chat.completions.create`` (with an optional ``custom_id``), or a ready batch line
(``{"custom_id", "body"}``). Each is checked and prepared as ``run_batch`` prepares it
(https://platform.kimi.ai/docs/api/batch-create). ``submit`` prints the batch id and returns
at once; ``status`` polls once; ``collect`` prints the answers as JSON Lines, waiting for the
batch with ``--wait`` (a progress bar on stderr).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

from openai.types import Batch

from kimi_openai.lib.batch import BatchAnswer, BatchTimeoutError, collect_batch, submit_batch, wait_for_batch
from kimi_openai.types.batch_result import BatchRequestFailure

from .connect import connect
from .console import Console
from .errors import ExitCode, UsageError

__all__ = ["configure"]


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(title="actions", dest="action", metavar="ACTION", required=True)
    submit = actions.add_parser("submit", help="submit a JSONL file of chat requests; prints the batch id")
    submit.add_argument("path", type=Path, help="one request per line (create's keyword arguments)")
    submit.add_argument("-m", "--model", help="the model of requests that name none")
    submit.add_argument("--window", default="24h", help="completion window, 12h to 7d (default 24h)")
    submit.add_argument("--job-key", help="tag the batch; submitting the same key again prints the same id")
    submit.add_argument("--no-validate", action="store_true", help="send the requests unchecked")
    submit.set_defaults(run=_submit)
    status = actions.add_parser("status", help="the batch's status and request counts")
    status.add_argument("batch_id", metavar="BATCH_ID")
    status.add_argument("--json", action="store_true", help="print the batch object as JSON")
    status.set_defaults(run=_status)
    collect = actions.add_parser("collect", help="print a finished batch's answers as JSON Lines")
    collect.add_argument("batch_id", metavar="BATCH_ID")
    collect.add_argument(
        "--wait", action="store_true", help="wait for the batch, with a progress bar on stderr"
    )
    collect.add_argument("--poll-interval", type=float, default=5.0, help="first wait between polls, seconds")
    collect.add_argument("--timeout", type=float, help="give up waiting after this many seconds")
    collect.set_defaults(run=_collect)


def _requests(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                request = json.loads(line)
            except ValueError as error:
                raise UsageError(f"{path}:{number}: not JSON ({error})") from None
            if not isinstance(request, dict):
                raise UsageError(f"{path}:{number}: a request is a JSON object")
            yield request  # pyright: ignore[reportUnknownArgumentType]


def _submit(args: argparse.Namespace, console: Console) -> int:
    path: Path = args.path
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    with connect(console).client as client:
        batch_id = submit_batch(
            client,
            _requests(path),
            model=args.model,
            completion_window=args.window,
            validate=not args.no_validate,
            job_key=args.job_key,
        )
    # The id alone on stdout, for `id=$(kimi-openai batch submit ...)`.
    console.print(batch_id)
    return ExitCode.OK


def _counts(batch: Batch) -> str:
    counts = batch.request_counts
    if counts is None:
        return "no counts yet"
    return f"{counts.completed} completed, {counts.failed} failed, {counts.total} total"


def _status(args: argparse.Namespace, console: Console) -> int:
    with connect(console).client as client:
        batch = client.batches.retrieve(args.batch_id)
    if args.json:
        console.print(batch.to_json(indent=None))
    else:
        console.print(f"{batch.id}  {batch.status}  {_counts(batch)}")
    return ExitCode.OK


def _line(custom_id: str, answer: BatchAnswer) -> str:
    if isinstance(answer, BatchRequestFailure):
        error = {"status_code": answer.status_code, "type": answer.error_type, "message": answer.message}
        return json.dumps({"custom_id": custom_id, "error": error}, ensure_ascii=False)
    completion = answer.model_dump(mode="json", exclude_unset=True)
    return json.dumps({"custom_id": custom_id, "completion": completion}, ensure_ascii=False)


def _collect(args: argparse.Namespace, console: Console) -> int:
    with connect(console).client as client:
        try:
            if args.wait:
                wait_for_batch(client, args.batch_id, poll_interval=args.poll_interval, timeout=args.timeout)
            output = collect_batch(client, args.batch_id)
        except BatchTimeoutError as early:
            console.error(
                f"batch {early.batch.id} is still {early.batch.status} ({_counts(early.batch)}): "
                "collect it later, or pass --wait"
            )
            return ExitCode.ERROR
        for custom_id, answer in output:
            console.print(_line(custom_id, answer))
    console.note(f"batch {output.batch.id}: {output.batch.status}, {_counts(output.batch)}")
    return ExitCode.OK
