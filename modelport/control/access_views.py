"""Wire views of access control: principals, API tokens, roles, role assignments, the audit
log and the admin token (the bodies of ``control/api/access.py``'s routes)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from modelport.access.permissions import Role
from modelport.access.types import ApiToken, AuditEvent, Principal, PrincipalKind


class PrincipalView(BaseModel):
    id: str
    kind: PrincipalKind
    name: str
    email: str | None
    oidc_issuer: str | None
    oidc_subject: str | None
    bootstrap: bool
    disabled: bool
    has_password: bool
    created_at: datetime

    @classmethod
    def of(cls, p: Principal) -> PrincipalView:
        return cls(
            id=p.id,
            kind=p.kind,
            name=p.name,
            email=p.email,
            oidc_issuer=p.oidc_issuer,
            oidc_subject=p.oidc_subject,
            bootstrap=p.bootstrap,
            disabled=p.disabled,
            has_password=p.has_password,
            created_at=p.created_at,
        )


class GrantView(BaseModel):
    role: str
    project: str | None = Field(description="The project's name; null: platform scope.")
    permissions: list[str]


class MeView(BaseModel):
    principal: PrincipalView
    method: str = Field(description="How the credential was proven.")
    grants: list[GrantView]


class PrincipalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    kind: PrincipalKind = PrincipalKind.USER
    email: str | None = Field(None, max_length=255, description="Matches a single sign-on user.")
    password: str | None = Field(None, max_length=1024, description="A local account's password.")
    oidc_subject: str | None = Field(None, max_length=255, description="The SSO subject (sub).")


class PrincipalUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(None, max_length=255)
    password: str | None = Field(None, max_length=1024, description="null removes it.")
    disabled: bool | None = None


class PrincipalList(BaseModel):
    data: list[PrincipalView]


class TokenView(BaseModel):
    id: str
    name: str
    hint: str = Field(description="The token's last four characters.")
    created_at: datetime
    expires_at: datetime | None
    bootstrap: bool

    @classmethod
    def of(cls, t: ApiToken) -> TokenView:
        return cls(
            id=t.id,
            name=t.name,
            hint=t.hint,
            created_at=t.created_at,
            expires_at=t.expires_at,
            bootstrap=t.bootstrap,
        )


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("api token", min_length=1, max_length=64)
    expires_in_days: int | None = Field(90, ge=1, le=3650, description="null: never expires.")


class IssuedTokenView(TokenView):
    token: str = Field(description="The token itself: shown this once, stored only hashed.")


class TokenList(BaseModel):
    data: list[TokenView]


class RoleView(BaseModel):
    name: str
    description: str
    builtin: bool
    permissions: list[str]

    @classmethod
    def of(cls, r: Role) -> RoleView:
        return cls(
            name=r.name,
            description=r.description,
            builtin=r.builtin,
            permissions=sorted(r.permissions),
        )


class RoleList(BaseModel):
    data: list[RoleView]


class RolePut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = Field("", max_length=500)
    permissions: list[str] = Field(max_length=100)


class AssignmentView(BaseModel):
    id: str
    principal: str
    role: str
    project: str | None = Field(description="null: platform scope")
    created_at: datetime


class AssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    principal: str = Field(min_length=1, max_length=64)
    role: str = Field(min_length=1, max_length=64)
    project: str | None = Field(None, max_length=64, description="Omit for platform scope.")


class AssignmentList(BaseModel):
    data: list[AssignmentView]


class AuditEventView(BaseModel):
    id: int | None
    at: datetime
    principal: str
    auth_method: str | None
    action: str
    method: str
    path: str
    project: str | None
    status: int
    outcome: str
    client: str | None

    @classmethod
    def of(cls, e: AuditEvent) -> AuditEventView:
        return cls(
            id=e.id,
            at=e.at,
            principal=e.principal,
            auth_method=e.auth_method,
            action=e.action,
            method=e.method,
            path=e.path,
            project=e.project,
            status=e.status,
            outcome=e.outcome.value,
            client=e.client,
        )


class AuditList(BaseModel):
    data: list[AuditEventView]


class AdminTokenView(BaseModel):
    token: str = Field(description="The new admin token: shown this once.")
    written_to: str = Field(description="The data-dir file the CLI reads it from.")
