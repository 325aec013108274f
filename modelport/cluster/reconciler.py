"""One deployment's reconciler: its desired replicas, placed, watched, replaced, released.

Each pass reads the deployment and its replicas from the store and acts:

- deleting (or gone): stop every replica, forget the deployment, free its name;
- replicas a former controller placed: adopted when they still run, marked stopped otherwise
  (:mod:`.takeover`);
- replicas of an older generation (a restart): stopped, then replaced;
- fewer replicas than wanted (``instances`` while in use, ``min_instances`` once idle for
  ``idle_timeout``): start the missing ones, each in the background; more: stop the extra;
- every replica's state, endpoint and restarts as the runtime reports them are stored (the
  gateways route by them); a replica whose row another controller recorded stopped (at a
  takeover) is dropped and its engine stopped.

Every write is fenced by the controller lease (:mod:`.record`): one refused means another
controller took over; this reconciler stops acting (no retry) and its controller stands by.

A deployment is ``succeeded`` once a replica is ready; ``failed``, with the reason, when no
replica could be started, after which the next attempt waits a delay that doubles up to
``deployment_retry_max``. Stopping a controller never records a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from modelport.cluster.reconciler_context import Placed, ReconcilerContext
from modelport.cluster.record import DeploymentRecord, LeaseLost
from modelport.cluster.replica_rows import observed, started, starting_row, updated
from modelport.cluster.runtime import ReplicaOrder, Runtime
from modelport.cluster.specs import spec_to_json
from modelport.cluster.takeover import adopt, drop_gone
from modelport.cluster.threads import in_thread, in_thread_read, in_thread_run
from modelport.domain.deployments import Deployment, DeploymentState
from modelport.domain.replicas import Replica, ReplicaState, Resources
from modelport.engines.base import EngineSpec, EngineStartError, EngineStopped
from modelport.engines.plugin import EngineFactory, placeable
from modelport.store import cluster as sql
from modelport.store.values import new_id

log = logging.getLogger("modelport.controller")


class Reconciler:
    def __init__(self, deployment_id: str, ctx: ReconcilerContext) -> None:
        self.deployment_id = deployment_id
        self.ctx = ctx
        self.record = DeploymentRecord(deployment_id, ctx.store, ctx.feed, ctx.fence)
        self.handles: dict[str, Placed] = {}
        self.pending: dict[str, tuple[int, int, asyncio.Task[None]]] = {}  # id -> ordinal, gen
        self._dropped: set[str] = set()  # pending starts a scale-down cancelled
        self.done = False
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._spec: tuple[int, EngineFactory, EngineSpec] | None = None
        self._delays: Iterator[float] = ctx.retry.delays()
        self._next_attempt = 0.0
        self._generation: int | None = None
        self._scaled_up_at = time.time()
        self._closing = False
        self.lost = False  # a write was refused: another controller holds the lease

    def kick(self) -> None:
        self._kick.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"reconcile-{self.deployment_id}")

    async def _run(self) -> None:
        while not self._closing and not self.lost:
            await self._kick.wait()
            self._kick.clear()
            try:
                if await self._pass():
                    self.done = True
                    return
            except LeaseLost:
                await self._stop_acting()
                return
            except SQLAlchemyError as exc:
                log.warning(
                    "reconciling %s: database error (%s)", self.deployment_id, type(exc).__name__
                )
                await asyncio.sleep(1.0)
            except Exception:
                log.exception("reconciling %s failed; trying again", self.deployment_id)
                await asyncio.sleep(1.0)

    # -- a pass -------------------------------------------------------------------------------
    async def _pass(self) -> bool:
        known = set(self.handles)  # rows inserted before the read: absent from it, not live
        d, rows, last_request = await in_thread_read(
            self.ctx.store, lambda c: self.record.read(c, self.ctx.members_within)
        )
        if d is None or d.state is DeploymentState.DELETING:
            await self._delete(d, rows)
            return True
        if self._generation != d.generation:
            if self._generation is not None:  # a restart: try again at once
                self._delays, self._next_attempt = self.ctx.retry.delays(), 0.0
            self._generation = d.generation
            for _, generation, task in list(self.pending.values()):
                if generation != d.generation:
                    task.cancel()
        if not await adopt(self.ctx, self.record, rows, self.handles, set(self.pending)):
            await asyncio.sleep(1.0)
            self.kick()
            return False
        for rid, placed in list(self.handles.items()):
            if placed.row.generation != d.generation:
                await self._stop(rid, "replaced by a restart")
        await self._health({r.id for r in rows}, known)
        await self._scale(d, last_request)
        if any(p.handle.state is ReplicaState.READY for p in self.handles.values()):
            self._delays = self.ctx.retry.delays()
            await self.record.succeeded(d)
        elif (
            not self.handles
            and not self.pending
            and d.scale.scales_to_zero
            and d.state is not DeploymentState.FAILED
        ):
            await self.record.set_progress("idle: scaled to zero until the next request")
        return False

    async def _health(self, live: set[str], known: set[str]) -> None:
        """Store what the runtime reports of each replica; one ``known`` (held when the pass
        read the ``live`` rows) whose row was not live was recorded gone by another controller."""
        await drop_gone(self.handles, known - live)
        for rid, placed in list(self.handles.items()):
            handle, row = placed.handle, placed.row
            with contextlib.suppress(Exception):
                await asyncio.wait_for(handle.refresh(), 10)
            changes = observed(row, handle, self.ctx.vault)
            if changes:
                await self.record.update_replica(rid, **changes)
                placed.row = updated(row, changes)

    async def _stop_acting(self) -> None:
        """A write was refused: another controller holds the lease. Nothing is retried; the
        controller is told (it stands by). Engines whose rows the new holder recorded gone are
        stopped; the others are left to the stand-down (a cluster's, to be adopted)."""
        if not self.lost:
            self.lost = True
            log.warning(
                "deployment %s: the controller lease was taken over; not acting on it any more",
                self.deployment_id,
            )
            if self.ctx.lease_lost is not None:
                self.ctx.lease_lost()
        known = set(self.handles)
        try:
            rows = await in_thread_read(
                self.ctx.store, lambda c: sql.active_replicas(c, self.deployment_id)
            )
        except SQLAlchemyError:
            return
        await drop_gone(self.handles, known - {r.id for r in rows})

    async def _scale(self, d: Deployment, last_request: float | None) -> None:
        active_since = max(self._scaled_up_at, last_request or 0.0)
        idle_for = time.time() - active_since
        wanted = d.scale.wanted(idle_for)
        starting = [
            (o, rid)
            for rid, (o, g, _) in self.pending.items()
            if g == d.generation and rid not in self._dropped
        ]
        current = {p.row.ordinal for p in self.handles.values()} | {o for o, _ in starting}
        if len(current) < wanted:
            if time.monotonic() < self._next_attempt:
                return
            if not self.handles and not self.pending:
                self._scaled_up_at = time.time()
            # An ordinal whose start a scale-down cancelled is busy until its row is stopped.
            busy = current | {o for o, g, _ in self.pending.values() if g == d.generation}
            free = [o for o in range(d.scale.instances) if o not in busy]
            for ordinal in free[: wanted - len(current)]:
                self._launch(d, ordinal)
        elif len(current) > wanted:
            surplus = len(current) - wanted
            # Starts not finished yet go first (a scale to 64 then back to 1 must not wait for
            # 63 engines to load), the highest ordinals first; then running replicas.
            queued = sorted(starting, key=lambda item: item[0], reverse=True)
            for _, rid in queued[:surplus]:
                self._dropped.add(rid)
                self.pending[rid][2].cancel()
            surplus -= min(surplus, len(queued))
            running = sorted(self.handles.items(), key=lambda kv: kv[1].row.ordinal)
            for rid, _ in running[len(running) - surplus :] if surplus else []:
                reason = "scaled down" if wanted else "idle: scaled to zero"
                await self._stop(rid, reason)

    # -- starting and stopping ----------------------------------------------------------------
    def _launch(self, d: Deployment, ordinal: int) -> None:
        replica_id = new_id()
        task = asyncio.create_task(
            self._start_fenced(d, ordinal, replica_id), name=f"start-{d.name}"
        )
        self.pending[replica_id] = (ordinal, d.generation, task)

        def done(_: asyncio.Task[None]) -> None:
            self.pending.pop(replica_id, None)
            self._dropped.discard(replica_id)

        task.add_done_callback(done)

    def _resolve(self, d: Deployment) -> tuple[EngineFactory, EngineSpec]:
        """``d``'s engine and spec (once per generation), the spec stored when it changed."""
        if self._spec is None or self._spec[0] != d.generation:
            factory, spec = self.ctx.resolve(d)
            stored = spec_to_json(spec)
            if d.engine_spec != stored:
                self.record.write_now(
                    "spec",
                    lambda c: self.ctx.store.set_deployment_runtime(c, d.id, engine_spec=stored),
                )
            self._spec = (d.generation, factory, spec)
        return self._spec[1], self._spec[2]

    async def _start_fenced(self, d: Deployment, ordinal: int, replica_id: str) -> None:
        try:
            await self._start(d, ordinal, replica_id)
        except LeaseLost:
            await self._stop_acting()

    async def _start(self, d: Deployment, ordinal: int, replica_id: str) -> None:
        try:
            await self.record.set_progress("resolving weights")
            factory, spec = await in_thread(lambda: self._resolve(d))
        except EngineStartError as exc:
            await self._failed(d, str(exc))
            return
        placed = placeable(factory)
        runtime: Runtime = self.ctx.runtime if placed is not None else self.ctx.local
        resources = placed.process(spec).resources if placed is not None else Resources(0.0)
        row = starting_row(
            d, replica_id, ordinal, runtime=runtime.name, owner=self.ctx.owner, resources=resources
        )
        if not await self.record.insert_replica(row):
            # Another controller placed this ordinal at the same moment: the database decided.
            # The next pass (the sweep's, within a second) adopts that replica, or finds it
            # gone. (One that took our lease over: the insert raised LeaseLost.)
            log.info("replica %d of %s: placed by another controller, not here", ordinal, d.name)
            return
        await self.record.set_progress(f"starting the {factory.label} engine and loading the model")
        order = ReplicaOrder(
            replica_id, d.id, d.name, ordinal, d.generation, factory, spec, resources
        )
        try:
            handle = await runtime.start(order)
        except EngineStopped:
            await asyncio.shield(self.record.stopped(replica_id, ReplicaState.STOPPED, None))
            return
        except EngineStartError as exc:
            await self.record.stopped(replica_id, ReplicaState.FAILED, str(exc))
            await self._failed(d, str(exc))
            return
        except asyncio.CancelledError:
            reason = "scaled down before it was ready" if replica_id in self._dropped else None
            await asyncio.shield(self.record.stopped(replica_id, ReplicaState.STOPPED, reason))
            raise
        if self._closing:
            await handle.stop()
            await asyncio.shield(self.record.stopped(replica_id, ReplicaState.STOPPED, None))
            return
        values = started(handle, self.ctx.vault)
        # Ours before the next await: cancelled from here on (a scale-down, a restart), the
        # replica is not lost with the task; the next pass stops it or keeps it.
        self.handles[replica_id] = Placed(updated(row, values), handle, runtime)
        if not await self.record.update_replica(replica_id, live_only=True, **values):
            # Its row was stopped meanwhile: a controller that took over found no process
            # for it yet and recorded it gone, and places its own. Nobody would manage this one.
            if self.handles.pop(replica_id, None) is not None:
                with contextlib.suppress(Exception):
                    await handle.stop()
            log.warning(
                "replica %d of %s was taken for gone by another controller: stopped",
                ordinal,
                d.name,
            )
            return
        log.info("replica %d of %s ready on %s (%s)", ordinal, d.name, handle.node, runtime.name)
        self.kick()

    async def _failed(self, d: Deployment, reason: str) -> None:
        if self._closing:
            return
        delay = next(self._delays)
        self._next_attempt = time.monotonic() + delay
        log.error("deployment %s failed (next attempt in %.0f s): %s", d.name, delay, reason)
        serving = any(p.handle.state is ReplicaState.READY for p in self.handles.values())
        if serving:  # the deployment serves on: the reason goes in its progress
            await self.record.failed(f"{reason}; next attempt in {delay:.0f} s", None)
        else:
            await self.record.failed(f"failed; next attempt in {delay:.0f} s", reason)

        async def again() -> None:
            await asyncio.sleep(delay)
            self.kick()

        asyncio.get_running_loop().create_task(again())

    async def _stop(self, replica_id: str, reason: str | None) -> None:
        placed = self.handles.pop(replica_id, None)
        if placed is None:
            return
        try:
            await self.record.update_replica(replica_id, state=ReplicaState.STOPPING)
        except LeaseLost:  # not ours to stop now: see _stop_acting
            self.handles[replica_id] = placed
            raise
        with contextlib.suppress(Exception):
            await placed.handle.stop()
        await self.record.stopped(replica_id, ReplicaState.STOPPED, reason)
        log.info(
            "replica %d of %s stopped (%s)", placed.row.ordinal, placed.row.deployment_name, reason
        )

    async def _cancel_pending(self) -> None:
        tasks = [t for _, _, t in self.pending.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _delete(self, d: Deployment | None, rows: list[Replica]) -> None:
        if d is not None:
            await self.record.set_progress("deleting: stopping its replicas")
        await self._cancel_pending()
        await adopt(self.ctx, self.record, rows, self.handles, set(self.pending))
        await asyncio.gather(*(self._stop(rid, "deleted") for rid in list(self.handles)))
        if d is not None:

            def forget(conn: Any) -> None:
                self.record.check(conn)
                if self.ctx.on_forget is not None:
                    self.ctx.on_forget(conn, d)
                self.ctx.store.delete_deployment(conn, d.id)
                sql.publish(conn, "deleted", d.id)

            await in_thread_run(self.ctx.store, forget)
            self.ctx.feed.kick()
            log.info("deployment %s deleted", d.name)

    async def close(self, *, stop_replicas: bool) -> None:
        """Stop reconciling. ``stop_replicas``: stop those on this host (the local runtime's;
        a cluster's keep serving for the next controller)."""
        self._closing = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._cancel_pending()
        if not stop_replicas:
            return
        local = [rid for rid, p in self.handles.items() if p.runtime.name == "local"]
        for rid in local:
            placed = self.handles.pop(rid)
            with contextlib.suppress(Exception):
                await placed.handle.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.record.stopped(rid, ReplicaState.STOPPED, "stopped"), 5)
