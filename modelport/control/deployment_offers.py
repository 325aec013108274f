"""What a stored deployment runs: its offer and, for a fine-tuned model
(``ft:<base>:<project>:<suffix>``), its base offer renamed plus the LoRA adapter its job made.

The registry sync, the controller and an engine-options change
(:mod:`modelport.control.engine_update`) ask through :class:`DeploymentOffers`
(:data:`modelport.cluster.specs.OfferOf`); admitting a new deployment resolves its model itself
(:mod:`modelport.control.admission`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from modelport.domain.catalog import Catalog, Offer
from modelport.domain.deployments import Deployment
from modelport.domain.fine_tuning import is_fine_tuned
from modelport.engines.base import EngineStartError
from modelport.finetune.artifacts import ArtifactError
from modelport.finetune.models import FineTunedModels


@dataclass(frozen=True)
class DeploymentOffers:
    """The offers of the catalog, and the fine-tuned models where there are (none: only the
    catalog's offers)."""

    catalog: Catalog
    fine_tuned: FineTunedModels | None = None

    def offer_in(
        self, conn: Connection, deployment: Deployment
    ) -> tuple[Offer | None, Path | None]:
        """The deployment's offer and LoRA adapter: a fine-tuned model is its base offer
        (renamed) plus the adapter its job made. The registry sync and the controller ask."""
        if self.fine_tuned is None or not is_fine_tuned(deployment.offer_id):
            return self.catalog.get(deployment.offer_id), None
        found = self.fine_tuned.lookup(conn, deployment.offer_id)
        return (found.offer, found.gguf_adapter) if found is not None else (None, None)

    def offer_here(
        self, conn: Connection, deployment: Deployment
    ) -> tuple[Offer | None, Path | None]:
        """:meth:`offer_in`, with the adapter's files written into this machine's data directory
        from the database when they are not there (another gateway trained the model): asked
        right before an engine starts here."""
        offer, adapter = self.offer_in(conn, deployment)
        if adapter is not None and self.fine_tuned is not None:
            try:
                self.fine_tuned.materialize(conn, deployment.offer_id)
            except ArtifactError as exc:
                raise EngineStartError(str(exc)) from exc
        return offer, adapter
