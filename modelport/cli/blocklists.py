"""``modelport blocklists``: custom content-safety blocklists (per deployment or platform-wide)."""

from __future__ import annotations

from typing import Any

import click

from modelport.cli.client import CliContext
from modelport.cli.output import emit_json

PATH = "/management/content-safety/blocklists"


def _show(data: dict[str, Any]) -> None:
    where = (
        "every deployment"
        if data["scope"] == "platform"
        else f"deployment {data['deployment']} ({data['region']})"
    )
    click.secho(f"{data['name']}: {len(data['items'])} item(s), applies to {where}", bold=True)
    if data["description"]:
        click.echo(f"  {data['description']}")
    for item in data["items"]:
        click.echo(f"  {item['kind']:<8} {item['text']}")


@click.group("blocklists")
def blocklists() -> None:
    """Custom blocklists: exact terms and patterns that content safety always blocks."""


@blocklists.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_(ctx: CliContext, as_json: bool) -> None:
    """List the blocklists."""
    data = ctx.call("GET", PATH)
    if as_json:
        emit_json(data)
        return
    if not data["data"]:
        click.echo("No blocklists.")
    for entry in data["data"]:
        _show(entry)


@blocklists.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show(ctx: CliContext, name: str, as_json: bool) -> None:
    """Show blocklist NAME."""
    data = ctx.call("GET", f"{PATH}/{name}")
    emit_json(data) if as_json else _show(data)


@blocklists.command("set")
@click.argument("name")
@click.option("--term", "terms", multiple=True, help="An exact term (whole words). Repeatable.")
@click.option("--pattern", "patterns", multiple=True, help="A regular expression. Repeatable.")
@click.option("--deployment", default=None, help="Apply to this deployment only (default: all).")
@click.option("--region", default=None, help="The deployment's region (when ambiguous).")
@click.option("--description", default="", help="What the list is for.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def set_(
    ctx: CliContext,
    name: str,
    terms: tuple[str, ...],
    patterns: tuple[str, ...],
    deployment: str | None,
    region: str | None,
    description: str,
    as_json: bool,
) -> None:
    """Create or replace blocklist NAME with the given terms and patterns."""
    if not terms and not patterns:
        raise click.UsageError("give at least one --term or --pattern")
    items = [{"text": t, "kind": "exact"} for t in terms]
    items += [{"text": p, "kind": "pattern"} for p in patterns]
    body: dict[str, Any] = {"description": description, "items": items}
    if deployment:
        body["deployment"] = deployment
        if region:
            body["region"] = region
    data = ctx.call("PUT", f"{PATH}/{name}", json=body)
    emit_json(data) if as_json else _show(data)


@blocklists.command("delete")
@click.argument("name")
@click.pass_obj
def delete(ctx: CliContext, name: str) -> None:
    """Delete blocklist NAME."""
    ctx.call("DELETE", f"{PATH}/{name}")
    click.echo(f"Deleted blocklist {name}.")
