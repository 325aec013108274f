"""SQL of the scale-out layer: replicas, the controller lease, the change log and members.

Functions take a connection (the caller owns the transaction) and return domain objects.
``publish`` is called inside the transaction of the change it announces: on PostgreSQL it also
sends ``NOTIFY modelport_changes, '<revision>'``, which the server delivers only on commit.

Revisions are visible in the order they were given. A PostgreSQL sequence alone does not promise
that: a transaction that took revision 10 can commit after one that took 11, and a follower that
read 11 would skip 10 for good. So on PostgreSQL ``publish`` first takes a transaction-level
advisory lock, held until commit or rollback: the next revision is handed out only after the
transaction holding the previous one ended. (SQLite has one writer at a time already.) Publish
last in a transaction: the lock is held from there to the end of it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from modelport.domain.replicas import Replica, ReplicaState, Resources
from modelport.store.cluster_tables import (
    cluster_changes,
    cluster_leases,
    cluster_members,
    replicas,
)
from modelport.store.values import aware, now

CHANNEL = "modelport_changes"
# The advisory lock that orders the change log (an arbitrary constant: "mp" "ch" in ASCII).
_CHANGE_LOG_LOCK = 0x6D70_6368


# -- the change log -----------------------------------------------------------------------------
def publish(conn: Connection, kind: str, deployment_id: str | None = None) -> int:
    """Record a change; its revision. PostgreSQL: NOTIFY on commit, revisions in commit order."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHANGE_LOG_LOCK})
    result = conn.execute(
        insert(cluster_changes)
        .values(kind=kind, deployment_id=deployment_id, at=now())
        .returning(cluster_changes.c.revision)
    )
    revision = int(result.scalar_one())
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {
                "channel": CHANNEL,
                "payload": str(revision),
            },
        )
    return revision


def revision(conn: Connection) -> int:
    return int(
        conn.execute(select(func.coalesce(func.max(cluster_changes.c.revision), 0))).scalar_one()
    )


def changes_since(
    conn: Connection, after: int, limit: int = 10_000
) -> tuple[int | None, list[tuple[int, str, str | None]]]:
    """The oldest revision still in the log, and the changes after ``after`` (oldest first)."""
    oldest = conn.execute(select(func.min(cluster_changes.c.revision))).scalar_one_or_none()
    rows = conn.execute(
        select(cluster_changes.c.revision, cluster_changes.c.kind, cluster_changes.c.deployment_id)
        .where(cluster_changes.c.revision > after)
        .order_by(cluster_changes.c.revision)
        .limit(limit)
    ).all()
    return (int(oldest) if oldest is not None else None), [
        (int(r.revision), str(r.kind), r.deployment_id) for r in rows
    ]


def prune_changes(conn: Connection, older_than: timedelta) -> int:
    """Forget changes older than ``older_than`` (a gateway that far behind resyncs fully)."""
    keep_last = revision(conn)
    result = conn.execute(
        delete(cluster_changes).where(
            cluster_changes.c.at < now() - older_than, cluster_changes.c.revision < keep_last
        )
    )
    return int(result.rowcount or 0)


# -- the lease ----------------------------------------------------------------------------------
def acquire_lease(conn: Connection, name: str, holder: str, ttl: float) -> int | None:
    """Take or renew the lease ``name`` for ``holder``: its epoch when held (a new epoch when it
    changed hands), None when someone else holds an unexpired one."""
    at = now()
    expires = at + timedelta(seconds=ttl)
    row = conn.execute(select(cluster_leases).where(cluster_leases.c.name == name)).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(cluster_leases).values(
                        name=name, holder=holder, epoch=1, acquired_at=at, expires_at=expires
                    )
                )
        except IntegrityError:
            return None  # someone else inserted it first
        return 1
    if row.holder == holder:
        result = conn.execute(
            update(cluster_leases)
            .where(
                cluster_leases.c.name == name,
                cluster_leases.c.holder == holder,
                cluster_leases.c.epoch == row.epoch,
            )
            .values(expires_at=expires)
        )
        return int(row.epoch) if result.rowcount == 1 else None
    if aware(row.expires_at) > at:
        return None
    result = conn.execute(
        update(cluster_leases)
        .where(cluster_leases.c.name == name, cluster_leases.c.epoch == row.epoch)
        .values(holder=holder, epoch=row.epoch + 1, acquired_at=at, expires_at=expires)
    )
    return int(row.epoch) + 1 if result.rowcount == 1 else None


def release_lease(conn: Connection, name: str, holder: str) -> None:
    """Give the lease up at once (a clean stop): the next candidate takes it without waiting."""
    conn.execute(
        update(cluster_leases)
        .where(cluster_leases.c.name == name, cluster_leases.c.holder == holder)
        .values(expires_at=now() - timedelta(seconds=1))
    )


