"""Every Python example in docs/ runs offline, as the pages promise."""

from __future__ import annotations

import ast
import asyncio
import re
import warnings
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)

OPTIONAL = frozenset({"agents", "instructor", "langchain_core", "langchain_openai", "pydantic_ai"})
"""Frameworks of docs/frameworks.md, installed by the frameworks extras where they fit beside the openai line."""

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
    for module in sorted(_imported(code) & OPTIONAL):
        pytest.importorskip(module)
    for name in ("MOONSHOT_API_KEY", "KIMI_API_KEY", "MOONSHOT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    try:
        exec(compile(code, f"{page.name}#{index}", "exec"), {"__name__": f"docs_example_{index}"})
    finally:
        _close_the_thread_event_loop()


def _close_the_thread_event_loop() -> None:
    """Close an event loop an example left set on this thread.

    pydantic-ai's ``run_sync`` (docs/frameworks.md) sets a loop on the calling thread and
    keeps it for later calls, as a script wants; in a test run it would be collected during
    some later test as an unclosed-loop ResourceWarning, which the suite treats as an error.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:  # none set on this thread, as it should be
            return
    if not loop.is_running():
        loop.close()
        asyncio.set_event_loop(None)


def _imported(code: str) -> set[str]:
    """The top-level packages an example imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.partition(".")[0])
    return names
