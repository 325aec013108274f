"""``modelport deployments ...`` and ``modelport keys ...``."""

from __future__ import annotations

import click

from modelport.cli.client import CliContext, emit_json, print_table


@click.group()
def deployments() -> None:
    """Serverless deployments."""


@deployments.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_deployments(ctx: CliContext, as_json: bool) -> None:
    """List deployments: name, target URL, state and model."""
    items = ctx.call("GET", "/management/deployments")["data"]
    if as_json:
        emit_json(items)
        return
    print_table(
        ["name", "target_url", "state", "model"],
        [[d["name"], d["target_url"], d["state"], d["model"]] for d in items],
    )


@click.group()
def keys() -> None:
    """Deployment keys."""


@keys.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show_keys(ctx: CliContext, name: str, as_json: bool) -> None:
    """Show the primary and secondary key of deployment NAME."""
    data = ctx.call("GET", f"/management/deployments/{name}/keys")
    if as_json:
        emit_json(data)
        return
    click.echo(f"primary:   {data['primary']}")
    click.echo(f"secondary: {data['secondary']}")
