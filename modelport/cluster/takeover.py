"""A controller takeover, from both sides, for a deployment's reconciler (:mod:`.reconciler`).

The new holder adopts the replicas a former controller placed that its runtime still runs, and
records the others gone (fenced by its lease: not its to say once it lost the lease). The former
holder, stalled past the takeover, drops the replicas the new one recorded gone and stops their
engines: nobody would manage them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from modelport.cluster.reconciler_context import Placed, ReconcilerContext
from modelport.cluster.record import DeploymentRecord
from modelport.cluster.runtime import Runtime
from modelport.domain.replicas import Replica, ReplicaState

log = logging.getLogger("modelport.controller")


async def adopt(
    ctx: ReconcilerContext,
    record: DeploymentRecord,
    rows: list[Replica],
    handles: dict[str, Placed],
    starting: set[str],
) -> bool:
    """Take over the replicas a former controller placed: those its runtime still runs are
    adopted (into ``handles``), those it says are gone are recorded stopped (refused: raises
    LeaseLost). False when the runtime could not answer for one (unreachable, slow): nothing
    is replaced on a guess (the replica may still run and serve); the next pass asks again.
    ``starting``: the replicas this reconciler is starting itself."""
    settled = True
    for row in rows:
        if row.id in handles or row.id in starting:
            continue
        runtime = runtime_named(ctx, row.runtime)
        handle = None
        if runtime is not None:
            key = ctx.vault.decrypt(row.key_ciphertext) if row.key_ciphertext else ""
            try:
                handle = await asyncio.wait_for(runtime.adopt(row, key), 30)
            except Exception as exc:
                log.warning(
                    "replica %s of %s: the %s runtime did not say whether it runs (%s); "
                    "asking again",
                    row.id,
                    row.deployment_name,
                    row.runtime,
                    type(exc).__name__,
                )
                settled = False
                continue
        if handle is None:
            # Fenced: not ours to say once the lease was taken over (the new holder's may
            # run); refused, it raises LeaseLost and this reconciler stops acting.
            gone = "gone with a former controller"
            await record.stopped(row.id, ReplicaState.STOPPED, gone)
            continue
        log.info("replica %s of %s adopted", row.id, row.deployment_name)
        handles[row.id] = Placed(row, handle, runtime)  # type: ignore[arg-type]
    return settled


def runtime_named(ctx: ReconcilerContext, name: str) -> Runtime | None:
    if name == ctx.runtime.name:
        return ctx.runtime
    if name == "local":
        return ctx.local
    return None


async def drop_gone(handles: dict[str, Placed], gone: set[str]) -> None:
    """Forget the replicas ``gone`` (another controller took the lease over, found no
    process for them and places its own) and stop their engines: nobody would manage them."""
    for rid in gone:
        placed = handles.pop(rid, None)
        if placed is None:
            continue
        with contextlib.suppress(Exception):
            await placed.handle.stop()
        log.warning(
            "replica %d of %s was recorded gone by another controller: stopped here",
            placed.row.ordinal,
            placed.row.deployment_name,
        )
