"""Tables of the scale-out layer (migrations 0006, 0070): replicas and their lifetimes, the
controller lease, the change log gateways follow, and the members (gateways, controllers) with
their heartbeats."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from modelport.store.tables import metadata

# One row per replica ever started: kept after it stops (``stopped_at``), so that its lifetime
# (start, stop, node, resources) can be billed and audited. No foreign key: the rows outlive
# the deployment.
replicas = Table(
    "replicas",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("deployment_id", String(36), nullable=False),
    Column("deployment_name", String(64), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("generation", Integer, nullable=False, server_default="0"),
    Column("runtime", String(16), nullable=False),
    Column("owner", String(64), nullable=False),  # the controller instance that placed it
    Column("handle", String(255), nullable=True),  # the runtime's own name (Ray actor name)
    Column("node", String(255), nullable=True),
    Column("url", String(255), nullable=True),
    Column("key_ciphertext", LargeBinary, nullable=True),  # the replica's key, encrypted
    Column("state", String(16), nullable=False),
    Column("restarts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("cpus", Float, nullable=False, server_default="0"),
    Column("gpus", Float, nullable=False, server_default="0"),
    Column("memory_bytes", BigInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ready_at", DateTime(timezone=True), nullable=True),
    Column("stopped_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_replicas_deployment_stopped", "deployment_id", "stopped_at"),
)
# One live replica per ordinal of a deployment's generation (migration 0070): two controllers
# active at once for a moment (a takeover) cannot both place the same one.
Index(
    "uq_replicas_live_ordinal",
    replicas.c.deployment_id,
    replicas.c.generation,
    replicas.c.ordinal,
    unique=True,
    sqlite_where=replicas.c.stopped_at.is_(None),
    postgresql_where=replicas.c.stopped_at.is_(None),
)

# Leases: one named row per singleton role ("controller"); whoever holds an unexpired lease is
# the active one, ``epoch`` increases with every change of holder.
cluster_leases = Table(
    "cluster_leases",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# The change log: every change gateways must see (keys, deployments, limits, safety policy,
# replicas) is one row; its revision is what PostgreSQL NOTIFY carries and SQLite gateways
# poll. ``deployment_id`` NULL: reload everything.
cluster_changes = Table(
    "cluster_changes",
    metadata,
    Column("revision", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("deployment_id", String(36), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Gateways and controllers that are running, with their last heartbeat and what they report
# (limiter mode, requests in flight per replica, last request per deployment, runtime nodes).
cluster_members = Table(
    "cluster_members",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("address", String(255), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=True),
)
