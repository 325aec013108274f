"""``modelport deploy``, ``modelport deployments ...`` and ``modelport keys ...``."""

from __future__ import annotations

import time
from typing import Any

import click

from modelport.cli.client import CliContext, emit_json, print_table

REGION = click.option(
    "--region", default=None, help="The deployment's region (when the name is in several)."
)


def _params(region: str | None) -> dict[str, str]:
    return {"region": region} if region else {}


def wait_for(
    ctx: CliContext, name: str, region: str, timeout: float, quiet: bool
) -> dict[str, Any]:
    """Poll the deployment until it leaves ``creating``, with a progress display on stderr."""
    from rich.console import Console

    console = Console(stderr=True, quiet=quiet)
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    with console.status(f"Deploying {name}...") as status:
        while True:
            d: dict[str, Any] = ctx.call(
                "GET", f"/management/deployments/{name}", params={"region": region}
            )
            if d["state"] != "creating":
                return d
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"deployment {name} is still creating after {timeout:.0f} s "
                    f"({d['progress']}); check `modelport deployments show {name}`"
                )
            elapsed = time.monotonic() - started
            status.update(f"Deploying {name}: {d['progress'] or d['state']} ({elapsed:.0f} s)")
            time.sleep(0.3)


@click.command()
@click.argument("offer")
@click.option("--project", "-p", required=True, help="The project to deploy into.")
@click.option("--name", "-n", required=True, help="Deployment name: DNS-safe, unique per region.")
@click.option("--subscribe", is_flag=True, help="Subscribe the project to OFFER first.")
@click.option("--no-wait", is_flag=True, help="Return once the deployment is created.")
@click.option("--timeout", type=float, default=600, show_default=True, help="Seconds to wait.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def deploy(
    ctx: CliContext,
    offer: str,
    project: str,
    name: str,
    subscribe: bool,
    no_wait: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Deploy OFFER as a serverless API named NAME in PROJECT, and wait until it is ready."""
    d = ctx.call(
        "POST",
        f"/management/projects/{project}/deployments",
        json={"name": name, "offer": offer, "subscribe": subscribe},
    )
    if not no_wait:
        d = wait_for(ctx, name, d["region"], timeout, quiet=as_json)
    if as_json:
        emit_json(d)
    if d["state"] == "failed":
        raise click.ClickException(f"deployment {name} failed: {d['failure_reason']}")
    if as_json:
        return
    if d["state"] == "creating":
        click.echo(f"Deployment {name} is being created; see `modelport deployments show {name}`.")
        return
    click.secho(f"Deployment {name} ({d['model']}) is ready.", fg="green", bold=True)
    click.echo(f"  Target URL: {d['target_url']}")
    click.echo(f"  Keys:       modelport keys show {name}")


@click.group()
def deployments() -> None:
    """Serverless deployments."""


@deployments.command("list")
@click.option("--project", "-p", default=None, help="Only this project's deployments.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_deployments(ctx: CliContext, project: str | None, as_json: bool) -> None:
    """List deployments: name, target URL, state and model."""
    path = f"/management/projects/{project}/deployments" if project else "/management/deployments"
    items = ctx.call("GET", path)["data"]
    if as_json:
        emit_json(items)
        return
    print_table(
        ["name", "target_url", "state", "model"],
        [[d["name"], d["target_url"], d["state"], d["model"]] for d in items],
    )


@deployments.command("show")
@click.argument("name")
@REGION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show_deployment(ctx: CliContext, name: str, region: str | None, as_json: bool) -> None:
    """Show deployment NAME: state, progress, Target URL, engine."""
    d = ctx.call("GET", f"/management/deployments/{name}", params=_params(region))
    if as_json:
        emit_json(d)
        return
    click.secho(f"Deployment {d['name']} ({d['model']})", bold=True)
    for label in ("project", "region", "state", "progress", "target_url", "engine"):
        click.echo(f"  {label + ':':<12} {d[label]}")
    if d["host_url"]:
        click.echo(f"  {'host_url:':<12} {d['host_url']}")
    if d["failure_reason"]:
        click.secho(f"  reason:      {d['failure_reason']}", fg="red")


@deployments.command("delete")
@click.argument("name")
@REGION
@click.pass_obj
def delete_deployment(ctx: CliContext, name: str, region: str | None) -> None:
    """Delete deployment NAME: stop its engine and free its name."""
    ctx.call("DELETE", f"/management/deployments/{name}", params=_params(region))
    click.echo(f"Deleted deployment {name}.")


@click.group()
def keys() -> None:
    """Deployment keys."""


def _print_keys(data: dict[str, str], as_json: bool) -> None:
    if as_json:
        emit_json(data)
        return
    click.echo(f"primary:   {data['primary']}")
    click.echo(f"secondary: {data['secondary']}")


@keys.command("show")
@click.argument("name")
@REGION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show_keys(ctx: CliContext, name: str, region: str | None, as_json: bool) -> None:
    """Show the primary and secondary key of deployment NAME."""
    data = ctx.call("GET", f"/management/deployments/{name}/keys", params=_params(region))
    _print_keys(data, as_json)


@keys.command("regenerate")
@click.argument("name")
@click.option(
    "--key",
    "slot",
    type=click.Choice(["primary", "secondary"]),
    required=True,
    help="The key to replace; the other one keeps working.",
)
@REGION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def regenerate_key(
    ctx: CliContext, name: str, slot: str, region: str | None, as_json: bool
) -> None:
    """Regenerate one key of deployment NAME (rotate without downtime)."""
    data = ctx.call(
        "POST",
        f"/management/deployments/{name}/keys/regenerate",
        params=_params(region),
        json={"key": slot},
    )
    _print_keys(data, as_json)
