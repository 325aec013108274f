"""A running job's latest checkpoint, shared through the database.

When the worker reports a checkpoint, the runner stores the files of that checkpoint's directory
(``<job dir>/checkpoints/step-NNNNNN/``: the adapter, optimizer, scheduler and RNG state in
``state.pt``, and its metrics) in the database, content-addressed like the model files
(:func:`~modelport.store.finetune_artifacts.put_checkpoint_files`); they replace the job's
earlier checkpoint, and go when the job ends. A gateway that takes the job over, on this machine
or another, writes the stored checkpoint into its own job directory before the worker starts
(:func:`restore`), unless one as recent is there already; the worker then resumes from it as
from a checkpoint of its own.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

from sqlalchemy import Connection

from modelport.finetune.artifacts import ArtifactError, read_model_dir
from modelport.finetune.protocol import CHECKPOINT_STATE, CHECKPOINTS_DIR, checkpoint_name
from modelport.store import fine_tuning as ft_store
from modelport.store import finetune_artifacts as sql

log = logging.getLogger("modelport.finetune")
Files = dict[str, tuple[str, bytes]]


def read_checkpoint(job_dir: Path, step: int) -> Files | None:
    """The files of the checkpoint at ``step`` (``name -> (sha256, content)``); None when it is
    not there (complete) any more: a later checkpoint replaced it."""
    directory = job_dir / CHECKPOINTS_DIR / checkpoint_name(step)
    if not (directory / CHECKPOINT_STATE).is_file():
        return None
    try:
        return read_model_dir(directory)
    except ArtifactError:
        return None


def local_step(job_dir: Path) -> int:
    """The step of the latest complete checkpoint in the job's directory (0: none)."""
    root = job_dir / CHECKPOINTS_DIR
    if not root.is_dir():
        return 0
    steps = [
        int(p.name.removeprefix("step-"))
        for p in root.glob("step-*")
        if p.name.removeprefix("step-").isdigit() and (p / CHECKPOINT_STATE).is_file()
    ]
    return max(steps, default=0)


def restore(conn: Connection, job_id: str, job_dir: Path) -> tuple[int, int] | None:
    """Write the job's stored checkpoint into ``job_dir`` unless the directory holds one as
    recent; the step and bytes written, or None. Each file is checked against its sha256; the
    directory is written beside its place, then renamed into it."""
    stored = sql.checkpoint_files(conn, job_id)
    if stored is None:
        return None
    step, files = stored
    if local_step(job_dir) >= step:
        return None
    root = job_dir / CHECKPOINTS_DIR
    final = root / checkpoint_name(step)
    tmp = root / f".tmp-restore-{checkpoint_name(step)}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for found in files:
            content = sql.artifact(conn, found.sha256)
            if (
                Path(found.name).name != found.name
                or content is None
                or hashlib.sha256(content).hexdigest() != found.sha256
            ):
                raise ArtifactError(
                    f"the stored checkpoint file {found.name} of {job_id} does not match its sha256"
                )
            (tmp / found.name).write_bytes(content)
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return step, sum(f.bytes for f in files)


def restore_recorded(conn: Connection, job_id: str, job_dir: Path) -> int | None:
    """:func:`restore`, recorded in the job's events; the step written, or None. A stored
    checkpoint that cannot be written here is logged and left: the worker resumes from what the
    directory holds, or from the start."""
    try:
        restored = restore(conn, job_id, job_dir)
    except OSError as exc:  # ArtifactError included
        log.warning("fine-tuning job %s: stored checkpoint not restored: %s", job_id, exc)
        return None
    if restored is None:
        return None
    step, size = restored
    ft_store.add_event(
        conn,
        job_id,
        f"The checkpoint at step {step} was written here from the database ({size} bytes)",
        data={"step": step, "bytes": size},
    )
    return step
