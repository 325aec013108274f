"""A succeeded job's model files, shared through the database.

The gateway that trained a job stores its model directory's files (the GGUF adapter llama.cpp
loads, the PEFT adapter) in the same transaction that marks the job succeeded
(:meth:`ModelFiles.read` before it, :func:`~modelport.store.finetune_artifacts.put_model_files`
in it). A gateway that starts an engine with the adapter and lacks a file writes it from the
database into its own data directory first (:func:`materialize`): to a temporary file beside
it, checked against its sha256, then renamed into place. A file already there is used as is.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from pathlib import Path

from sqlalchemy import Connection

from modelport.store import finetune_artifacts as sql
from modelport.store.repositories import Store

log = logging.getLogger("modelport.finetune")


class ArtifactError(OSError):
    """A model file that cannot be read, or whose stored content does not match its digest."""


def read_model_dir(model_dir: Path) -> dict[str, tuple[str, bytes]]:
    """The model directory's files: ``name -> (sha256, content)`` (ArtifactError when there
    are none)."""
    files: dict[str, tuple[str, bytes]] = {}
    try:
        for path in sorted(model_dir.iterdir()):
            if path.is_file():
                content = path.read_bytes()
                files[path.name] = (hashlib.sha256(content).hexdigest(), content)
    except OSError as exc:
        raise ArtifactError(f"cannot read the model files in {model_dir}: {exc}") from exc
    if not files:
        raise ArtifactError(f"the worker left no model files in {model_dir}")
    return files


def _write(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def materialize(conn: Connection, job_id: str, model_dir: Path) -> list[str]:
    """Write the job's stored model files missing from ``model_dir``; returns their names.
    Nothing is written for a job whose files are not in the database (a job that succeeded
    before they were stored there): its engine then finds the adapter missing."""
    written = []
    for stored in sql.model_files(conn, job_id):
        path = model_dir / stored.name
        if path.is_file() and path.stat().st_size == stored.bytes:
            continue
        content = sql.artifact(conn, stored.sha256)
        if content is None or hashlib.sha256(content).hexdigest() != stored.sha256:
            raise ArtifactError(f"the stored {stored.name} of {job_id} does not match its sha256")
        model_dir.mkdir(parents=True, exist_ok=True)
        _write(path, content)
        written.append(stored.name)
    if written:
        log.info("fine-tuning job %s: %s written from the database", job_id, ", ".join(written))
    return written


def _put(conn: Connection, *, job_id: str, files: dict[str, tuple[str, bytes]]) -> None:
    sql.put_model_files(conn, job_id, files)


def store_earlier_models(store: Store, job_dirs: Path, model_dir: str) -> list[str]:
    """Store the files of jobs that succeeded before they were stored in the database, for
    those whose model directory is on this machine (``job_dirs/<job>/<model_dir>``); the jobs
    stored. Run at start, so the gateway that trained them shares them."""
    done = []
    for job_id in store.read(sql.succeeded_without_files):
        local = job_dirs / job_id / model_dir
        if not local.is_dir():
            continue
        try:
            files = read_model_dir(local)
        except ArtifactError as exc:
            log.warning("fine-tuning job %s: model files not stored: %s", job_id, exc)
            continue
        store.run(functools.partial(_put, job_id=job_id, files=files))
        done.append(job_id)
    if done:
        log.info("model files of %d earlier fine-tuning jobs stored in the database", len(done))
    return done
