"""A gateway that lost its database past the grace period refuses calls (503) until the database
answers again *and* the registry has applied what changed meanwhile: in the moment between the
store answering and the sync reading the change log, a key revoked during the outage was served
again (and ``/healthz`` said ``ok`` while it was)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from modelport.cluster.changes import ChangeFeed
from modelport.cluster.status import store_status
from modelport.errors import StoreUnavailable
from modelport.services import Services


def _feed(latest: int = 5) -> ChangeFeed:
    sqlite = SimpleNamespace(engine=SimpleNamespace(dialect=SimpleNamespace(name="sqlite")))
    feed = ChangeFeed(cast(Any, sqlite))  # never read here: the tests feed it what it read
    feed._advance(latest)
    return feed


def _lose(feed: ChangeFeed, ago: float) -> None:
    feed._mark(False)
    assert feed.store_lost_since is not None
    feed.store_lost_since -= ago


def _answer(feed: ChangeFeed, revision: int) -> None:
    feed._advance(revision)
    feed._mark(True)


def test_an_outage_lasts_until_the_follower_applied_what_the_store_answered_with() -> None:
    feed = _feed(5)
    assert feed.outage_since(5) is None
    _lose(feed, 60)
    began = feed.store_lost_since
    assert feed.outage_since(5) == began
    _answer(feed, 8)  # three changes were made meanwhile (a key regenerated, ...)
    assert feed.store_ok and feed.store_lost_since is None
    assert feed.outage_since(5) == began  # not applied yet: still stale
    assert feed.outage_since(7) == began
    assert feed.outage_since(8) is None  # caught up
    assert feed.outage_since(5) is None  # and that outage is over for good


def test_an_outage_with_no_change_meanwhile_ends_when_the_store_answers() -> None:
    feed = _feed(5)
    _lose(feed, 60)
    _answer(feed, 5)
    assert feed.outage_since(5) is None


def test_without_a_follower_the_outage_ends_when_the_store_answers() -> None:
    feed = _feed(5)
    _lose(feed, 60)
    _answer(feed, 8)
    assert feed.outage_since(None) is None


def test_lost_again_before_catching_up_counts_from_the_first_loss() -> None:
    feed = _feed(5)
    _lose(feed, 60)
    began = feed.store_lost_since
    _answer(feed, 8)
    feed._mark(False)
    assert feed.store_lost_since == began


def _services(feed: ChangeFeed, cursor: int) -> Any:
    return SimpleNamespace(
        feed=feed,
        sync=SimpleNamespace(cursor=cursor),
        settings=SimpleNamespace(store_outage_grace=30.0),
    )


def test_a_gateway_refuses_until_it_has_read_the_changes_made_during_a_long_outage() -> None:
    feed = _feed(5)
    _lose(feed, 60)  # longer than the grace period
    with pytest.raises(StoreUnavailable):
        Services.check_store_outage(_services(feed, 5))
    _answer(feed, 8)
    with pytest.raises(StoreUnavailable):  # answers again; the revocation not applied yet
        Services.check_store_outage(_services(feed, 5))
    Services.check_store_outage(_services(feed, 8))  # caught up: served


def test_a_short_outage_is_served_from_memory_throughout() -> None:
    feed = _feed(5)
    _lose(feed, 1)
    Services.check_store_outage(_services(feed, 5))
    _answer(feed, 8)
    Services.check_store_outage(_services(feed, 5))


def test_healthz_says_a_gateway_is_catching_up_until_it_has() -> None:
    feed = _feed(5)
    _lose(feed, 60)
    _answer(feed, 8)
    services = cast(Any, SimpleNamespace(feed=feed, sync=SimpleNamespace(cursor=5, synced_at=5)))
    assert store_status(services)["catching_up"] is True
    services.sync.cursor = 8
    assert "catching_up" not in store_status(services)
