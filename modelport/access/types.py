"""Pure types of access control: principals, API tokens, role assignments, sessions, audit
events. Nothing here knows SQL or HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class PrincipalKind(StrEnum):
    USER = "user"
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    kind: PrincipalKind
    name: str
    created_at: datetime
    email: str | None = None
    oidc_issuer: str | None = None
    oidc_subject: str | None = None
    bootstrap: bool = False  # the owner created from the bootstrap admin token
    disabled: bool = False
    has_password: bool = False


@dataclass(frozen=True, slots=True)
class ApiToken:
    """An API token's record: never the token itself (shown once, stored as a keyed hash)."""

    id: str
    principal_id: str
    name: str
    hint: str
    created_at: datetime
    expires_at: datetime | None = None
    bootstrap: bool = False

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True, slots=True)
class Assignment:
    id: str
    principal_id: str
    role: str
    project_id: str | None  # None: platform scope
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PortalSession:
    id_hash: str
    principal_id: str
    method: str
    credential_id: str | None
    created_at: datetime
    expires_at: datetime


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    REFUSED = "refused"  # 401 / 403 / 413: the call was not allowed in
    FAILED = "failed"  # allowed in, but it did not succeed

    @classmethod
    def of(cls, status: int) -> Outcome:
        if status < 400:
            return cls.SUCCEEDED
        if status in (401, 403, 413):
            return cls.REFUSED
        return cls.FAILED


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit events to list, newest first; a field left unset matches every event."""

    principal: str | None = None
    action: str | None = None
    project: str | None = None
    outcome: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    limit: int = 100


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One state-changing call: who, what, which resource, when, from where, outcome."""

    at: datetime
    principal: str
    action: str
    method: str
    path: str
    status: int
    outcome: Outcome
    principal_id: str | None = None
    auth_method: str | None = None
    project: str | None = None
    client: str | None = None
    request_id: str | None = None
    id: int | None = None
