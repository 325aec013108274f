"""Principals, API tokens, roles, role assignments, the audit log and the admin token:
``/management/me``, ``/principals``, ``/roles``, ``/role-assignments``, ``/audit``,
``/admin-token/rotate``. Which permission each needs is in ``access.route_table``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from modelport.access.grants import authorize
from modelport.access.types import Assignment, AuditFilter
from modelport.control.access_views import (
    AdminTokenView,
    AssignmentCreate,
    AssignmentList,
    AssignmentView,
    AuditEventView,
    AuditList,
    GrantView,
    IssuedTokenView,
    MeView,
    PrincipalCreate,
    PrincipalList,
    PrincipalUpdate,
    PrincipalView,
    RoleList,
    RolePut,
    RoleView,
    TokenCreate,
    TokenList,
    TokenView,
)
from modelport.control.api.deps import AccessDep, ServicesDep
from modelport.errors import Conflict, NotFound
from modelport.local_secrets import replace_file
from modelport.services import Services

router = APIRouter(tags=["access control"])


async def _project_names(services: Services) -> dict[str, str]:
    return {p.id: p.name for p in await services.projects.list_projects()}


async def _assignment_view(
    a: Assignment, services: Services, principals: dict[str, str] | None = None
) -> AssignmentView:
    principals = principals or await services.access.principal_names()
    projects = await _project_names(services) if a.project_id else {}
    return AssignmentView(
        id=a.id,
        principal=principals.get(a.principal_id, a.principal_id),
        role=a.role,
        project=projects.get(a.project_id, a.project_id) if a.project_id else None,
        created_at=a.created_at,
    )


@router.get("/me", response_model=MeView, summary="Who the caller is and what it holds")
async def me(services: ServicesDep, access: AccessDep) -> MeView:
    projects = await _project_names(services)
    return MeView(
        principal=PrincipalView.of(access.principal),
        method=access.method,
        grants=[
            GrantView(
                role=g.role,
                project=projects.get(g.project_id, g.project_id) if g.project_id else None,
                permissions=sorted(g.permissions),
            )
            for g in access.grants
        ],
    )


# -- principals and their API tokens ---------------------------------------------------------
@router.get(
    "/principals", response_model=PrincipalList, summary="List users and service principals"
)
async def list_principals(services: ServicesDep) -> PrincipalList:
    return PrincipalList(
        data=[PrincipalView.of(p) for p in await services.access.list_principals()]
    )


@router.post("/principals", response_model=PrincipalView, status_code=201)
async def create_principal(body: PrincipalCreate, services: ServicesDep) -> PrincipalView:
    issuer = services.settings.oidc_issuer
    created = await services.access.create_principal(
        body.kind,
        body.name,
        email=body.email,
        password=body.password,
        oidc_issuer=issuer.rstrip("/") if issuer else None,
        oidc_subject=body.oidc_subject,
    )
    return PrincipalView.of(created)


@router.get("/principals/{principal}", response_model=PrincipalView)
async def get_principal(principal: str, services: ServicesDep) -> PrincipalView:
    return PrincipalView.of(await services.access.get_principal(principal))


@router.patch(
    "/principals/{principal}",
    response_model=PrincipalView,
    summary="Change e-mail, password or disabled (a new password or disabling ends sessions)",
)
async def update_principal(
    principal: str, body: PrincipalUpdate, services: ServicesDep
) -> PrincipalView:
    changes = body.model_dump(exclude_unset=True)
    return PrincipalView.of(await services.access.update_principal(principal, changes))


@router.delete("/principals/{principal}", status_code=204, response_class=Response)
async def delete_principal(principal: str, services: ServicesDep) -> Response:
    await services.access.delete_principal(principal)
    return Response(status_code=204)


@router.get("/principals/{principal}/tokens", response_model=TokenList)
async def list_tokens(principal: str, services: ServicesDep) -> TokenList:
    return TokenList(data=[TokenView.of(t) for t in await services.access.tokens(principal)])


@router.post(
    "/principals/{principal}/tokens",
    response_model=IssuedTokenView,
    status_code=201,
    summary="Issue an API token (shown once, stored hashed)",
)
async def issue_token(principal: str, body: TokenCreate, services: ServicesDep) -> IssuedTokenView:
    expires = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    issued = await services.access.issue_token(principal, body.name, expires)
    return IssuedTokenView(**TokenView.of(issued.record).model_dump(), token=issued.token)


@router.delete(
    "/principals/{principal}/tokens/{token_id}",
    status_code=204,
    response_class=Response,
    summary="Revoke an API token (ends the portal sessions it opened)",
)
async def revoke_token(principal: str, token_id: str, services: ServicesDep) -> Response:
    await services.access.revoke_token(principal, token_id)
    return Response(status_code=204)


# -- roles and assignments -------------------------------------------------------------------
@router.get("/roles", response_model=RoleList, summary="Built-in and custom roles")
async def list_roles(services: ServicesDep) -> RoleList:
    return RoleList(data=[RoleView.of(r) for r in await services.access.roles.all()])


@router.get("/roles/{role}", response_model=RoleView)
async def get_role(role: str, services: ServicesDep) -> RoleView:
    return RoleView.of(await services.access.roles.get(role))


@router.put(
    "/roles/{role}",
    response_model=RoleView,
    responses={201: {"description": "Created"}},
    summary="Create or replace a custom role (a set of permissions)",
)
async def put_role(role: str, body: RolePut, services: ServicesDep, response: Response) -> RoleView:
    created = await services.access.roles.put(role, body.description, set(body.permissions))
    response.status_code = 201 if created else 200
    return RoleView.of(await services.access.roles.get(role))


@router.delete("/roles/{role}", status_code=204, response_class=Response)
async def delete_role(role: str, services: ServicesDep) -> Response:
    await services.access.roles.delete(role)
    return Response(status_code=204)


@router.get(
    "/role-assignments",
    response_model=AssignmentList,
    summary="Role assignments (those on projects the caller holds roles/read on)",
)
async def list_assignments(services: ServicesDep, access: AccessDep) -> AssignmentList:
    visible = access.projects_with("roles/read")
    found = [
        a
        for a in await services.access.assignments()
        if visible is None or (a.project_id is not None and a.project_id in visible)
    ]
    principals = await services.access.principal_names()
    return AssignmentList(data=[await _assignment_view(a, services, principals) for a in found])


async def _project_id(name: str, services: Services) -> str | None:
    try:
        return (await services.projects.get_project(name)).id
    except NotFound:
        return None


@router.post(
    "/role-assignments",
    response_model=AssignmentView,
    status_code=201,
    responses={200: {"description": "Already assigned"}},
    summary="Assign a role at platform or project scope (ends the principal's sessions)",
)
async def assign_role(
    body: AssignmentCreate,
    services: ServicesDep,
    access: AccessDep,
    request: Request,
    response: Response,
) -> AssignmentView:
    # roles/assign on the assignment's project (or the platform); a project the caller has no
    # rights on is refused alike whether or not it exists.
    project_id = await _project_id(body.project, services) if body.project else None
    authorize(access, "roles/assign", project_id)
    # The project is in the body, not the path: name it in the audit event (once authorized,
    # so a refused caller learns nothing from it).
    request.state.project = body.project
    if body.project and project_id is None:
        raise NotFound(f"project {body.project!r} does not exist", param="project")
    assignment, created = await services.access.assign(body.principal, body.role, project_id)
    if not created:
        response.status_code = 200
    return await _assignment_view(assignment, services)


@router.delete(
    "/role-assignments/{assignment_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a role assignment (ends the principal's sessions)",
)
async def unassign_role(
    assignment_id: str, services: ServicesDep, access: AccessDep, request: Request
) -> Response:
    try:
        found: Assignment | None = await services.access.assignment(assignment_id)
    except NotFound:
        found = None
    authorize(access, "roles/assign", found.project_id if found else None)
    if found is None:
        raise NotFound(f"role assignment {assignment_id!r} does not exist")
    if found.project_id is not None:  # the audit event names the assignment's project
        request.state.project = (await _project_names(services)).get(found.project_id)
    await services.access.unassign(assignment_id)
    return Response(status_code=204)


# -- audit log and admin token ---------------------------------------------------------------
@router.get("/audit", response_model=AuditList, summary="The audit log, newest first")
async def audit_log(
    services: ServicesDep,
    principal: str | None = Query(None, max_length=64),
    action: str | None = Query(None, max_length=64),
    project: str | None = Query(None, max_length=64),
    outcome: Literal["succeeded", "refused", "failed"] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> AuditList:
    wanted = AuditFilter(
        principal=principal,
        action=action,
        project=project,
        outcome=outcome,
        since=since,
        until=until,
        limit=limit,
    )
    events = await services.audit.query(wanted)
    return AuditList(data=[AuditEventView.of(e) for e in events])


@router.post(
    "/admin-token/rotate",
    response_model=AdminTokenView,
    summary="Replace the bootstrap admin token (ends the bootstrap owner's sessions)",
)
async def rotate_admin_token(services: ServicesDep) -> AdminTokenView:
    path = services.secrets.admin_token_file
    if path is None:
        raise Conflict(
            "the admin token comes from MODELPORT_ADMIN_TOKEN: set a new long random value "
            "there and restart (the old one stops working and its sessions end)"
        )
    token = await services.access.rotate_admin_token()
    replace_file(path, token)
    return AdminTokenView(token=token, written_to=str(path))
