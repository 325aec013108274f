"""Walking skeleton: projects, subscriptions, deployments, deployment keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", name="uq_projects_name"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("resource_id", name="uq_subscriptions_resource_id"),
        sa.UniqueConstraint("project_id", "offer_id", name="uq_subscriptions_project_offer"),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column(
            "subscription_id", sa.String(36), sa.ForeignKey("subscriptions.id"), nullable=True
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("failure_reason", sa.Text, nullable=True),
        sa.Column("engine", sa.String(32), nullable=False, server_default="llamacpp"),
        sa.Column("rpm_limit", sa.Integer, nullable=False, server_default="1000"),
        sa.Column("tpm_limit", sa.Integer, nullable=False, server_default="200000"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("region", "name", name="uq_deployments_region_name"),
        sa.UniqueConstraint("project_id", "offer_id", name="uq_deployments_project_offer"),
    )
    op.create_table(
        "deployment_keys",
        sa.Column(
            "deployment_id", sa.String(36), sa.ForeignKey("deployments.id"), primary_key=True
        ),
        sa.Column("slot", sa.String(16), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("fingerprint", name="uq_deployment_keys_fingerprint"),
    )


def downgrade() -> None:
    op.drop_table("deployment_keys")
    op.drop_table("deployments")
    op.drop_table("subscriptions")
    op.drop_table("projects")
