"""``modelport projects ...`` and ``modelport subscriptions ...``."""

from __future__ import annotations

import click

from modelport.cli.client import CliContext
from modelport.cli.output import emit_json, print_listing


@click.group()
def projects() -> None:
    """Projects (workspaces): each lives in one region."""


@projects.command("create")
@click.argument("name")
@click.option("--region", default=None, help="A configured region (default: the default one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def create_project(ctx: CliContext, name: str, region: str | None, as_json: bool) -> None:
    """Create project NAME."""
    body: dict[str, str] = {"name": name}
    if region:
        body["region"] = region
    project = ctx.call("POST", "/management/projects", json=body)
    if as_json:
        emit_json(project)
        return
    click.echo(f"Created project {project['name']} in region {project['region']}.")


@projects.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_projects(ctx: CliContext, as_json: bool) -> None:
    """List projects."""
    items = ctx.call("GET", "/management/projects")["data"]
    print_listing(
        items,
        as_json,
        ["name", "region", "created"],
        lambda p: [p["name"], p["region"], p["created_at"]],
    )


@projects.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show_project(ctx: CliContext, name: str, as_json: bool) -> None:
    """Show project NAME with its subscriptions and deployments."""
    project = ctx.call("GET", f"/management/projects/{name}")
    project["subscriptions"] = ctx.call("GET", f"/management/projects/{name}/subscriptions")["data"]
    project["deployments"] = ctx.call("GET", f"/management/projects/{name}/deployments")["data"]
    if as_json:
        emit_json(project)
        return
    click.secho(f"Project {project['name']} (region {project['region']})", bold=True)
    click.echo("Subscriptions:")
    for s in project["subscriptions"] or []:
        click.echo(f"  {s['offer']}  {s['resource_id']}")
    click.echo("Deployments:")
    for d in project["deployments"] or []:
        click.echo(f"  {d['name']}  {d['offer']}  {d['state']}  {d['target_url']}")


@projects.command("delete")
@click.argument("name")
@click.pass_obj
def delete_project(ctx: CliContext, name: str) -> None:
    """Delete project NAME (it must have no deployments left)."""
    ctx.call("DELETE", f"/management/projects/{name}")
    click.echo(f"Deleted project {name}.")


@click.group()
def subscriptions() -> None:
    """Marketplace subscriptions: a project accepts an offer's terms before deploying it."""


@subscriptions.command("create")
@click.argument("offer")
@click.option("--project", "-p", required=True, help="The subscribing project.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def create_subscription(ctx: CliContext, offer: str, project: str, as_json: bool) -> None:
    """Subscribe PROJECT to OFFER, accepting its terms (idempotent)."""
    sub = ctx.call("POST", f"/management/projects/{project}/subscriptions", json={"offer": offer})
    if as_json:
        emit_json(sub)
        return
    click.echo(f"Project {project} subscribes to {offer} ({sub['license']}).")
    click.echo(f"  Resource: {sub['resource_id']}")
    click.echo("  Meters:   " + ", ".join(m["name"] for m in sub["meters"]))


@subscriptions.command("list")
@click.option("--project", "-p", required=True, help="The project.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_subscriptions(ctx: CliContext, project: str, as_json: bool) -> None:
    """List the subscriptions of PROJECT."""
    items = ctx.call("GET", f"/management/projects/{project}/subscriptions")["data"]
    print_listing(
        items,
        as_json,
        ["offer", "resource id", "licence", "created"],
        lambda s: [s["offer"], s["resource_id"], s["license"] or "-", s["created_at"]],
    )


@subscriptions.command("delete")
@click.argument("offer")
@click.option("--project", "-p", required=True, help="The project.")
@click.pass_obj
def delete_subscription(ctx: CliContext, offer: str, project: str) -> None:
    """Cancel the subscription of PROJECT to OFFER (no deployment of it may remain)."""
    ctx.call("DELETE", f"/management/projects/{project}/subscriptions/{offer}")
    click.echo(f"Project {project} no longer subscribes to {offer}.")
