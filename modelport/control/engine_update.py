"""A deployment's engine options changed in place (``PATCH /management/deployments/{name}/
engine-options``, ``modelport deployments configure``): a new context or slots for an engine, an
attached server's new URL, key or wire, without deleting the deployment, so its name, Target URL
and keys stay.

The changes merge into the stored options (an option set to ``None`` is removed: its default
applies again) and the result is checked as at creation: by the engine plug-in's own model
(:func:`~modelport.control.engine_choice.validate_options`, 422 naming ``engine_options.OPTION``)
and down to the spec it would start (412); an attaching engine's options are the platform
operator's, as attaching it was (403). Nothing is written when a check fails. Otherwise the
options are stored as at creation (secrets encrypted, never shown) and the deployment's
generation is bumped in the same transaction, with an entry in the change log: the controller
replaces its replicas with ones started on the new options, as for ``restart``, and every
gateway reloads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from modelport.control.engine_choice import EngineChoice, stored_raw, validate_options
from modelport.domain.catalog import Offer
from modelport.domain.deployments import Deployment, DeploymentState
from modelport.domain.keys import KeyVault
from modelport.engines.base import EngineStartError
from modelport.engines.host import EngineHost
from modelport.engines.registry import EngineFactories, EnginePluginError
from modelport.errors import Conflict, Forbidden, InvalidRequest, NotFound, OfferNotDeployable
from modelport.store.repositories import Store

CHANGE_KIND = "engine-options"  # the change log's kind: the controller replaces the replicas

# The offer (and a fine-tuned model's adapter) a stored deployment runs.
OfferIn = Callable[[Connection, Deployment], tuple[Offer | None, Path | None]]


def merged(
    current: Mapping[str, Any], changes: Mapping[str, Any], known: set[str]
) -> dict[str, Any]:
    """``current`` with ``changes`` applied: a known option set to ``None`` is removed (its
    default applies); an unknown one stays in, set or not, for the engine to refuse by name."""
    options = dict(current)
    for option, value in changes.items():
        if value is None and option in known:
            options.pop(option, None)
        else:
            options[option] = value
    return options


@dataclass(frozen=True)
class EngineOptionsUpdate:
    """Checks and stores one deployment's new engine options (see the module docstring)."""

    store: Store
    vault: KeyVault
    engines: EngineFactories
    host: EngineHost
    offer_in: OfferIn

    def write(
        self,
        conn: Connection,
        deployment_id: str,
        changes: Mapping[str, Any],
        operator: bool,
    ) -> Deployment:
        """In the caller's transaction (which records the change, :data:`CHANGE_KIND`): the
        deployment as stored now, with its new options and generation (the errors above, and
        nothing written, otherwise)."""
        if not changes:
            raise InvalidRequest("no engine option to change was given", param="engine_options")
        current = self.store.deployment_by_id(conn, deployment_id)
        if current is None:
            raise NotFound("the deployment no longer exists")
        if current.state is DeploymentState.DELETING:
            raise Conflict(f"deployment {current.name!r} is being deleted")
        if current.endpoint_id is not None:
            raise Conflict(
                f"deployment {current.name!r} runs on managed compute: its engine options are "
                "fixed by its instance type; deploy it again under its endpoint to change them",
                param="engine_options",
            )
        try:
            factory = self.engines.load(current.engine)
        except EnginePluginError as exc:
            raise Conflict(str(exc), param="engine") from exc
        if factory.attaches and not operator:
            raise Forbidden(
                "only the platform operator may change the options of an attached server "
                f"({current.engine})",
                param="engine_options",
            )
        raw = merged(
            stored_raw(current, factory, self.vault), changes, set(factory.options.model_fields)
        )
        choice = EngineChoice(factory, validate_options(factory, raw))
        offer, _ = self.offer_in(conn, current)
        if offer is None:
            raise Conflict(f"the offer {current.offer_id!r} is not in the catalog", param="offer")
        try:
            factory.spec(current.name, offer, choice.options, self.host)
        except EngineStartError as exc:
            raise OfferNotDeployable(
                f"{offer.id!r} cannot run with the {factory.name} engine on these options: {exc}",
                param="engine_options",
            ) from exc
        public, secret = choice.stored(self.vault)
        self.store.set_deployment_engine_options(conn, current.id, public, secret)
        self.store.set_deployment_runtime(conn, current.id, progress="restarting")
        generation = self.store.bump_generation(conn, current.id)
        return replace(
            current,
            engine_options=public,
            engine_secret=secret,
            generation=generation,
            progress="restarting",
        )
