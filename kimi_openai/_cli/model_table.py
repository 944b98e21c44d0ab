"""The spec table as ``kimi-openai models`` prints it: one aligned line per known model.

Built from the public lookup (every id of ``KnownModel`` through ``get_model_spec``), so it
prints whatever line-up the installed package knows, with no list of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, get_args

from kimi_openai import KnownModel, ModelSpec, Price, get_model_spec

from .console import columns

__all__ = ["TABLE_NOTES", "known_specs", "render_table", "table_row"]

HEADER: Final = ("MODEL", "CONTEXT", "THINKING", "PRICES", "LIFECYCLE")
TABLE_NOTES: Final = (
    "Prices per million tokens: cache hit / cache miss / output; * a third-party figure.",
    "? not documented (not checked); - none.",
)


def known_specs() -> tuple[ModelSpec, ...]:
    """The spec of every model with a row in the table, in table order."""
    return tuple(get_model_spec(model) for model in get_args(KnownModel))


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _price(price: Price) -> str:
    mark = "" if price.confirmed else "*"
    figures = "/".join((_number(price.cache_hit), _number(price.cache_miss), _number(price.output)))
    return f"{price.currency} {figures}{mark}"


def _thinking(spec: ModelSpec) -> str:
    default = f", default {spec.thinking_default}" if spec.thinking == "configurable" else ""
    keep = ", keep" if spec.thinking_keep_supported else ""
    return f"{spec.thinking}{default}{keep}"


def _lifecycle(spec: ModelSpec) -> str:
    state = f"{spec.lifecycle} ({spec.lifecycle_date})" if spec.lifecycle_date else spec.lifecycle
    return f"{state} -> {spec.replacement[0]}" if spec.replacement else state


def table_row(spec: ModelSpec) -> tuple[str, ...]:
    context = "?" if spec.context_length is None else f"{spec.context_length:,}"
    prices = "  ".join(_price(p) for p in spec.prices) or "-"
    return (spec.id, context, _thinking(spec), prices, _lifecycle(spec))


def render_table(specs: Sequence[ModelSpec]) -> str:
    """The table with its header and notes, ending in a newline."""
    lines = columns([HEADER, *(table_row(spec) for spec in specs)], right=frozenset({1}))
    return "\n".join([*lines, "", *TABLE_NOTES]) + "\n"
