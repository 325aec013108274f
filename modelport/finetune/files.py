"""Training files of fine-tuning: uploaded (each line checked; a bad file is refused with
each bad line's number and why, and nothing is stored), listed, read back, deleted (not while an
unfinished job uses it)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from sqlalchemy import Connection

from modelport.control.projects import ProjectService
from modelport.domain.deployments import Project
from modelport.domain.fine_tuning import FILE_PURPOSE, TrainingFile
from modelport.errors import Conflict, InvalidRequest, NotFound
from modelport.finetune.dataset import parse_training_file
from modelport.settings import Settings
from modelport.store import fine_tuning_files as ft_files
from modelport.store.repositories import Store
from modelport.store.values import now

log = logging.getLogger("modelport.finetune")


def short_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


def file_in(conn: Connection, project: Project, file_id: str, param: str) -> TrainingFile:
    """The project's file ``file_id``; NotFound naming ``param`` when it has none."""
    file = ft_files.get_file(conn, project.id, file_id)
    if file is None:
        raise NotFound(f"no file {file_id!r} in project {project.name!r}", param=param)
    return file


class TrainingFiles:
    def __init__(self, *, settings: Settings, store: Store, projects: ProjectService) -> None:
        self.settings = settings
        self.store = store
        self.projects = projects

    async def _db(self, fn: Any) -> Any:
        return await asyncio.to_thread(self.store.run, fn)

    async def upload(
        self, project_name: str, filename: str, purpose: str, content: bytes
    ) -> TrainingFile:
        if purpose != FILE_PURPOSE:
            raise InvalidRequest(
                f"purpose must be {FILE_PURPOSE!r}: this server stores fine-tuning files only",
                param="purpose",
            )
        limit = self.settings.finetune_max_file_bytes
        if len(content) > limit:
            raise InvalidRequest(
                f"the file is {len(content)} bytes; the limit is {limit}", param="file"
            )
        examples = await asyncio.to_thread(parse_training_file, content, filename=filename)

        def insert(conn: Connection) -> TrainingFile:
            project = self.projects.project(conn, project_name)
            file = TrainingFile(
                short_id("file"),
                project.id,
                filename[:255],
                purpose,
                len(content),
                len(examples),
                now(),
            )
            ft_files.insert_file(conn, file, content)
            return file

        file: TrainingFile = await self._db(insert)
        log.info("training file %s uploaded (%d examples)", file.id, file.examples)
        return file

    async def files(self, project_name: str) -> list[TrainingFile]:
        def load(conn: Connection) -> list[TrainingFile]:
            return ft_files.list_files(conn, self.projects.project(conn, project_name).id)

        found: list[TrainingFile] = await self._db(load)
        return found

    async def file(self, project_name: str, file_id: str) -> TrainingFile:
        def load(conn: Connection) -> TrainingFile:
            return file_in(conn, self.projects.project(conn, project_name), file_id, "file_id")

        found: TrainingFile = await self._db(load)
        return found

    async def file_content(self, project_name: str, file_id: str) -> tuple[TrainingFile, bytes]:
        def load(conn: Connection) -> tuple[TrainingFile, bytes]:
            project = self.projects.project(conn, project_name)
            file = file_in(conn, project, file_id, "file_id")
            return file, ft_files.file_content(conn, file.id) or b""

        found: tuple[TrainingFile, bytes] = await self._db(load)
        return found

    async def delete_file(self, project_name: str, file_id: str) -> None:
        def delete(conn: Connection) -> None:
            project = self.projects.project(conn, project_name)
            file = file_in(conn, project, file_id, "file_id")
            if ft_files.file_in_use(conn, file.id):
                raise Conflict(f"file {file_id!r} is used by an unfinished fine-tuning job")
            ft_files.delete_file(conn, file.id)

        await self._db(delete)
