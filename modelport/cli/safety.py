"""``modelport deployments safety``: show or change a deployment's content-safety policy."""

from __future__ import annotations

from typing import Any

import click

from modelport.cli.client import CliContext
from modelport.cli.output import emit_json, print_field

CATEGORIES = ("hate", "sexual", "violence", "self_harm")
LEVELS = ("low", "medium", "high", "off")


def _thresholds(values: tuple[str, ...]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for value in values:
        category, sep, level = value.partition("=")
        category, level = category.strip().lower().replace("-", "_"), level.strip().lower()
        if not sep or category not in CATEGORIES or level not in LEVELS:
            raise click.BadParameter(
                f"{value!r}: expected CATEGORY=LEVEL with CATEGORY one of {', '.join(CATEGORIES)} "
                f"and LEVEL one of {', '.join(LEVELS)}",
                param_hint="--threshold",
            )
        parsed[category] = level
    return parsed


@click.command("safety")
@click.argument("name")
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="CATEGORY=LEVEL",
    help="Lowest severity blocked in a category (low, medium, high; off only where the policy "
    "is not mandatory). Repeatable.",
)
@click.option(
    "--enable/--disable",
    "enabled",
    default=None,
    help="Switch filtering on or off (not allowed for mandatory policies).",
)
@click.option("--block-jailbreak/--allow-jailbreak", default=None, help="Prompt attacks.")
@click.option("--block-profanity/--allow-profanity", default=None, help="Profanity.")
@click.option(
    "--streaming-mode",
    type=click.Choice(["hold_back", "asynchronous"]),
    default=None,
    help="hold_back: streamed text is released only once checked; asynchronous: released as "
    "generated and checked behind, cut with content_filter within a bounded lag.",
)
@click.option("--window-chars", type=int, default=None, help="Characters per check window.")
@click.option("--first-window-chars", type=int, default=None, help="The first hold-back window.")
@click.option(
    "--region", default=None, help="The deployment's region (when the name is in several)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def safety(
    ctx: CliContext,
    name: str,
    thresholds: tuple[str, ...],
    enabled: bool | None,
    block_jailbreak: bool | None,
    block_profanity: bool | None,
    streaming_mode: str | None,
    window_chars: int | None,
    first_window_chars: int | None,
    region: str | None,
    as_json: bool,
) -> None:
    """Show or change the content-safety policy of deployment NAME (without options: show it).

    Serverless deployments have a mandatory policy: it can be made stricter, never switched off.
    """
    path = f"/management/deployments/{name}/content-safety"
    params = {"region": region} if region else {}
    body: dict[str, Any] = {}
    if thresholds:
        body["thresholds"] = _thresholds(thresholds)
    for key, value in (
        ("enabled", enabled),
        ("block_jailbreak", block_jailbreak),
        ("block_profanity", block_profanity),
        ("streaming_mode", streaming_mode),
        ("window_chars", window_chars),
        ("first_window_chars", first_window_chars),
    ):
        if value is not None:
            body[key] = value
    if body:
        data = ctx.call("PATCH", path, params=params, json=body)
    else:
        data = ctx.call("GET", path, params=params)
    if as_json:
        emit_json(data)
        return
    state = "on" if data["enabled"] else "off"
    mandatory = " (mandatory)" if data["mandatory"] else ""
    click.secho(f"Content safety of {data['deployment']}: {state}{mandatory}", bold=True)
    for category in CATEGORIES:
        threshold = data["thresholds"][category]
        print_field(category, "off" if threshold == "off" else f"block {threshold} and above", 16)
    print_field("jailbreak", "blocked" if data["block_jailbreak"] else "annotated", 16)
    print_field("profanity", "blocked" if data["block_profanity"] else "annotated", 16)
    print_field(
        "streaming",
        f"{data['streaming_mode']}, windows of {data['window_chars']} "
        f"characters (first {data['first_window_chars']})",
        16,
    )
    print_field("classifiers", ", ".join(data["classifiers"]), 16)
