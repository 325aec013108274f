"""``modelport compute types``, ``modelport quota show|set`` and ``modelport endpoints ...``:
managed compute (endpoints hosting deployments on chosen instance types)."""

from __future__ import annotations

from typing import Any

import click

from modelport.cli.client import CliContext
from modelport.cli.deployments import wait_for
from modelport.cli.engine_options import ENGINE_OPTION_FLAGS, engine_options, in_flags
from modelport.cli.output import emit_json, print_field, print_listing, print_table

REGION = click.option("--region", default=None, help="The endpoint's region (default: default).")
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _params(region: str | None) -> dict[str, str]:
    return {"region": region} if region else {}


def _weights(pairs: tuple[str, ...], what: str) -> dict[str, int]:
    weights = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not value.strip().isdigit():
            raise click.BadParameter(f"{pair!r}: expected NAME=PERCENT", param_hint=what)
        weights[name.strip()] = int(value)
    return weights


@click.group()
def compute() -> None:
    """Managed compute: the instance types offered."""


@compute.command("types")
@click.option("--region", default=None, help="Only the types offered in this region.")
@JSON
@click.pass_obj
def compute_types(ctx: CliContext, region: str | None, as_json: bool) -> None:
    """List instance types: CPUs, memory, GPUs, price per instance-hour, regions."""
    items = ctx.call("GET", "/management/compute/instance-types", params=_params(region))["data"]
    print_listing(
        items,
        as_json,
        ["type", "cpus", "memory GB", "gpus", "price/hour", "regions"],
        lambda t: [
            t["name"],
            str(t["cpus"]),
            f"{t['memory_gb']:g}",
            f"{t['gpus']} {t['gpu_type'] or ''}".strip(),
            f"{t['price_per_hour']} {t['currency']}",
            ", ".join(t["regions"]),
        ],
    )


@click.group()
def quota() -> None:
    """Core quota of managed compute (per project in its region, per region in total)."""


def _print_quota(items: list[dict[str, Any]]) -> None:
    print_table(
        ["quota", "region", "cores used/limit", "gpus used/limit", "free cores"],
        [
            [
                f"{q['scope']} {q['subject']}",
                q["region"],
                f"{q['used']['cores']}/{q['limit']['cores']}",
                f"{q['used']['gpus']}/{q['limit']['gpus']}",
                str(q["free"]["cores"]),
            ]
            for q in items
        ],
    )


@quota.command("show")
@click.option("--project", "-p", required=True, help="The project.")
@JSON
@click.pass_obj
def quota_show(ctx: CliContext, project: str, as_json: bool) -> None:
    """What the project (and its region) may use, and uses."""
    items = ctx.call("GET", f"/management/projects/{project}/quota")["data"]
    if as_json:
        emit_json(items)
        return
    _print_quota(items)


@quota.command("set")
@click.option("--project", "-p", default=None, help="Set this project's quota (in its region).")
@click.option("--region", default=None, help="Set this region's quota (all projects together).")
@click.option("--cores", type=int, required=True, help="Cores allowed.")
@click.option("--gpus", type=int, default=0, show_default=True, help="GPUs allowed.")
@JSON
@click.pass_obj
def quota_set(
    ctx: CliContext, project: str | None, region: str | None, cores: int, gpus: int, as_json: bool
) -> None:
    """Raise or lower a quota (an operator's: quota/write at platform scope); print the result."""
    if (project is None) == (region is None):
        raise click.UsageError("give --project or --region")
    body = {"cores": cores, "gpus": gpus}
    if project is not None:
        items = ctx.call("PUT", f"/management/projects/{project}/quota", json=body)["data"]
        if as_json:
            emit_json(items)
        else:
            _print_quota(items)
        return
    ctx.call("PUT", f"/management/regions/{region}/quota", json=body)
    if as_json:  # the API answers 204: the quota as set
        emit_json({"scope": "region", "subject": region, "region": region, "limit": body})
    else:
        click.echo(f"region {region}: {cores} cores, {gpus} GPUs")


@click.group()
def endpoints() -> None:
    """Managed online endpoints: one Target URL and keys for several deployments."""


