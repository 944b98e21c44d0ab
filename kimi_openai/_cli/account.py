"""``kimi-openai balance`` and ``kimi-openai estimate``: what the account has, what a prompt costs in tokens."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from openai.types.chat import ChatCompletionMessageParam

from kimi_openai import get_model_spec

from .chat import DEFAULT_MODEL
from .connect import connect
from .console import Console
from .errors import ExitCode, UsageError

__all__ = ["configure_balance", "configure_estimate"]


def configure_balance(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the balance as JSON")
    parser.set_defaults(run=balance)


def balance(args: argparse.Namespace, console: Console) -> int:
    with connect(console).client as client:
        account = client.users.balance()
    if args.json:
        console.print(account.to_json(indent=None))
        return ExitCode.OK
    currency = f" {account.currency}" if account.currency else ""
    console.print(f"available  {account.available_balance}{currency}")
    console.print(f"vouchers   {account.voucher_balance}{currency}")
    console.print(f"cash       {account.cash_balance}{currency}")
    return ExitCode.OK


def configure_estimate(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Count the input tokens of a message (arguments, --file, or stdin) for a model, "
        "with Moonshot's estimate endpoint."
    )
    parser.add_argument("message", nargs="*", help="the text (words are joined); `-` or none: read stdin")
    parser.add_argument("-f", "--file", type=Path, help="a UTF-8 text file to count instead")
    parser.add_argument("-m", "--model", default=DEFAULT_MODEL, help=f"model id (default {DEFAULT_MODEL})")
    parser.add_argument("-s", "--system", help="a system message counted with it")
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON")
    parser.set_defaults(run=estimate)


def _text(args: argparse.Namespace) -> str:
    words: list[str] = args.message
    path: Path | None = args.file
    if path is not None and words:
        raise UsageError("give the text as arguments or as --file, not both")
    if path is not None:
        return _read_text(path)
    text = " ".join(words)
    text = sys.stdin.read() if text in ("", "-") else text
    if not text.strip():
        raise UsageError("nothing to count: pass the text as arguments, --file PATH, or on stdin")
    return text


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(
            f"{path} is not UTF-8 text; extract a document's text first: kimi-openai files extract {path}"
        ) from None


def estimate(args: argparse.Namespace, console: Console) -> int:
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": _text(args)}]
    if args.system:
        messages.insert(0, {"role": "system", "content": args.system})
    with connect(console).client as client:
        result = client.tokenizers.estimate_token_count(model=args.model, messages=messages)
    context = get_model_spec(args.model).context_length
    if args.json:
        console.print(
            json.dumps({"model": args.model, "total_tokens": result.total_tokens, "context_length": context})
        )
    else:
        window = f", context {context:,}" if context else ""
        console.print(f"{result.total_tokens:,} tokens ({args.model}{window})")
    return ExitCode.OK
