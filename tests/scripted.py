"""A scripted engine (queued outputs, recorded calls) and an app wired to it, for unit tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from modelport.app import create_app
from modelport.domain.deployments import Deployment, DeploymentState, KeySlot
from modelport.engines.base import EngineState
from modelport.engines.openai_wire import bound_extra
from modelport.inference.live import LiveDeployment
from modelport.inference.types import (
    ChoiceEnd,
    Event,
    FinishReason,
    InferenceRequest,
    TextDelta,
    Usage,
)
from modelport.services import Services
from modelport.settings import Settings
from modelport.store.values import now
from tests.support import ADMIN_TOKEN


def text_events(text: str, *, prompt_tokens: int = 5, index: int = 0) -> list[Event]:
    words = text.split(" ")
    deltas: list[Event] = [TextDelta(index, w if i == 0 else " " + w) for i, w in enumerate(words)]
    return [*deltas, ChoiceEnd(index, FinishReason.STOP), Usage(prompt_tokens, len(words))]


@dataclass
class ScriptedEngine:
    """Yields queued event lists, one per call; records every request it was given."""

    outputs: list[list[Event]] = field(default_factory=list)
    calls: list[InferenceRequest] = field(default_factory=list)
    state: EngineState = EngineState.READY
    last_error: str | None = None
    context: int = 8192

    def describe(self) -> dict[str, object]:
        return {"state": self.state.value, "pid": None, "restarts": 0, "last_error": None}

    async def start(self) -> None:
        self.state = EngineState.READY

    async def stop(self) -> None:
        self.state = EngineState.STOPPED

    def bound_extra(self, request: InferenceRequest) -> InferenceRequest:
        return bound_extra(request)

    async def count_tokens(self, text: str) -> int:
        return len(text.split())

    async def count_prompt_tokens(self, request: InferenceRequest) -> int:
        text = request.prompt or " ".join(m.content or "" for m in request.messages)
        return len(text.split())

    async def generate(self, request: InferenceRequest) -> AsyncGenerator[Event, None]:
        self.calls.append(request)
        events = self.outputs.pop(0) if self.outputs else text_events("scripted answer")
        for event in events:
            yield event


@asynccontextmanager
async def scripted_app(
    data_dir: Path, engine: ScriptedEngine
) -> AsyncIterator[tuple[FastAPI, str]]:
    """An app whose one deployment (`scripted`) runs on ``engine``; yields (app, key)."""
    settings = Settings(data_dir=data_dir, embedded_default=False, admin_token=ADMIN_TOKEN)
    app = create_app(settings)
    services = await Services.build(settings)
    app.state.services = services
    app.state.default_region = settings.default_region
    offer = services.catalog.embedded()
    key = "mp-test-" + uuid.uuid4().hex
    deployment = Deployment(
        id=str(uuid.uuid4()),
        name="scripted",
        project_id="p",
        region=settings.default_region,
        offer_id=offer.id,
        subscription_id=None,
        state=DeploymentState.SUCCEEDED,
        created_at=now(),
    )
    live = LiveDeployment(
        deployment, offer, {KeySlot.PRIMARY: services.vault.fingerprint(key)}, engine
    )
    services.registry.put(live)
    await services.start()
    try:
        yield app, key
    finally:
        await services.close()


def scripted_deployment(
    services: Services, project_name: str, name: str, offer_id: str, engine: ScriptedEngine
) -> LiveDeployment:
    """A deployment of ``offer_id`` in ``project_name`` (subscribed on the way) stored like a
    real one (row, keys) and served by ``engine``: the gateway path is the real one, only the
    engine is scripted."""
    store = services.store
    offer = services.catalog.get(offer_id)
    assert offer is not None

    def create(conn: Any) -> Deployment:
        project = services.projects.project(conn, project_name)
        sub = services.projects.subscribe_in(conn, project, offer).subscription
        deployment = Deployment(
            id=str(uuid.uuid4()),
            name=name,
            project_id=project.id,
            region=project.region,
            offer_id=offer_id,
            subscription_id=sub.id,
            state=DeploymentState.SUCCEEDED,
            created_at=now(),
        )
        store.create_deployment(conn, deployment)
        services.deployments._new_keys(conn, deployment.id)
        return deployment

    deployment = store.run(create)
    keys = store.run(lambda c: store.keys_of(c, deployment.id))
    live = LiveDeployment(deployment, offer, {s: fp for s, (fp, _) in keys.items()}, engine)
    services.registry.put(live)
    return live
