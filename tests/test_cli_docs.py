"""docs/cli.md shows what the command prints: every ``$`` line is run offline and compared.

``python tests/test_cli_docs.py`` rewrites the page's transcripts and its report example
after the output changes (a new spec table row, say); the tests fail while the page is stale.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from _cli_helpers import run_cli, without_key

from kimi_openai._cli.main import build_parser
from kimi_openai._cli.model_diff import compare_models, render_report
from kimi_openai._cli.model_table import known_specs
from kimi_openai.types.model import KimiModel

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "cli.md"
README = ROOT / "README.md"
CONSOLE = re.compile(r"```console\n(.*?)```", re.DOTALL)
SHELL = re.compile(r"```sh\n(.*?)```", re.DOTALL)
REPORT = re.compile(r"(render_report\(\) for that stand-in list.*?-->\n```text\n)(.*?)(```)", re.DOTALL)
NOTES = "Kimi is a family of models by Moonshot AI.\n"
"""notes.txt, the file the page's ``files`` transcripts use."""
NEW_MODEL = "kimi-k9-preview"


@dataclass(frozen=True)
class Transcript:
    command: str
    output: str


def transcripts(text: str) -> list[Transcript]:
    found: list[Transcript] = []
    for block in CONSOLE.findall(text):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            found.append(Transcript(command, output))
    return found


def report_example() -> str:
    """The comparison report for a list lacking the table's first served row and holding a new id."""
    served = [s for s in known_specs() if s.hosting == "moonshot" and s.lifecycle != "retired"]
    listing = [
        KimiModel(id=s.id, object="model", created=0, owned_by="moonshot", context_length=s.context_length)
        for s in served[1:]
    ] + [KimiModel(id=NEW_MODEL, object="model", created=0, owned_by="moonshot", context_length=2_097_152)]
    return render_report(
        compare_models(known_specs(), listing), source="GET https://api.moonshot.ai/v1/models"
    )


def offline_directory(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    without_key(monkeypatch, directory)
    (directory / "notes.txt").write_text(NOTES, encoding="utf-8")


PAGE_TEXT = PAGE.read_text(encoding="utf-8")
TRANSCRIPTS = transcripts(PAGE_TEXT)


def test_the_page_has_transcripts_of_each_offline_command() -> None:
    commands = {shlex.split(t.command)[1] for t in TRANSCRIPTS}
    assert commands == {"models", "chat", "balance", "estimate", "files"}


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=[t.command for t in TRANSCRIPTS])
def test_each_transcript_is_what_the_command_prints(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    transcript: Transcript,
) -> None:
    offline_directory(monkeypatch, tmp_path)
    run = run_cli(capsys, *shlex.split(transcript.command)[1:])
    assert run.code == 0
    assert run.out == transcript.output, "docs/cli.md is stale: run `python tests/test_cli_docs.py`"


def test_the_report_example_is_current() -> None:
    match = REPORT.search(PAGE_TEXT)
    assert match is not None
    assert match.group(2) == report_example(), "docs/cli.md is stale: run `python tests/test_cli_docs.py`"
    assert f"New ids, listed but not in the table (1):\n  {NEW_MODEL}" in match.group(2)


def _shell_commands() -> list[list[str]]:
    """Each ``kimi-openai`` invocation in the shell examples of the page and the README,
    without pipes, comments and variables."""
    found: list[list[str]] = []
    for block in SHELL.findall(PAGE_TEXT + README.read_text(encoding="utf-8")):
        for line in block.splitlines():
            for segment in line.split("|"):
                words = [w for w in shlex.split(segment, comments=True) if not re.match(r"^[A-Z_]+=", w)]
                if words[:1] == ["kimi-openai"]:
                    found.append(words[1:])
    return found


@pytest.mark.parametrize("argv", _shell_commands(), ids=" ".join)
def test_each_shell_example_is_a_valid_command_line(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    if argv[:1] == ["emulator"]:
        # Its own parser reads the flags; a non-loopback host, checked after parsing, keeps it from serving.
        run = run_cli(capsys, *argv, "--host", "10.9.9.9")
        assert "is not a loopback address" in run.err
    elif "--help" not in argv:
        build_parser().parse_args(argv)  # SystemExit(2) on anything the command would refuse


def test_every_subcommand_has_a_section() -> None:
    parser = build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command")  # pyright: ignore[reportPrivateUsage]
    assert subcommands.choices is not None
    for name in subcommands.choices:
        assert f"\n## {name}\n" in PAGE_TEXT


def rewrite() -> None:
    """Refresh the page's transcripts (run offline, as the tests do) and its report example."""
    import io
    import os
    import tempfile

    from kimi_openai.__main__ import main

    for name in ("MOONSHOT_API_KEY", "KIMI_API_KEY", "MOONSHOT_BASE_URL"):
        os.environ.pop(name, None)
    text = PAGE_TEXT
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        Path("notes.txt").write_text(NOTES, encoding="utf-8")
        for transcript in TRANSCRIPTS:
            out, stdout, stdin = io.StringIO(), sys.stdout, sys.stdin
            sys.stdout, sys.stdin = out, io.StringIO("")
            try:
                main(shlex.split(transcript.command)[1:])
            finally:
                sys.stdout, sys.stdin = stdout, stdin
            old = f"$ {transcript.command}\n{transcript.output}"
            text = text.replace(old, f"$ {transcript.command}\n{out.getvalue()}", 1)
    text = REPORT.sub(lambda m: m.group(1) + report_example() + m.group(3), text, count=1)
    PAGE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    rewrite()
