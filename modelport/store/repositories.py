"""Repositories: the only code that writes SQL. Each returns domain objects, never rows."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, update
from sqlalchemy.exc import DataError, IntegrityError

from modelport.domain.deployments import (
    SUBSCRIPTION_METERS,
    Deployment,
    DeploymentState,
    KeySlot,
    Meter,
    Project,
    RateLimits,
    Subscription,
)
from modelport.domain.replicas import Scale
from modelport.errors import Conflict, InvalidRequest
from modelport.store.tables import (
    deployment_keys,
    deployments,
    projects,
    safety_blocklists,
    subscription_meters,
    subscriptions,
)

T = TypeVar("T")


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite drops the zone; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _project(row: Row[Any]) -> Project:
    return Project(row.id, row.name, row.region, _aware(row.created_at))


def _subscription(row: Row[Any], meters: tuple[Meter, ...] = ()) -> Subscription:
    return Subscription(
        row.id, row.project_id, row.offer_id, row.resource_id, _aware(row.created_at), meters
    )


def _deployment(row: Row[Any]) -> Deployment:
    return Deployment(
        id=row.id,
        name=row.name,
        project_id=row.project_id,
        region=row.region,
        offer_id=row.offer_id,
        subscription_id=row.subscription_id,
        state=DeploymentState(row.state),
        created_at=_aware(row.created_at),
        failure_reason=row.failure_reason,
        engine=row.engine,
        limits=RateLimits(row.rpm_limit, row.tpm_limit),
        engine_options=json.loads(row.engine_options) if row.engine_options else {},
        engine_secret=row.engine_secret,
        scale=Scale(row.instances, row.min_instances, row.idle_timeout),
        generation=row.generation,
        engine_spec=json.loads(row.engine_spec) if row.engine_spec else None,
        progress=row.progress or "",
        endpoint_id=row.endpoint_id,
        instance_type=row.instance_type,
    )


def _deployment_conflict(existing_name: str, new: Deployment) -> Conflict:
    if existing_name == new.name:
        return Conflict(
            f"the name {new.name!r} is taken in region {new.region!r}: deployment names are "
            "unique per region",
            param="name",
        )
    return Conflict(
        f"the project already has a deployment of {new.offer_id!r} ({existing_name!r}); a "
        "project has one deployment per model",
        param="offer",
    )


class Store:
    """Typed access to the schema. Methods are synchronous: call them from a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Connection]:
        """One transaction. On SQLite it takes the write lock up front unless ``read_only``
        (several processes may share the file: see store/db.py)."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(sqlite_immediate=not read_only)
                with conn.begin():
                    yield conn
        except DataError as exc:
            # A value the database cannot hold (PostgreSQL: a NUL character, a string over its
            # column's length): the caller's input, refused like any other invalid input.
            raise InvalidRequest(
                "the request has a value this server cannot store (a NUL character, or too long)"
            ) from exc

    def run(self, fn: Callable[[Connection], T]) -> T:
        with self.transaction() as conn:
            return fn(conn)

    def read(self, fn: Callable[[Connection], T]) -> T:
        """``fn`` in a transaction that only reads."""
        with self.transaction(read_only=True) as conn:
            return fn(conn)

    # -- projects ---------------------------------------------------------------------------
    def create_project(self, conn: Connection, name: str, region: str) -> Project:
        project = Project(new_id(), name, region, now())
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(projects).values(
                        id=project.id, name=name, region=region, created_at=project.created_at
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"a project named {name!r} already exists", param="name") from exc
        return project

    def project_by_name(self, conn: Connection, name: str) -> Project | None:
        row = conn.execute(select(projects).where(projects.c.name == name)).first()
        return _project(row) if row else None

    def project_by_id(self, conn: Connection, project_id: str) -> Project | None:
        row = conn.execute(select(projects).where(projects.c.id == project_id)).first()
        return _project(row) if row else None

    def list_projects(self, conn: Connection) -> list[Project]:
        rows = conn.execute(select(projects).order_by(projects.c.created_at)).all()
        return [_project(r) for r in rows]

    def update_project(self, conn: Connection, project_id: str, *, name: str, region: str) -> None:
        try:
            with conn.begin_nested():
                conn.execute(
                    update(projects)
                    .where(projects.c.id == project_id)
                    .values(name=name, region=region)
                )
        except IntegrityError as exc:
            raise Conflict(f"a project named {name!r} already exists", param="name") from exc

    def delete_project(self, conn: Connection, project_id: str) -> None:
        sub_ids = select(subscriptions.c.id).where(subscriptions.c.project_id == project_id)
        conn.execute(
            delete(subscription_meters).where(subscription_meters.c.subscription_id.in_(sub_ids))
        )
        conn.execute(delete(subscriptions).where(subscriptions.c.project_id == project_id))
        # Roles held on the project go with it, and so do the sessions of those who held them.
        from modelport.store import access

        for principal_id in set(access.delete_project_assignments(conn, project_id)):
            access.delete_sessions(conn, principal_id=principal_id)
        conn.execute(delete(projects).where(projects.c.id == project_id))

    def count_deployments(
        self, conn: Connection, project_id: str, offer_id: str | None = None
    ) -> int:
        query = (
            select(func.count())
            .select_from(deployments)
            .where(deployments.c.project_id == project_id)
        )
        if offer_id is not None:
            query = query.where(deployments.c.offer_id == offer_id)
        return int(conn.execute(query).scalar_one())

    # -- subscriptions ----------------------------------------------------------------------
    def create_subscription(
        self, conn: Connection, project: Project, offer_id: str, resource_id: str
    ) -> Subscription:
        """Insert a subscription with its meters; Conflict if the project already has one for
        the offer (the caller decides whether that is idempotent success)."""
        created = now()
        sub = Subscription(
            new_id(), project.id, offer_id, resource_id, created, SUBSCRIPTION_METERS
        )
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(subscriptions).values(
                        id=sub.id,
                        project_id=project.id,
                        offer_id=offer_id,
                        resource_id=resource_id,
                        created_at=created,
                    )
                )
                conn.execute(
                    insert(subscription_meters),
                    [
                        {
                            "id": new_id(),
                            "subscription_id": sub.id,
                            "meter": m.name,
                            "unit": m.unit,
                            "reserved": m.reserved,
                            "created_at": created,
                        }
                        for m in SUBSCRIPTION_METERS
                    ],
                )
        except IntegrityError as exc:
            raise Conflict(
                f"the project already subscribes to {offer_id!r}", param="offer"
            ) from exc
        return sub

    def _meters(self, conn: Connection, sub_ids: list[str]) -> dict[str, tuple[Meter, ...]]:
        if not sub_ids:
            return {}
        rows = conn.execute(
            select(subscription_meters)
            .where(subscription_meters.c.subscription_id.in_(sub_ids))
            .order_by(subscription_meters.c.created_at, subscription_meters.c.meter)
        ).all()
        found: dict[str, list[Meter]] = {}
        for r in rows:
            found.setdefault(r.subscription_id, []).append(Meter(r.meter, r.unit, r.reserved))
        order = {m.name: i for i, m in enumerate(SUBSCRIPTION_METERS)}
        return {
            k: tuple(sorted(v, key=lambda m: order.get(m.name, len(order))))
            for k, v in found.items()
        }

    def _subscriptions(self, conn: Connection, rows: list[Row[Any]]) -> list[Subscription]:
        meters = self._meters(conn, [r.id for r in rows])
        return [_subscription(r, meters.get(r.id, ())) for r in rows]

    def subscription_for(
        self, conn: Connection, project_id: str, offer_id: str
    ) -> Subscription | None:
        rows = conn.execute(
            select(subscriptions).where(
                subscriptions.c.project_id == project_id, subscriptions.c.offer_id == offer_id
            )
        ).all()
        found = self._subscriptions(conn, list(rows))
        return found[0] if found else None

    def list_subscriptions(
        self, conn: Connection, project_id: str | None = None
    ) -> list[Subscription]:
        query = select(subscriptions).order_by(subscriptions.c.created_at)
        if project_id:
            query = query.where(subscriptions.c.project_id == project_id)
        return self._subscriptions(conn, list(conn.execute(query).all()))

    def delete_subscription(self, conn: Connection, subscription_id: str) -> None:
        conn.execute(
            delete(subscription_meters).where(
                subscription_meters.c.subscription_id == subscription_id
            )
        )
        conn.execute(delete(subscriptions).where(subscriptions.c.id == subscription_id))

    # -- deployments ------------------------------------------------------------------------
    def create_deployment(self, conn: Connection, deployment: Deployment) -> Deployment:
        """Insert a deployment; Conflict when its name is taken in the region or the project
        already has a deployment of the model (the database enforces both)."""
        d = deployments.c
        same_name = (d.region == deployment.region) & (d.name == deployment.name)
        # One serverless deployment per model per project; an endpoint's may share a model.
        same_model = (
            (d.project_id == deployment.project_id)
            & (d.offer_id == deployment.offer_id)
            & d.endpoint_id.is_(None)
        )
        existing = conn.execute(
            select(d.name, d.project_id, d.offer_id).where(
                same_name | same_model if deployment.endpoint_id is None else same_name
            )
        ).first()
        if existing is not None:
            raise _deployment_conflict(str(existing.name), deployment)
        try:
            with conn.begin_nested():
                self._insert_deployment(conn, deployment)
        except IntegrityError as exc:  # a concurrent insert won the race
            raise Conflict(
                f"deployment {deployment.name!r} conflicts with another one just created",
                param="name",
            ) from exc
        return deployment

    def _insert_deployment(self, conn: Connection, deployment: Deployment) -> None:
        conn.execute(
            insert(deployments).values(
                id=deployment.id,
                name=deployment.name,
                project_id=deployment.project_id,
                region=deployment.region,
                offer_id=deployment.offer_id,
                subscription_id=deployment.subscription_id,
                state=deployment.state.value,
                failure_reason=deployment.failure_reason,
                engine=deployment.engine,
                rpm_limit=deployment.limits.requests_per_minute,
                tpm_limit=deployment.limits.tokens_per_minute,
                engine_options=json.dumps(dict(deployment.engine_options), sort_keys=True)
                if deployment.engine_options
                else None,
                engine_secret=deployment.engine_secret,
                instances=deployment.scale.instances,
                min_instances=deployment.scale.min_instances,
                idle_timeout=deployment.scale.idle_timeout,
                generation=deployment.generation,
                created_at=deployment.created_at,
                endpoint_id=deployment.endpoint_id,
                instance_type=deployment.instance_type,
            )
        )

    def deployment_by_name(self, conn: Connection, name: str, region: str) -> Deployment | None:
        row = conn.execute(
            select(deployments).where(deployments.c.name == name, deployments.c.region == region)
        ).first()
        return _deployment(row) if row else None

    def deployment_by_id(self, conn: Connection, deployment_id: str) -> Deployment | None:
        row = conn.execute(select(deployments).where(deployments.c.id == deployment_id)).first()
        return _deployment(row) if row else None

    def list_deployments(self, conn: Connection, project_id: str | None = None) -> list[Deployment]:
        query = select(deployments).order_by(deployments.c.created_at)
        if project_id:
            query = query.where(deployments.c.project_id == project_id)
        return [_deployment(r) for r in conn.execute(query).all()]

    def set_deployment_state(
        self,
        conn: Connection,
        deployment_id: str,
        state: DeploymentState,
        failure_reason: str | None = None,
    ) -> None:
        conn.execute(
            update(deployments)
            .where(deployments.c.id == deployment_id)
            .values(state=state.value, failure_reason=failure_reason)
        )

    def set_deployment_limits(
        self, conn: Connection, deployment_id: str, limits: RateLimits
    ) -> None:
        conn.execute(
            update(deployments)
            .where(deployments.c.id == deployment_id)
            .values(rpm_limit=limits.requests_per_minute, tpm_limit=limits.tokens_per_minute)
        )

    def set_deployment_scale(self, conn: Connection, deployment_id: str, scale: Scale) -> None:
        conn.execute(
            update(deployments)
            .where(deployments.c.id == deployment_id)
            .values(
                instances=scale.instances,
                min_instances=scale.min_instances,
                idle_timeout=scale.idle_timeout,
            )
        )

    def bump_generation(self, conn: Connection, deployment_id: str) -> int:
        """A restart: the controller replaces every replica of an older generation."""
        conn.execute(
            update(deployments)
            .where(deployments.c.id == deployment_id)
            .values(generation=deployments.c.generation + 1)
        )
        found = conn.execute(
            select(deployments.c.generation).where(deployments.c.id == deployment_id)
        ).scalar_one_or_none()
        return int(found or 0)

    def set_deployment_runtime(
        self,
        conn: Connection,
        deployment_id: str,
        *,
        progress: str | None = None,
        engine_spec: dict[str, Any] | None = None,
    ) -> None:
        """What the controller is doing for a deployment, and the engine spec it placed."""
        values: dict[str, Any] = {}
        if progress is not None:
            values["progress"] = progress
        if engine_spec is not None:
            values["engine_spec"] = json.dumps(engine_spec, sort_keys=True)
        if values:
            conn.execute(
                update(deployments).where(deployments.c.id == deployment_id).values(**values)
            )

    def delete_deployment(self, conn: Connection, deployment_id: str) -> None:
        conn.execute(  # its own content-safety blocklists go with it
            delete(safety_blocklists).where(safety_blocklists.c.deployment_id == deployment_id)
        )
        conn.execute(
            delete(deployment_keys).where(deployment_keys.c.deployment_id == deployment_id)
        )
        conn.execute(delete(deployments).where(deployments.c.id == deployment_id))

    # -- keys -------------------------------------------------------------------------------
    def put_key(
        self,
        conn: Connection,
        deployment_id: str,
        slot: KeySlot,
        fingerprint: str,
        ciphertext: bytes,
    ) -> None:
        conn.execute(
            delete(deployment_keys).where(
                deployment_keys.c.deployment_id == deployment_id,
                deployment_keys.c.slot == slot.value,
            )
        )
        conn.execute(
            insert(deployment_keys).values(
                deployment_id=deployment_id,
                slot=slot.value,
                fingerprint=fingerprint,
                ciphertext=ciphertext,
                created_at=now(),
            )
        )

    def keys_of(self, conn: Connection, deployment_id: str) -> dict[KeySlot, tuple[str, bytes]]:
        rows = conn.execute(
            select(deployment_keys).where(deployment_keys.c.deployment_id == deployment_id)
        ).all()
        return {KeySlot(r.slot): (r.fingerprint, r.ciphertext) for r in rows}
