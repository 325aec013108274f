"""``modelport up`` (all in one: gateway, controller, local engines; prints how to call the
embedded deployment), ``modelport serve`` (a gateway) and ``modelport controller``."""

from __future__ import annotations

import logging
import shlex
import sys
import threading
import time

import click
import httpx

from modelport import log_redaction
from modelport.cli.client import CliContext
from modelport.local_secrets import ConfigurationError, LocalSecrets


def _banner(ctx: CliContext, stop: threading.Event) -> None:
    """Wait for the deployments to come up, then print Target URL, key and a curl line. Gives up
    quietly when the server stops first."""
    deadline = time.monotonic() + 300
    shown_waiting = False
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with ctx.client() as client:
                items = client.get("/management/deployments").json()["data"]
                pending = [d for d in items if d["readiness"] == "starting"]
                if pending:
                    if not shown_waiting:
                        names = ", ".join(d["name"] for d in pending)
                        click.echo(
                            f"Starting deployment(s) {names}: loading the model into its engine..."
                        )
                        shown_waiting = True
                    time.sleep(0.3)
                    continue
                keys = {
                    d["name"]: client.get(
                        f"/management/deployments/{d['name']}/keys", params={"region": d["region"]}
                    ).json()
                    for d in items
                    if d["readiness"] == "ready"
                }
        except (httpx.HTTPError, ValueError, KeyError):
            time.sleep(0.3)
            continue
        for d in items:
            if d["name"] not in keys:
                reason = d["readiness_reason"] or d["failure_reason"]
                click.secho(f"Deployment {d['name']} is {d['readiness']}: {reason}", fg="red")
                continue
            _print_ready(d, keys[d["name"]]["primary"])
        click.echo("")
        return


def _print_ready(d: dict[str, str], key: str) -> None:
    body = (
        '{"messages":[{"role":"user","content":"What is the capital of France?"}],'
        '"temperature":0,"max_tokens":32}'
    )
    curl = (
        f"curl {d['target_url']}/chat/completions -H 'Content-Type: application/json' "
        f"-H {shlex.quote('api-key: ' + key)} -d {shlex.quote(body)}"
    )
    click.echo("")
    click.secho(f"Deployment {d['name']} ({d['model']}) is ready.", fg="green", bold=True)
    click.echo(f"  Target URL: {d['target_url']}")
    if sys.stdout.isatty():
        click.echo(f"  Key:        {key}")
        click.echo(f"  Try it:     {curl}")
    else:  # a log file or a pipe: keys stay out of it
        click.echo(f"  Key:        (not shown off a terminal: modelport keys show {d['name']})")


def _serve(ctx: CliContext, host: str | None, port: int | None, role: str, banner: bool) -> None:
    # Imported here so that the other commands start fast (they only talk HTTP).
    import uvicorn

    from modelport.app import create_app

    updates: dict[str, object] = {"role": role}
    if host:
        updates["host"] = host
    if port is not None:
        updates["port"] = port
    settings = ctx.settings.model_copy(update=updates)
    try:
        LocalSecrets.from_settings(settings)  # refuse an empty or weak admin token up front
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    ctx = CliContext(settings)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    log_redaction.install()
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    stop = threading.Event()
    if banner:
        threading.Thread(target=_banner, args=(ctx, stop), daemon=True).start()
    try:
        server.run()
    finally:
        stop.set()


HOST = click.option("--host", default=None, help="Bind address (default 127.0.0.1).")
PORT = click.option(
    "--port", type=int, default=None, help="Port (default $MODELPORT_PORT or 8000)."
)


@click.command()
@HOST
@PORT
@click.pass_obj
def up(ctx: CliContext, host: str | None, port: int | None) -> None:
    """Run Modelport: the gateway, the management API and every deployment's engine."""
    _serve(ctx, host, port, "all", banner=True)


@click.command()
@HOST
@PORT
@click.pass_obj
def serve(ctx: CliContext, host: str | None, port: int | None) -> None:
    """Run a stateless gateway (data plane, management API, portal); replicas are placed by a
    `modelport controller`. Run any number of them on one PostgreSQL database."""
    _serve(ctx, host, port, "gateway", banner=False)


@click.command()
@HOST
@PORT
@click.pass_obj
def controller(ctx: CliContext, host: str | None, port: int | None) -> None:
    """Run a controller: places every deployment's replicas on the runtime (local processes, or
    Ray with MODELPORT_RAY_ADDRESS); one is active at a time, the others stand by. Serves only
    /healthz."""
    _serve(ctx, host, port, "controller", banner=False)
