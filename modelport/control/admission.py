"""Admitting a new deployment: every check a create request passes before anything is
written, inside the transaction that then writes it.

- the model is an offer of the catalog, or a fine-tuned model of the project: its base offer
  renamed, billed on the base offer's subscription, with the job's LoRA adapter;
- the offer must be deployable in the project's region (403) and, unless it goes on managed
  compute (a placement, whose quota it must fit), have a serverless API;
- the project must be subscribed to the offer that bills it (412), unless the call subscribes
  and deploys at once (the subscription is written in the same transaction);
- the engine (the one asked for, or the first of the offer's that can run it here) and its
  weights must be on this machine (412, with what is missing), its options valid (422), down to
  the spec it would start; attaching a server someone else runs is the operator's (403).

What is admitted is the deployment to store, in state ``creating``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from modelport.control.engine_choice import choose_engine
from modelport.control.placement import Placement
from modelport.control.projects import ProjectService
from modelport.domain.catalog import Offer
from modelport.domain.deployments import Deployment, Project
from modelport.domain.fine_tuning import is_fine_tuned
from modelport.domain.keys import KeyVault
from modelport.domain.replicas import Scale
from modelport.engines.base import EngineStartError
from modelport.engines.host import EngineHost
from modelport.engines.registry import EngineFactories
from modelport.errors import OfferNotDeployable, ServerlessNotOffered, SubscriptionRequired
from modelport.finetune.models import FineTunedModels
from modelport.store.repositories import Store


@dataclass(frozen=True)
class Admitted:
    deployment: Deployment  # not stored yet
    offer: Offer  # the offer it runs (a fine-tuned model's: its base offer renamed)
    adapter: Path | None  # a fine-tuned model's LoRA adapter


class Admission:
    def __init__(
        self,
        *,
        store: Store,
        vault: KeyVault,
        engines: EngineFactories,
        projects: ProjectService,
        host: EngineHost,
        fine_tuned: FineTunedModels | None = None,
    ) -> None:
        self.store = store
        self.vault = vault
        self.engines = engines
        self.projects = projects
        self.host = host
        self.fine_tuned = fine_tuned

    def _model(
        self, conn: Connection, model: str, project: Project
    ) -> tuple[Offer, Offer, Path | None]:
        """The offer to deploy, the offer whose subscription bills it, and the adapter: the same
        offer and none, except for a fine-tuned model of the project (its base offer renamed,
        billed on the base's subscription, with the job's adapter)."""
        if self.fine_tuned is not None and is_fine_tuned(model):
            found = self.fine_tuned.require(conn, model, project.id)
            return found.offer, self.projects.offer(found.base_offer_id), found.gguf_adapter
        offer = self.projects.offer(model)
        return offer, offer, None

    def admit(
        self,
        conn: Connection,
        project_name: str,
        name: str,
        offer_id: str,
        *,
        subscribe: bool,
        engine: str | None,
        engine_options: dict[str, Any] | None,
        operator: bool,
        scale: Scale,
        placement: Placement | None,
    ) -> Admitted:
        """The deployment ``name`` of ``offer_id`` in the project, once every check passed (the
        name and ``scale`` are the caller's to validate); the errors above otherwise."""
        project = self.projects.project(conn, project_name)
        offer, billed_offer, adapter = self._model(conn, offer_id, project)
        self.projects.require_offered(offer, project)
        if placement is None and offer.pricing is None:
            raise ServerlessNotOffered(
                f"{offer.id!r} has no serverless API (no pay-as-you-go pricing): deploy it "
                "on managed compute (`modelport endpoints deploy`)",
                param="offer",
            )
        if placement is not None:
            placement.check(conn, project)
        sub = self.store.subscription_for(conn, project.id, billed_offer.id)
        if sub is None:
            if not subscribe:
                raise SubscriptionRequired(
                    f"project {project.name!r} has not subscribed to {offer.id!r}: accept "
                    "its terms by subscribing first (`modelport subscriptions create`), or "
                    'subscribe and deploy in one call (`"subscribe": true`, `modelport deploy '
                    "--subscribe`)",
                    param="offer",
                )
            sub = self.projects.subscribe_in(conn, project, billed_offer).subscription
        choice = choose_engine(
            offer,
            self.engines,
            self.host,
            requested=engine,
            options=engine_options or {},
            operator=operator,
        )
        size = placement.size if placement is not None else None
        host = self.host.sized(size.cpus) if size is not None else self.host
        try:
            spec = choice.factory.spec(name, offer, choice.options, host)
        except EngineStartError as exc:
            raise OfferNotDeployable(
                f"{offer.id!r} cannot be deployed with the {choice.name} engine: {exc}",
                param="engine_options",
            ) from exc
        if placement is not None:
            placement.require_fit(choice.factory, spec)
        public, secret = choice.stored(self.vault)
        deployment = Deployment.new(
            name=name,
            project=project,
            offer_id=offer.id,
            subscription_id=sub.id,
            engine=choice.name,
            engine_options=public,
            engine_secret=secret,
            scale=scale,
            endpoint_id=placement.endpoint_id if placement else None,
            instance_type=placement.instance_type if placement else None,
        )
        return Admitted(deployment, offer, adapter)
