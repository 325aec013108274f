"""The operator's view of the cluster (``modelport cluster status``, ``GET /management/cluster``)
and of a deployment's replicas (``deployments show``), read from the store: any gateway answers
for the whole cluster."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from modelport.cluster.controller import LEASE
from modelport.domain.replicas import Replica
from modelport.store import cluster as sql
from modelport.store.repositories import Store


class ReplicaView(BaseModel):
    id: str
    ordinal: int
    generation: int
    runtime: str
    node: str | None
    state: str
    url: str | None
    requests_in_flight: int
    restarts: int
    last_error: str | None
    cpus: float
    gpus: float
    memory_bytes: int
    started_at: datetime
    ready_at: datetime | None

    @classmethod
    def of(cls, replica: Replica, in_flight: int = 0) -> ReplicaView:
        return cls(
            id=replica.id,
            ordinal=replica.ordinal,
            generation=replica.generation,
            runtime=replica.runtime,
            node=replica.node,
            state=replica.state.value,
            url=replica.url,
            requests_in_flight=in_flight,
            restarts=replica.restarts,
            last_error=replica.last_error,
            cpus=replica.resources.cpus,
            gpus=replica.resources.gpus,
            memory_bytes=replica.resources.memory_bytes,
            started_at=replica.created_at,
            ready_at=replica.ready_at,
        )


class MemberView(BaseModel):
    id: str
    role: str
    address: str | None
    started_at: datetime
    seen_at: datetime
    status: dict[str, Any]


class NodeStatus(BaseModel):
    name: str
    alive: bool
    cpus: float
    gpus: float
    memory_bytes: int
    free_cpus: float
    free_gpus: float
    free_memory_bytes: int
    labels: dict[str, str]


class LeaseView(BaseModel):
    holder: str
    epoch: int
    acquired_at: datetime
    expires_at: datetime


class ClusterView(BaseModel):
    runtime: str | None  # the active controller's
    controller: LeaseView | None
    gateways: list[MemberView]
    controllers: list[MemberView]
    nodes: list[NodeStatus]
    replicas: int
    revision: int


def in_flight_by_replica(members: list[dict[str, Any]]) -> dict[str, int]:
    """Requests in flight per replica, summed over the live gateways' heartbeats."""
    found: dict[str, int] = {}
    for member in members:
        for replica_id, count in member["status"].get("in_flight", {}).items():
            if isinstance(count, int):
                found[replica_id] = found.get(replica_id, 0) + count
    return found


class ClusterReader:
    def __init__(self, store: Store, live_within: float) -> None:
        self.store = store
        self.live_within = live_within

    def _read(self, conn: Any) -> ClusterView:
        lease = sql.lease(conn, LEASE)
        members = sql.members(conn, seen_within=self.live_within)
        holder = lease["holder"] if lease else None
        active = [m for m in members if m["id"] == holder]
        status = active[0]["status"] if active else {}
        nodes = [NodeStatus(**n) for n in status.get("nodes", [])]
        views = [MemberView(**m) for m in members]
        return ClusterView(
            runtime=status.get("controller", {}).get("runtime"),
            controller=LeaseView(**lease) if lease else None,
            gateways=[v for v in views if v.role == "gateway"],
            controllers=[v for v in views if v.role == "controller" or "controller" in v.status],
            nodes=nodes,
            replicas=len(sql.active_replicas(conn)),
            revision=sql.revision(conn),
        )

    async def status(self) -> ClusterView:
        return await asyncio.to_thread(self.store.read, self._read)

    async def replicas(self, deployment_id: str) -> list[ReplicaView]:
        def read(conn: Any) -> list[ReplicaView]:
            counts = in_flight_by_replica(sql.members(conn, seen_within=self.live_within))
            return [
                ReplicaView.of(r, counts.get(r.id, 0))
                for r in sql.active_replicas(conn, deployment_id)
            ]

        return await asyncio.to_thread(self.store.read, read)
