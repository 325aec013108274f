"""``modelport models import OFFER FILE``: register a GGUF file the operator already has (an
offline site, a conversion of one's own) as an offer's weights, without a hub.

The file must be a readable GGUF whose architecture is the offer's (a Llama file for a Llama
offer, a Jamba file for a Jamba offer). It is hard-linked into the offer's store directory (copied
when the store is on another file system, or when asked), under the catalog's file name, and
recorded in the directory's manifest with its SHA-256, as a pull would.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from modelport.domain.catalog import Offer
from modelport.errors import OperatorError
from modelport.models.gguf_meta import GGUFError, read_gguf_info
from modelport.models.store import Manifest, ManifestFile, ModelStore
from modelport.models.weights import WeightsUnavailable, check_architecture


class ImportFailed(OperatorError, RuntimeError):
    """The file cannot be registered; the message says why."""


@dataclass(frozen=True, slots=True)
class Imported:
    offer_id: str
    path: Path
    how: str  # "linked" or "copied"
    architecture: str | None
    context_length: int | None
    size: int
    sha256: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_gguf(offer: Offer, source: Path, store: ModelStore, *, copy: bool = False) -> Imported:
    source = source.expanduser().resolve()
    if not source.is_file():
        raise ImportFailed(f"{source} is not a file")
    try:
        info = read_gguf_info(source)
    except (GGUFError, OSError) as exc:
        raise ImportFailed(f"{source.name} is not a readable GGUF file: {exc}") from exc
    try:
        check_architecture(offer, info.architecture, source.name)
    except WeightsUnavailable as exc:
        raise ImportFailed(str(exc)) from exc
    directory = store.path_for(offer.id)
    directory.mkdir(parents=True, exist_ok=True)
    name = offer.weights.gguf_file or source.name
    others = [p.name for p in directory.glob("*.gguf") if p.name != name]
    if others:
        raise ImportFailed(
            f"the store already holds {', '.join(others)} for {offer.id!r}: remove it from "
            f"{directory} first"
        )
    target = directory / name
    tmp = directory / f".{name}.import"
    tmp.unlink(missing_ok=True)
    how = "copied"
    if not copy:
        try:
            os.link(source, tmp)
            how = "linked"
        except OSError:  # another file system, or links not allowed: copy
            pass
    if how == "copied":
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    size = target.stat().st_size
    checksum = _sha256(target)
    manifest = Manifest(
        repo=f"import:{source.name}",
        commit="",
        complete=True,
        files={name: ManifestFile(size=size, checksum=f"sha256:{checksum}")},
    )
    store.write_manifest(directory, manifest)
    return Imported(offer.id, target, how, info.architecture, info.context_length, size, checksum)
