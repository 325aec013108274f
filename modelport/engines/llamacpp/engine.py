"""The llama.cpp engine adapter: a supervised worker process driven over HTTP with httpx.

Streaming, ``n`` fan-out and error mapping are the shared OpenAI-compatible client's; process
supervision is the shared supervisor's. This adapter adds the worker's process plan and what only
llama.cpp's native API offers: tokenize/detokenize, its chat template, and the single-step
completions beam search is built on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sys
from collections.abc import AsyncGenerator, Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson

from modelport.domain.replicas import Resources
from modelport.engines.base import EngineSpec, engine_unavailable
from modelport.engines.llamacpp.beam import beam_search
from modelport.engines.llamacpp.counting import LocalPromptCounter
from modelport.engines.llamacpp.worker import FAILED_PREFIX
from modelport.engines.openai_client import engine_error
from modelport.engines.openai_wire import Wire, request_body
from modelport.engines.spawned import EngineServer, SpawnedEngine
from modelport.engines.supervisor import Backoff, HealthProbe, KillPolicy, ProcessPlan, engine_env
from modelport.errors import EngineFailed, ModelportError
from modelport.inference.types import Event, InferenceRequest, RequestKind

WORKER = "modelport.engines.llamacpp.worker"
log = logging.getLogger("modelport.engines.llamacpp")


def _explain(tail: Sequence[str]) -> str | None:
    """The worker's own failure line (llama.cpp's log may share the line with it)."""
    failed = [line.split(FAILED_PREFIX, 1)[1] for line in tail if FAILED_PREFIX in line]
    if failed:
        return "the llama.cpp engine could not load the model: " + failed[-1]
    return None


def worker_plan(spec: EngineSpec) -> ProcessPlan:
    """``python -m modelport.engines.llamacpp.worker --port PORT``: settings and its own key in
    its (otherwise minimal) environment, readiness on ``/health``, stdin as its lifeline."""
    api_key = secrets.token_urlsafe(24)
    config = {
        "model_path": spec.model,
        "chat_template": spec.chat_template,
        "slots": spec.slots,
        "threads": spec.threads,
        "context": spec.context,
        "adapter": str(spec.adapter) if spec.adapter else None,
    }
    env = engine_env(
        {"MODELPORT_WORKER_CONFIG": json.dumps(config), "MODELPORT_WORKER_API_KEY": api_key}
    )
    memory = spec.config.get("memory_bytes")
    return ProcessPlan(
        label="llama.cpp",
        command=lambda port: [sys.executable, "-m", WORKER, "--port", str(port)],
        bind=lambda host, port: [sys.executable, "-m", WORKER, "--host", host, "--port", str(port)],
        resources=Resources(
            cpus=float(spec.threads), memory_bytes=memory if isinstance(memory, int) else 0
        ),
        probe=HealthProbe(),
        env=env,
        api_key=api_key,
        start_timeout=spec.start_timeout,
        backoff=Backoff(spec.restart_backoff, spec.restart_backoff_max),
        kill=KillPolicy(spec.kill_grace),
        lifeline=True,
        explain=_explain,
    )


class LlamaCppEngine(SpawnedEngine):
    """``server``: drive a worker a runtime placed elsewhere instead of spawning one here."""

    beam_search = True  # on llama.cpp's native API (beam.py), which no other engine has

    def __init__(self, spec: EngineSpec, server: EngineServer | None = None) -> None:
        super().__init__(
            spec,
            worker_plan(spec) if server is None else None,
            wire=Wire.LLAMACPP,
            model=None,
            tokenize="llamacpp",
            max_connections=spec.slots * 8,
            server=server,
        )
        self.counter: LocalPromptCounter | None = None  # set once proven against the engine

    async def tokenize(self, text: str, *, add_special: bool = True) -> list[int]:
        """Token ids of ``text`` (special tokens parsed), as the engine would feed them."""
        data = await self.post_json("/tokenize", {"content": text, "add_special": add_special})
        return [int(t) for t in data.get("tokens", [])]

    async def detokenize(self, tokens: list[int]) -> str:
        data = await self.post_json("/detokenize", {"tokens": tokens})
        return str(data.get("content", ""))

    async def prompt_text(self, request: InferenceRequest) -> str:
        """The prompt exactly as the engine sees it (chat requests through its template)."""
        if request.kind is RequestKind.COMPLETION:
            return request.prompt or ""
        body = request_body(request, Wire.LLAMACPP)
        fields: dict[str, Any] = {k: body[k] for k in ("tools", "tool_choice") if k in body}
        data = await self.post_json("/apply-template", {"messages": body["messages"], **fields})
        return str(data.get("prompt", ""))

    async def eog_ids(self) -> set[int]:
        """Ids of the model's end-of-generation token (its ``eos_token``)."""
        props = await self.get_json("/props")
        eos = props.get("eos_token")
        return set(await self.tokenize(eos, add_special=False)) if isinstance(eos, str) else set()

    async def get_json(self, path: str) -> dict[str, Any]:
        return await self._call("GET", path, None)

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One non-streamed call to the engine's native API (tokenizer, beam-search steps)."""
        return await self._call("POST", path, body)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        base = self._ready_base()
        headers = {"Authorization": f"Bearer {self.worker.api_key}"}
        try:
            response = await self.client.http.request(
                method,
                base + path,
                content=orjson.dumps(body) if body is not None else None,
                headers=headers,
            )
        except httpx.TransportError as exc:
            raise engine_unavailable() from exc
        if response.status_code != 200:
            raise await engine_error(response)
        data = orjson.loads(response.content)
        if not isinstance(data, dict):
            raise EngineFailed(f"the model engine answered {path} with an unexpected body")
        return data

    def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        if request.sampling.use_beam_search:
            return beam_search(self, request)
        return self.client.generate(request)

    async def start(self) -> None:
        await super().start()
        await self._count_in_process()

    async def _count_in_process(self) -> None:
        """Count prompts in this process when the engine's own counts prove it exact."""
        counter = await asyncio.to_thread(
            LocalPromptCounter.load, Path(self.spec.model), self.spec.chat_template
        )
        try:
            if counter is not None and await counter.agrees(self.client.count_prompt_tokens):
                self.counter = counter
        except ModelportError as exc:  # the engine went away meanwhile: keep asking it
            log.warning("prompt counting stays with the engine: %s", exc.message)

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        if self.counter is not None:
            counted = self.counter.count(request)
            if counted is not None:
                return counted
        return await self.client.count_prompt_tokens(request)
