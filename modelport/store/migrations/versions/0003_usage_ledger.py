"""Usage ledger and incremental rollups.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_records",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column("deployment_id", sa.String(36), nullable=False),
        sa.Column("deployment_name", sa.String(64), nullable=False),
        sa.Column("key_slot", sa.String(16), nullable=False),
        sa.Column("dialect", sa.String(32), nullable=False),
        sa.Column("prompt_tokens", sa.Integer, nullable=False),
        sa.Column("completion_tokens", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
    )
    op.create_index(
        "ix_usage_records_deployment_created", "usage_records", ["deployment_id", "created_at"]
    )
    op.create_table(
        "usage_rollups",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("project_id", sa.String(36), primary_key=True),
        sa.Column("subscription_id", sa.String(36), primary_key=True),
        sa.Column("deployment_id", sa.String(36), primary_key=True),
        sa.Column("meter", sa.String(48), primary_key=True),
        sa.Column("offer_id", sa.String(64), nullable=False),
        sa.Column("deployment_name", sa.String(64), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("usage_rollups")
    op.drop_index("ix_usage_records_deployment_created", "usage_records")
    op.drop_table("usage_records")
