"""A gateway's registry sync shows one state of the store at a time, never a mix: the managed
endpoints and the deployments one pass reads are put in place together. It used to reload the
endpoints first and then, awaiting a read for each, the deployments: in between, an expired
endpoint answered 404 while its deployment still showed (the managed-compute test's flake).

Each test commits changes while holding the sync back, so that one pass reads all of them, and
watches the registries at every turn of the event loop while that pass applies them: every state
seen must be one the store was in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection

from modelport.cluster.snapshots import InRevisionOrder
from modelport.control.endpoints import ENDPOINT_CHANGE, begin_delete
from modelport.services import Services
from modelport.store import compute as compute_sql
from modelport.store.cluster import publish, revision
from modelport.store.repositories import Store
from tests.support import EMBEDDED, settings_for

pytestmark = pytest.mark.anyio

# What a client sees: the endpoint ("live", "deleting" or None: 404) and its deployment's state
# (None: 404).
Seen = tuple[str | None, str | None]
LIVE: Seen = ("live", "creating")
DELETING: Seen = ("deleting", "deleting")
DEPLOYMENT_GONE: Seen = ("deleting", None)
GONE: Seen = (None, None)


@pytest.fixture
async def gateway(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    """A gateway (no controller: nothing but the test changes the store) with an endpoint,
    ``snap-ep``, and its deployment, ``snap-dep``."""
    services = await Services.build(
        settings_for(tmp_path, database_url=database_url, role="gateway")
    )
    await services.start()
    try:
        await services.projects.create_project("snap", None)
        await services.endpoints.create("snap", "snap-ep")
        await services.endpoints.deploy(
            "snap-ep", "snap-dep", EMBEDDED, instance_type="cpu-2", subscribe=True
        )
        await _synced(services)
        assert _seen(services) == LIVE
        yield services
    finally:
        await services.close()


def _seen(services: Services) -> Seen:
    region = services.settings.default_region
    endpoint = services.endpoints.registry.get(region, "snap-ep")
    deployment = services.registry.get(region, "snap-dep")
    return (
        None if endpoint is None else "deleting" if endpoint.endpoint.deleting else "live",
        None if deployment is None else deployment.deployment.state.value,
    )


async def _synced(services: Services, watch: list[Seen] | None = None) -> None:
    """Until the sync has applied every change committed so far; each new state it shows
    meanwhile, looked at on every turn of the event loop, appended to ``watch``."""
    sync = services.sync
    assert sync is not None
    target = await asyncio.to_thread(services.store.read, revision)
    services.feed.kick()
    async with asyncio.timeout(30):
        while True:
            done = sync.synced_at >= target
            if watch is not None and _seen(services) != watch[-1]:
                watch.append(_seen(services))
            if done:
                return
            await asyncio.sleep(0)


async def _one_pass(services: Services, *writes: Callable[[Connection], None]) -> list[Seen]:
    """Commit ``writes`` (one transaction each) so that one pass of the sync reads them all;
    the states a client could see until it has applied them."""
    sync = services.sync
    assert sync is not None
    seen = [_seen(services)]
    async with sync._lock:  # a pass waits here: it reads the changes once all are committed
        for write in writes:
            await asyncio.to_thread(services.store.run, write)
    await _synced(services, seen)
    return seen


def _ids(services: Services) -> tuple[str, str]:
    region = services.settings.default_region
    endpoint = services.endpoints.registry.get(region, "snap-ep")
    deployment = services.registry.get(region, "snap-dep")
    assert endpoint is not None and deployment is not None
    return endpoint.endpoint.id, deployment.deployment.id


def _deleting(services: Services) -> Callable[[Connection], None]:
    """The endpoint and its deployment marked deleting, in one transaction (as the controller
    does when an endpoint's shared-quota lifetime ends)."""
    endpoint_id, _ = _ids(services)
    endpoint = services.endpoints.registry.get(services.settings.default_region, "snap-ep")
    assert endpoint is not None

    def write(conn: Connection) -> None:
        begin_delete(conn, endpoint.endpoint)
        publish(conn, ENDPOINT_CHANGE, endpoint_id)

    return write


def _removals(services: Services) -> tuple[Callable[[Connection], None], ...]:
    """What the controller does to an endpoint being deleted: its deployment removed (one
    transaction), then the endpoint (the next)."""
    endpoint_id, deployment_id = _ids(services)

    def remove_deployment(conn: Connection) -> None:
        services.store.delete_deployment(conn, deployment_id)
        publish(conn, "deleted", deployment_id)

    def remove_endpoint(conn: Connection) -> None:
        compute_sql.delete_endpoint(conn, endpoint_id)
        publish(conn, ENDPOINT_CHANGE, endpoint_id)

    return remove_deployment, remove_endpoint


def _everything_changed(conn: Connection) -> None:
    """A change that names no deployment: the sync reads every deployment again."""
    publish(conn, "limits")


async def test_an_endpoint_and_its_deployment_begin_deleting_together(gateway: Services) -> None:
    seen = await _one_pass(gateway, _deleting(gateway))
    assert seen == [LIVE, DELETING], seen


async def test_an_endpoint_never_answers_404_while_its_removed_deployment_shows(
    gateway: Services,
) -> None:
    await _one_pass(gateway, _deleting(gateway))
    seen = await _one_pass(gateway, *_removals(gateway))
    assert seen == [DELETING, GONE] or seen == [DELETING, DEPLOYMENT_GONE, GONE], seen


async def test_a_full_reload_shows_one_state_too(gateway: Services) -> None:
    await _one_pass(gateway, _deleting(gateway))
    seen = await _one_pass(gateway, *_removals(gateway), _everything_changed)
    assert seen == [DELETING, GONE] or seen == [DELETING, DEPLOYMENT_GONE, GONE], seen


async def test_an_endpoint_written_here_shows_with_every_change_before_it(
    gateway: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An endpoint created here while the sync has not yet applied the controller's removals:
    the endpoints are not read ahead of the deployments (that showed the removed endpoint gone
    and its deployment still there), the write is shown through the sync, with the removals."""
    sync = gateway.sync
    assert sync is not None
    await _one_pass(gateway, _deleting(gateway))
    seen = [_seen(gateway)]
    waiting = asyncio.Event()  # the creation waits for the sync
    creator: set[asyncio.Task[object]] = set()
    catch_up = sync.catch_up

    async def caught_up() -> None:
        if asyncio.current_task() in creator:
            waiting.set()
        await catch_up()

    # Where the endpoint service asks the sync (raising=False: it did not always).
    monkeypatch.setattr(gateway.endpoints, "catch_up", caught_up, raising=False)
    async with sync._lock:
        for write in _removals(gateway):
            await asyncio.to_thread(gateway.store.run, write)
        creating = asyncio.create_task(gateway.endpoints.create("snap", "snap-other"))
        creator.add(creating)
        async with asyncio.timeout(30):
            while not (creating.done() or waiting.is_set()):
                if _seen(gateway) != seen[-1]:
                    seen.append(_seen(gateway))
                await asyncio.sleep(0)
    await creating
    await _synced(gateway, seen)
    assert seen == [DELETING, GONE], seen
    assert gateway.endpoints.registry.get(gateway.settings.default_region, "snap-other")


def test_a_snapshot_reads_one_state_whatever_commits_meanwhile(store: Store) -> None:
    """What a pass reads in one snapshot (PostgreSQL's default isolation would let each
    statement see what committed since the last)."""

    def read(conn: Connection) -> tuple[int, int]:
        before = revision(conn)
        store.run(lambda c: publish(c, "limits"))  # another transaction commits meanwhile
        return before, revision(conn)

    before, after = store.snapshot(read)
    assert after == before
    assert store.read(revision) == before + 1


def test_an_older_read_is_never_put_in_place_over_a_newer(store: Store) -> None:
    """The endpoint service's read after its write and the sync's, finishing out of order."""
    shown: list[int] = []
    reads = InRevisionOrder(revision, shown.append)
    older = store.snapshot(reads)
    store.run(lambda c: publish(c, "limits"))
    newer = store.snapshot(reads)
    newer()
    older()
    assert shown == [store.read(revision)]
