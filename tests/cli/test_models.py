"""``kimi-openai models``: the spec table, and its comparison with a served ``/v1/models``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest
from _cli_helpers import run_cli, served_with_key, without_key

from kimi_openai import KnownModel, ModelSpec, get_model_spec
from kimi_openai._cli.model_diff import ContextGap, ContextMismatch, NewModel, compare_models, render_report
from kimi_openai._cli.model_table import known_specs, render_table
from kimi_openai.testing import ModelCard, MoonshotEmulator
from kimi_openai.types.model import KimiModel

SOURCE = "GET https://api.moonshot.ai/v1/models"


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_key(monkeypatch, tmp_path)


def _spec(model: str, context: int | None, **fields: object) -> ModelSpec:
    return ModelSpec(id=model, family=model, context_length=context, **fields)  # pyright: ignore[reportArgumentType]


def _listed(*items: tuple[str, int | None]) -> list[KimiModel]:
    return [
        KimiModel(id=model, object="model", created=0, owned_by="moonshot", context_length=context)
        for model, context in items
    ]


TABLE = (
    _spec("kimi-a", 262_144, lifecycle="current"),
    _spec("kimi-b", 131_072, lifecycle="deprecated"),
    _spec("kimi-old", 8_192, lifecycle="retired"),
    _spec("kimi-new-code", None, lifecycle="current"),
    _spec("moonshotai/Kimi-Open", 131_072, lifecycle="current", hosting="self_hosted"),
)


# The pure comparison


def test_a_listing_that_matches_the_table_is_no_difference() -> None:
    report = compare_models(TABLE, _listed(("kimi-a", 262_144), ("kimi-b", 131_072), ("kimi-new-code", None)))
    assert not report.differs
    assert (report.listed, report.expected) == (3, 3)
    assert render_report(report, source=SOURCE) == (
        f"Compared with {SOURCE}: 3 ids listed, 3 expected by the table.\nThe spec table matches the server.\n"
    )


def test_new_ids_are_a_difference() -> None:
    report = compare_models(
        TABLE,
        _listed(("kimi-a", 262_144), ("kimi-b", 131_072), ("kimi-new-code", None), ("kimi-z", 1_048_576)),
    )
    assert report.differs
    assert report.new == (NewModel("kimi-z", 1_048_576),)
    assert "New ids, listed but not in the table (1):\n  kimi-z (context 1,048,576)\n" in render_report(
        report, source=SOURCE
    )


def test_ids_gone_are_a_difference_but_a_retired_row_is_expected_to_be_absent() -> None:
    report = compare_models(TABLE, _listed(("kimi-a", 262_144), ("kimi-new-code", None)))
    assert report.differs
    assert report.gone == ("kimi-b",)
    assert "Ids gone, in the table as served but not listed (1):\n  kimi-b\n" in render_report(
        report, source=SOURCE
    )


def test_a_context_length_the_server_contradicts_is_a_difference() -> None:
    report = compare_models(TABLE, _listed(("kimi-a", 131_072), ("kimi-b", 131_072), ("kimi-new-code", None)))
    assert report.differs
    assert report.context == (ContextMismatch("kimi-a", 262_144, 131_072),)
    assert "Context lengths that differ (1):\n  kimi-a: table 262,144, server 131,072\n" in render_report(
        report, source=SOURCE
    )


def test_a_listed_id_the_table_calls_retired_is_a_difference() -> None:
    listing = _listed(("kimi-a", 262_144), ("kimi-b", 131_072), ("kimi-new-code", None), ("kimi-old", 8_192))
    report = compare_models(TABLE, listing)
    assert report.differs
    assert report.listed_retired == ("kimi-old",)
    assert "Listed, though the table says retired (1):\n  kimi-old\n" in render_report(report, source=SOURCE)


def test_a_context_length_only_the_server_states_is_a_gap_not_a_difference() -> None:
    report = compare_models(
        TABLE, _listed(("kimi-a", 262_144), ("kimi-b", 131_072), ("kimi-new-code", 262_144))
    )
    assert not report.differs
    assert report.gaps == (ContextGap("kimi-new-code", 262_144),)
    text = render_report(report, source=SOURCE)
    assert (
        "Context lengths only the server states, to add to the table (1):\n  kimi-new-code: server 262,144\n"
        in text
    )
    assert text.endswith("The spec table matches the server.\n")


def test_open_weight_rows_are_not_expected_from_moonshot() -> None:
    report = compare_models(TABLE, _listed(("kimi-a", 262_144), ("kimi-b", 131_072), ("kimi-new-code", None)))
    assert "moonshotai/Kimi-Open" not in report.gone


def test_every_difference_is_reported_at_once() -> None:
    report = compare_models(TABLE, _listed(("kimi-a", 1), ("kimi-old", 8_192), ("kimi-z", None)))
    text = render_report(report, source=SOURCE)
    assert text.splitlines() == [
        f"Compared with {SOURCE}: 3 ids listed, 3 expected by the table.",
        "New ids, listed but not in the table (1):",
        "  kimi-z (context not stated)",
        "Ids gone, in the table as served but not listed (2):",
        "  kimi-b",
        "  kimi-new-code",
        "Context lengths that differ (1):",
        "  kimi-a: table 262,144, server 1",
        "Listed, though the table says retired (1):",
        "  kimi-old",
        "The spec table differs from the server: its rows need updating.",
    ]


# The table


def test_the_table_has_a_row_for_every_known_model_with_its_facts() -> None:
    text = render_table(known_specs())
    lines = text.splitlines()
    assert lines[0].split() == ["MODEL", "CONTEXT", "THINKING", "PRICES", "LIFECYCLE"]
    known = get_args(KnownModel)
    assert lines[len(known) + 1] == ""  # the rows, then the notes
    rows = {line.split()[0]: line for line in lines[1 : len(known) + 1]}
    assert list(rows) == list(known)
    for model, line in rows.items():
        spec = get_model_spec(model)
        context = "?" if spec.context_length is None else f"{spec.context_length:,}"
        assert f"  {context}  " in line
        assert f"  {spec.thinking}" in line
        assert spec.lifecycle in line
        for price in spec.prices:
            assert f"{price.currency} " in line
            assert f"/{price.cache_miss:.2f}/{price.output:.2f}" in line


def test_offline_models_prints_the_table_and_says_no_comparison_ran(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = run_cli(capsys, "models")
    assert run.code == 0
    assert run.out == render_table(known_specs())
    assert run.err == (
        "No MOONSHOT_API_KEY (or KIMI_API_KEY) set: the spec table only. "
        "Set a key to compare it with the live /v1/models.\n"
    )


def test_offline_models_json(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "models", "--json")
    document = json.loads(run.out)
    assert document["comparison"] is None
    assert [row["id"] for row in document["models"]] == list(get_args(KnownModel))
    assert (
        document["models"][0]["context_length"] == get_model_spec(document["models"][0]["id"]).context_length
    )


# The comparison through the command, against a stand-in /v1/models


def _matching_catalogue() -> list[ModelCard]:
    """The table's served rows as a server would list them (a stated length where the table has none)."""
    return [
        ModelCard(spec.id, spec.context_length or 262_144)
        for spec in known_specs()
        if spec.hosting == "moonshot" and spec.lifecycle != "retired"
    ]


