"""SQL of managed compute: endpoints, their keys, quota limits, and what deployments draw."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from modelport.domain.deployments import DeploymentState, KeySlot
from modelport.domain.endpoints import ManagedEndpoint
from modelport.errors import Conflict, NotFound
from modelport.store.compute_tables import compute_quotas, endpoint_keys, endpoints
from modelport.store.tables import deployments


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _endpoint(row: Row[Any]) -> ManagedEndpoint:
    created = _aware(row.created_at)
    assert created is not None
    return ManagedEndpoint(
        id=row.id,
        name=row.name,
        project_id=row.project_id,
        region=row.region,
        created_at=created,
        traffic=json.loads(row.traffic or "{}"),
        mirror=json.loads(row.mirror or "{}"),
        shared_quota=bool(row.shared_quota),
        expires_at=_aware(row.expires_at),
        deleting=bool(row.deleting),
    )


def create_endpoint(conn: Connection, endpoint: ManagedEndpoint) -> None:
    taken = conn.execute(
        select(endpoints.c.id).where(
            endpoints.c.region == endpoint.region, endpoints.c.name == endpoint.name
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"the endpoint name {endpoint.name!r} is taken in region {endpoint.region!r}",
            param="name",
        )
    try:
        with conn.begin_nested():
            conn.execute(
                insert(endpoints).values(
                    id=endpoint.id,
                    name=endpoint.name,
                    project_id=endpoint.project_id,
                    region=endpoint.region,
                    traffic="{}",
                    mirror="{}",
                    shared_quota=endpoint.shared_quota,
                    expires_at=endpoint.expires_at,
                    deleting=False,
                    created_at=endpoint.created_at,
                )
            )
    except IntegrityError as exc:
        raise Conflict(f"endpoint {endpoint.name!r} was just created", param="name") from exc


def endpoint_by_name(conn: Connection, name: str, region: str) -> ManagedEndpoint | None:
    row = conn.execute(
        select(endpoints).where(endpoints.c.name == name, endpoints.c.region == region)
    ).first()
    return _endpoint(row) if row else None


def endpoint_by_id(conn: Connection, endpoint_id: str) -> ManagedEndpoint | None:
    row = conn.execute(select(endpoints).where(endpoints.c.id == endpoint_id)).first()
    return _endpoint(row) if row else None


def list_endpoints(conn: Connection, project_id: str | None = None) -> list[ManagedEndpoint]:
    query = select(endpoints).order_by(endpoints.c.created_at)
    if project_id is not None:
        query = query.where(endpoints.c.project_id == project_id)
    return [_endpoint(r) for r in conn.execute(query)]


def set_routing(
    conn: Connection,
    endpoint_id: str,
    *,
    traffic: dict[str, int] | None = None,
    mirror: dict[str, int] | None = None,
) -> None:
    values: dict[str, Any] = {}
    if traffic is not None:
        values["traffic"] = json.dumps(traffic, sort_keys=True)
    if mirror is not None:
        values["mirror"] = json.dumps(mirror, sort_keys=True)
    if values:
        conn.execute(update(endpoints).where(endpoints.c.id == endpoint_id).values(**values))


def mark_endpoint_deleting(conn: Connection, endpoint_id: str) -> list[str]:
    """The endpoint and its deployments ``deleting``; the ids of those deployments."""
    conn.execute(update(endpoints).where(endpoints.c.id == endpoint_id).values(deleting=True))
    ids = [deployment_id for deployment_id, _ in endpoint_deployments(conn, endpoint_id)]
    if ids:
        conn.execute(
            update(deployments)
            .where(deployments.c.id.in_(ids))
            .values(state=DeploymentState.DELETING.value)
        )
    return ids


def delete_endpoint(conn: Connection, endpoint_id: str) -> None:
    conn.execute(delete(endpoint_keys).where(endpoint_keys.c.endpoint_id == endpoint_id))
    conn.execute(delete(endpoints).where(endpoints.c.id == endpoint_id))


def expired_endpoints(conn: Connection, at: datetime) -> list[ManagedEndpoint]:
    rows = conn.execute(
        select(endpoints).where(endpoints.c.expires_at.is_not(None), endpoints.c.expires_at <= at)
    )
    return [_endpoint(r) for r in rows]


# -- keys -------------------------------------------------------------------------------------
def put_endpoint_key(
    conn: Connection, endpoint_id: str, slot: KeySlot, fingerprint: str, ciphertext: bytes
) -> None:
    k = endpoint_keys.c
    conn.execute(delete(endpoint_keys).where(k.endpoint_id == endpoint_id, k.slot == slot.value))
    conn.execute(
        insert(endpoint_keys).values(
            endpoint_id=endpoint_id,
            slot=slot.value,
            fingerprint=fingerprint,
            ciphertext=ciphertext,
            created_at=datetime.now(UTC),
        )
    )


def endpoint_keys_of(conn: Connection, endpoint_id: str) -> dict[KeySlot, tuple[str, bytes]]:
    rows = conn.execute(select(endpoint_keys).where(endpoint_keys.c.endpoint_id == endpoint_id))
    return {KeySlot(r.slot): (r.fingerprint, r.ciphertext) for r in rows}


def all_endpoint_fingerprints(conn: Connection) -> dict[str, dict[KeySlot, str]]:
    found: dict[str, dict[KeySlot, str]] = {}
    for r in conn.execute(select(endpoint_keys)):
        found.setdefault(r.endpoint_id, {})[KeySlot(r.slot)] = r.fingerprint
    return found


# -- deployments under endpoints --------------------------------------------------------------
def endpoint_deployments(conn: Connection, endpoint_id: str) -> list[tuple[str, str]]:
    """(id, name) of the deployments under the endpoint."""
    d = deployments.c
    rows = conn.execute(select(d.id, d.name).where(d.endpoint_id == endpoint_id).order_by(d.name))
    return [(r.id, r.name) for r in rows]


def managed_draws(conn: Connection, region: str) -> list[tuple[str, str, str, int, bool]]:
    """(deployment id, project id, instance type, instances, shared quota) of every managed
    deployment in the region that holds compute (not being deleted)."""
    d = deployments.c
    rows = conn.execute(
        select(d.id, d.project_id, d.instance_type, d.instances, endpoints.c.shared_quota)
        .select_from(deployments.join(endpoints, endpoints.c.id == d.endpoint_id))
        .where(d.region == region, d.state != DeploymentState.DELETING.value)
    )
    return [
        (r.id, r.project_id, r.instance_type or "", int(r.instances), bool(r.shared_quota))
        for r in rows
    ]


# -- quotas -----------------------------------------------------------------------------------
def quota_limit(conn: Connection, scope: str, subject: str) -> tuple[int, int] | None:
    row = conn.execute(
        select(compute_quotas.c.cores, compute_quotas.c.gpus).where(
            compute_quotas.c.scope == scope, compute_quotas.c.subject == subject
        )
    ).first()
    return (int(row.cores), int(row.gpus)) if row else None


def set_quota_limit(conn: Connection, scope: str, subject: str, cores: int, gpus: int) -> None:
    q = compute_quotas.c
    conn.execute(delete(compute_quotas).where(q.scope == scope, q.subject == subject))
    conn.execute(
        insert(compute_quotas).values(
            scope=scope, subject=subject, cores=cores, gpus=gpus, updated_at=datetime.now(UTC)
        )
    )


def require_endpoint(conn: Connection, name: str, region: str) -> ManagedEndpoint:
    found = endpoint_by_name(conn, name, region)
    if found is None:
        raise NotFound(f"endpoint {name!r} does not exist in region {region!r}")
    return found
