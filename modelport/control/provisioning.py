"""Starting, retrying, restarting and stopping the engines of deployments.

One provisioning task per deployment brings its engine up: the engine plug-in turns the stored
deployment (engine name and options, secrets decrypted) into a spec, then starts it. The outcome
is stored: ``succeeded``, or ``failed`` with the reason, after which the task tries again with a
delay that doubles up to ``deployment_retry_max``, until the cause is removed (weights imported,
a server attached comes back ...); URL and keys never change. ``restart`` stops the engine and
starts a fresh one on demand, whatever the state.

Stopping Modelport never records a failure: once :meth:`Provisioner.shutdown` began, a start
that fails (because the engine was stopped, or killed along with the gateway's process group) is
dropped, and the stored state stays what it was.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from modelport.control.engine_choice import stored_options
from modelport.domain.deployments import DeploymentState
from modelport.domain.keys import KeyVault
from modelport.engines.base import Engine, EngineSpec, EngineStartError, EngineStopped
from modelport.engines.host import EngineHost, EngineSettingsError
from modelport.engines.plugin import EngineFactory
from modelport.engines.registry import EngineFactories, EnginePluginError
from modelport.engines.supervisor import Backoff
from modelport.errors import ModelportError
from modelport.inference.live import DeploymentRegistry, LiveDeployment

log = logging.getLogger("modelport.deployments")

Record = Callable[[LiveDeployment, DeploymentState, str | None], Awaitable[None]]


class Provisioner:
    def __init__(
        self,
        *,
        engines: EngineFactories,
        host: EngineHost,
        vault: KeyVault,
        registry: DeploymentRegistry,
        record: Record,
        retry: Backoff,
    ) -> None:
        self.engines = engines
        self.host = host
        self.vault = vault
        self.registry = registry
        self.record = record
        self.retry = retry
        self.closing = False
        self._tasks: dict[str, asyncio.Task[None]] = {}  # deployment id -> its provisioning

    def spec(self, live: LiveDeployment) -> tuple[EngineFactory, EngineSpec]:
        """The engine plug-in and spec of a deployment; EngineStartError saying what is
        missing."""
        d = live.deployment
        try:
            factory = self.engines.load(d.engine)
            options = stored_options(d, self.engines, self.vault)
            spec = factory.spec(d.name, live.offer, options, self.host)
            if live.adapter is not None:  # a fine-tuned model: base weights + its adapter
                if not live.adapter.is_file():
                    raise EngineStartError(f"the adapter of {live.offer.id} is missing")
                spec = replace(spec, adapter=live.adapter)
            return factory, spec
        except (EnginePluginError, EngineSettingsError) as exc:
            raise EngineStartError(str(exc)) from exc
        except ModelportError as exc:  # stored options this engine no longer accepts
            raise EngineStartError(exc.message) from exc

    def launch(self, live: LiveDeployment) -> None:
        """Start provisioning ``live`` in the background (once: a running task is kept)."""
        key = live.deployment.id
        if key in self._tasks:
            return
        live.progress = "queued"
        task = asyncio.create_task(self._provision(live), name=f"provision-{live.name}")
        self._tasks[key] = task
        task.add_done_callback(lambda _: self._tasks.pop(key, None))

    def provisioning(self, live: LiveDeployment) -> bool:
        return live.deployment.id in self._tasks

    async def _provision(self, live: LiveDeployment) -> None:
        delays = self.retry.delays()
        while not self.closing:
            live.starting = True
            try:
                engine = await self._start(live)
            except EngineStopped:
                live.starting = False
                return
            except EngineStartError as exc:
                live.starting = False
                if self.closing:
                    return
                await self.record(live, DeploymentState.FAILED, str(exc))
                delay = next(delays)
                live.progress = f"failed; next attempt in {delay:.0f} s"
                log.error(
                    "deployment %s failed (next attempt in %.0f s): %s", live.name, delay, exc
                )
                await asyncio.sleep(delay)
                continue
            except BaseException:
                live.starting = False
                raise
            # Stored before it is routed: nobody reads "ready" beside a previous failure. The
            # engine is attached whatever happens to the write (a stop then finds and stops it).
            try:
                await self.record(live, DeploymentState.SUCCEEDED, None)
            finally:
                live.engine = engine
                live.starting = False
                live.progress = "ready"
            log.info("deployment %s is ready", live.name)
            return

    async def _start(self, live: LiveDeployment) -> Engine:
        live.progress = "resolving weights"
        factory, spec = await asyncio.to_thread(self.spec, live)
        live.progress = f"starting the {factory.label} engine and loading the model"
        return await factory.start(spec)

    async def stop(self, live: LiveDeployment) -> None:
        """Stop provisioning and the engine of ``live`` (delete, restart)."""
        task = self._tasks.get(live.deployment.id)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        engine, live.engine = live.engine, None
        if engine is not None:
            await engine.stop()

    async def restart(self, live: LiveDeployment) -> None:
        """A fresh engine for ``live``, whatever its state; the stored state changes only with
        the outcome."""
        await self.stop(live)
        self.launch(live)

    async def shutdown(self) -> None:
        self.closing = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        engines = [live.engine for live in self.registry.all() if live.engine is not None]
        await asyncio.gather(*(engine.stop() for engine in engines), return_exceptions=True)