def test_models_with_a_key_and_a_matching_list_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_with_key(monkeypatch, MoonshotEmulator(models=_matching_catalogue())) as base_url:
        run = run_cli(capsys, "models")
    assert (run.code, run.err) == (0, "")
    table, report = run.out.split("\n\nCompared with ", 1)
    assert table + "\n" == render_table(known_specs())
    assert report.startswith(f"GET {base_url}/models: ")
    assert report.endswith("The spec table matches the server.\n")


def test_models_with_a_key_and_a_different_list_reports_and_exits_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, *rest = _matching_catalogue()
    second = next(card for card in rest if get_model_spec(card.id).context_length)  # one the table states
    changed = ModelCard(second.id, second.context_length // 2)
    catalogue = [changed if card is second else card for card in rest] + [
        ModelCard("kimi-k9-preview", 2_097_152)
    ]
    with served_with_key(monkeypatch, MoonshotEmulator(models=catalogue)):
        run = run_cli(capsys, "models")
    assert run.code == 3
    assert "New ids, listed but not in the table (1):\n  kimi-k9-preview (context 2,097,152)\n" in run.out
    assert f"Ids gone, in the table as served but not listed (1):\n  {first.id}\n" in run.out
    assert (
        f"Context lengths that differ (1):\n  {second.id}: table {second.context_length:,},"
        f" server {changed.context_length:,}\n"
    ) in run.out
    assert run.out.endswith("The spec table differs from the server: its rows need updating.\n")


def test_models_json_with_a_key_carries_the_comparison(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = [*_matching_catalogue(), ModelCard("kimi-k9-preview", 2_097_152)]
    with served_with_key(monkeypatch, MoonshotEmulator(models=catalogue)) as base_url:
        run = run_cli(capsys, "models", "--json")
    assert run.code == 3
    comparison = json.loads(run.out)["comparison"]
    assert comparison["source"] == f"GET {base_url}/models"
    assert comparison["differs"] is True
    assert comparison["new"] == [{"model": "kimi-k9-preview", "context_length": 2_097_152}]


def test_models_exits_1_when_the_list_cannot_be_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_with_key(monkeypatch, MoonshotEmulator(api_keys=["sk-another"])):
        run = run_cli(capsys, "models")
    assert run.code == 1
    assert run.out == ""
    assert "IncorrectAPIKeyError" in run.err
