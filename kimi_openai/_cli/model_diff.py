"""The spec table against a served ``GET /v1/models`` list: what is new, gone, or different.

Pure: :func:`compare_models` takes the table's specs and the listed model objects (anything
with ``id`` and ``context_length``, as ``client.models.list()`` yields), and returns a
:class:`ModelsReport`; :func:`render_report` makes it readable. Moonshot's list carries
``context_length`` per model (https://platform.kimi.ai/docs/api/list-models).

Only rows for Moonshot's platform take part (open-weight rows are served by whoever hosts
them), and a retired row is expected to be absent. What counts as a difference:

* a listed id with no row (the table does not know a new model);
* a row the table calls served (not retired) that the list lacks;
* a context length the table states that the list contradicts;
* a listed id the table calls retired.

A row with no context length, where the list states one, is reported as a gap to fill, not
as a difference: the table does not claim anything the server contradicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from kimi_openai import ModelSpec

__all__ = [
    "ContextGap",
    "ContextMismatch",
    "ModelsReport",
    "NewModel",
    "ServedModel",
    "compare_models",
    "render_report",
]


class ServedModel(Protocol):
    """One ``GET /v1/models`` item (``kimi_openai.types.model.KimiModel`` fits)."""

    @property
    def id(self) -> str: ...

    @property
    def context_length(self) -> int | None: ...


@dataclass(frozen=True)
class ContextMismatch:
    model: str
    table: int
    served: int


@dataclass(frozen=True)
class ContextGap:
    model: str
    served: int


@dataclass(frozen=True)
class NewModel:
    model: str
    context_length: int | None


@dataclass(frozen=True)
class ModelsReport:
    """The differences between the table and one listing; every field sorted by id."""

    listed: int
    """How many ids the server listed."""
    expected: int
    """How many rows the table expects the server to list."""
    new: tuple[NewModel, ...] = ()
    """Listed ids with no row in the table."""
    gone: tuple[str, ...] = ()
    """Rows the table calls served that are not listed."""
    context: tuple[ContextMismatch, ...] = ()
    """Context lengths the table and the list disagree on."""
    listed_retired: tuple[str, ...] = ()
    """Listed ids the table calls retired."""
    gaps: tuple[ContextGap, ...] = ()
    """Rows with no context length, where the list states one (not a difference)."""

    @property
    def differs(self) -> bool:
        return bool(self.new or self.gone or self.context or self.listed_retired)


def compare_models(table: Iterable[ModelSpec], served: Iterable[ServedModel]) -> ModelsReport:
    """How ``served`` (one ``/v1/models`` listing) differs from the spec table ``table``."""
    rows = {spec.id: spec for spec in table if spec.hosting == "moonshot"}
    listed = {model.id: model.context_length for model in served}
    new = [NewModel(m, listed[m]) for m in sorted(listed.keys() - rows.keys())]
    expected = sorted(m for m, spec in rows.items() if spec.lifecycle != "retired")
    context: list[ContextMismatch] = []
    gaps: list[ContextGap] = []
    for model in sorted(listed.keys() & rows.keys()):
        stated, served_length = rows[model].context_length, listed[model]
        if served_length is None or stated == served_length:
            continue
        if stated is None:
            gaps.append(ContextGap(model, served_length))
        else:
            context.append(ContextMismatch(model, stated, served_length))
    return ModelsReport(
        listed=len(listed),
        expected=len(expected),
        new=tuple(new),
        gone=tuple(m for m in expected if m not in listed),
        context=tuple(context),
        listed_retired=tuple(m for m in sorted(listed) if m in rows and rows[m].lifecycle == "retired"),
        gaps=tuple(gaps),
    )


def _tokens(value: int | None) -> str:
    return "context not stated" if value is None else f"context {value:,}"


def _section(title: str, lines: Sequence[str]) -> list[str]:
    return [f"{title} ({len(lines)}):", *(f"  {line}" for line in lines)] if lines else []


def render_report(report: ModelsReport, *, source: str) -> str:
    """The report as text: a summary line, one section per kind of difference, a verdict."""
    lines = [f"Compared with {source}: {report.listed} ids listed, {report.expected} expected by the table."]
    lines += _section(
        "New ids, listed but not in the table",
        [f"{n.model} ({_tokens(n.context_length)})" for n in report.new],
    )
    lines += _section("Ids gone, in the table as served but not listed", report.gone)
    lines += _section(
        "Context lengths that differ",
        [f"{c.model}: table {c.table:,}, server {c.served:,}" for c in report.context],
    )
    lines += _section("Listed, though the table says retired", report.listed_retired)
    lines += _section(
        "Context lengths only the server states, to add to the table",
        [f"{g.model}: server {g.served:,}" for g in report.gaps],
    )
    verdict = (
        "The spec table differs from the server: its rows need updating."
        if report.differs
        else "The spec table matches the server."
    )
    return "\n".join([*lines, verdict]) + "\n"
