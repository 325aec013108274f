"""The controller and its lease, on SQLite and PostgreSQL, around a takeover it slept through:

- a reconciler's write refused by the fence (another controller holds the lease) makes the
  controller stand by at once, not at its next renewal, and nothing more is written (a deletion
  it had not finished is left to the new holder);
- a lease lost and taken back between two renewals (a new epoch, the same holder) gives new
  reconcilers fenced by the new epoch, not ones whose every write would be refused.

The runtime is a fake with nothing to place; the store, the controller and its reconcilers are
the product's.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from modelport.cluster.changes import ChangeFeed
from modelport.cluster.controller import LEASE, Controller
from modelport.domain.deployments import DeploymentState
from modelport.store import cluster as sql
from modelport.store.repositories import Store
from tests.store.takeover_support import make_deployment, take_lease, until

pytestmark = pytest.mark.anyio


class _Runtime:
    name = "local"

    async def nodes(self) -> list[Any]:
        return []

    async def close(self) -> None:
        return None


def _controller(store: Store, holder: str) -> Controller:
    runtime = cast(Any, _Runtime())
    return Controller(
        store=store,
        catalog=cast(Any, None),
        vault=cast(Any, None),
        engines=cast(Any, None),
        host=cast(Any, None),
        runtime=runtime,
        feed=ChangeFeed(store),
        heartbeat=cast(Any, SimpleNamespace(id=holder, live_within=10.0)),
        local=runtime,
        offer_of=cast(Any, None),
        ttl=3600.0,  # no renewal comes during a test: what happens is the fence's doing
    )


async def test_a_refused_write_makes_the_controller_stand_by_at_once(store: Store) -> None:
    old = _controller(store, "old")
    await old._lease_once()
    assert old.active and old.epoch == 1
    try:
        d = make_deployment(store)
        store.run(lambda c: store.set_deployment_state(c, d.id, DeploymentState.DELETING))
        take_lease(store, "new")  # the former holder stalled meanwhile

        reconciler = old._reconciler(d.id)  # the deletion, as its change feed says
        reconciler.kick()
        # Standing by ends once its tasks are cancelled and its reconcilers closed (``active``
        # turns False first, so that nothing starts meanwhile).
        stood_by = await until(lambda: not old.active and old._reconcilers == {})

        found = store.read(lambda c: store.deployment_by_id(c, d.id))
        assert found is not None and found.progress == ""  # not deleted, nothing written
        assert stood_by and reconciler.lost
    finally:
        await old.close()
    lease = store.read(lambda c: sql.lease(c, LEASE))
    assert lease is not None and lease["holder"] == "new"


async def test_a_lease_taken_back_between_two_renewals_fences_by_the_new_epoch(
    store: Store,
) -> None:
    ctl = _controller(store, "c")
    await ctl._lease_once()
    assert ctl.active and ctl.epoch == 1
    try:
        take_lease(store, "other")  # taken over while this one's renewals did not arrive
        store.run(lambda c: sql.release_lease(c, LEASE, "other"))  # and given up again
        await ctl._lease_once()  # the next renewal takes it back: epoch 3

        fence = ctl.context().fence
        assert fence is not None
        assert ctl.active and ctl.epoch == 3
        assert store.run(fence)  # its reconcilers' writes are not refused
    finally:
        await ctl.close()
