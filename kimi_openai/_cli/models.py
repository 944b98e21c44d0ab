"""``kimi-openai models``: the spec table, and with a key its comparison with the live list."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from .connect import NO_KEY, live_client, public_url
from .console import Console
from .errors import ExitCode
from .model_diff import ModelsReport, compare_models, render_report
from .model_table import known_specs, render_table

__all__ = ["configure"]

DESCRIPTION = """\
Print the model spec table the request checks use: id, context length, thinking, list prices
and lifecycle. With a key set, also list the live GET /v1/models and report new ids, ids gone
and context lengths that differ; the exit status is 3 when they differ."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.add_argument(
        "--json", action="store_true", help="print the table (and the comparison) as one JSON object"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    specs = known_specs()
    client = live_client()
    report: ModelsReport | None = None
    source: str | None = None
    if client is None:
        console.note(f"{NO_KEY}: the spec table only. Set a key to compare it with the live /v1/models.")
    else:
        with client:
            source = f"GET {public_url(client, 'models')}"
            report = compare_models(specs, client.models.list())
    if args.json:
        comparison = (
            None if report is None else {"source": source, "differs": report.differs, **asdict(report)}
        )
        console.print(json.dumps({"models": [asdict(s) for s in specs], "comparison": comparison}))
    else:
        console.out.write(render_table(specs))
        if report is not None and source is not None:
            console.print()
            console.out.write(render_report(report, source=source))
    return ExitCode.MODELS_DIFFER if report is not None and report.differs else ExitCode.OK
