"""Deploying a (test) offer the way a user does: weights into the model store, a project, a
subscription and a deployment through the management API, then its Target URL and key."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from modelport.inference.live import LiveDeployment
from modelport.settings import Settings
from tests.support import ThreadServer, admin, keys_of, wait_ready

T = TypeVar("T")


@dataclass(frozen=True)
class Deployed:
    name: str
    target_url: str
    key: str


def place_in_model_store(settings: Settings, offer_id: str, weights: Path, filename: str) -> Path:
    """Put a GGUF file where ``resolve_weights`` finds an offer's weights (as a pull would)."""
    target = settings.data_dir / "models" / offer_id / filename
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file():
        shutil.copyfile(weights, target)
    return target


@contextmanager
def deployed(
    server: ThreadServer, project: str, name: str, offer: str, timeout: float = 120
) -> Iterator[Deployed]:
    """Create ``project``, subscribe-and-deploy ``offer`` as ``name``, wait until it is ready;
    delete the deployment and the project afterwards."""
    with admin(server.base_url) as api:
        created = api.post("/management/projects", json={"name": project})
        assert created.status_code == 201, created.text
        response = api.post(
            f"/management/projects/{project}/deployments",
            json={"name": name, "offer": offer, "subscribe": True},
        )
        assert response.status_code == 202, response.text
        assert response.json()["state"] == "creating"
        try:
            ready = wait_ready(server.base_url, name, timeout=timeout)
            assert ready["state"] == "succeeded" and ready["project"] == project
            yield Deployed(name, ready["target_url"], keys_of(server.base_url, name)["primary"])
        finally:
            api.delete(f"/management/deployments/{name}")
            api.delete(f"/management/projects/{project}/subscriptions/{offer}")
            api.delete(f"/management/projects/{project}")


def live(server: ThreadServer, name: str) -> LiveDeployment:
    found = server.services.registry.get(server.settings.default_region, name)
    assert found is not None and found.engine is not None
    return found


def on_server(server: ThreadServer, coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the server's event loop (engines belong to it) and return its result."""
    assert server.loop is not None
    return asyncio.run_coroutine_threadsafe(coro, server.loop).result(timeout=60)
