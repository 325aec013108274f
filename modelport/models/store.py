"""The model store: weights on this machine, one directory per offer under ``data_dir/models``.

An offer's directory holds the GGUF file the llama.cpp engine loads (pulled from a GGUF repo, or
registered with ``models import``); an engine that loads a whole hub repo keeps it in a
subdirectory of its own (vLLM: ``hf/``). Each of these directories is laid out as::

    <repo files>                the repo's files at their relative paths, complete and verified
    .partial/<file>.<sum>.part  the bytes of an interrupted download; the next pull resumes it
    .modelport-pull.json        the manifest: repo, commit, each verified file's size and checksum
    .pull.lock                  held while a pull runs

Weight resolution (:mod:`modelport.models.weights`) and the engines read the same directories.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from modelport.domain.catalog import Catalog
from modelport.models.weights import WeightsUnavailable, resolve_weights
from modelport.settings import Settings

MANIFEST = ".modelport-pull.json"
PARTIAL_DIR = ".partial"
LOCK = ".pull.lock"
_HIDDEN = {MANIFEST, PARTIAL_DIR, LOCK}


class ManifestFile(BaseModel):
    size: int
    checksum: str  # "sha256:<hex>" for LFS files, "git-sha1:<hex>" for files stored in git


class Manifest(BaseModel):
    repo: str  # a hub repo, or "import:<file name>" for a file registered with `models import`
    revision: str | None = None
    commit: str
    complete: bool = False
    files: dict[str, ManifestFile] = {}


@dataclass(frozen=True, slots=True)
class StoredFile:
    name: str
    size: int
    verified: bool  # recorded in the manifest with this size


@dataclass(frozen=True, slots=True)
class StoredModel:
    offer_id: str
    path: Path
    files: tuple[StoredFile, ...]
    partial_bytes: int  # bytes of interrupted downloads waiting to be resumed
    manifest: Manifest | None
    source: str = "store"  # "store" (pulled or imported), or where it was found: "package", "local"
    layout: str = ""  # the engine's subdirectory ("" = the GGUF directory)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def complete(self) -> bool:
        if self.source != "store":
            return True
        return self.manifest is not None and self.manifest.complete

    def as_json(self) -> dict[str, object]:
        return {
            "offer": self.offer_id,
            "layout": self.layout or "gguf",
            "source": self.source,
            "path": str(self.path),
            "size": self.size,
            "complete": self.complete,
            "partial_bytes": self.partial_bytes,
            "repo": self.manifest.repo if self.manifest else None,
            "commit": self.manifest.commit if self.manifest else None,
            "files": [{"name": f.name, "size": f.size, "verified": f.verified} for f in self.files],
        }


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelStore:
        return cls(settings.data_dir / "models")

    def path_for(self, offer_id: str, subdir: str = "") -> Path:
        if not offer_id or "/" in offer_id or offer_id.startswith("."):
            raise ValueError(f"not an offer id: {offer_id!r}")
        if "/" in subdir or subdir.startswith("."):
            raise ValueError(f"not a store subdirectory: {subdir!r}")
        return self.root / offer_id / subdir if subdir else self.root / offer_id

    @staticmethod
    def partial_path(directory: Path, filename: str, checksum: str) -> Path:
        """Where the bytes of an unfinished download live; named after the expected checksum so
        that a new upstream version never resumes onto the old one's bytes."""
        digest = checksum.split(":", 1)[-1][:16]
        return directory / PARTIAL_DIR / f"{filename}.{digest}.part"

    @staticmethod
    def read_manifest(directory: Path) -> Manifest | None:
        try:
            return Manifest.model_validate_json((directory / MANIFEST).read_bytes())
        except (OSError, ValidationError):
            return None

    @staticmethod
    def write_manifest(directory: Path, manifest: Manifest) -> None:
        path = directory / MANIFEST
        tmp = path.with_suffix(".tmp")
        tmp.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        os.replace(tmp, path)

    @staticmethod
    def _layouts(directory: Path) -> list[str]:
        """Subdirectories that are stores of their own (they have a manifest or a config)."""
        return sorted(
            child.name
            for child in directory.iterdir()
            if child.is_dir()
            and not child.name.startswith(".")
            and ((child / MANIFEST).is_file() or (child / "config.json").is_file())
        )

    def get(self, offer_id: str, subdir: str = "") -> StoredModel | None:
        directory = self.path_for(offer_id, subdir)
        if not directory.is_dir():
            return None
        manifest = self.read_manifest(directory)
        recorded = manifest.files if manifest else {}
        nested = set() if subdir else set(self._layouts(directory))
        files = []
        for path in sorted(directory.rglob("*")):
            relative = path.relative_to(directory)
            if relative.parts[0] in _HIDDEN or relative.parts[0] in nested or not path.is_file():
                continue
            name = relative.as_posix()
            size = path.stat().st_size
            entry = recorded.get(name)
            files.append(StoredFile(name, size, entry is not None and entry.size == size))
        partial = directory / PARTIAL_DIR
        partial_bytes = (
            sum(p.stat().st_size for p in partial.rglob("*.part") if p.is_file())
            if partial.is_dir()
            else 0
        )
        return StoredModel(
            offer_id, directory, tuple(files), partial_bytes, manifest, layout=subdir
        )

    def models(self) -> list[StoredModel]:
        if not self.root.is_dir():
            return []
        found = []
        for directory in sorted(self.root.iterdir()):
            if not directory.is_dir() or directory.name.startswith("."):
                continue
            for subdir in ["", *self._layouts(directory)]:
                model = self.get(directory.name, subdir)
                if model is not None and (model.files or model.partial_bytes):
                    found.append(model)
        return found


def present_models(store: ModelStore, catalog: Catalog) -> list[StoredModel]:
    """Everything in the store, plus catalog offers whose weights resolve elsewhere (an installed
    package, a local path)."""
    stored = store.models()
    found = {(model.offer_id, model.layout): model for model in stored}
    for offer in catalog.all():
        if (offer.id, "") in found:
            continue
        try:
            path = resolve_weights(offer, store.root)
        except WeightsUnavailable:
            continue
        source = "local" if offer.weights.local_path else "package"
        file = StoredFile(path.name, path.stat().st_size, verified=False)
        found[(offer.id, "")] = StoredModel(offer.id, path, (file,), 0, None, source)
    return sorted(found.values(), key=lambda model: (model.offer_id, model.layout))
