"""The one SQL schema (SQLAlchemy Core). Alembic migrations in ``migrations/`` build it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

projects = Table(
    "projects",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("region", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False),
    Column("offer_id", String(64), nullable=False),
    Column("resource_id", String(255), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("project_id", "offer_id", name="uq_subscriptions_project_offer"),
)

subscription_meters = Table(
    "subscription_meters",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("subscription_id", String(36), ForeignKey("subscriptions.id"), nullable=False),
    Column("meter", String(64), nullable=False),
    Column("unit", String(32), nullable=False),
    Column("reserved", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("subscription_id", "meter", name="uq_subscription_meters_subscription_meter"),
)

deployments = Table(
    "deployments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False),
    Column("region", String(64), nullable=False),
    # An offer id, or a fine-tuned model's name (ft:<base>:<project>:<suffix>).
    Column("offer_id", String(255), nullable=False),
    Column("subscription_id", String(36), ForeignKey("subscriptions.id"), nullable=True),
    Column("state", String(16), nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("engine", String(32), nullable=False, server_default="llamacpp"),
    Column("rpm_limit", Integer, nullable=False, server_default="1000"),
    Column("tpm_limit", Integer, nullable=False, server_default="200000"),
    Column("content_filter", Text, nullable=True),  # JSON policy; NULL: the default
    Column("engine_options", Text, nullable=True),  # JSON of the engine's options, no secrets
    Column("engine_secret", LargeBinary, nullable=True),  # its secret options, encrypted
    # Replicas (migration 0006): how many while in use, how few when idle, after how long idle.
    Column("instances", Integer, nullable=False, server_default="1"),
    Column("min_instances", Integer, nullable=True),  # NULL: as many as ``instances``
    Column("idle_timeout", Integer, nullable=False, server_default="300"),
    Column("generation", Integer, nullable=False, server_default="0"),  # bumped by restart
    Column("engine_spec", Text, nullable=True),  # JSON of the resolved EngineSpec, no secret
    Column("progress", Text, nullable=True),  # what the controller is doing for it now
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Managed compute (migration 0040): the endpoint it is under, its instance type.
    Column("endpoint_id", String(36), nullable=True),
    Column("instance_type", String(64), nullable=True),
    UniqueConstraint("region", "name", name="uq_deployments_region_name"),
)

Index("ix_deployments_project_id", deployments.c.project_id)
# One serverless deployment per model per project; an endpoint's deployments may share a model.
Index(
    "uq_deployments_project_offer",
    deployments.c.project_id,
    deployments.c.offer_id,
    unique=True,
    sqlite_where=deployments.c.endpoint_id.is_(None),
    postgresql_where=deployments.c.endpoint_id.is_(None),
)

deployment_keys = Table(
    "deployment_keys",
    metadata,
    Column("deployment_id", String(36), ForeignKey("deployments.id"), primary_key=True),
    Column("slot", String(16), primary_key=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Custom content-safety blocklists; deployment_id NULL: applies to every deployment.
safety_blocklists = Table(
    "safety_blocklists",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("deployment_id", String(36), ForeignKey("deployments.id"), nullable=True),
    Column("items", Text, nullable=False),  # JSON: [{"text": ..., "kind": "exact"|"pattern"}]
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
