"""Managed compute: endpoints with their keys, core quotas, deployments under an endpoint on an
instance type, the ledger's compute columns and every subscription's compute meter.

One deployment per model per project now holds for serverless deployments only: an endpoint's
deployments (blue, green) may run the same model, so the unique constraint becomes a partial
unique index (``endpoint_id IS NULL``), on SQLite and PostgreSQL alike.

Revision ID: 0040_managed_compute
Revises: 0006_replicas
Create Date: 2026-12-02
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0040_managed_compute"
down_revision = "0006_replicas"
branch_labels = None
depends_on = None

NEW_METER = ("managed-compute-hours", "hours")  # frozen here: the migration means one thing


def upgrade() -> None:
    op.create_table(
        "endpoints",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("traffic", sa.Text, nullable=False, server_default="{}"),
        sa.Column("mirror", sa.Text, nullable=False, server_default="{}"),
        sa.Column("shared_quota", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleting", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("region", "name", name="uq_endpoints_region_name"),
    )
    op.create_table(
        "endpoint_keys",
        sa.Column("endpoint_id", sa.String(36), sa.ForeignKey("endpoints.id"), primary_key=True),
        sa.Column("slot", sa.String(16), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("fingerprint", name="uq_endpoint_keys_fingerprint"),
    )
    op.create_table(
        "compute_quotas",
        sa.Column("scope", sa.String(16), primary_key=True),
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("cores", sa.Integer, nullable=False),
        sa.Column("gpus", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("deployments") as batch:
        batch.add_column(sa.Column("endpoint_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("instance_type", sa.String(64), nullable=True))
        batch.drop_constraint("uq_deployments_project_offer", type_="unique")
    where = sa.text("endpoint_id IS NULL")
    op.create_index(
        "uq_deployments_project_offer",
        "deployments",
        ["project_id", "offer_id"],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )
    with op.batch_alter_table("usage_records") as batch:
        batch.add_column(
            sa.Column("instance_type", sa.String(64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("compute_ms", sa.BigInteger, nullable=False, server_default="0"))
    with op.batch_alter_table("usage_rollups") as batch:
        batch.add_column(
            sa.Column("instance_type", sa.String(64), nullable=False, server_default="")
        )
    conn = op.get_bind()
    existing = conn.execute(sa.text("SELECT id FROM subscriptions")).scalars().all()
    meters = sa.table(
        "subscription_meters",
        sa.column("id", sa.String),
        sa.column("subscription_id", sa.String),
        sa.column("meter", sa.String),
        sa.column("unit", sa.String),
        sa.column("reserved", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    rows = [
        {
            "id": str(uuid.uuid4()),
            "subscription_id": sub_id,
            "meter": NEW_METER[0],
            "unit": NEW_METER[1],
            "reserved": False,
            "created_at": now,
        }
        for sub_id in existing
    ]
    if rows:
        op.bulk_insert(meters, rows)


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(
        sa.text("DELETE FROM subscription_meters WHERE meter = :meter"), {"meter": NEW_METER[0]}
    )
    with op.batch_alter_table("usage_rollups") as batch:
        batch.drop_column("instance_type")
    with op.batch_alter_table("usage_records") as batch:
        batch.drop_column("compute_ms")
        batch.drop_column("instance_type")
    op.drop_index("uq_deployments_project_offer", table_name="deployments")
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("instance_type")
        batch.drop_column("endpoint_id")
        batch.create_unique_constraint("uq_deployments_project_offer", ["project_id", "offer_id"])
    op.drop_table("compute_quotas")
    op.drop_table("endpoint_keys")
    op.drop_table("endpoints")
