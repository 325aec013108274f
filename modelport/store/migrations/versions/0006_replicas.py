"""Scale-out: replicas per deployment (desired count, scale to zero, resolved engine spec),
replica lifetimes, the controller lease, the change log and the cluster's members.

Revision ID: 0006_replicas
Revises: 0020_safety (0030_finetune and 0020_safety landed on main first; chained after them)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_replicas"
down_revision = "0020_safety"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.add_column(sa.Column("instances", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("min_instances", sa.Integer, nullable=True))
        batch.add_column(
            sa.Column("idle_timeout", sa.Integer, nullable=False, server_default="300")
        )
        batch.add_column(sa.Column("generation", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("engine_spec", sa.Text, nullable=True))
        batch.add_column(sa.Column("progress", sa.Text, nullable=True))
    op.create_table(
        "replicas",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("deployment_id", sa.String(36), nullable=False),
        sa.Column("deployment_name", sa.String(64), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
        sa.Column("runtime", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("handle", sa.String(255), nullable=True),
        sa.Column("node", sa.String(255), nullable=True),
        sa.Column("url", sa.String(255), nullable=True),
        sa.Column("key_ciphertext", sa.LargeBinary, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("restarts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("cpus", sa.Float, nullable=False, server_default="0"),
        sa.Column("gpus", sa.Float, nullable=False, server_default="0"),
        sa.Column("memory_bytes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_replicas_deployment_stopped", "replicas", ["deployment_id", "stopped_at"])
    op.create_table(
        "cluster_leases",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cluster_changes",
        sa.Column("revision", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("deployment_id", sa.String(36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cluster_members",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("address", sa.String(255), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("cluster_members")
    op.drop_table("cluster_changes")
    op.drop_table("cluster_leases")
    op.drop_index("ix_replicas_deployment_stopped", table_name="replicas")
    op.drop_table("replicas")
    with op.batch_alter_table("deployments") as batch:
        for column in (
            "progress",
            "engine_spec",
            "generation",
            "idle_timeout",
            "min_instances",
            "instances",
        ):
            batch.drop_column(column)
