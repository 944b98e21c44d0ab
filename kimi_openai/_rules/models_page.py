"""``docs/models.md``, built from the model spec table so the page and the checks never disagree.

Run ``python -m kimi_openai._rules.models_page > docs/models.md`` after changing a row;
``tests/rules/test_models_page.py`` fails while the page is stale.
"""

from __future__ import annotations

from typing import Final

from .model_specs import ModelRegistry, ModelSpec, Price, default_registry

__all__ = ["render_models_markdown"]


_WARN: Final = " \u26a0"
_DASH: Final = "\u2013"


def _cell(value: object) -> str:
    if value is None:
        return "?"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, tuple):
        items = [str(v) for v in value]  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        return "\u2013".join(items) if value and isinstance(value[0], float) else " / ".join(items) or "?"
    return str(value)


def _sampling(spec: ModelSpec) -> str:
    if spec.fixed_temperature_thinking is not None:
        off = spec.fixed_temperature_no_thinking
        temps = f"T={spec.fixed_temperature_thinking}" + ("" if off is None else f" (thinking) / {off}")
        return f"fixed: {temps}, top_p={spec.fixed_top_p}, n={spec.fixed_n}, penalties={spec.fixed_penalty}"
    parts = [f"T {_cell(spec.temperature_range)}"] if spec.temperature_range else []
    if spec.recommended_temperature is not None:
        parts.append(f"recommended T={spec.recommended_temperature}")
    if spec.max_n is not None:
        parts.append(f"n\u2264{spec.max_n}")
    return ", ".join(parts) or "?"


def _thinking(spec: ModelSpec) -> str:
    keep = ", keep" if spec.thinking_keep_supported else ""
    if spec.thinking_keep_default:
        keep += f" (default {spec.thinking_keep_default})"
    default = f" (default {spec.thinking_default})" if spec.thinking == "configurable" else ""
    return f"{spec.thinking}{default}{keep}"


def _price(p: Price) -> str:
    write = (
        ""
        if p.cache_write_5m is None
        else f"; cache write {p.cache_write_5m} (5m) / {_cell(p.cache_write_1h)} (1h)"
    )
    return f"{p.currency} {_cell(p.cache_hit)} / {p.cache_miss} / {p.output}{write}{'' if p.confirmed else _WARN}"


def _prices(spec: ModelSpec) -> str:
    rows = [_price(p) for p in spec.prices]
    return "<br>".join(rows) or "\u2013"


def _lifecycle(spec: ModelSpec) -> str:
    date = f" ({spec.lifecycle_date})" if spec.lifecycle_date else ""
    use = f"; use {' or '.join(f'`{r}`' for r in spec.replacement)}" if spec.replacement else ""
    released = f"released {spec.release_date}; " if spec.release_date else ""
    return f"{released}{spec.lifecycle}{date}{use}"


def _effort(spec: ModelSpec) -> str:
    default = f" (default {spec.reasoning_effort_default})" if spec.reasoning_effort_default else ""
    return f"{_cell(spec.reasoning_effort_values)}{default}"


def _field(spec: ModelSpec) -> str:
    return f" (`{spec.max_tokens_field}`)" if spec.max_tokens_field else ""


_HEADER: Final = """<!-- Regenerate: python -m kimi_openai._rules.models_page > docs/models.md (do not edit by hand). -->
# Models

This page is built from the spec table in `kimi_openai/_rules/model_specs.py`; regenerate it with
`python -m kimi_openai._rules.models_page > docs/models.md`. `get_model_spec(model)` looks a model up by
exact id, then by family prefix, then falls back to a permissive default that checks only
what holds for every model. Unknown ids are never rejected. `refresh_model_specs()` merges
live `GET /v1/models` data (context length, image/video input, reasoning) over the table.

Prices are per million tokens: cache hit / cache miss / output. \u26a0 marks third-party figures.
"?" means not documented (and therefore not checked).
"""


def render_models_markdown(registry: ModelRegistry | None = None) -> str:
    """The ``docs/models.md`` page, built from the spec table."""
    reg = registry or default_registry
    lines = [
        _HEADER,
        "## Known models\n",
        "| Model | Family | Context | Default / max output (field) | Thinking | Sampling | Image / video"
        " | `tool_choice=required` | `reasoning_effort` | Prices | Lifecycle |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in reg.table():
        lines.append(
            f"| `{s.id}` | {s.family} | {_cell(s.context_length)} |"
            f" {_cell(s.default_max_output_tokens)} / {_cell(s.max_output_tokens)}{_field(s)} | {_thinking(s)} |"
            f" {_sampling(s)} | {_cell(s.supports_image_in)} / {_cell(s.supports_video_in)} |"
            f" {_cell(s.supports_tool_choice_required)} | {_effort(s)} |"
            f" {_prices(s)} | {_lifecycle(s)} |"
        )
    notes = [f"- `{s.id}`: {note}" for s in reg.table() for note in s.notes]
    lines += ["", "## Notes\n", *notes] if notes else []
    lines += ["", "## Family prefixes\n", "| Prefix | Also contains | Rules of | Thinking | Sampling |"]
    lines.append("|---|---|---|---|---|")
    for prefix, marker, t in reg.families():
        lines.append(f"| `{prefix}` | {marker or _DASH} | {t.family} | {_thinking(t)} | {_sampling(t)} |")
    sources = sorted(
        {
            src
            for s in reg.table()
            for src in (*s.sources, *(p.source for p in s.prices), s.lifecycle_source)
            if src
        }
    )
    lines += ["", "## Sources\n", *(f"- {src}" for src in sources), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_models_markdown(), end="")
