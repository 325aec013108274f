"""SQL of fine-tuning's training files (their content kept in the database), returned as domain
objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select

from modelport.domain.fine_tuning import TrainingFile
from modelport.store.fine_tuning import ACTIVE
from modelport.store.finetune_tables import ft_files, ft_jobs
from modelport.store.values import aware


def _file(row: Row[Any]) -> TrainingFile:
    return TrainingFile(
        row.id,
        row.project_id,
        row.filename,
        row.purpose,
        int(row.bytes),
        int(row.examples),
        aware(row.created_at),
    )


_FILE_COLUMNS = [c for c in ft_files.c if c.name != "content"]


def insert_file(conn: Connection, file: TrainingFile, content: bytes) -> None:
    conn.execute(
        insert(ft_files).values(
            id=file.id,
            project_id=file.project_id,
            filename=file.filename,
            purpose=file.purpose,
            bytes=file.bytes,
            examples=file.examples,
            content=content,
            created_at=file.created_at,
        )
    )


def get_file(conn: Connection, project_id: str, file_id: str) -> TrainingFile | None:
    row = conn.execute(
        select(*_FILE_COLUMNS).where(ft_files.c.id == file_id, ft_files.c.project_id == project_id)
    ).first()
    return _file(row) if row else None


def file_content(conn: Connection, file_id: str) -> bytes | None:
    row = conn.execute(select(ft_files.c.content).where(ft_files.c.id == file_id)).first()
    return bytes(row.content) if row else None


def list_files(conn: Connection, project_id: str) -> list[TrainingFile]:
    rows = conn.execute(
        select(*_FILE_COLUMNS)
        .where(ft_files.c.project_id == project_id)
        .order_by(ft_files.c.created_at.desc())
    )
    return [_file(r) for r in rows]


def delete_file(conn: Connection, file_id: str) -> None:
    conn.execute(delete(ft_files).where(ft_files.c.id == file_id))


def file_in_use(conn: Connection, file_id: str) -> bool:
    query = select(func.count()).where(
        (ft_jobs.c.training_file == file_id) | (ft_jobs.c.validation_file == file_id),
        ft_jobs.c.status.in_([s.value for s in ACTIVE]),
    )
    return bool(conn.execute(query).scalar_one())
