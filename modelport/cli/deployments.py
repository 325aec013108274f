"""``modelport deploy``, ``modelport deployments ...`` and ``modelport keys ...``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from modelport.cli.client import CliContext
from modelport.cli.engine_options import (
    ENGINE_OPTION_FLAGS,
    engine_flags,
    engine_options,
    in_flags,
)
from modelport.cli.output import emit_json, print_field, print_listing, print_table

REGION = click.option(
    "--region", default=None, help="The deployment's region (when the name is in several)."
)


def _params(region: str | None) -> dict[str, str]:
    return {"region": region} if region else {}


def _scale(instances: int | None, min_instances: int | None, idle: int | None) -> dict[str, int]:
    given = {"instances": instances, "min_instances": min_instances, "idle_timeout": idle}
    return {k: v for k, v in given.items() if v is not None}


def _print_replicas(d: dict[str, Any]) -> None:
    floor = d["min_instances"]
    idle = f" (down to {floor} after {d['idle_timeout']} s idle)" if floor < d["instances"] else ""
    print_field("replicas", f"{len(d['replicas'])} of {d['instances']}{idle}", 12)
    if d["replicas"]:
        print_table(
            ["#", "node", "runtime", "state", "in flight", "restarts", "url"],
            [
                [
                    str(r["ordinal"]),
                    r["node"] or "",
                    r["runtime"],
                    r["state"] + (f" ({r['last_error']})" if r["last_error"] else ""),
                    str(r["requests_in_flight"]),
                    str(r["restarts"]),
                    r["url"] or "",
                ]
                for r in d["replicas"]
            ],
        )


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


def wait_ready(
    ctx: CliContext, name: str, region: str, timeout: float, quiet: bool
) -> dict[str, Any]:
    """Poll the deployment until its engine is ready or has failed, with a progress display."""
    from rich.console import Console

    console = Console(stderr=True, quiet=quiet)
    deadline = time.monotonic() + timeout
    with console.status(f"Restarting {name}...") as status:
        while True:
            d: dict[str, Any] = ctx.call(
                "GET", f"/management/deployments/{name}", params={"region": region}
            )
            if d["readiness"] in ("ready", "failed"):
                return d
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"deployment {name} is still {d['readiness']} after {timeout:.0f} s"
                )
            status.update(f"Restarting {name}: {d['progress'] or d['readiness']}")
            time.sleep(0.3)


@click.command()
@click.argument("offer")
@click.option("--project", "-p", required=True, help="The project to deploy into.")
@click.option("--name", "-n", required=True, help="Deployment name: DNS-safe, unique per region.")
@click.option("--subscribe", is_flag=True, help="Subscribe the project to OFFER first.")
@click.option(
    "--engine",
    default=None,
    help="llamacpp, vllm, openai_compat (see GET /management/engines); default: the first of "
    "the offer's engines that can run it here.",
)
@engine_flags(changing=False)
@click.option("--instances", type=int, default=None, help="Replicas while in use (default 1).")
@click.option(
    "--min-instances", type=int, default=None, help="Replicas once idle (0: scale to zero)."
)
@click.option(
    "--idle-timeout", type=int, default=None, help="Seconds idle before scaling down (300)."
)
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
    engine: str | None,
    context: int | None,
    slots: int | None,
    threads: int | None,
    engine_url: str | None,
    engine_key_file: Path | None,
    engine_model: str | None,
    engine_wire: str | None,
    instances: int | None,
    min_instances: int | None,
    idle_timeout: int | None,
    no_wait: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Deploy OFFER as a serverless API named NAME in PROJECT, and wait until it is ready."""
    body: dict[str, Any] = {"name": name, "offer": offer, "subscribe": subscribe}
    body.update(_scale(instances, min_instances, idle_timeout))
    if engine is not None:
        body["engine"] = engine
    options = engine_options(
        context, slots, threads, engine_url, engine_key_file, engine_model, engine_wire
    )
    if options:
        body["engine_options"] = options
    d = ctx.call(
        "POST",
        f"/management/projects/{project}/deployments",
        json=body,
        rephrase=in_flags(ENGINE_OPTION_FLAGS),
    )
    if not no_wait:
        d = wait_for(ctx, name, d["region"], timeout, quiet=as_json)
    if as_json:
        emit_json(d)
    if d["state"] == "failed":
        raise click.ClickException(
            f"deployment {name} failed: {d['failure_reason']} (Modelport tries again on its "
            f"own; `modelport deployments restart {name}` tries now)"
        )
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
@click.option(
    "--name", "-n", default=None, help="Only the deployments of this name (one per region)."
)
@click.option(
    "--region", default=None, help="Only the deployments in this region (not with --project)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_deployments(
    ctx: CliContext, project: str | None, name: str | None, region: str | None, as_json: bool
) -> None:
    """List deployments: name, target URL, state and model."""
    if project and region:
        raise click.UsageError("a project lives in one region: give --project or --region")
    path = f"/management/projects/{project}/deployments" if project else "/management/deployments"
    params = {k: v for k, v in (("name", name), ("region", region)) if v is not None}
    items = ctx.call("GET", path, params=params)["data"]
    print_listing(
        items,
        as_json,
        ["name", "target_url", "state", "model"],
        lambda d: [d["name"], d["target_url"], d["state"], d["model"]],
    )


