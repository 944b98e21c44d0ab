"""The command line as a whole: help on stdout, exit statuses, the offline notice, errors, secrets."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _cli_helpers import OFFLINE_NOTICE, SECRET_KEY, run_cli, served_with_key, without_key

from kimi_openai import KimiOpenAI
from kimi_openai._cli.connect import public_url
from kimi_openai._cli.console import Console
from kimi_openai._cli.errors import ExitCode
from kimi_openai._cli.main import _guarded  # pyright: ignore[reportPrivateUsage]
from kimi_openai.testing import MoonshotEmulator

COMMANDS = ("models", "chat", "balance", "estimate", "files", "emulator", "demo")


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_key(monkeypatch, tmp_path)


def _module(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MOONSHOT_API_KEY", "KIMI_API_KEY", "MOONSHOT_BASE_URL")
    }
    return subprocess.run(
        [sys.executable, "-m", "kimi_openai", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        encoding="utf-8",
    )


def test_help_goes_to_stdout_and_lists_every_command() -> None:
    result = _module("--help")
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.startswith("usage: python -m kimi_openai ")
    for command in COMMANDS:
        assert f"\n    {command} " in result.stdout
    assert "exit status: 0 done, 1 API or runtime error, 2 usage error, 3" in result.stdout


@pytest.mark.parametrize(
    ("argv", "flags"),
    [
        (["models", "--help"], ["--json"]),
        (["chat", "--help"], ["--model", "--system", "--json", "--no-stream", "--hide-reasoning"]),
        (["estimate", "--help"], ["--file", "--model", "--system", "--json"]),
        (["files", "--help"], ["upload", "extract", "list", "delete"]),
        (["files", "extract", "--help"], ["--keep", "--json"]),
        (["emulator", "--help"], ["--port", "--host", "--rpm", "--tpm", "--region"]),
    ],
)
def test_subcommand_help_goes_to_stdout(
    capsys: pytest.CaptureFixture[str], argv: list[str], flags: list[str]
) -> None:
    run = run_cli(capsys, *argv)
    assert (run.code, run.err) == (0, "")
    assert run.out.startswith("usage: ")
    for flag in flags:
        assert flag in run.out


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "--version")
    assert run.code == 0
    assert run.out.startswith("kimi-openai 0.")


def test_an_unknown_flag_is_a_usage_error_naming_it() -> None:
    result = _module("chat", "--temprature", "0.3", "hello")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "error: unrecognized arguments: --temprature" in result.stderr


def test_no_command_is_a_usage_error_on_stderr() -> None:
    result = _module()
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("usage: python -m kimi_openai ")
    assert "python -m kimi_openai: error: choose a command" in result.stderr


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "tune", "status")
    assert run.code == 2
    assert "invalid choice: 'tune'" in run.err


def test_the_console_script_is_declared_for_this_main() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert 'kimi-openai = "kimi_openai.__main__:main"' in pyproject


@pytest.mark.parametrize(
    "argv",
    [["chat", "hi"], ["balance"], ["estimate", "hi"], ["files", "list"], ["demo"]],
)
def test_without_a_key_commands_run_offline_and_say_so_on_stderr(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    run = run_cli(capsys, *argv)
    assert run.code == 0
    assert run.err.startswith(OFFLINE_NOTICE)
    assert "emulator" not in run.out


def test_the_offline_notice_goes_to_stderr_from_the_module_too() -> None:
    result = _module("balance")
    assert result.returncode == 0
    assert result.stderr.startswith(OFFLINE_NOTICE)
    assert result.stdout.startswith("available  49.58894 USD\n")


def test_with_a_key_there_is_no_offline_notice(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_with_key(monkeypatch, MoonshotEmulator()):
        run = run_cli(capsys, "balance")
    assert (run.code, run.err) == (0, "")


def test_an_api_error_exits_1_and_never_shows_the_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_with_key(monkeypatch, MoonshotEmulator(api_keys=["sk-the-right-one"])):
        run = run_cli(capsys, "balance")
    assert run.code == ExitCode.ERROR == 1
    assert run.out == ""
    assert run.err.startswith("kimi-openai: error: IncorrectAPIKeyError: Error code: 401")
    assert SECRET_KEY not in run.err + run.out
    assert SECRET_KEY[3:] not in run.err + run.out


def test_a_malformed_key_is_an_error_not_a_reason_to_go_offline(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOONSHOT_API_KEY", f'"{SECRET_KEY}"')
    run = run_cli(capsys, "balance")
    assert run.code == 1
    assert "KimiConfigurationError" in run.err
    assert "quote" in run.err
    assert "emulator" not in run.err
    assert SECRET_KEY not in run.err


def test_an_empty_message_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "estimate", "--model", "kimi-k2.6", "")
    assert run.code == 2
    assert run.err.endswith(
        "kimi-openai: error: nothing to count: pass the text as arguments, --file PATH, or on stdin\n"
    )


def test_ctrl_c_exits_130(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    class Interrupted(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin", Interrupted())
    run = run_cli(capsys, "estimate")
    assert run.code == ExitCode.INTERRUPTED == 130
    assert "Traceback" not in run.err


def test_a_reader_that_leaves_ends_the_command_quietly() -> None:
    err = io.StringIO()

    def write_to_closed_pipe() -> int:
        raise BrokenPipeError(32, "Broken pipe")

    assert _guarded(write_to_closed_pipe, Console(io.StringIO(), err, styled=False)) == 1
    assert err.getvalue() == ""


def test_a_file_error_mid_command_exits_1_with_its_message() -> None:
    err = io.StringIO()

    def read_unreadable() -> int:
        raise PermissionError(13, "Permission denied", "secret.pdf")

    assert _guarded(read_unreadable, Console(io.StringIO(), err, styled=False)) == 1
    assert err.getvalue() == "kimi-openai: error: [Errno 13] Permission denied: 'secret.pdf'\n"


def test_emulator_flags_reach_the_emulator_parser(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "emulator", "--host", "10.1.2.3", "--port", "0")
    assert run.code == 2
    assert "the emulator binds only to loopback; '10.1.2.3' is not a loopback address" in run.err


def test_emulator_serves_and_prints_its_base_url() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "kimi_openai", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            assert server.stdout is not None
            first_line = server.stdout.readline()
        finally:
            server.terminate()
            server.communicate(timeout=10)
    assert first_line.startswith("http://127.0.0.1:")
    assert first_line.rstrip().endswith("/v1")


def test_reasoning_is_dimmed_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr("sys.stderr", terminal)
    run = run_cli(capsys, "chat", "hi")
    assert run.code == 0
    assert "\x1b[2mreasoning: \x1b[0m" in terminal.getvalue()


@pytest.mark.parametrize(("variable", "value"), [("NO_COLOR", "1"), ("TERM", "dumb")])
def test_no_styling_when_the_terminal_or_the_user_says_so(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert Console.of(io.StringIO(), Terminal()).styled
    monkeypatch.setenv(variable, value)
    assert not Console.of(io.StringIO(), Terminal()).styled
    assert Console.of(io.StringIO(), Terminal()).dim("x") == "x"


def test_a_base_url_is_shown_without_its_credentials() -> None:
    client = KimiOpenAI(
        api_key="sk-x", base_url="https://user:s3cret@proxy.example.com:8443/v1", region="global"
    )
    with client:
        assert public_url(client, "models") == "https://proxy.example.com:8443/v1/models"
