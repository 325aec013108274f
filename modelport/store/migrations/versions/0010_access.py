"""Principals, API tokens, custom roles, role assignments, portal sessions, audit log.

Revision ID: 0010_access
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_access"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "principals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("oidc_issuer", sa.String(255), nullable=True),
        sa.Column("oidc_subject", sa.String(255), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("bootstrap", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", name="uq_principals_name"),
        sa.UniqueConstraint("email", name="uq_principals_email"),
        sa.UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_principals_oidc_identity"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "principal_id",
            sa.String(36),
            sa.ForeignKey("principals.id", name="fk_api_tokens_principal_id_principals"),
            nullable=False,
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("hint", sa.String(16), nullable=False),
        sa.Column("bootstrap", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_principal_id", "api_tokens", ["principal_id"])
    op.create_table(
        "custom_roles",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("permissions", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "role_assignments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "principal_id",
            sa.String(36),
            sa.ForeignKey("principals.id", name="fk_role_assignments_principal_id_principals"),
            nullable=False,
        ),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_role_assignments_principal_id", "role_assignments", ["principal_id"])
    op.create_table(
        "portal_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column(
            "principal_id",
            sa.String(36),
            sa.ForeignKey("principals.id", name="fk_portal_sessions_principal_id_principals"),
            nullable=False,
        ),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("credential_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_portal_sessions_principal_id", "portal_sessions", ["principal_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("principal_id", sa.String(36), nullable=True),
        sa.Column("principal", sa.String(64), nullable=False),
        sa.Column("auth_method", sa.String(16), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("project", sa.String(64), nullable=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("client", sa.String(64), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_principal", "audit_events", ["principal"])


def downgrade() -> None:
    for index, table in (
        ("ix_audit_events_principal", "audit_events"),
        ("ix_audit_events_at", "audit_events"),
        ("ix_portal_sessions_principal_id", "portal_sessions"),
        ("ix_role_assignments_principal_id", "role_assignments"),
        ("ix_api_tokens_principal_id", "api_tokens"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "audit_events",
        "portal_sessions",
        "role_assignments",
        "custom_roles",
        "api_tokens",
        "principals",
    ):
        op.drop_table(table)