def _print_endpoint(e: dict[str, Any]) -> None:
    click.echo(f"Endpoint {e['name']} ({e['state']}) in project {e['project']}, {e['region']}")
    print_field("Target URL", e["target_url"], 12)
    shared = f" (shared quota: deleted at {e['expires_at']})" if e["shared_quota"] else ""
    print_field("quota", f"{e['cores']} cores, {e['gpus']} GPUs{shared}", 12)
    if e["deployments"]:
        print_table(
            [
                "deployment",
                "model",
                "instance type",
                "instances",
                "traffic",
                "mirror",
                "safety",
                "readiness",
            ],
            [
                [
                    d["name"],
                    d["offer"],
                    d["instance_type"] or "",
                    f"{len(d['replicas'])}/{d['instances']}",
                    f"{d['traffic']}%",
                    f"{d['mirror']}%",
                    "on" if d["content_safety"]["enabled"] else "off",
                    d["readiness"],
                ]
                for d in e["deployments"]
            ],
        )


@endpoints.command("create")
@click.argument("name")
@click.option("--project", "-p", required=True, help="The project it belongs to.")
@click.option(
    "--shared-quota",
    is_flag=True,
    help="Use the shared quota (beyond the project's); the endpoint is deleted after its "
    "lifetime (168 h by default).",
)
@JSON
@click.pass_obj
def create_endpoint(
    ctx: CliContext, name: str, project: str, shared_quota: bool, as_json: bool
) -> None:
    """Create endpoint NAME: a Target URL and primary/secondary keys for its deployments."""
    e = ctx.call(
        "POST",
        f"/management/projects/{project}/endpoints",
        json={"name": name, "shared_quota": shared_quota},
    )
    if as_json:
        emit_json(e)
        return
    _print_endpoint(e)


@endpoints.command("list")
@click.option("--project", "-p", default=None, help="Only this project's.")
@JSON
@click.pass_obj
def list_endpoints(ctx: CliContext, project: str | None, as_json: bool) -> None:
    """List endpoints with their deployments and traffic."""
    path = f"/management/projects/{project}/endpoints" if project else "/management/endpoints"
    items = ctx.call("GET", path)["data"]
    print_listing(
        items,
        as_json,
        ["endpoint", "project", "region", "traffic", "cores", "deleted at"],
        lambda e: [
            e["name"],
            e["project"] or "",
            e["region"],
            " ".join(f"{k}={v}" for k, v in e["traffic"].items()) or "-",
            str(e["cores"]),
            e["expires_at"] or "-",
        ],
    )


@endpoints.command("show")
@click.argument("name")
@REGION
@JSON
@click.pass_obj
def show_endpoint(ctx: CliContext, name: str, region: str | None, as_json: bool) -> None:
    """An endpoint: URL, deployments, instance types and counts, traffic, quota drawn."""
    e = ctx.call("GET", f"/management/endpoints/{name}", params=_params(region))
    if as_json:
        emit_json(e)
        return
    _print_endpoint(e)