@deployments.command("show")
@click.argument("name")
@REGION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show_deployment(ctx: CliContext, name: str, region: str | None, as_json: bool) -> None:
    """Show deployment NAME: state, readiness, Target URL, engine and its options."""
    d = ctx.call("GET", f"/management/deployments/{name}", params=_params(region))
    if as_json:
        emit_json(d)
        return
    click.secho(f"Deployment {d['name']} ({d['model']})", bold=True)
    for label in ("project", "region", "state", "progress", "target_url", "engine"):
        print_field(label, d[label], 12)
    readiness = d["readiness"]
    if d["readiness_reason"]:
        readiness += f": {d['readiness_reason']}"
    print_field("readiness", readiness, 12)
    for option, value in sorted(d["engine_options"].items()):
        print_field("  " + option, value, 12)
    status = d["engine_status"] or {}
    if status.get("context"):
        print_field("context", f"{status['context']} tokens per request", 12)
    if d["host_url"]:
        print_field("host_url", d["host_url"], 12)
    if d["failure_reason"]:
        click.secho(f"  reason:      {d['failure_reason']}", fg="red")
    _print_replicas(d)


@deployments.command("scale")
@click.argument("name")
@REGION
@click.option("--instances", type=int, required=True, help="Replicas while in use.")
@click.option(
    "--min-instances", type=int, default=None, help="Replicas once idle (0: scale to zero)."
)
@click.option(
    "--idle-timeout", type=int, default=300, show_default=True, help="Seconds idle before."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def scale_deployment(
    ctx: CliContext,
    name: str,
    region: str | None,
    instances: int,
    min_instances: int | None,
    idle_timeout: int,
    as_json: bool,
) -> None:
    """Set how many replicas deployment NAME runs (and how few once idle; 0 scales to zero)."""
    d = ctx.call(
        "PUT",
        f"/management/deployments/{name}/scale",
        params=_params(region),
        json=_scale(instances, min_instances, idle_timeout),
    )
    if as_json:
        emit_json(d)
        return
    click.echo(
        f"Deployment {name}: {d['instances']} instance(s), {d['min_instances']} once idle "
        f"for {d['idle_timeout']} s."
    )


@deployments.command("restart")
@click.argument("name")
@REGION
@click.option("--no-wait", is_flag=True, help="Return once the restart has begun.")
@click.option("--timeout", type=float, default=600, show_default=True, help="Seconds to wait.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def restart_deployment(
    ctx: CliContext, name: str, region: str | None, no_wait: bool, timeout: float, as_json: bool
) -> None:
    """Restart the engine of deployment NAME (a failed one is tried again now); its Target URL
    and keys stay the same."""
    d = ctx.call("POST", f"/management/deployments/{name}/restart", params=_params(region))
    if not no_wait:
        d = wait_ready(ctx, name, d["region"], timeout, quiet=as_json)
    if as_json:
        emit_json(d)
    if d["readiness"] == "failed":
        raise click.ClickException(f"deployment {name} failed: {d['readiness_reason']}")
    if not as_json:
        click.echo(f"Deployment {name} is {d['readiness']}.")


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
