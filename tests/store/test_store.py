"""The store against real SQLite and real PostgreSQL: migrations and the repository rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from modelport.domain.deployments import (
    SUBSCRIPTION_METERS,
    Deployment,
    DeploymentState,
    KeySlot,
)
from modelport.errors import Conflict
from modelport.store.db import upgrade
from modelport.store.repositories import Store
from modelport.store.values import new_id, now

HEAD = "0070_live_replica_ordinals"


def _revision(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one())


def _deployment(project_id: str, name: str, offer: str, region: str = "local") -> Deployment:
    return Deployment(
        id=new_id(),
        name=name,
        project_id=project_id,
        region=region,
        offer_id=offer,
        subscription_id=None,
        state=DeploymentState.CREATING,
        created_at=now(),
    )


def test_upgrade_empty_database_to_head(engine: Engine) -> None:
    upgrade(engine)
    assert _revision(engine) == HEAD
    tables = set(sa.inspect(engine).get_table_names())
    assert {"projects", "subscriptions", "subscription_meters", "deployments"} <= tables
    assert "deployment_keys" in tables
    upgrade(engine)  # a second upgrade is a no-op
    assert _revision(engine) == HEAD


def test_upgrade_walking_skeleton_database_keeps_data_and_backfills_meters(
    engine: Engine,
) -> None:
    """A database created by the walking skeleton (revision 0001) with its default project,
    subscription, deployment and keys upgrades in place."""
    upgrade(engine, "0001")
    created = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO projects VALUES ('p1', 'default', 'local', :t)"), {"t": created}
        )
        conn.execute(
            sa.text(
                "INSERT INTO subscriptions VALUES ('s1', 'p1', 'smollm2-135m-instruct', "
                "'/projects/default/subscriptions/smollm2-135m-instruct', :t)"
            ),
            {"t": created},
        )
        conn.execute(
            sa.text(
                "INSERT INTO deployments (id, name, project_id, region, offer_id, "
                "subscription_id, state, created_at) VALUES ('d1', 'smollm2-135m-instruct', "
                "'p1', 'local', 'smollm2-135m-instruct', 's1', 'succeeded', :t)"
            ),
            {"t": created},
        )
        conn.execute(
            sa.text("INSERT INTO deployment_keys VALUES ('d1', 'primary', 'fp1', :c, :t)"),
            {"c": b"cipher", "t": created},
        )
    assert _revision(engine) == "0001"

    upgrade(engine)

    assert _revision(engine) == HEAD
    store = Store(engine)
    with store.transaction() as conn:
        project = store.project_by_name(conn, "default")
        assert project is not None and project.region == "local"
        sub = store.subscription_for(conn, "p1", "smollm2-135m-instruct")
        deployment = store.deployment_by_name(conn, "smollm2-135m-instruct", "local")
        keys = store.keys_of(conn, "d1")
    assert sub is not None and sub.resource_id.endswith("/smollm2-135m-instruct")
    assert [m.name for m in sub.meters] == [m.name for m in SUBSCRIPTION_METERS]
    assert [m.reserved for m in sub.meters] == [False] * len(SUBSCRIPTION_METERS)
    assert deployment is not None and deployment.state is DeploymentState.SUCCEEDED
    assert deployment.limits.tokens_per_minute == 200_000
    assert keys == {KeySlot.PRIMARY: ("fp1", b"cipher")}


def test_subscription_has_meters_and_is_unique_per_project_and_offer(store: Store) -> None:
    with store.transaction() as conn:
        project = store.create_project(conn, "p", "local")
        sub = store.create_subscription(conn, project, "offer-a", "/projects/x/offer-a")
        with pytest.raises(Conflict):
            store.create_subscription(conn, project, "offer-a", "/projects/x/offer-a-2")
        # the failed insert rolled back to its savepoint: the transaction goes on
        assert store.subscription_for(conn, project.id, "offer-a") == sub
    with store.transaction() as conn:
        listed = store.list_subscriptions(conn, project.id)
    assert [s.id for s in listed] == [sub.id]
    assert [m.name for m in listed[0].meters] == [
        "inference-input-tokens",
        "inference-output-tokens",
        "fine-tuning-training-tokens",
        "fine-tuned-input-tokens",
        "fine-tuned-output-tokens",
        "fine-tuned-hosting-hours",
        "managed-compute-hours",
    ]


def test_deployment_names_are_unique_per_region_and_one_per_model_per_project(
    store: Store,
) -> None:
    with store.transaction() as conn:
        a = store.create_project(conn, "a", "local")
        b = store.create_project(conn, "b", "local")
        c = store.create_project(conn, "c", "eastus2")
        store.create_deployment(conn, _deployment(a.id, "chat", "offer-1"))
        with pytest.raises(Conflict, match="unique per region"):
            store.create_deployment(conn, _deployment(b.id, "chat", "offer-1"))
        with pytest.raises(Conflict, match="one deployment per model"):
            store.create_deployment(conn, _deployment(a.id, "chat-2", "offer-1"))
        # the same name in another region, and another model in the same project, are fine
        store.create_deployment(conn, _deployment(c.id, "chat", "offer-1", "eastus2"))
        store.create_deployment(conn, _deployment(a.id, "chat-3", "offer-2"))
    with store.transaction() as conn:
        names = sorted((d.region, d.name) for d in store.list_deployments(conn))
        assert store.count_deployments(conn, a.id) == 2
        assert store.count_deployments(conn, a.id, "offer-2") == 1
    assert names == [("eastus2", "chat"), ("local", "chat"), ("local", "chat-3")]


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.transaction() as conn:
        project = store.create_project(conn, "half", "local")
        store.create_subscription(conn, project, "offer-a", "/projects/half/offer-a")
        raise Boom
    with store.transaction() as conn:
        assert store.project_by_name(conn, "half") is None
        assert store.list_subscriptions(conn) == []


def test_delete_project_removes_its_subscriptions_and_meters(store: Store) -> None:
    with store.transaction() as conn:
        project = store.create_project(conn, "gone", "local")
        store.create_subscription(conn, project, "offer-a", "/projects/gone/offer-a")
    with store.transaction() as conn:
        store.delete_project(conn, project.id)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM subscription_meters")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM subscriptions")).scalar() == 0


def test_project_names_are_unique_and_renamable(store: Store) -> None:
    with store.transaction() as conn:
        project = store.create_project(conn, "one", "local")
        store.create_project(conn, "two", "local")
        with pytest.raises(Conflict):
            store.create_project(conn, "one", "eastus2")
        with pytest.raises(Conflict):
            store.update_project(conn, project.id, name="two", region="local")
        store.update_project(conn, project.id, name="uno", region="eastus2")
    with store.transaction() as conn:
        renamed = store.project_by_id(conn, project.id)
    assert renamed is not None and (renamed.name, renamed.region) == ("uno", "eastus2")


def test_engine_options_and_the_encrypted_secret_round_trip(store: Store) -> None:
    """What a deployment was deployed with comes back after a restart: the engine, its options
    in clear (secrets only as a marker) and its secret options as stored ciphertext."""
    with store.transaction() as conn:
        project = store.create_project(conn, "p", "local")
        plain = _deployment(project.id, "plain", "offer-a")
        store.create_deployment(conn, plain)
        attached = replace(
            _deployment(project.id, "attached", "offer-b"),
            engine="openai_compat",
            engine_options={"url": "http://10.0.0.5:8000", "api_key": "(stored encrypted)"},
            engine_secret=b"\x00ciphertext\xff",
        )
        store.create_deployment(conn, attached)
    with store.transaction() as conn:
        back = {d.name: d for d in store.list_deployments(conn)}
    assert (back["plain"].engine, back["plain"].engine_options) == ("llamacpp", {})
    assert back["plain"].engine_secret is None
    assert back["attached"].engine == "openai_compat"
    assert back["attached"].engine_options == attached.engine_options
    assert back["attached"].engine_secret == b"\x00ciphertext\xff"
