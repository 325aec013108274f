"""Subscription meters: each subscription's cost-tracking meters, backfilled for existing ones.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen here (not imported) so the migration means the same thing forever.
METERS = (
    ("inference-input-tokens", "1K tokens", False),
    ("inference-output-tokens", "1K tokens", False),
    ("fine-tuning", "hours", True),
)


def upgrade() -> None:
    meters = op.create_table(
        "subscription_meters",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "subscription_id", sa.String(36), sa.ForeignKey("subscriptions.id"), nullable=False
        ),
        sa.Column("meter", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("reserved", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "subscription_id", "meter", name="uq_subscription_meters_subscription_meter"
        ),
    )
    assert meters is not None
    conn = op.get_bind()
    existing = conn.execute(sa.text("SELECT id FROM subscriptions")).scalars().all()
    now = datetime.now(UTC)
    rows = [
        {
            "id": str(uuid.uuid4()),
            "subscription_id": sub_id,
            "meter": name,
            "unit": unit,
            "reserved": reserved,
            "created_at": now,
        }
        for sub_id in existing
        for name, unit, reserved in METERS
    ]
    if rows:
        op.bulk_insert(meters, rows)
    op.create_index("ix_deployments_project_id", "deployments", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_deployments_project_id", "deployments")
    op.drop_table("subscription_meters")
