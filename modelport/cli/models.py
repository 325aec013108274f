"""``modelport models pull|list``: the model store on this machine (no server needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from modelport.cli.client import CliContext, emit_json, print_table
from modelport.domain.catalog import Catalog, CatalogError, Offer, builtin_offers_dir
from modelport.settings import Settings


@dataclass
class ModelsContext:
    settings: Settings
    offers_dirs: tuple[Path, ...]

    def catalog(self) -> Catalog:
        try:
            return Catalog.load(
                builtin_offers_dir(),
                *self.settings.catalog_dirs,
                *self.offers_dirs,
                price_sheet=self.settings.price_sheet,
                include_test=True,
            )
        except CatalogError as exc:
            raise click.ClickException(str(exc)) from exc

    def offer(self, offer_id: str) -> Offer:
        catalog = self.catalog()
        offer = catalog.get(offer_id)
        if offer is None:
            known = ", ".join(o.id for o in catalog.all())
            raise click.ClickException(f"no offer {offer_id!r} in the catalog (offers: {known})")
        return offer


@click.group()
@click.option(
    "--offers-dir",
    "offers_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A directory of extra offer TOML files, besides the built-in catalog.",
)
@click.pass_context
def models(ctx: click.Context, offers_dirs: tuple[Path, ...]) -> None:
    """Model weights on this machine: pull them from a hub, list what is present."""
    parent: CliContext = ctx.obj
    ctx.obj = ModelsContext(parent.settings, offers_dirs)


@models.command("pull")
@click.argument("offer_id", metavar="OFFER")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def pull_command(ctx: ModelsContext, offer_id: str, quiet: bool) -> None:
    """Fetch the weights of OFFER from its hub repo into the model store.

    Interrupted downloads resume where they stopped; every file is checked against the
    checksum the hub publishes. The hub is MODELPORT_HUB_ENDPOINT (a mirror works too);
    gated repos need MODELPORT_HUB_TOKEN.
    """
    from modelport.models.pull import HubClient, PullError, human_size, pull
    from modelport.models.store import ModelStore

    offer = ctx.offer(offer_id)
    settings = ctx.settings
    token = settings.hub_token.get_secret_value() if settings.hub_token else None
    hub = HubClient(settings.hub_endpoint, token)
    store = ModelStore.from_settings(settings)
    try:
        result = pull(
            offer, store, hub, progress=not quiet, notify=lambda m: click.echo(m, err=True)
        )
    except PullError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{offer.id}: {len(result.downloaded)} file(s) downloaded "
        f"({human_size(result.bytes_fetched)}), {len(result.present)} already present; "
        f"commit {result.commit[:12]} in {result.path}"
    )


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_command(ctx: ModelsContext, as_json: bool) -> None:
    """List the model weights present on this machine, with their sizes."""
    from modelport.models.pull import human_size
    from modelport.models.store import ModelStore, present_models

    found = present_models(ModelStore.from_settings(ctx.settings), ctx.catalog())
    if as_json:
        emit_json([model.as_json() for model in found])
        return
    rows = []
    for model in found:
        state = "complete" if model.complete else "incomplete"
        if model.partial_bytes:
            state += f" ({human_size(model.partial_bytes)} to resume)"
        rows.append(
            [
                model.offer_id,
                model.source,
                human_size(model.size),
                str(len(model.files)),
                state,
                str(model.path),
            ]
        )
    print_table(["offer", "source", "size", "files", "state", "path"], rows)
