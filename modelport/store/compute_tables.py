"""Tables of managed compute (migration 0040): endpoints, their keys, and core quotas."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from modelport.store.tables import metadata

endpoints = Table(
    "endpoints",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False),
    Column("region", String(64), nullable=False),
    Column("traffic", Text, nullable=False, server_default="{}"),  # JSON: name -> percent
    Column("mirror", Text, nullable=False, server_default="{}"),  # JSON: name -> percent
    Column("shared_quota", Boolean, nullable=False, server_default=false()),
    Column("expires_at", DateTime(timezone=True), nullable=True),  # shared quota: deleted then
    Column("deleting", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("region", "name", name="uq_endpoints_region_name"),
)

endpoint_keys = Table(
    "endpoint_keys",
    metadata,
    Column("endpoint_id", String(36), ForeignKey("endpoints.id"), primary_key=True),
    Column("slot", String(16), primary_key=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Limits set by an operator; a scope/subject without a row has the settings' default.
compute_quotas = Table(
    "compute_quotas",
    metadata,
    Column("scope", String(16), primary_key=True),  # "project" (subject: its id) | "region"
    Column("subject", String(64), primary_key=True),
    Column("cores", Integer, nullable=False),
    Column("gpus", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
