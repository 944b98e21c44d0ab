"""The README's "run it" command works offline on a fresh machine."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from kimi_openai.__main__ import main


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MOONSHOT_API_KEY", "KIMI_API_KEY", "MOONSHOT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_demo_runs_every_step_against_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["demo"]) == 0
    text = out.getvalue()
    assert text.startswith("No MOONSHOT_API_KEY set: running against the in-process emulator")
    for title in ("chat", "streaming with reasoning", "partial mode", "$web_search", "file extraction"):
        assert f"== {title}\n" in text
    assert "prefix + continuation: Dear Li Lei," in text
    assert "searches: 1," in text
    assert "extracted notes.txt: 'Kimi is a family of models by Moonshot AI." in text
    assert "estimate: " in text
    assert "balance:  49.58894 USD" in text


def test_module_entry_point_and_usage() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kimi_openai"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "usage: python -m kimi_openai {demo | emulator" in result.stderr
