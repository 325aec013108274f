"""``modelport catalog list|show``: the offers that can be subscribed to and deployed."""

from __future__ import annotations

from typing import Any

import click

from modelport.cli.client import CliContext
from modelport.cli.output import emit_json, print_field, print_listing


def _price(offer: dict[str, Any]) -> str:
    p = offer["pricing"]
    if p is None:
        return "managed compute only"
    return f"{p['input_per_1k']} / {p['output_per_1k']} {p['currency']}"


@click.group()
def catalog() -> None:
    """The model catalog."""


@catalog.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_offers(ctx: CliContext, as_json: bool) -> None:
    """List offers: publisher, context, price per 1K input/output tokens, regions here."""
    items = ctx.call("GET", "/management/catalog")["data"]
    print_listing(
        items,
        as_json,
        ["offer", "publisher", "task", "context", "price/1K in/out", "regions here", "deployable"],
        lambda o: [
            o["id"],
            o["publisher"],
            o["task"],
            str(o["context_length"]),
            _price(o),
            ", ".join(o["regions_here"]) or "-",
            "yes" if o["availability"]["deployable"] else "no",
        ],
    )


@catalog.command("show")
@click.argument("offer")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show_offer(ctx: CliContext, offer: str, as_json: bool) -> None:
    """Show everything about OFFER: terms, licence, hardware, weights, what is missing here."""
    o = ctx.call("GET", f"/management/catalog/{offer}")
    if as_json:
        emit_json(o)
        return
    click.secho(f"{o['display_name']} ({o['id']})", bold=True)
    rows = [
        ("publisher", o["publisher"]),
        ("model name", o["model_name"]),
        ("task", o["task"]),
        ("parameters", o["parameters"] or "-"),
        ("context", str(o["context_length"])),
        ("capabilities", ", ".join(o["capabilities"])),
        ("API dialect", o["dialect"]),
        ("price per 1K", _price(o) + " (input / output)"),
        ("licence", o["license"] + (f" <{o['terms_url']}>" if o["terms_url"] else "")),
        ("offered in", ", ".join(o["regions"])),
        ("regions here", ", ".join(o["regions_here"]) or "none configured"),
        ("engines", ", ".join(o["engines"])),
        ("hardware", o["hardware"]),
    ]
    for label, value in rows:
        print_field(label, value, 14)
    click.echo("")
    click.echo(o["terms"])
    click.echo("")
    availability = o["availability"]
    if availability["deployable"]:
        click.secho(f"Deployable here with the {availability['engine']} engine.", fg="green")
    else:
        click.secho("Not deployable on this machine:", fg="yellow")
        for reason in availability["missing"]:
            click.echo(f"  - {reason}")
