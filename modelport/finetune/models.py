"""Fine-tuned models as deployable models: ``ft:<base>:<project>:<suffix>`` resolved to the base
offer (its dialect, prompt format and weights) plus the job's LoRA adapter.

The deployment service asks this resolver, and nothing else about fine-tuning: a deployment of a
fine-tuned model stores the model's name where an offer id goes, runs the base offer's engine
with the adapter, and is priced at the base offer's fine-tuned rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from modelport.domain.catalog import Catalog, Offer
from modelport.domain.fine_tuning import parse_fine_tuned_model
from modelport.errors import NotFound
from modelport.finetune import protocol
from modelport.finetune.artifacts import materialize
from modelport.store import fine_tuning as ft_store


@dataclass(frozen=True, slots=True)
class FineTunedModel:
    name: str
    job_id: str
    project_id: str
    base_offer_id: str
    offer: Offer  # the base offer, renamed to the fine-tuned model
    adapter_dir: Path  # PEFT safetensors (vLLM) and the GGUF adapter (llama.cpp)

    @property
    def gguf_adapter(self) -> Path:
        return self.adapter_dir / protocol.GGUF_ADAPTER


def derived_offer(base: Offer, name: str, suffix: str) -> Offer:
    return base.model_copy(
        update={
            "id": name,
            "model_name": name,
            "display_name": f"{base.display_name}, fine-tuned ({suffix})",
            "embedded": False,
        }
    )


class FineTunedModels:
    def __init__(self, catalog: Catalog, root: Path) -> None:
        self.catalog = catalog
        self.root = root  # <data dir>/fine_tuning: one directory per job

    def job_dir(self, job_id: str) -> Path:
        return self.root / job_id

    def base_cache(self, offer_id: str, gguf: Path) -> Path:
        """Where a worker keeps the GGUF base dequantized (one per weights file version)."""
        stat = gguf.stat()
        return self.root / "base" / f"{offer_id}-{stat.st_size}-{int(stat.st_mtime)}"

    def lookup(self, conn: Connection, name: str) -> FineTunedModel | None:
        """The succeeded job's model called ``name``, or None."""
        parsed = parse_fine_tuned_model(name)
        if parsed is None:
            return None
        job = ft_store.job_by_model(conn, name)
        if job is None or not job.succeeded:
            return None
        base = self.catalog.get(job.base_offer_id)
        if base is None:
            return None
        return FineTunedModel(
            name=name,
            job_id=job.id,
            project_id=job.project_id,
            base_offer_id=job.base_offer_id,
            offer=derived_offer(base, name, parsed.suffix),
            adapter_dir=self.job_dir(job.id) / protocol.MODEL_DIR,
        )

    def materialize(self, conn: Connection, name: str) -> list[str]:
        """Write the model's stored files missing from this data directory (see
        :mod:`modelport.finetune.artifacts`); the names written."""
        found = self.lookup(conn, name)
        if found is None:
            return []
        return materialize(conn, found.job_id, found.adapter_dir)

    def require(self, conn: Connection, name: str, project_id: str) -> FineTunedModel:
        """The fine-tuned model ``name`` of the project (404 for another project's)."""
        found = self.lookup(conn, name)
        if found is None or found.project_id != project_id:
            raise NotFound(
                f"the project has no fine-tuned model {name!r} (a model exists once its "
                "fine-tuning job succeeded)",
                param="offer",
            )
        return found
