"""``modelport deployments configure``: a deployment's engine options changed in place (its
Target URL and keys stay), the engine restarted on them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from modelport.cli.client import CliContext
from modelport.cli.deployments import REGION, wait_ready
from modelport.cli.engine_options import (
    ENGINE_OPTION_FLAGS,
    engine_flags,
    engine_options,
    in_flags,
)
from modelport.cli.output import emit_json


@click.command("configure")
@click.argument("name")
@REGION
@engine_flags(changing=True)
@click.option(
    "--unset",
    "unset",
    multiple=True,
    type=click.Choice(sorted(ENGINE_OPTION_FLAGS)),
    help="Remove an option, so that its default applies again (repeatable).",
)
@click.option("--no-wait", is_flag=True, help="Return once the restart has begun.")
@click.option("--timeout", type=float, default=600, show_default=True, help="Seconds to wait.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def configure_deployment(
    ctx: CliContext,
    name: str,
    region: str | None,
    context: int | None,
    slots: int | None,
    threads: int | None,
    engine_url: str | None,
    engine_key_file: Path | None,
    engine_model: str | None,
    engine_wire: str | None,
    unset: tuple[str, ...],
    no_wait: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Change the engine options of deployment NAME (the others stay) and restart its engine
    on them; its Target URL and keys stay the same."""
    changes: dict[str, Any] = engine_options(
        context, slots, threads, engine_url, engine_key_file, engine_model, engine_wire
    )
    both = sorted(set(changes) & set(unset))
    if both:
        raise click.UsageError(f"{ENGINE_OPTION_FLAGS[both[0]]} and --unset {both[0]} together")
    if not changes and not unset:
        raise click.UsageError("give an engine option to change (--context ... or --unset)")
    changes.update(dict.fromkeys(unset))
    d = ctx.call(
        "PATCH",
        f"/management/deployments/{name}/engine-options",
        params={"region": region} if region else {},
        json={"engine_options": changes},
        rephrase=in_flags(ENGINE_OPTION_FLAGS),
    )
    if not no_wait:
        d = wait_ready(ctx, name, d["region"], timeout, quiet=as_json)
    if as_json:
        emit_json(d)
    if d["readiness"] == "failed":
        raise click.ClickException(f"deployment {name} failed: {d['readiness_reason']}")
    if not as_json:
        flags = ", ".join(ENGINE_OPTION_FLAGS[o] for o in sorted(changes))
        click.echo(f"Deployment {name}: engine options changed ({flags}); it is {d['readiness']}.")
