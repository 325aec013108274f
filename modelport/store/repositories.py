"""The store: its transactions, and the rows of projects and subscriptions (those of deployments
and their keys: :mod:`modelport.store.deployment_rows`). Like every module under ``store/``, the
only code that writes SQL; each returns domain objects, never rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, update
from sqlalchemy.exc import DataError, IntegrityError

from modelport.domain.deployments import SUBSCRIPTION_METERS, Meter, Project, Subscription
from modelport.errors import Conflict, InvalidRequest
from modelport.store.deployment_rows import DeploymentRows
from modelport.store.tables import deployments, projects, subscription_meters, subscriptions
from modelport.store.values import aware, new_id, now

T = TypeVar("T")


def _project(row: Row[Any]) -> Project:
    return Project(row.id, row.name, row.region, aware(row.created_at))


def _subscription(row: Row[Any], meters: tuple[Meter, ...] = ()) -> Subscription:
    return Subscription(
        row.id, row.project_id, row.offer_id, row.resource_id, aware(row.created_at), meters
    )


class Store(DeploymentRows):
    """Typed access to the schema. Methods are synchronous: call them from a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, snapshot: bool = False
    ) -> Iterator[Connection]:
        """One transaction. On SQLite it takes the write lock up front unless ``read_only``
        (several processes may share the file: see store/db.py). ``snapshot``: every statement
        sees the same state (PostgreSQL: REPEATABLE READ; its default, READ COMMITTED, lets
        each statement see what committed since the last)."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(sqlite_immediate=not read_only)
                if snapshot and conn.dialect.name == "postgresql":
                    conn.execution_options(isolation_level="REPEATABLE READ")
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

    def snapshot(self, fn: Callable[[Connection], T]) -> T:
        """``fn`` in a transaction that only reads, all of it in one snapshot of the database
        (SQLite's read transaction in WAL mode is one from its first read)."""
        with self.transaction(read_only=True, snapshot=True) as conn:
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
