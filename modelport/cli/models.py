"""``modelport models pull|import|list``: the model store on this machine (no server needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from modelport.cli.client import CliContext
from modelport.cli.output import emit_json, print_table
from modelport.domain.catalog import Catalog, CatalogError, Offer, builtin_offers_dir
from modelport.engines.plugin import HubWeights
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
    """Model weights on this machine: pull them from a hub, import a file, list them."""
    parent: CliContext = ctx.obj
    ctx.obj = ModelsContext(parent.settings, offers_dirs)


def pull_weights(offer: Offer, requested: str | None, settings: Settings) -> tuple[str, HubWeights]:
    """The engine whose weights to pull, and which: the one asked for, else the first of the
    offer's engines that could run it here once its weights are present."""
    from modelport.engines.host import EngineHost
    from modelport.engines.registry import EngineFactories, EnginePluginError
    from modelport.models.weights import WeightsUnavailable

    engines = EngineFactories.discover()
    if requested is not None and requested not in offer.engines:
        raise click.ClickException(f"{offer.id} runs on {offer.runs_on()}, not on {requested}")
    names = [requested] if requested else list(offer.engines)
    host = EngineHost.from_settings(settings)
    reasons: list[str] = []
    for name in names:
        try:
            factory = engines.load(name)
            weights = factory.weights(offer)
        except (EnginePluginError, WeightsUnavailable) as exc:
            reasons.append(f"{name}: {exc}")
            continue
        if requested is not None:
            return name, weights
        check = factory.availability(offer, host)
        if check.ok or check.only_weights_missing:
            return name, weights
        reasons.append(f"{name}: {'; '.join(check.missing)}")
    raise click.ClickException(
        f"no engine could run {offer.id} on this machine once its weights are here, so there "
        f"is nothing to pull by default ({'; '.join(reasons)}); to pull for another machine, "
        "name the engine with --engine"
    )


@models.command("pull")
@click.argument("offer_id", metavar="OFFER")
@click.option(
    "--engine",
    default=None,
    help="Pull what this engine loads (llamacpp: the GGUF file; vllm: the hub repo); default: "
    "the first of the offer's engines that can run it here.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (what was fetched, and where).")
@click.pass_obj
def pull_command(
    ctx: ModelsContext, offer_id: str, engine: str | None, quiet: bool, as_json: bool
) -> None:
    """Fetch the weights of OFFER that its engine loads into the model store.

    Interrupted downloads resume where they stopped; every file is checked against the
    checksum the hub publishes. The hub is MODELPORT_HUB_ENDPOINT (a mirror works too);
    gated repos need MODELPORT_HUB_TOKEN.
    """
    from modelport.models.pull import HubClient, PullError, human_size, pull
    from modelport.models.store import ModelStore

    offer = ctx.offer(offer_id)
    settings = ctx.settings
    chosen, weights = pull_weights(offer, engine, settings)
    token = settings.hub_token.get_secret_value() if settings.hub_token else None
    hub = HubClient(settings.hub_endpoint, token)
    store = ModelStore.from_settings(settings)
    click.echo(f"{offer.id}: the weights the {chosen} engine loads, from {weights.repo}", err=True)
    try:
        result = pull(
            offer,
            weights,
            store,
            hub,
            progress=not quiet,
            notify=lambda m: click.echo(m, err=True),
        )
    except PullError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        emit_json(
            {
                "offer": offer.id,
                "engine": chosen,
                "repo": weights.repo,
                "commit": result.commit,
                "path": str(result.path),
                "downloaded": result.downloaded,
                "present": result.present,
                "bytes_fetched": result.bytes_fetched,
            }
        )
        return
    click.echo(
        f"{offer.id}: {len(result.downloaded)} file(s) downloaded "
        f"({human_size(result.bytes_fetched)}), {len(result.present)} already present; "
        f"commit {result.commit[:12]} in {result.path}"
    )


@models.command("import")
@click.argument("offer_id", metavar="OFFER")
@click.argument(
    "path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--copy", is_flag=True, help="Copy the file instead of hard-linking it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def import_command(
    ctx: ModelsContext, offer_id: str, path: Path, copy: bool, as_json: bool
) -> None:
    """Register a GGUF FILE you already have as the weights of OFFER (no hub needed).

    The file must be a readable GGUF of the offer's architecture; it is hard-linked (or copied)
    into the model store and recorded with its SHA-256. The llama.cpp engine then finds it.
    """
    from modelport.models.importing import ImportFailed, import_gguf
    from modelport.models.pull import human_size
    from modelport.models.store import ModelStore

    offer = ctx.offer(offer_id)
    try:
        done = import_gguf(offer, path, ModelStore.from_settings(ctx.settings), copy=copy)
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        emit_json(
            {
                "offer": done.offer_id,
                "path": str(done.path),
                "how": done.how,
                "architecture": done.architecture,
                "context_length": done.context_length,
                "size": done.size,
                "sha256": done.sha256,
            }
        )
        return
    click.echo(
        f"{offer.id}: {path.name} ({done.architecture}, {human_size(done.size)}) {done.how} "
        f"to {done.path}"
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
                model.layout or "gguf",
                model.source,
                human_size(model.size),
                str(len(model.files)),
                state,
                str(model.path),
            ]
        )
    print_table(["offer", "layout", "source", "size", "files", "state", "path"], rows)
