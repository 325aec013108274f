"""Completions on a deployment's engine for the platform's own use (a guard model's verdicts).

A classifier plug-in that asks a model served by this Modelport (``policy/safety/guard.py``)
must not go through the data plane: its requests would be content-checked by the very ensemble
that is waiting for them (the guard's prompt holds the text being judged, and its answer would
be sent to the guard again, without end), rate-limited and billed to a deployment's customers.
:class:`DirectCompletions` goes around all of that: it finds the live deployment by name and
runs one plain completion on its engine, as the pipeline would after its checks.

Plug-ins run in worker threads (``SafetyService.classify``), the engines' clients on the event
loop: :meth:`DirectCompletions.complete` is synchronous and hands the call to the loop.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import TimeoutError as FutureTimeout

from modelport.errors import DeploymentNotFound, DeploymentNotReady
from modelport.inference.collect import collect
from modelport.inference.live import DeploymentRegistry
from modelport.inference.types import InferenceRequest, RequestKind, SamplingParams
from modelport.models.adapter import ModelAdapter


class DirectCompletions:
    """Plain completions on live deployments' engines; thread-safe (see the module docstring)."""

    def __init__(self, registry: DeploymentRegistry, loop: asyncio.AbstractEventLoop) -> None:
        self._registry = registry
        self._loop = loop

    def complete(
        self,
        deployment: str,
        prompt: str,
        *,
        max_tokens: int,
        timeout: float,
        extra: dict[str, object] | None = None,
    ) -> str:
        """The text of a greedy completion of ``prompt`` by ``deployment`` (from a worker thread).

        Raises :class:`~modelport.errors.DeploymentNotFound` / ``DeploymentNotReady`` when the
        deployment cannot serve, ``TimeoutError`` after ``timeout`` seconds (the call is then
        cancelled), and whatever the engine raised.
        """
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            raise RuntimeError("DirectCompletions.complete blocks: call it from a worker thread")
        future = asyncio.run_coroutine_threadsafe(
            self.acomplete(deployment, prompt, max_tokens=max_tokens, extra=extra), self._loop
        )
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise TimeoutError(f"deployment {deployment!r} did not answer in {timeout} s") from None

    async def acomplete(
        self,
        deployment: str,
        prompt: str,
        *,
        max_tokens: int,
        extra: dict[str, object] | None = None,
    ) -> str:
        """The same, on the event loop."""
        found = self._registry.named(deployment)
        if not found:
            raise DeploymentNotFound(f"deployment {deployment!r} not found")
        live = found[0]
        engine = live.engine
        if engine is None:
            raise DeploymentNotReady(
                f"deployment {deployment!r} is {live.deployment.state.value}", retry_after=5
            )
        request = InferenceRequest(
            kind=RequestKind.COMPLETION,
            sampling=SamplingParams(max_tokens=max_tokens, temperature=0.0),
            prompt=prompt,
            extra=dict(extra or {}),
        )
        result = await collect(ModelAdapter(live.offer).generate(engine, request))
        return result.choices[0].text if result.choices else ""
