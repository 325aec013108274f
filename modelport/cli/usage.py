"""``modelport usage`` (reports) and ``modelport deployments limits`` (rate limits)."""

from __future__ import annotations

import csv
import sys
from typing import Any

import click

from modelport.cli.client import CliContext
from modelport.cli.output import emit_json, print_table

COLUMNS = [
    "requests",
    "prompt_tokens",
    "completion_tokens",
    "training_tokens",
    "hosting_hours",
    "compute_hours",
    "cost",
    "currency",
]


@click.command()
@click.option("--deployment", default=None, help="Only this deployment.")
@click.option("--project", default=None, help="Only this project.")
@click.option(
    "--by",
    type=click.Choice(["day", "deployment", "project", "subscription", "meter"]),
    default="deployment",
    show_default=True,
    help="How to group.",
)
@click.option("--since", default=None, help="First day (YYYY-MM-DD).")
@click.option("--until", default=None, help="Last day (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.pass_obj
def usage(
    ctx: CliContext,
    deployment: str | None,
    project: str | None,
    by: str,
    since: str | None,
    until: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Requests, tokens (inference and fine-tuning training), fine-tuned hosting hours and cost,
    grouped by day, deployment, project, subscription or meter."""
    if as_json and as_csv:
        raise click.UsageError("print --json or --csv, not both")
    params = {"by": by, "deployment": deployment, "project": project}
    params.update({"since": since, "until": until})
    report: dict[str, Any] = ctx.call(
        "GET", "/management/usage", params={k: v for k, v in params.items() if v}
    )
    if as_json:
        emit_json(report)
        return
    rows = [[str(g[by]), *(str(g[c]) for c in COLUMNS)] for g in report["data"]]
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([by, *COLUMNS])
        writer.writerows(rows)
        return
    total = report["total"]
    rows.append(["total", *(str(total[c]) for c in COLUMNS)])
    print_table([by, *COLUMNS], rows)


@click.command("limits")
@click.argument("name")
@click.option("--rpm", type=click.IntRange(min=1), default=None, help="Requests per minute.")
@click.option("--tpm", type=click.IntRange(min=1), default=None, help="Tokens per minute.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def limits(ctx: CliContext, name: str, rpm: int | None, tpm: int | None, as_json: bool) -> None:
    """Show or change the rate limits of deployment NAME (without options: show them)."""
    path = f"/management/deployments/{name}/limits"
    if rpm is None and tpm is None:
        data = ctx.call("GET", path)
    else:
        body = {"requests_per_minute": rpm, "tokens_per_minute": tpm}
        data = ctx.call("PATCH", path, json={k: v for k, v in body.items() if v is not None})
    if as_json:
        emit_json(data)
        return
    click.echo(f"requests per minute: {data['requests_per_minute']}")
    click.echo(f"tokens per minute:   {data['tokens_per_minute']}")
