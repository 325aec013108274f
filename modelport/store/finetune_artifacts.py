"""SQL of fine-tuned models' files: each file's content once, by its sha256 (``ft_artifacts``),
and which files make a job's model (``ft_model_files``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, exists, insert, select

from modelport.store.finetune_tables import ft_artifacts, ft_jobs, ft_model_files
from modelport.store.values import now


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One file of a job's model: its name in the model directory, digest and size."""

    name: str
    sha256: str
    bytes: int


def put_model_files(conn: Connection, job_id: str, files: dict[str, tuple[str, bytes]]) -> None:
    """Store the job's model files (``name -> (sha256, content)``); content already stored under
    its digest is not stored again."""
    for name, (digest, content) in sorted(files.items()):
        known = conn.execute(
            select(ft_artifacts.c.sha256).where(ft_artifacts.c.sha256 == digest)
        ).first()
        if known is None:
            conn.execute(
                insert(ft_artifacts).values(
                    sha256=digest, bytes=len(content), content=content, created_at=now()
                )
            )
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
    """The model files of a project's jobs, and the contents no other job refers to."""
    job_ids = select(ft_jobs.c.id).where(ft_jobs.c.project_id == project_id)
    conn.execute(delete(ft_model_files).where(ft_model_files.c.job_id.in_(job_ids)))
    referred = exists().where(ft_model_files.c.sha256 == ft_artifacts.c.sha256)
    conn.execute(delete(ft_artifacts).where(~referred))
