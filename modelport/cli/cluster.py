"""``modelport cluster status``: the gateways, the active controller, the runtime's nodes."""

from __future__ import annotations

import click

from modelport.cli.client import CliContext
from modelport.cli.output import emit_json, print_table


def _gib(value: float) -> str:
    return f"{value / 2**30:.1f} GiB"


@click.group()
def cluster() -> None:
    """The cluster: gateways, controller, runtime."""


@cluster.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def status(ctx: CliContext, as_json: bool) -> None:
    """Show the runtime, its nodes and free resources, the active controller and the gateways."""
    c = ctx.call("GET", "/management/cluster")
    if as_json:
        emit_json(c)
        return
    lease = c["controller"]
    click.secho(f"Runtime: {c['runtime'] or 'no active controller'}", bold=True)
    if lease:
        click.echo(
            f"  controller:  {lease['holder']} (epoch {lease['epoch']}, "
            f"lease until {lease['expires_at']})"
        )
    click.echo(f"  replicas:    {c['replicas']}    change log revision: {c['revision']}")
    if c["nodes"]:
        print_table(
            ["node", "alive", "CPUs (free)", "GPUs (free)", "memory (free)"],
            [
                [
                    n["name"],
                    "yes" if n["alive"] else "no",
                    f"{n['cpus']:g} ({n['free_cpus']:g})",
                    f"{n['gpus']:g} ({n['free_gpus']:g})",
                    f"{_gib(n['memory_bytes'])} ({_gib(n['free_memory_bytes'])})",
                ]
                for n in c["nodes"]
            ],
        )
    print_table(
        ["gateway", "address", "database", "limiter", "in flight", "last seen"],
        [
            [
                g["id"],
                g["address"] or "",
                "ok" if g["status"].get("store", {}).get("reachable", True) else "unreachable",
                g["status"].get("limiter", {}).get("mode", ""),
                str(sum(g["status"].get("in_flight", {}).values())),
                g["seen_at"],
            ]
            for g in c["gateways"]
        ],
    )
