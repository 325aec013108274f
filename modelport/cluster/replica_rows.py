"""A replica's row in the store from what its runtime reports: the row a new replica starts
with, what is written once the runtime started it, what changed since (state, restarts,
endpoint, node, last error), and the row with those changes. Endpoint keys are stored
encrypted; gateways route by these rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from modelport.cluster.runtime import ReplicaHandle
from modelport.domain.deployments import Deployment
from modelport.domain.keys import KeyVault
from modelport.domain.replicas import Replica, ReplicaState, Resources
from modelport.store.values import now


def starting_row(
    d: Deployment,
    replica_id: str,
    ordinal: int,
    *,
    runtime: str,
    owner: str,
    resources: Resources,
) -> Replica:
    """The row of a replica about to start (of ``d``'s current generation)."""
    return Replica(
        id=replica_id,
        deployment_id=d.id,
        deployment_name=d.name,
        ordinal=ordinal,
        generation=d.generation,
        runtime=runtime,
        owner=owner,
        state=ReplicaState.STARTING,
        created_at=now(),
        updated_at=now(),
        resources=resources,
    )


def started(handle: ReplicaHandle, vault: KeyVault) -> dict[str, Any]:
    """What a replica's row records once its runtime started it."""
    endpoint = handle.endpoint
    values: dict[str, Any] = {
        "state": handle.state,
        "node": handle.node,
        "handle": handle.handle,
        "ready_at": now(),
    }
    if endpoint is not None:
        values["url"] = endpoint.url
        values["key_ciphertext"] = vault.encrypt(endpoint.api_key)
    return values


def observed(row: Replica, handle: ReplicaHandle, vault: KeyVault) -> dict[str, Any]:
    """What the runtime reports of a replica now that its row does not say (empty: nothing)."""
    endpoint = handle.endpoint
    changes: dict[str, Any] = {}
    if handle.state is not row.state:
        changes["state"] = handle.state
        if handle.state is ReplicaState.READY and row.ready_at is None:
            changes["ready_at"] = now()
    if handle.restarts != row.restarts:
        changes["restarts"] = handle.restarts
    if endpoint is not None and endpoint.url != row.url:
        changes["url"] = endpoint.url
        changes["key_ciphertext"] = vault.encrypt(endpoint.api_key)
    if handle.node != row.node:
        changes["node"] = handle.node
    if handle.last_error != row.last_error:
        changes["last_error"] = handle.last_error
    return changes


def updated(row: Replica, changes: dict[str, Any]) -> Replica:
    """``row`` with the ``changes`` just written to it."""
    known = {k: v for k, v in changes.items() if k != "key_ciphertext"}
    if "key_ciphertext" in changes:
        known["key_ciphertext"] = changes["key_ciphertext"]
    return replace(row, **known)
