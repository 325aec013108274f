"""The deployments' rows and their keys' (the :class:`~modelport.store.repositories.Store`
has these methods): the only code that writes them, returning domain objects."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from modelport.domain.deployments import Deployment, DeploymentState, KeySlot, RateLimits
from modelport.domain.replicas import Scale
from modelport.errors import Conflict
from modelport.store.tables import deployment_keys, deployments, safety_blocklists
from modelport.store.values import aware, now


def _deployment(row: Row[Any]) -> Deployment:
    return Deployment(
        id=row.id,
        name=row.name,
        project_id=row.project_id,
        region=row.region,
        offer_id=row.offer_id,
        subscription_id=row.subscription_id,
        state=DeploymentState(row.state),
        created_at=aware(row.created_at),
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


class DeploymentRows:
    """The deployments and their keys, part of the store (methods take the transaction's
    connection)."""

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

    def set_deployment_engine_options(
        self,
        conn: Connection,
        deployment_id: str,
        options: dict[str, Any],
        secret: bytes | None,
    ) -> None:
        """New engine options (in clear, no secret) and the encrypted secret ones."""
        conn.execute(
            update(deployments)
            .where(deployments.c.id == deployment_id)
            .values(
                engine_options=json.dumps(options, sort_keys=True) if options else None,
                engine_secret=secret,
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