@endpoints.command("deploy")
@click.argument("endpoint")
@click.option("--offer", required=True, help="The catalog model.")
@click.option("--name", "-n", required=True, help="The deployment's name.")
@click.option("--instance-type", required=True, help="See `modelport compute types`.")
@click.option("--instances", type=int, default=1, show_default=True, help="Instance count.")
@click.option("--subscribe", is_flag=True, help="Subscribe the project to the offer first.")
@click.option(
    "--content-safety",
    type=click.Choice(["on", "off"]),
    default="on",
    show_default=True,
    help="Content safety (managed compute may opt out).",
)
@click.option("--context", type=int, default=None, help="Tokens per request (prompt + answer).")
@click.option("--slots", type=int, default=None, help="Requests served in parallel (llama.cpp).")
@click.option(
    "--threads",
    type=int,
    default=None,
    help="CPU threads (llama.cpp; default and at most: the instance type's CPUs).",
)
@click.option("--no-wait", is_flag=True, help="Return once the deployment is created.")
@click.option("--timeout", type=float, default=600, show_default=True, help="Seconds to wait.")
@REGION
@JSON
@click.pass_obj
def deploy_to_endpoint(
    ctx: CliContext,
    endpoint: str,
    offer: str,
    name: str,
    instance_type: str,
    instances: int,
    subscribe: bool,
    content_safety: str,
    context: int | None,
    slots: int | None,
    threads: int | None,
    no_wait: bool,
    timeout: float,
    region: str | None,
    as_json: bool,
) -> None:
    """Deploy OFFER under ENDPOINT on INSTANCE_TYPE x INSTANCES, and wait until it is ready."""
    body = {
        "name": name,
        "offer": offer,
        "instance_type": instance_type,
        "instances": instances,
        "subscribe": subscribe,
        "content_safety": content_safety == "on",
    }
    options = engine_options(context, slots, threads, None, None, None)
    if options:
        body["engine_options"] = options
    flags = {o: ENGINE_OPTION_FLAGS[o] for o in ("context", "slots", "threads")}
    d = ctx.call(
        "POST",
        f"/management/endpoints/{endpoint}/deployments",
        json=body,
        params=_params(region),
        rephrase=in_flags(flags),
    )
    if not no_wait:
        d = wait_for(ctx, name, d["region"], timeout, quiet=as_json)
    if as_json:
        emit_json(d)
        return
    if d["state"] == "failed":
        raise click.ClickException(f"deployment {name} failed: {d['failure_reason']}")
    click.echo(f"Deployment {name} under endpoint {endpoint} is {d['state']}.")
    click.echo(f"  Target URL: {d['target_url']}  (header azureml-model-deployment: {name})")


@endpoints.command("traffic")
@click.argument("endpoint")
@click.argument("weights", nargs=-1, required=True)
@REGION
@JSON
@click.pass_obj
def set_traffic(
    ctx: CliContext, endpoint: str, weights: tuple[str, ...], region: str | None, as_json: bool
) -> None:
    """Split ENDPOINT's traffic: NAME=PERCENT ... (adding up to 100), e.g. blue=90 green=10."""
    e = ctx.call(
        "PUT",
        f"/management/endpoints/{endpoint}/traffic",
        json={"weights": _weights(weights, "WEIGHTS")},
        params=_params(region),
    )
    if as_json:
        emit_json(e)
        return
    _print_endpoint(e)


@endpoints.command("mirror")
@click.argument("endpoint")
@click.argument("weights", nargs=-1, required=True)
@REGION
@JSON
@click.pass_obj
def set_mirror(
    ctx: CliContext, endpoint: str, weights: tuple[str, ...], region: str | None, as_json: bool
) -> None:
    """Copy NAME=PERCENT of live requests to a deployment without live traffic (answers
    discarded): shadow testing. NAME=0 stops it."""
    e = ctx.call(
        "PUT",
        f"/management/endpoints/{endpoint}/mirror",
        json={"weights": _weights(weights, "WEIGHTS")},
        params=_params(region),
    )
    if as_json:
        emit_json(e)
        return
    _print_endpoint(e)


@endpoints.command("keys")
@click.argument("endpoint")
@click.option(
    "--regenerate",
    type=click.Choice(["primary", "secondary"]),
    default=None,
    help="Replace this key first (the other keeps working).",
)
@REGION
@JSON
@click.pass_obj
def endpoint_keys(
    ctx: CliContext, endpoint: str, regenerate: str | None, region: str | None, as_json: bool
) -> None:
    """Show ENDPOINT's keys (shared by all its deployments), or regenerate one."""
    if regenerate:
        data = ctx.call(
            "POST",
            f"/management/endpoints/{endpoint}/keys/regenerate",
            json={"key": regenerate},
            params=_params(region),
        )
    else:
        data = ctx.call("GET", f"/management/endpoints/{endpoint}/keys", params=_params(region))
    if as_json:
        emit_json(data)
        return
    click.echo(f"primary:   {data['primary']}\nsecondary: {data['secondary']}")


@endpoints.command("delete")
@click.argument("endpoint")
@REGION
@click.pass_obj
def delete_endpoint(ctx: CliContext, endpoint: str, region: str | None) -> None:
    """Delete ENDPOINT and every deployment under it."""
    ctx.call("DELETE", f"/management/endpoints/{endpoint}", params=_params(region))
    click.echo(f"Endpoint {endpoint} deleted.")
