"""Every cassette in the repository is safe to publish and says where it came from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
FILES = sorted(CASSETTES.rglob("*.yaml"))

KEY_SHAPES = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|bearer\s+[A-Za-z0-9_\-.=]{8,}|authorization|cookie|x-api-key|api[_-]?key\s*[:=])",
    re.IGNORECASE,
)


def test_the_suite_has_cassettes() -> None:
    # Guards the scan below against passing because it found nothing to look at.
    assert len(FILES) >= 4


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CASSETTES)) for p in FILES])
def test_cassette_holds_no_secret(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = KEY_SHAPES.search(text)
    assert found is None, f"{path.name} holds {found.group(0)!r}"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CASSETTES)) for p in FILES])
def test_cassette_is_labelled_with_its_source_and_public_url(path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document["source"] in {"emulator", "live"}
    for interaction in document["interactions"]:
        uri = interaction["request"]["uri"]
        assert uri.startswith("https://api.moonshot."), uri
