"""Running the command line in process, offline or against an emulator served on loopback."""

from __future__ import annotations

import io
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from kimi_openai.__main__ import main
from kimi_openai.testing import MoonshotEmulator

KEY_VARIABLES = ("MOONSHOT_API_KEY", "KIMI_API_KEY", "MOONSHOT_BASE_URL")
SECRET_KEY = "sk-cli-test-4f1e9c2b7a"
OFFLINE_NOTICE = "No MOONSHOT_API_KEY (or KIMI_API_KEY) set: running against the in-process emulator"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


class Keyboard(io.StringIO):
    """Standard input that says it is a terminal, holding the lines a user types."""

    def isatty(self) -> bool:
        return True


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """``kimi-openai *argv`` in process: its exit status and what it wrote."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def without_key(monkeypatch: pytest.MonkeyPatch, directory: Path, stdin: str = "") -> None:
    """No key anywhere (the environment, a ./.env), and ``stdin`` a pipe holding ``stdin``."""
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(directory)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))


@contextmanager
def served_with_key(monkeypatch: pytest.MonkeyPatch, emulator: MoonshotEmulator) -> Generator[str]:
    """``emulator`` on loopback, reached as a user reaches an endpoint: a key and MOONSHOT_BASE_URL."""
    with emulator.serve() as base_url:
        monkeypatch.setenv("MOONSHOT_API_KEY", SECRET_KEY)
        monkeypatch.setenv("MOONSHOT_BASE_URL", base_url)
        yield base_url
