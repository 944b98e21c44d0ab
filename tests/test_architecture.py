"""The package's imports run one way, from the workflows down to the leaves, and close no cycle.

Every module of ``kimi_openai`` sits on one floor; a module imports only from its own floor or
below (module level, under ``TYPE_CHECKING`` or inside a function alike: a type-only import
that runs upward is still a module that knows the floor above it). From the top:

7. the test kit (``testing/``: the emulator, the pytest plugin, the cassettes), which the
   product never imports, but for the entry points below, inside a function;
6. the entry points: the package's public face (``kimi_openai/__init__``), the command line
   (``__main__``, ``_cli/``), the demo, and the ``kimi_openai.pytest_plugin`` name;
5. ``lib/``: workflows that take a client (they import the client for type checking only);
4. the clients (``_client``);
3. ``resources/``: openai's resources subclassed, the ``.stream()`` helper included;
2. the core: the request pipeline, a client's state, streams, retries, the reasoning echo,
   the K2 markup parser, configuration;
1. Kimi's rules as data and pure functions (``_rules/``);
0. the leaves: types, errors, constants, the transport library, redaction, stream snapshots.

A module the table below does not place fails the test: where a new module goes is a decision.
No import cycle is allowed, but among the emulator's own modules (``testing/``).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kimi_openai"

FLOORS: dict[int, tuple[str, ...]] = {
    7: ("kimi_openai.testing",),
    6: (
        "kimi_openai",
        "kimi_openai.__main__",
        "kimi_openai._cli",
        "kimi_openai._demo",
        "kimi_openai.pytest_plugin",
    ),
    5: ("kimi_openai.lib",),
    4: ("kimi_openai._client",),
    3: ("kimi_openai.resources",),
    2: (
        "kimi_openai._config",
        "kimi_openai._extra_body",
        "kimi_openai._k2_apply",
        "kimi_openai._k2_markup",
        "kimi_openai._pipeline",
        "kimi_openai._reasoning_echo",
        "kimi_openai._reasoning_echo_counts",
        "kimi_openai._reasoning_echo_keys",
        "kimi_openai._reasoning_echo_shared",
        "kimi_openai._retry",
        "kimi_openai._retry_tenacity",
        "kimi_openai._sse",
        "kimi_openai._state",
        "kimi_openai._streaming",
    ),
    1: ("kimi_openai._rules",),
    0: (
        "kimi_openai._compat",
        "kimi_openai._constants",
        "kimi_openai._errors",
        "kimi_openai._fields",
        "kimi_openai._ratelimit_headers",
        "kimi_openai._redaction",
        "kimi_openai._redis_store",
        "kimi_openai._store",
        "kimi_openai._stream_index",
        "kimi_openai._stream_snapshot",
        "kimi_openai.types",
    ),
}
"""Each floor's modules: a name stands for that module and, for a package, every module in it."""

ENTRY_POINTS_MAY_RUN_THE_EMULATOR = ("kimi_openai.__main__", "kimi_openai._cli", "kimi_openai._demo")
"""Modules that may import the test kit inside a function: the demo and the emulator command."""

SHIM = ("kimi_openai.pytest_plugin", "kimi_openai.testing.pytest_plugin")
"""``pytest_plugins = ["kimi_openai.pytest_plugin"]``: the documented name loads the plugin."""


def _name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")


MODULES: dict[str, Path] = {_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def floor_of(module: str) -> int | None:
    """The floor of a module: the most specific name of the table that holds it."""
    best: tuple[int, int] | None = None
    for floor, names in FLOORS.items():
        for name in names:
            if _within(module, name) and (best is None or len(name) > best[1]):
                best = (floor, len(name))
    return None if best is None else best[0]


def _imports(module: str) -> Iterator[tuple[str, str]]:
    """Each package module ``module`` imports, with how: ``top``, ``TYPE_CHECKING`` or ``function``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, kind: str) -> Iterator[tuple[str, str]]:
        for child in ast.iter_child_nodes(node):
            inner = kind
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                inner = "TYPE_CHECKING"
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = "function"
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name in MODULES:
                        yield alias.name, inner
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*parts, *([base] if base else [])])
                for alias in child.names:
                    target = f"{base}.{alias.name}"
                    target = target if target in MODULES else base
                    if target in MODULES and target != module:
                        yield target, inner
            yield from visit(child, inner)

    yield from visit(ast.parse(path.read_text(encoding="utf-8")), "top")


EDGES: dict[tuple[str, str], set[str]] = defaultdict(set)
for _module in MODULES:
    for _target, _kind in _imports(_module):
        EDGES[_module, _target].add(_kind)


def _allowed_upward(source: str, target: str, kinds: set[str]) -> bool:
    if (source, target) == SHIM:
        return True
    runs_the_emulator = any(_within(source, name) for name in ENTRY_POINTS_MAY_RUN_THE_EMULATOR)
    return runs_the_emulator and _within(target, "kimi_openai.testing") and kinds == {"function"}


def test_the_scan_sees_the_package() -> None:
    # Guards the checks below against passing on an empty or misread graph.
    assert len(MODULES) > 100
    assert ("kimi_openai._client", "kimi_openai._state") in EDGES
    assert EDGES["kimi_openai._client", "kimi_openai.resources.chat"] == {"TYPE_CHECKING", "function"}


def test_every_module_has_a_floor() -> None:
    assert [module for module in MODULES if floor_of(module) is None] == []


def test_imports_run_down_the_floors() -> None:
    upward: list[str] = []
    for (source, target), kinds in sorted(EDGES.items()):
        source_floor, target_floor = floor_of(source), floor_of(target)
        assert source_floor is not None
        assert target_floor is not None
        if target_floor > source_floor and not _allowed_upward(source, target, kinds):
            upward.append(
                f"{source} (floor {source_floor}) -> {target} (floor {target_floor}) {sorted(kinds)}"
            )
    assert upward == []


def test_the_workflows_import_the_clients_for_type_checking_only() -> None:
    # `import kimi_openai.lib.<workflow>` stays cheap, and a workflow takes the client it is given.
    at_run_time = [
        source
        for (source, target), kinds in EDGES.items()
        if _within(source, "kimi_openai.lib")
        and target == "kimi_openai._client"
        and kinds != {"TYPE_CHECKING"}
    ]
    assert at_run_time == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part: list[str] = []
            while not part or part[-1] != node:
                part.append(stack.pop())
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycle_outside_the_emulator() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in EDGES:
        graph[source].add(target)
    outside = [cycle for cycle in _cycles(graph) if not all(_within(m, "kimi_openai.testing") for m in cycle)]
    assert outside == []


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"c"}}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert _cycles(edges) == expected
