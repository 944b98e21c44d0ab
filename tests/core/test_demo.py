"""The README's "run it" command works offline on a fresh machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _cli_helpers import OFFLINE_NOTICE, SECRET_KEY, run_cli, served_with_key, without_key

from kimi_openai.testing import MoonshotEmulator


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_key(monkeypatch, tmp_path)


def test_demo_runs_every_step_against_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "demo")
    assert run.code == 0
    assert run.err.startswith(OFFLINE_NOTICE)
    text = run.out
    for title in ("chat", "streaming with reasoning", "partial mode", "$web_search", "file extraction"):
        assert f"== {title}\n" in text
    assert "prefix + continuation: Dear Li Lei," in text
    assert "searches: 1," in text
    assert "extracted notes.txt: 'Kimi is a family of models by Moonshot AI." in text
    assert "estimate: " in text
    assert "balance:  49.58894 USD" in text


def test_with_a_key_the_demo_says_where_it_talks(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_with_key(monkeypatch, MoonshotEmulator()) as base_url:
        run = run_cli(capsys, "demo")
    assert run.code == 0
    assert run.err == f"Live: talking to {base_url}/\n"
    assert SECRET_KEY not in run.out + run.err


def test_the_module_runs_the_demo_as_ci_does() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MOONSHOT_API_KEY", "KIMI_API_KEY")}
    result = subprocess.run(
        [sys.executable, "-m", "kimi_openai", "demo"], capture_output=True, text=True, check=False, env=env
    )
    assert result.returncode == 0
    assert result.stderr.startswith(OFFLINE_NOTICE)
    assert "== token estimate and balance\n" in result.stdout
