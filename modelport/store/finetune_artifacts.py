"""SQL of fine-tuned models' files: each file's content once, by its sha256 (``ft_artifacts``),
which files make a job's model (``ft_model_files``) and which make a running job's latest
checkpoint (``ft_checkpoint_files``: one checkpoint per job, replaced by the next one)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, exists, func, insert, select

from modelport.store.finetune_tables import (
    ft_artifacts,
    ft_checkpoint_files,
    ft_jobs,
    ft_model_files,
)
from modelport.store.values import now


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One file of a job's model: its name in the model directory, digest and size."""

    name: str
    sha256: str
    bytes: int


def _put_content(conn: Connection, digest: str, content: bytes) -> None:
    known = conn.execute(
        select(ft_artifacts.c.sha256).where(ft_artifacts.c.sha256 == digest)
    ).first()
    if known is None:
        conn.execute(
            insert(ft_artifacts).values(
                sha256=digest, bytes=len(content), content=content, created_at=now()
            )
        )


def _prune(conn: Connection, digests: set[str]) -> None:
    """Forget the contents among ``digests`` that no model or checkpoint file refers to."""
    if not digests:
        return
    in_model = exists().where(ft_model_files.c.sha256 == ft_artifacts.c.sha256)
    in_checkpoint = exists().where(ft_checkpoint_files.c.sha256 == ft_artifacts.c.sha256)
    conn.execute(
        delete(ft_artifacts).where(
            ft_artifacts.c.sha256.in_(sorted(digests)), ~in_model, ~in_checkpoint
        )
    )


def put_model_files(conn: Connection, job_id: str, files: dict[str, tuple[str, bytes]]) -> None:
    """Store the job's model files (``name -> (sha256, content)``); content already stored under
    its digest is not stored again."""
    for name, (digest, content) in sorted(files.items()):
        _put_content(conn, digest, content)
        conn.execute(
            delete(ft_model_files).where(
                ft_model_files.c.job_id == job_id, ft_model_files.c.name == name
            )
        )
        conn.execute(
            insert(ft_model_files).values(
                job_id=job_id, name=name, sha256=digest, bytes=len(content)
            )
        )


def put_checkpoint_files(
    conn: Connection, job_id: str, step: int, files: dict[str, tuple[str, bytes]]
) -> bool:
    """Store the files of the job's checkpoint at ``step`` in place of its earlier checkpoint
    (whose content goes); False, storing nothing, when a checkpoint as recent is stored."""
    stored = conn.execute(
        select(func.max(ft_checkpoint_files.c.step)).where(ft_checkpoint_files.c.job_id == job_id)
    ).scalar_one_or_none()
    if stored is not None and int(stored) >= step:
        return False
    earlier = drop_checkpoint_files(conn, job_id, prune=False)
    for name, (digest, content) in sorted(files.items()):
        _put_content(conn, digest, content)
        conn.execute(
            insert(ft_checkpoint_files).values(
                job_id=job_id, name=name, step=step, sha256=digest, bytes=len(content)
            )
        )
    _prune(conn, earlier)
    return True


def checkpoint_files(conn: Connection, job_id: str) -> tuple[int, list[StoredFile]] | None:
    """The step of the job's stored checkpoint and its files; None when none is stored."""
    rows = conn.execute(
        select(
            ft_checkpoint_files.c.step,
            ft_checkpoint_files.c.name,
            ft_checkpoint_files.c.sha256,
            ft_checkpoint_files.c.bytes,
        )
        .where(ft_checkpoint_files.c.job_id == job_id)
        .order_by(ft_checkpoint_files.c.name)
    ).all()
    if not rows:
        return None
    return int(rows[0].step), [StoredFile(r.name, r.sha256, int(r.bytes)) for r in rows]


def drop_checkpoint_files(conn: Connection, job_id: str, *, prune: bool = True) -> set[str]:
    """Forget the job's stored checkpoint (it ended, or a newer one replaces it); the digests
    its files had."""
    digests = {
        str(d)
        for d in conn.execute(
            select(ft_checkpoint_files.c.sha256).where(ft_checkpoint_files.c.job_id == job_id)
        ).scalars()
    }
    if digests:
        conn.execute(delete(ft_checkpoint_files).where(ft_checkpoint_files.c.job_id == job_id))
        if prune:
            _prune(conn, digests)
    return digests


def succeeded_without_files(conn: Connection) -> list[str]:
    """Succeeded jobs whose model files are not in the database (they succeeded before
    migration 0050 stored them)."""
    stored = exists().where(ft_model_files.c.job_id == ft_jobs.c.id)
    rows = conn.execute(
        select(ft_jobs.c.id).where(ft_jobs.c.status == "succeeded", ~stored).order_by(ft_jobs.c.id)
    )
    return [r.id for r in rows]


def model_files(conn: Connection, job_id: str) -> list[StoredFile]:
    rows = conn.execute(
        select(ft_model_files.c.name, ft_model_files.c.sha256, ft_model_files.c.bytes)
        .where(ft_model_files.c.job_id == job_id)
        .order_by(ft_model_files.c.name)
    )
    return [StoredFile(r.name, r.sha256, int(r.bytes)) for r in rows]


def artifact(conn: Connection, sha256: str) -> bytes | None:
    row = conn.execute(
        select(ft_artifacts.c.content).where(ft_artifacts.c.sha256 == sha256)
    ).first()
    return bytes(row.content) if row else None


def delete_project_files(conn: Connection, project_id: str) -> None:
    """The model and checkpoint files of a project's jobs, and the contents no other job
    refers to."""
    job_ids = select(ft_jobs.c.id).where(ft_jobs.c.project_id == project_id)
    conn.execute(delete(ft_model_files).where(ft_model_files.c.job_id.in_(job_ids)))
    conn.execute(delete(ft_checkpoint_files).where(ft_checkpoint_files.c.job_id.in_(job_ids)))
    in_model = exists().where(ft_model_files.c.sha256 == ft_artifacts.c.sha256)
    in_checkpoint = exists().where(ft_checkpoint_files.c.sha256 == ft_artifacts.c.sha256)
    conn.execute(delete(ft_artifacts).where(~in_model, ~in_checkpoint))
