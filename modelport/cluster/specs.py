"""An :class:`~modelport.engines.base.EngineSpec` as stored JSON: the controller resolves a
deployment's spec once (where the weights are) and stores it; gateways and runtimes elsewhere read
it back. The secret never goes into it. :data:`OfferOf` finds the offer (and a fine-tuned
model's adapter) that a stored deployment's spec is resolved from."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from modelport.control.engine_choice import stored_options
from modelport.domain.catalog import Offer
from modelport.domain.deployments import Deployment
from modelport.domain.keys import KeyVault
from modelport.engines.base import EngineSpec, EngineStartError
from modelport.engines.host import EngineHost, EngineSettingsError
from modelport.engines.plugin import EngineFactory
from modelport.engines.registry import EngineFactories, EnginePluginError
from modelport.errors import ModelportError

# A stored deployment's offer and LoRA adapter (fine-tuned models resolve through the store).
OfferOf = Callable[[Connection, Deployment], tuple[Offer | None, Path | None]]


def spec_to_json(spec: EngineSpec) -> dict[str, Any]:
    values = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec) if f.name != "secret"}
    values["adapter"] = str(spec.adapter) if spec.adapter is not None else None
    values["config"] = dict(spec.config)
    return values


def spec_from_json(data: dict[str, Any], secret: str | None = None) -> EngineSpec:
    known = {f.name for f in dataclasses.fields(EngineSpec)}
    values = {k: v for k, v in data.items() if k in known and k != "secret"}
    if values.get("adapter"):
        values["adapter"] = Path(values["adapter"])
    return EngineSpec(**values, secret=secret)


def resolve(
    deployment: Deployment,
    offer: Offer,
    engines: EngineFactories,
    vault: KeyVault,
    host: EngineHost,
    adapter: Path | None = None,
) -> tuple[EngineFactory, EngineSpec]:
    """The engine plug-in and spec of a stored deployment (its options validated again, secrets
    decrypted; a fine-tuned model's LoRA ``adapter`` on top); EngineStartError saying what is
    missing."""
    try:
        factory = engines.load(deployment.engine)
        options = stored_options(deployment, engines, vault)
        spec = factory.spec(deployment.name, offer, options, host)
        if adapter is not None:  # a fine-tuned model: base weights + its adapter
            if not adapter.is_file():
                raise EngineStartError(f"the adapter of {offer.id} is missing")
            spec = dataclasses.replace(spec, adapter=adapter)
        return factory, spec
    except (EnginePluginError, EngineSettingsError) as exc:
        raise EngineStartError(str(exc)) from exc
    except ModelportError as exc:  # stored options this engine no longer accepts
        raise EngineStartError(exc.message) from exc
