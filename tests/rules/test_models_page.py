"""docs/models.md is built from the spec table and must not go stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kimi_openai._rules.model_specs import get_model_spec
from kimi_openai._rules.models_page import render_models_markdown

PAGE = Path(__file__).resolve().parents[2] / "docs" / "models.md"


def test_models_page_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == render_models_markdown(), (
        "docs/models.md is stale: run `python -m kimi_openai._rules.models_page > docs/models.md`"
    )


def test_page_says_how_to_regenerate_and_lists_every_row() -> None:
    text = render_models_markdown()
    assert text.splitlines()[0].startswith(
        "<!-- Regenerate: python -m kimi_openai._rules.models_page > docs/models.md"
    )
    for model in ("kimi-k3", "kimi-k2.6", "moonshot-v1-8k-vision-preview", "moonshotai/Kimi-K2-Instruct"):
        assert f"| `{model}` |" in text
        assert get_model_spec(model).is_known


def test_module_entry_point_prints_the_page() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kimi_openai._rules.models_page"],
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
    )
    assert result.stdout == render_models_markdown()
