"""Tables of principals, API tokens, custom roles, role assignments, portal sessions and the
audit log (migration 0010_access)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from modelport.store.tables import metadata

principals = Table(
    "principals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),  # user | service
    Column("name", String(64), nullable=False, unique=True),
    Column("email", String(255), nullable=True, unique=True),
    Column("oidc_issuer", String(255), nullable=True),
    Column("oidc_subject", String(255), nullable=True),
    Column("password_hash", String(255), nullable=True),
    Column("bootstrap", Boolean, nullable=False, server_default=false()),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_principals_oidc_identity"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("principal_id", String(36), ForeignKey("principals.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("hint", String(16), nullable=False),  # the last characters, to tell tokens apart
    Column("bootstrap", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
)

Index("ix_api_tokens_principal_id", api_tokens.c.principal_id)

custom_roles = Table(
    "custom_roles",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("permissions", Text, nullable=False),  # JSON list
    Column("created_at", DateTime(timezone=True), nullable=False),
)

role_assignments = Table(
    "role_assignments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("principal_id", String(36), ForeignKey("principals.id"), nullable=False),
    Column("role", String(64), nullable=False),
    Column("project_id", String(36), nullable=True),  # NULL: platform scope
    Column("created_at", DateTime(timezone=True), nullable=False),
)

Index("ix_role_assignments_principal_id", role_assignments.c.principal_id)

portal_sessions = Table(
    "portal_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie's random id
    Column("principal_id", String(36), ForeignKey("principals.id"), nullable=False),
    Column("method", String(16), nullable=False),  # bootstrap | token | password | oidc
    Column("credential_id", String(36), nullable=True),  # the API token signed in with
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

Index("ix_portal_sessions_principal_id", portal_sessions.c.principal_id)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("principal_id", String(36), nullable=True),
    Column("principal", String(64), nullable=False),  # name at the time ("anonymous" if none)
    Column("auth_method", String(16), nullable=True),
    Column("action", String(64), nullable=False),  # the permission, or METHOD for unknown routes
    Column("method", String(8), nullable=False),
    Column("path", String(512), nullable=False),
    Column("project", String(64), nullable=True),
    Column("status", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),  # succeeded | refused | failed
    Column("client", String(64), nullable=True),
    Column("request_id", String(64), nullable=True),
)

Index("ix_audit_events_at", audit_events.c.at)
Index("ix_audit_events_principal", audit_events.c.principal)
