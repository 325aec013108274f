"""Tables of the usage ledger and its rollups (migrations 0003, 0030, 0040)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Index, Integer, String, Table

from modelport.store.tables import metadata

usage_records = Table(
    "usage_records",
    metadata,
    Column("request_id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("day", String(10), nullable=False),
    Column("project_id", String(36), nullable=False),
    Column("subscription_id", String(36), nullable=False),  # "" when none
    Column("offer_id", String(255), nullable=False),
    Column("deployment_id", String(36), nullable=False),
    Column("deployment_name", String(64), nullable=False),
    Column("key_slot", String(16), nullable=False),
    Column("dialect", String(32), nullable=False),
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("latency_ms", Float, nullable=False),
    # Fine-tuning records (dialect "fine-tuning") and hosting records (dialect "hosting"):
    Column("training_tokens", BigInteger, nullable=False, server_default="0"),
    Column("hosting_hours", Integer, nullable=False, server_default="0"),
    # Managed compute (migration 0040): the deployment's instance type; compute records
    # (dialect "compute") carry the instance-milliseconds of one replica's slice of life.
    Column("instance_type", String(64), nullable=False, server_default=""),
    Column("compute_ms", BigInteger, nullable=False, server_default="0"),
    Index("ix_usage_records_deployment_created", "deployment_id", "created_at"),
)

# One row per (day, project, subscription, deployment, meter), kept up to date in the same
# transaction as the ledger insert, so that reports read rollups and never scan the ledger.
usage_rollups = Table(
    "usage_rollups",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("project_id", String(36), primary_key=True),
    Column("subscription_id", String(36), primary_key=True),
    Column("deployment_id", String(36), primary_key=True),
    Column("meter", String(48), primary_key=True),
    Column("offer_id", String(255), nullable=False),
    Column("deployment_name", String(64), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("instance_type", String(64), nullable=False, server_default=""),  # prices compute
)
