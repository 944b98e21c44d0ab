"""Every Python example in docs/ runs offline, as the pages promise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)

EXAMPLES = [
    (page, index, code)
    for page in sorted(DOCS.glob("*.md"))
    for index, code in enumerate(BLOCK.findall(page.read_text(encoding="utf-8")))
]


def test_the_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize(("page", "index", "code"), EXAMPLES, ids=[f"{p.name}#{i}" for p, i, _ in EXAMPLES])
def test_example_runs_offline(
    page: Path, index: int, code: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("MOONSHOT_API_KEY", "KIMI_API_KEY", "MOONSHOT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"{page.name}#{index}", "exec"), {"__name__": f"docs_example_{index}"})
