"""Pulling the weights an engine loads from a hub into the model store: resumable, verified.

Which files is the engine plug-in's answer (:class:`~modelport.engines.plugin.HubWeights`): one
GGUF file of a GGUF repo for llama.cpp, a repo's safetensors, config and tokenizer files for
vLLM. The hub is reached through ``huggingface_hub``'s public API (``HfApi.model_info`` for the
file list with sizes and checksums, ``hf_hub_url``, ``build_hf_headers`` and its HTTP session for
the bytes) at the configured endpoint, so a mirror works the same as huggingface.co. Every file
is:

1. pinned to the commit the revision resolved to, so all files come from one snapshot;
2. downloaded into ``.partial/`` of its store directory, appending to what an earlier,
   interrupted pull left there (an HTTP ``Range`` request), with a progress bar;
3. checked against the checksum the hub published for it (SHA-256 of LFS files, the git blob
   SHA-1 of small files) and deleted if it does not match;
4. moved into place and recorded in the directory's manifest.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import httpx2
from filelock import FileLock, Timeout
from huggingface_hub import HfApi, get_session, hf_hub_url, hf_raise_for_status
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

# Public (listed in huggingface_hub.utils.__all__, which is computed at run time, so mypy
# cannot see it); tqdm is the public huggingface_hub.utils.tqdm module's progress bar.
from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]
from huggingface_hub.utils.tqdm import tqdm

from modelport.domain.catalog import Offer
from modelport.engines.plugin import HubWeights
from modelport.errors import OperatorError
from modelport.models.store import LOCK, PARTIAL_DIR, Manifest, ManifestFile, ModelStore


class PullError(OperatorError, RuntimeError):
    """The pull did not complete; the message says why and what to do."""


class ChecksumMismatch(PullError):
    """A downloaded file does not match the checksum the hub published; it was deleted."""


@dataclass(frozen=True, slots=True)
class RemoteFile:
    name: str
    size: int
    checksum: str  # "sha256:<hex>" (LFS) or "git-sha1:<hex>" (stored in git)


@dataclass(frozen=True, slots=True)
class PullPlan:
    repo: str
    revision: str | None
    commit: str
    files: tuple[RemoteFile, ...]

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(slots=True)
class PullResult:
    offer_id: str
    path: Path
    commit: str
    downloaded: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    bytes_fetched: int = 0
    resumed_from: dict[str, int] = field(default_factory=dict)


Notify = Callable[[str], None]


_NETWORK_ERRORS = (OSError, httpx2.HTTPError)  # huggingface_hub's HTTP errors are OSErrors
_PICKLES = (".bin", ".pt", ".pth")


class HubClient:
    """The hub (or a mirror) at ``endpoint``, through ``huggingface_hub``."""

    def __init__(self, endpoint: str, token: str | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._token = token

    def plan(self, weights: HubWeights) -> PullPlan:
        """The files of ``weights.repo`` to fetch, with their sizes and checksums. Where a repo
        has safetensors, its pickled copies of the same weights (``*.bin``, ``*.pt``) are
        left out."""
        api = HfApi(endpoint=self.endpoint, token=self._token, library_name="modelport")
        try:
            info = api.model_info(weights.repo, revision=weights.revision, files_metadata=True)
        except _NETWORK_ERRORS as exc:
            raise _translate(exc, weights.repo, self.endpoint) from exc
        if not info.sha:
            raise PullError(f"the hub did not say which commit {weights.repo} resolves to")
        siblings = [s for s in info.siblings or () if weights.wants(s.rfilename)]
        if any(s.rfilename.endswith(".safetensors") for s in siblings):
            siblings = [s for s in siblings if not s.rfilename.endswith(_PICKLES)]
        files = []
        for sibling in siblings:
            _check_name(sibling.rfilename)
            if sibling.lfs is not None:
                checksum = f"sha256:{sibling.lfs.sha256}"
                size = sibling.lfs.size
            elif sibling.blob_id and sibling.size is not None:
                checksum = f"git-sha1:{sibling.blob_id}"
                size = sibling.size
            else:
                raise PullError(
                    f"the hub published no checksum for {sibling.rfilename}; refusing to pull "
                    "a file that cannot be verified"
                )
            files.append(RemoteFile(sibling.rfilename, size, checksum))
        if weights.files and not files:
            raise PullError(f"{weights.repo} has no file {', '.join(weights.files)}")
        if not files:
            raise PullError(f"{weights.repo} has no files this engine loads")
        return PullPlan(weights.repo, weights.revision, info.sha, tuple(files))

    def fetch(
        self, plan: PullPlan, file: RemoteFile, out: BinaryIO, *, resume_size: int, progress: bool
    ) -> None:
        """Append the bytes of ``file`` after the first ``resume_size`` to ``out``."""
        url = hf_hub_url(plan.repo, file.name, revision=plan.commit, endpoint=self.endpoint)
        headers = build_hf_headers(token=self._token, library_name="modelport")
        if resume_size:
            headers["Range"] = f"bytes={resume_size}-"
        bar = tqdm(  # type: ignore[no-untyped-call]
            total=file.size,
            initial=resume_size,
            unit="B",
            unit_scale=True,
            desc=file.name,
            disable=not progress,
        )
        try:
            with get_session().stream("GET", url, headers=headers, timeout=60) as response:
                if response.status_code >= 400:
                    response.read()
                    hf_raise_for_status(response)
                if resume_size and response.status_code != 206:
                    out.seek(0)  # the server ignored the range: start over
                    out.truncate()
                    bar.reset()
                for chunk in response.iter_bytes(1 << 20):
                    out.write(chunk)
                    bar.update(len(chunk))
        except _NETWORK_ERRORS as exc:
            raise _translate(exc, plan.repo, self.endpoint) from exc
        finally:
            bar.close()


def _translate(exc: Exception, repo: str, endpoint: str) -> PullError:
    """huggingface_hub's and its HTTP client's errors → one PullError with a hint."""
    if isinstance(exc, GatedRepoError):
        return PullError(
            f"{repo} is gated: accept its terms on the hub, then set MODELPORT_HUB_TOKEN "
            "(or log in with `hf auth login`)"
        )
    if isinstance(exc, RepositoryNotFoundError):
        return PullError(f"{repo} was not found at {endpoint} (or it needs MODELPORT_HUB_TOKEN)")
    if isinstance(exc, RevisionNotFoundError):
        return PullError(f"the revision asked for does not exist in {repo}")
    if isinstance(exc, OfflineModeIsEnabled):
        return PullError("huggingface_hub is in offline mode (HF_HUB_OFFLINE); unset it to pull")
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        return PullError(f"the hub at {endpoint} answered {status} for {repo}")
    return PullError(f"cannot reach the hub at {endpoint}: {type(exc).__name__}: {exc}")


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or path.parts[0] in (PARTIAL_DIR, LOCK):
        raise PullError(f"the hub listed an unsafe file name {name!r}; refusing to pull")
    if path.parts[0].startswith(".modelport"):
        raise PullError(f"the hub listed a reserved file name {name!r}; refusing to pull")


def checksum_of(path: Path, checksum: str) -> str:
    """The checksum of ``path`` in the same algorithm as ``checksum`` ("sha256:..." or
    "git-sha1:...")."""
    algorithm = checksum.split(":", 1)[0]
    if algorithm == "sha256":
        digest = hashlib.sha256()
    elif algorithm == "git-sha1":
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(f"blob {path.stat().st_size}\0".encode())
    else:
        raise PullError(f"unknown checksum algorithm {algorithm!r}")
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return f"{algorithm}:{digest.hexdigest()}"


def pull(
    offer: Offer,
    weights: HubWeights,
    store: ModelStore,
    hub: HubClient,
    *,
    progress: bool = True,
    notify: Notify | None = None,
) -> PullResult:
    """Fetch ``weights`` of ``offer`` into ``store``; resume, verify, and record each file."""
    say = notify or (lambda _message: None)
    directory = store.path_for(offer.id, weights.subdir)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        lock = FileLock(str(directory / LOCK), timeout=0)
        lock.acquire()
    except Timeout as exc:
        raise PullError(f"another pull of {offer.id!r} is running") from exc
    try:
        plan = hub.plan(weights)
        say(f"{plan.repo} @ {plan.commit[:12]}: {len(plan.files)} file(s), {human_size(plan.size)}")
        manifest = store.read_manifest(directory)
        if manifest is None or manifest.repo != plan.repo:
            manifest = Manifest(repo=plan.repo, revision=plan.revision, commit=plan.commit)
        manifest.commit, manifest.complete = plan.commit, False
        result = PullResult(offer.id, directory, plan.commit)
        for file in plan.files:
            if _present(store, directory, manifest, file):
                result.present.append(file.name)
            else:
                _download(store, directory, hub, plan, file, result, progress, say)
            manifest.files[file.name] = ManifestFile(size=file.size, checksum=file.checksum)
            store.write_manifest(directory, manifest)
        manifest.complete = True
        store.write_manifest(directory, manifest)
        _prune_empty(directory / PARTIAL_DIR)
        return result
    finally:
        lock.release()


def _present(store: ModelStore, directory: Path, manifest: Manifest, file: RemoteFile) -> bool:
    dest = directory / file.name
    if not dest.is_file() or dest.stat().st_size != file.size:
        return False
    recorded = manifest.files.get(file.name)
    if recorded is not None and recorded.checksum == file.checksum:
        return True
    return checksum_of(dest, file.checksum) == file.checksum  # placed by hand: verify it


def _download(
    store: ModelStore,
    directory: Path,
    hub: HubClient,
    plan: PullPlan,
    file: RemoteFile,
    result: PullResult,
    progress: bool,
    say: Notify,
) -> None:
    part = store.partial_path(directory, file.name, file.checksum)
    part.parent.mkdir(parents=True, exist_ok=True)
    resume = part.stat().st_size if part.is_file() else 0
    if resume > file.size:
        part.unlink()
        resume = 0
    if resume:
        say(f"resuming {file.name} at {human_size(resume)} of {human_size(file.size)}")
        result.resumed_from[file.name] = resume
    if resume < file.size:
        with part.open("ab") as out:
            try:
                hub.fetch(plan, file, out, resume_size=resume, progress=progress)
            except PullError as exc:
                out.flush()
                have = part.stat().st_size
                raise PullError(
                    f"the download of {file.name} stopped at {human_size(have)} of "
                    f"{human_size(file.size)} ({exc}); run the pull again to resume"
                ) from exc
    result.bytes_fetched += part.stat().st_size - resume
    actual = checksum_of(part, file.checksum)
    if actual != file.checksum:
        part.unlink()
        raise ChecksumMismatch(
            f"{file.name} does not match the checksum the hub published (expected "
            f"{file.checksum}, got {actual}); the download was deleted"
        )
    dest = directory / file.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, dest)
    result.downloaded.append(file.name)


def _prune_empty(directory: Path) -> None:
    if directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"
