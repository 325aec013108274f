"""A read of the registry sync that began before a change made through this gateway must not
undo that change when it is applied: the regenerated key's predecessor opened the deployment
again, a deployment whose DELETE had answered 204 was shown (and served) again, and a new
deployment of a freed name was replaced by the deleted one, each until the sync's next read.

The sync's read of the deployment is held, once it has read, until the change has been made and
answered through the management API; then it is let go, and the registry is looked at in the same
step of the event loop as the sync applies what it read (before any later read could mend it)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import Connection

from modelport.cluster.sync import RegistrySync
from modelport.domain.deployments import KeySlot
from modelport.inference.live import LiveDeployment
from tests.support import EMBEDDED, ThreadServer, admin, keys_of, serving, settings_for

pytestmark = pytest.mark.e2e

T = TypeVar("T")


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, store_url: str | None
) -> Iterator[ThreadServer]:
    settings = settings_for(
        tmp_path_factory.mktemp("sync-races") / "data",
        database_url=store_url,
        engine_slots=1,
        engine_threads=1,
    )
    with serving(settings) as live:
        yield live


@pytest.fixture
def api(server: ThreadServer) -> Iterator[httpx.Client]:
    with admin(server.base_url) as client:
        yield client


class HeldRead:
    """The sync's first read that found one deployment, held once it has read until let go."""

    def __init__(self, sync: RegistrySync, deployment_id: str) -> None:
        self.deployment_id = deployment_id
        self.done = threading.Event()
        self.release = threading.Event()
        self._read = sync._read

    def __call__(self, conn: Connection, deployment_id: str | None) -> Any:
        loaded = self._read(conn, deployment_id)
        found = any(item.deployment.id == self.deployment_id for item in loaded)
        if found and not self.done.is_set():
            self.done.set()
            assert self.release.wait(60), "the held read was never let go"
        return loaded


def _sync(server: ThreadServer) -> RegistrySync:
    sync = server.services.sync
    assert sync is not None
    return sync


def _reload_then(server: ThreadServer, deployment_id: str, look: Callable[[], T]) -> Future[T]:
    """The sync reads everything (``deployment_id`` with it); ``look`` runs right after it put
    its read in place."""
    del deployment_id  # read with everything else

    async def reload_then_look() -> T:
        await _sync(server).load_all()
        return look()

    assert server.loop is not None
    return asyncio.run_coroutine_threadsafe(reload_then_look(), server.loop)


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _live(server: ThreadServer, name: str) -> LiveDeployment | None:
    return server.services.registry.get(server.settings.default_region, name)


def _deploy(api: httpx.Client, project: str, name: str) -> str:
    """The id of a new deployment of a test offer, once it serves."""
    body = {"name": name, "offer": "smollm2-test-a", "subscribe": True}
    created = _ok(api.post(f"/management/projects/{project}/deployments", json=body), 202)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        d = _ok(api.get(f"/management/deployments/{name}"))
        assert d["state"] != "failed", d
        if (d["state"], d["engine_state"]) == ("succeeded", "ready"):
            return str(created["id"])
        time.sleep(0.1)
    raise TimeoutError(f"{name} still creating")


def test_a_read_from_before_a_key_regeneration_does_not_reopen_the_old_key(
    server: ThreadServer, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = _live(server, EMBEDDED)
    assert live is not None
    old = keys_of(server.base_url)
    held = HeldRead(_sync(server), live.deployment.id)
    monkeypatch.setattr(_sync(server), "_read", held)
    vault = server.services.vault

    def slots() -> tuple[KeySlot | None, KeySlot | None]:
        now = _live(server, EMBEDDED)
        assert now is not None
        return now.key_slot(vault, old["primary"]), now.key_slot(vault, new["primary"])

    looked = _reload_then(server, live.deployment.id, slots)
    assert held.done.wait(30)
    body = {"key": "primary"}
    new = _ok(api.post(f"/management/deployments/{EMBEDDED}/keys/regenerate", json=body))
    assert new["primary"] != old["primary"]
    held.release.set()
    # the old key refused and the new one accepted, as the regeneration's answer said
    assert looked.result(60) == (None, KeySlot.PRIMARY)


def test_a_read_from_before_a_delete_does_not_bring_the_deployment_back(
    server: ThreadServer, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ok(api.post("/management/projects", json={"name": "doomed"}), 201)
    deployment_id = _deploy(api, "doomed", "doomed-chat")
    held = HeldRead(_sync(server), deployment_id)
    monkeypatch.setattr(_sync(server), "_read", held)

    looked = _reload_then(server, deployment_id, lambda: _live(server, "doomed-chat"))
    assert held.done.wait(30)  # it read the deployment serving
    _ok(api.delete("/management/deployments/doomed-chat"), 204)
    held.release.set()
    assert looked.result(60) is None  # deleted, as the 204 said
    _ok(api.delete("/management/projects/doomed/subscriptions/smollm2-test-a"), 204)
    _ok(api.delete("/management/projects/doomed"), 204)


def test_a_read_from_before_a_delete_does_not_replace_the_new_deployment_of_its_name(
    server: ThreadServer, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    for project in ("first", "second"):
        _ok(api.post("/management/projects", json={"name": project}), 201)
    former = _deploy(api, "first", "reused-name")
    held = HeldRead(_sync(server), former)
    monkeypatch.setattr(_sync(server), "_read", held)

    def current() -> str | None:
        now = _live(server, "reused-name")
        return None if now is None else now.deployment.id

    looked = _reload_then(server, former, current)
    assert held.done.wait(30)
    _ok(api.delete("/management/deployments/reused-name"), 204)
    body = {"name": "reused-name", "offer": "smollm2-test-a", "subscribe": True}
    created = _ok(api.post("/management/projects/second/deployments", json=body), 202)
    held.release.set()
    assert looked.result(60) == created["id"] != former  # the new one, as the 202 said
    _ok(api.delete("/management/deployments/reused-name"), 204)