def holds_lease(conn: Connection, name: str, holder: str, epoch: int) -> bool:
    """Whether ``holder`` still holds the lease ``name`` it took at ``epoch`` (a takeover
    raises the epoch). For a write that only its holder may make, in the write's transaction:
    on PostgreSQL the row is locked FOR SHARE until it ends, so a takeover waits for it (SQLite
    has one writer at a time already). Not expired is not asked: a holder whose renewals did
    not reach the database holds on until another takes the lease."""
    query = select(cluster_leases.c.name).where(
        cluster_leases.c.name == name,
        cluster_leases.c.holder == holder,
        cluster_leases.c.epoch == epoch,
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return conn.execute(query).first() is not None


def lease(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(cluster_leases).where(cluster_leases.c.name == name)).first()
    if row is None:
        return None
    return {
        "holder": row.holder,
        "epoch": int(row.epoch),
        "acquired_at": aware(row.acquired_at),
        "expires_at": aware(row.expires_at),
    }


# -- replicas -----------------------------------------------------------------------------------
def _replica(row: Any) -> Replica:
    return Replica(
        id=row.id,
        deployment_id=row.deployment_id,
        deployment_name=row.deployment_name,
        ordinal=int(row.ordinal),
        generation=int(row.generation),
        runtime=row.runtime,
        owner=row.owner,
        state=ReplicaState(row.state),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        handle=row.handle,
        node=row.node,
        url=row.url,
        key_ciphertext=row.key_ciphertext,
        restarts=int(row.restarts),
        last_error=row.last_error,
        resources=Resources(float(row.cpus), float(row.gpus), int(row.memory_bytes)),
        ready_at=aware(row.ready_at) if row.ready_at else None,
        stopped_at=aware(row.stopped_at) if row.stopped_at else None,
    )


def insert_replica(conn: Connection, replica: Replica) -> bool:
    """Record a new replica; False (nothing written, the transaction goes on) when a live one
    already holds its ordinal of its deployment's generation: the unique index of migration 0070
    decides between two controllers placing the same ordinal at once."""
    try:
        with conn.begin_nested():
            _insert_replica(conn, replica)
    except IntegrityError:
        return False
    return True


def _insert_replica(conn: Connection, replica: Replica) -> None:
    conn.execute(
        insert(replicas).values(
            id=replica.id,
            deployment_id=replica.deployment_id,
            deployment_name=replica.deployment_name,
            ordinal=replica.ordinal,
            generation=replica.generation,
            runtime=replica.runtime,
            owner=replica.owner,
            handle=replica.handle,
            node=replica.node,
            url=replica.url,
            key_ciphertext=replica.key_ciphertext,
            state=replica.state.value,
            restarts=replica.restarts,
            last_error=replica.last_error,
            cpus=replica.resources.cpus,
            gpus=replica.resources.gpus,
            memory_bytes=replica.resources.memory_bytes,
            created_at=replica.created_at,
            ready_at=replica.ready_at,
            stopped_at=replica.stopped_at,
            updated_at=replica.updated_at,
        )
    )


def update_replica(
    conn: Connection, replica_id: str, *, live_only: bool = False, **values: Any
) -> bool:
    """Change some fields of a replica (``state`` as a ReplicaState); ``updated_at`` follows.
    ``live_only``: only while it is not stopped. Whether a row changed."""
    if isinstance(values.get("state"), ReplicaState):
        values["state"] = values["state"].value
    query = update(replicas).where(replicas.c.id == replica_id)
    if live_only:
        query = query.where(replicas.c.stopped_at.is_(None))
    return bool(conn.execute(query.values(**values, updated_at=now())).rowcount == 1)


def active_replicas(conn: Connection, deployment_id: str | None = None) -> list[Replica]:
    """Replicas not stopped (of one deployment, or of all), by deployment and ordinal."""
    query = select(replicas).where(replicas.c.stopped_at.is_(None))
    if deployment_id is not None:
        query = query.where(replicas.c.deployment_id == deployment_id)
    query = query.order_by(replicas.c.deployment_id, replicas.c.ordinal, replicas.c.created_at)
    return [_replica(r) for r in conn.execute(query).all()]


def replica_history(
    conn: Connection, deployment_id: str | None = None, since: datetime | None = None
) -> list[Replica]:
    """Every replica (stopped ones too), oldest first: the lifetimes instance-hours bill."""
    query = select(replicas)
    if deployment_id is not None:
        query = query.where(replicas.c.deployment_id == deployment_id)
    if since is not None:
        query = query.where((replicas.c.stopped_at.is_(None)) | (replicas.c.stopped_at >= since))
    return [_replica(r) for r in conn.execute(query.order_by(replicas.c.created_at)).all()]


# -- members ------------------------------------------------------------------------------------
def heartbeat(
    conn: Connection,
    member_id: str,
    role: str,
    address: str | None,
    status: dict[str, Any],
    started_at: datetime,
) -> None:
    body = json.dumps(status, sort_keys=True)
    result = conn.execute(
        update(cluster_members)
        .where(cluster_members.c.id == member_id)
        .values(seen_at=now(), status=body, address=address)
    )
    if result.rowcount == 0:
        conn.execute(
            insert(cluster_members).values(
                id=member_id,
                role=role,
                address=address,
                started_at=started_at,
                seen_at=now(),
                status=body,
            )
        )


def leave(conn: Connection, member_id: str) -> None:
    conn.execute(delete(cluster_members).where(cluster_members.c.id == member_id))


def members(conn: Connection, seen_within: float | None = None) -> list[dict[str, Any]]:
    """Members with a heartbeat within ``seen_within`` seconds (all when None); the long gone
    are dropped on the way."""
    query = select(cluster_members).order_by(cluster_members.c.role, cluster_members.c.started_at)
    if seen_within is not None:
        query = query.where(cluster_members.c.seen_at >= now() - timedelta(seconds=seen_within))
    return [
        {
            "id": r.id,
            "role": r.role,
            "address": r.address,
            "started_at": aware(r.started_at),
            "seen_at": aware(r.seen_at),
            "status": json.loads(r.status) if r.status else {},
        }
        for r in conn.execute(query).all()
    ]


def forget_members(conn: Connection, unseen_for: float) -> None:
    conn.execute(
        delete(cluster_members).where(
            cluster_members.c.seen_at < now() - timedelta(seconds=unseen_for)
        )
    )
