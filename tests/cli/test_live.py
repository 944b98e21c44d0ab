"""The command line against the real Moonshot API: only with ``KIMI_LIVE=1`` and a key.

``KIMI_LIVE=1 MOONSHOT_API_KEY=sk-... pytest tests/cli/test_live.py``. The command runs in
a subprocess, as a user runs it, so the suite's network block does not apply to it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        os.environ.get("KIMI_LIVE") != "1", reason="talks to the real Moonshot API: set KIMI_LIVE=1"
    ),
]


def test_the_spec_table_matches_the_live_model_list() -> None:
    assert os.environ.get("MOONSHOT_API_KEY") or os.environ.get("KIMI_API_KEY"), "set MOONSHOT_API_KEY"
    result = subprocess.run(
        [sys.executable, "-m", "kimi_openai", "models"],
        capture_output=True,
        text=True,
        check=False,
        encoding="utf-8",
    )
    assert "\nCompared with GET https://" in result.stdout, result.stderr
    assert result.returncode == 0, result.stdout.partition("\nCompared with ")[2] or result.stderr
