"""openai's own tests, as shipped (baseline) and on the Kimi clients: prepare both copies, compare the runs.

``python suite.py prepare LINE SDIST DEST`` extracts the source distribution's ``tests/``
and ``pyproject.toml`` twice: ``DEST/baseline`` as shipped, ``DEST/kimi`` with the
rewrites of ``divergences.toml`` for openai LINE.x applied (each must still find its text).

``python suite.py compare LINE BASELINE.json KIMI.json [--report-only]`` prints the
passed / failed / skipped counts of both runs for each test file, the intended
divergences (``divergences.toml``) that were seen, and every regression: a test that
passed in the baseline and did not pass on the Kimi clients, with both results and the
line that says why, grouped by that line. Exits 1 on a regression that no divergence
explains, unless ``--report-only``.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import sys
import tarfile
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
DIVERGENCES = HERE / "divergences.toml"


def prepare(line: str, sdist: str, dest: str) -> int:
    unpacked = Path(dest, "sdist")
    shutil.rmtree(unpacked, ignore_errors=True)
    with tarfile.open(sdist) as archive:
        archive.extractall(unpacked, filter="data")
    (top,) = unpacked.iterdir()
    for copy in ("baseline", "kimi"):
        shutil.copytree(top / "tests", Path(dest, copy, "tests"))
        shutil.copy2(top / "pyproject.toml", Path(dest, copy, "pyproject.toml"))
    problems = [problem for rewrite in rewrites(line) for problem in apply(rewrite, Path(dest, "kimi"))]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def rewrites(line: str) -> list[dict[str, str | list[str]]]:
    """The rewrites for openai ``line`` (an entry's ``lines``, both by default)."""
    entries = tomllib.loads(DIVERGENCES.read_text()).get("rewrite", [])
    return [entry for entry in entries if line in entry.get("lines", ("2", "3"))]


def apply(rewrite: dict[str, str | list[str]], root: Path) -> list[str]:
    """Apply one rewrite to the files it names; say which file no longer has the text."""
    old, new = str(rewrite["replace"]), str(rewrite["with"])
    problems = []
    for name in rewrite["files"]:
        path = root / name
        text = path.read_text() if path.exists() else ""
        if old not in text:
            problems.append(f"rewrite '{rewrite['id']}': {name} has no {old!r}; review divergences.toml")
            continue
        path.write_text(text.replace(old, new))
    return problems


@dataclass(frozen=True)
class Divergence:
    id: str
    reason: str
    tests: tuple[str, ...]
    cause: re.Pattern[str]
    lines: tuple[str, ...]

    def explains(self, test: str, message: str) -> bool:
        return any(fnmatch.fnmatchcase(test, pattern) for pattern in self.tests) and bool(
            self.cause.search(message)
        )


def load_divergences(line: str) -> list[Divergence]:
    entries = [
        Divergence(
            id=entry["id"],
            reason=" ".join(entry["reason"].split()),
            tests=tuple(entry["tests"]),
            cause=re.compile(entry["cause"]),
            lines=tuple(entry.get("lines", ("2", "3"))),
        )
        for entry in tomllib.loads(DIVERGENCES.read_text()).get("divergence", [])
    ]
    return [entry for entry in entries if line in entry.lines]


Outcomes = dict[str, dict[str, str]]
"""Test id -> ``outcome``, and for a failure its ``cause`` (one line) and ``message`` (all of it)."""


def load(path: str) -> tuple[Outcomes, dict[str, str]]:
    data = json.loads(Path(path).read_text())
    return data["tests"], data["collection_errors"]


def file_of(test: str) -> str:
    return test.split("::", 1)[0]


def kind(outcome: str) -> str:
    return {"passed": "passed", "skipped": "skipped", "xfailed": "skipped"}.get(outcome, "failed")


def counts(tests: Outcomes, files: list[str]) -> dict[str, Counter[str]]:
    result: dict[str, Counter[str]] = {name: Counter() for name in [*files, "total"]}
    for test, entry in tests.items():
        for name in (file_of(test), "total"):
            result[name][kind(entry["outcome"])] += 1
    return result


def passed(tests: Outcomes) -> int:
    return sum(entry["outcome"] == "passed" for entry in tests.values())


def print_counts(baseline: Outcomes, kimi: Outcomes, not_collected: dict[str, str]) -> None:
    files = sorted({file_of(test) for test in [*baseline, *kimi]} | set(not_collected))
    before, after = counts(baseline, files), counts(kimi, files)
    width = max(len(name) for name in files)
    print(f"{'':{width}}  {'baseline (openai)':>22}  {'KimiOpenAI':>22}")
    print(f"{'':{width}}  {'passed/failed/skipped':>22}  {'passed/failed/skipped':>22}")
    for name in [*files, "total"]:
        cells = [
            "/".join(str(c[k]) for k in ("passed", "failed", "skipped")) for c in (before[name], after[name])
        ]
        note = "  (not collected)" if name in not_collected else ""
        print(f"{name:{width}}  {cells[0]:>22}  {cells[1]:>22}{note}")


def normalise(cause: str) -> str:
    """One heading per cause: object addresses and hashes vary from test to test."""
    return re.sub(r"\b[0-9a-f]{12,}\b", "<hash>", re.sub(r"0x[0-9a-f]+", "0x...", cause))


Found = dict[str, list[tuple[str, int]]]
"""Heading -> lines to print under it, each with the number of tests it stands for."""


def classify(
    baseline: Outcomes, kimi: Outcomes, not_collected: dict[str, str], divergences: list[Divergence]
) -> tuple[Found, Found]:
    """Each test that passed in the baseline and not on the Kimi clients: intended (by divergence) or not (by cause)."""
    expected: Found = defaultdict(list)
    regressions: Found = defaultdict(list)
    uncollected: Counter[str] = Counter()
    for test, entry in sorted(baseline.items()):
        if entry["outcome"] != "passed":
            continue
        if test not in kimi and file_of(test) in not_collected:
            uncollected[file_of(test)] += 1
            continue
        after = kimi.get(test, {"outcome": "missing", "cause": "not run on the Kimi clients"})
        if after["outcome"] == "passed":
            continue
        cause = after.get("cause", after["outcome"])
        match = next((d for d in divergences if d.explains(test, after.get("message", cause))), None)
        target = expected[match.id] if match else regressions[normalise(cause)]
        target.append((f"{test}  passed -> {after['outcome']}", 1))
    for module, count in uncollected.items():
        regressions[f"not collected: {normalise(not_collected[module])}"].append(
            (f"{module}: all {count} tests that passed  passed -> not collected", count)
        )
    return expected, regressions


def compare(argv: list[str]) -> int:
    report_only = "--report-only" in argv
    line, baseline_path, kimi_path = [arg for arg in argv if arg != "--report-only"]
    (baseline, _), (kimi, not_collected) = load(baseline_path), load(kimi_path)
    divergences = load_divergences(line)
    print_counts(baseline, kimi, not_collected)
    expected, regressions = classify(baseline, kimi, not_collected, divergences)

    broken = Counter(
        normalise(e.get("cause", "")) for e in baseline.values() if kind(e["outcome"]) == "failed"
    )
    for cause, count in broken.most_common():
        print(f"not compared: {count} tests fail as shipped: {cause}")
    for rewrite in rewrites(line):
        print(f"\nrewrite '{rewrite['id']}' in the Kimi copy: {' '.join(str(rewrite['reason']).split())}")
    for divergence in divergences:
        tests = expected[divergence.id]
        print(f"\nintended divergence '{divergence.id}' ({len(tests)} tests): {divergence.reason}")
        for test, _ in tests:
            print(f"    {test}")
    unseen = [d.id for d in divergences if not expected[d.id]]
    if unseen:
        print(f"\nintended divergences not seen on openai {line}.x this run: {', '.join(unseen)}")
    size = {cause: sum(n for _, n in tests) for cause, tests in regressions.items()}
    total = sum(size.values())
    print(f"\n{total} unexpected regressions (passed on openai's client, not on KimiOpenAI), by cause:")
    for cause, tests in sorted(regressions.items(), key=lambda item: (-size[item[0]], item[0])):
        print(f"  [{size[cause]}] {cause}")
        for test, _ in tests:
            print(f"      {test}")
    seen = sum(len(tests) for tests in expected.values())
    print(
        f"\nopenai {line}.x's own tests: {passed(baseline)} passed as shipped, "
        f"{passed(kimi)} on the Kimi clients; "
        f"{seen} intended divergences, {total} unexpected regressions"
    )
    if total and report_only:
        print("(report only: the run does not fail on them)")
        return 0
    return 1 if total else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"] and len(argv) == 4:
        return prepare(argv[1], argv[2], argv[3])
    if argv[:1] == ["compare"]:
        return compare(argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
