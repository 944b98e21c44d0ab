"""pytest plugin: write each test's outcome to a JSON file (``--outcomes PATH``).

One entry per test id (``passed``, ``failed``, ``error``, ``skipped``, ``xfailed``,
``xpassed``) with its failure (``message``, and its first line as ``cause``), and one per module that could not be
collected, so that two runs of the same tests can be compared test by test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--outcomes", metavar="PATH", help="write every test's outcome to PATH as JSON")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--outcomes")
    if path:
        config.pluginmanager.register(_Recorder(Path(path)), "outcomes-recorder")


def _message(report: pytest.CollectReport | pytest.TestReport) -> str:
    """The exception pytest reports, as it prints it after ``E``."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)[:4000]
    lines = [line.strip() for line in str(report.longrepr).splitlines()]
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]  # a collection error
    return "\n".join(errors or [line for line in lines if line][-1:])[:4000]


def _cause(message: str) -> str:
    """The line that says why: the first line of the exception."""
    return next((line.strip() for line in message.splitlines() if line.strip()), "")[:400]


def _outcome(report: pytest.TestReport) -> str | None:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.when == "call":
        return report.outcome
    if report.failed:
        return "error"
    return "skipped" if report.skipped else None


class _Recorder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tests: dict[str, dict[str, str]] = {}
        self.collection_errors: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = _outcome(report)
        if outcome is None or self.tests.get(report.nodeid, {}).get("outcome") in ("failed", "error"):
            return  # an error in teardown after a failure keeps the failure
        entry = {"outcome": outcome}
        if outcome in ("failed", "error", "xpassed"):
            entry["message"] = _message(report)
            entry["cause"] = _cause(entry["message"])
        elif outcome == "skipped" and isinstance(report.longrepr, tuple):
            entry["cause"] = str(report.longrepr[2])[:400]
        self.tests[report.nodeid] = entry

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors[report.nodeid] = _message(report).splitlines()[-1][:400]

    def pytest_sessionfinish(self) -> None:
        result: dict[str, Any] = {"tests": self.tests, "collection_errors": self.collection_errors}
        self.path.write_text(json.dumps(result, indent=1, sort_keys=True))
