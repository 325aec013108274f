"""The fine-tuning API: OpenAI's ``/v1/files`` and ``/v1/fine_tuning/jobs``, per project.

The same routes under two prefixes, so that ``openai.OpenAI(base_url=..., api_key=...)`` works
unmodified:

- ``/v1/...``: the project named by the ``OpenAI-Project`` header (the SDK's ``project=``),
  else the default project;
- ``/projects/{project}/v1/...``: the project in the path (a per-project base URL).

Authorised by the access layer like the management API (``access/route_table.py``: reading
needs ``fine-tuning/read``, uploading, deleting, creating and cancelling ``fine-tuning/write``, on
the selected project); the SDK sends its API key as a bearer token (an API token, an SSO JWT or
the admin token). Errors of the routes themselves are rendered in the OpenAI shape (``{"error":
{"message", "type", "param", "code"}}``, 400 for bad input).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from modelport.control.api.deps import ServicesDep, services
from modelport.dialects.openai.fine_tuning import (
    JobCreate,
    checkpoint_object,
    event_object,
    file_object,
    job_object,
    page,
)
from modelport.domain.fine_tuning import FineTuningJob
from modelport.errors import ModelportError
from modelport.gateway.errors import validation_error
from modelport.services import Services

PROJECT_HEADER = "OpenAI-Project"
UPLOAD_CHUNK = 1 << 20


class OpenAIShapedRoute(APIRoute):
    """Errors of these routes (authorisation and validation included) in the OpenAI shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                request.state.dialect = "openai"
                raise validation_error(exc) from exc
            except ModelportError:
                request.state.dialect = "openai"
                raise

        return route


def selected_project(
    request: Request,
    services: ServicesDep,
    openai_project: Annotated[str | None, Header(alias=PROJECT_HEADER)] = None,
) -> str:
    """The project in the path (``/projects/{project}/v1``), else the ``OpenAI-Project``
    header, else the default project."""
    in_path: str | None = request.path_params.get("project")
    return in_path or openai_project or services.settings.default_project


def _project_in_path(
    project: Annotated[str, PathParam(description="The project (a per-project base URL).")],
) -> None:
    """Declares ``{project}`` of ``/projects/{project}/v1`` (read by ``selected_project``)."""


Project = Annotated[str, Depends(selected_project)]
Limit = Annotated[int, Query(ge=1, le=100)]


def _job(services: Services, job: FineTuningJob, project: str) -> dict[str, Any]:
    return job_object(job, project, services.fine_tuning.worker_of(job.id))


def _page_after(items: list[dict[str, Any]], after: str | None, limit: int) -> dict[str, Any]:
    if after is not None:
        ids = [i["id"] for i in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    return page(items[:limit], len(items) > limit)


def fine_tuning_router(prefix: str) -> APIRouter:
    dependencies = [Depends(services)]
    if "{project}" in prefix:
        dependencies.append(Depends(_project_in_path))
    router = APIRouter(
        prefix=prefix,
        tags=["fine-tuning"],
        dependencies=dependencies,
        route_class=OpenAIShapedRoute,
    )

    @router.post("/files", name="upload_file", summary="Upload a fine-tuning file (JSONL)")
    async def upload_file(
        services: ServicesDep,
        project: Project,
        file: Annotated[UploadFile, File(description="JSONL, one chat example per line")],
        purpose: Annotated[str, Form()],
    ) -> dict[str, Any]:
        limit = services.settings.finetune_max_file_bytes
        chunks, size = [], 0
        while size <= limit and (chunk := await file.read(UPLOAD_CHUNK)):
            chunks.append(chunk)
            size += len(chunk)
        uploaded = await services.fine_tuning.training_files.upload(
            project, file.filename or "upload.jsonl", purpose, b"".join(chunks)
        )
        return file_object(uploaded)

    @router.get("/files", name="list_files")
    async def list_files(services: ServicesDep, project: Project) -> dict[str, Any]:
        files = await services.fine_tuning.training_files.files(project)
        return page([file_object(f) for f in files], False)

    @router.get("/files/{file_id}", name="get_file")
    async def get_file(services: ServicesDep, project: Project, file_id: str) -> dict[str, Any]:
        return file_object(await services.fine_tuning.training_files.file(project, file_id))

    @router.get("/files/{file_id}/content", name="get_file_content")
    async def get_file_content(services: ServicesDep, project: Project, file_id: str) -> Response:
        _, content = await services.fine_tuning.training_files.file_content(project, file_id)
        return Response(content, media_type="application/jsonl")

    @router.delete("/files/{file_id}", name="delete_file")
    async def delete_file(services: ServicesDep, project: Project, file_id: str) -> dict[str, Any]:
        await services.fine_tuning.training_files.delete_file(project, file_id)
        return {"id": file_id, "object": "file", "deleted": True}

    @router.post("/fine_tuning/jobs", name="create_job", summary="Create a fine-tuning job")
    async def create_job(
        services: ServicesDep, project: Project, body: JobCreate
    ) -> dict[str, Any]:
        job = await services.fine_tuning.create_job(project, body)
        return _job(services, job, project)

    @router.get("/fine_tuning/jobs", name="list_jobs")
    async def list_jobs(
        services: ServicesDep, project: Project, after: str | None = None, limit: Limit = 20
    ) -> dict[str, Any]:
        _, jobs = await services.fine_tuning.jobs(project)
        return _page_after([_job(services, j, project) for j in jobs], after, limit)

    @router.get("/fine_tuning/jobs/{job_id}", name="get_job")
    async def get_job(services: ServicesDep, project: Project, job_id: str) -> dict[str, Any]:
        return _job(services, await services.fine_tuning.job(project, job_id), project)

    @router.get("/fine_tuning/jobs/{job_id}/events", name="list_job_events")
    async def list_job_events(
        services: ServicesDep,
        project: Project,
        job_id: str,
        after: str | None = None,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        events, more = await services.fine_tuning.events(project, job_id, after, limit)
        return page([event_object(e) for e in events], more)

    @router.get("/fine_tuning/jobs/{job_id}/checkpoints", name="list_job_checkpoints")
    async def list_job_checkpoints(
        services: ServicesDep,
        project: Project,
        job_id: str,
        after: str | None = None,
        limit: Limit = 10,
    ) -> dict[str, Any]:
        job, checkpoints = await services.fine_tuning.checkpoints(project, job_id)
        items = [checkpoint_object(c, job) for c in checkpoints]
        return _page_after(items, after, limit)

    @router.post("/fine_tuning/jobs/{job_id}/cancel", name="cancel_job")
    async def cancel_job(services: ServicesDep, project: Project, job_id: str) -> dict[str, Any]:
        job = await services.fine_tuning.cancel(project, job_id)
        return _job(services, job, project)

    return router


def fine_tuning_routers() -> list[APIRouter]:
    return [
        fine_tuning_router("/v1"),
        fine_tuning_router("/projects/{project}/v1"),
    ]
