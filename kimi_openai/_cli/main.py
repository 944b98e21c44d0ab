"""``kimi-openai`` / ``python -m kimi_openai``: one parser, one subcommand per task.

argparse (standard library) is enough: subcommands, ``--help`` on stdout, and an unknown
flag refused with exit status 2 naming the flag. Each subcommand module adds its own
arguments (``configure``) and sets ``run(args, console) -> exit status``. ``emulator``
hands its arguments to the emulator's own parser untouched. Exit statuses: see ``errors``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

import openai

from . import account, batch, chat, files, models
from .console import Console
from .errors import ExitCode, UsageError

__all__ = ["build_parser", "main"]

DESCRIPTION = """\
Kimi (Moonshot AI) from the command line, through the kimi-openai client. With
MOONSHOT_API_KEY (or KIMI_API_KEY) set, commands talk to the live API (MOONSHOT_BASE_URL
picks another endpoint); without one they run against the in-process emulator and say so."""
EPILOG = """\
exit status: 0 done, 1 API or runtime error, 2 usage error, 3 `models` found the table
and the live list differ, 130 interrupted."""

Configure = Callable[[argparse.ArgumentParser], None]
COMMANDS: tuple[tuple[str, str, Configure], ...] = (
    ("models", "the model spec table; with a key, compared with the live /v1/models", models.configure),
    ("chat", "ask a question, or chat interactively, with reasoning shown apart", chat.configure),
    ("balance", "the account balance", account.configure_balance),
    ("estimate", "the input tokens a message or a text file would use", account.configure_estimate),
    ("files", "upload, extract, list and delete files", files.configure),
    (
        "batch",
        "submit a file of chat requests as a batch, see its status, collect its answers",
        batch.configure,
    ),
)


def _prog() -> str:
    """The name the user typed: ``python -m kimi_openai`` or the ``kimi-openai`` script."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return "python -m kimi_openai" if getattr(spec, "name", None) == "kimi_openai.__main__" else "kimi-openai"


def _version() -> str:
    try:
        return version("kimi-openai")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser(prog: str = "kimi-openai") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for name, summary, configure in COMMANDS:
        configure(commands.add_parser(name, help=summary, description=summary))
    commands.add_parser(
        "emulator",
        help="serve the offline Moonshot API on loopback (`emulator --help` lists its flags)",
        add_help=False,
    )
    commands.add_parser("demo", help="a tour of the Kimi API, offline without a key").set_defaults(run=_demo)
    return parser


def _demo(args: argparse.Namespace, console: Console) -> int:
    from kimi_openai._demo import run_demo

    return run_demo(console)


def _serve_emulator(argv: Sequence[str]) -> int:
    # The emulator's own parser owns its flags (--port, --rpm, ...), as for `python -m kimi_openai.testing`.
    from kimi_openai.testing._server import main as serve

    return serve(list(argv))


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    run: Callable[[argparse.Namespace, Console], int] | None = getattr(args, "run", None)
    if run is None:
        parser.print_usage(console.err)
        console.error("choose a command (--help lists them)")
        return ExitCode.USAGE
    return run(args, console)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    prog = _prog()
    console = Console.of(sys.stdout, sys.stderr, prog)
    try:
        if arguments[:1] == ["emulator"]:
            return _serve_emulator(arguments[1:])
        parser = build_parser(prog)
        args = parser.parse_args(arguments)
    except SystemExit as exit_:  # --help, --version and argparse's usage errors
        return exit_.code if isinstance(exit_.code, int) else ExitCode.USAGE
    return _guarded(lambda: _run(args, parser, console), console)


def _guarded(command: Callable[[], int], console: Console) -> int:
    """Run ``command``, turning what it raises into a message on stderr and an exit status."""
    try:
        return command()
    except UsageError as exc:
        console.error(str(exc))
        return ExitCode.USAGE
    except openai.OpenAIError as exc:  # the server's errors and the package's own (KimiError)
        console.error(f"{type(exc).__name__}: {exc}")
        return ExitCode.ERROR
    except KeyboardInterrupt:
        console.note("")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader left (`kimi-openai models | head`): stop quietly, as a Unix filter does.
        _silence_stdout()
        return ExitCode.ERROR
    except OSError as exc:  # a file that vanished or cannot be read mid-command
        console.error(str(exc))
        return ExitCode.ERROR


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file descriptor (captured in a test)
        pass
