"""Which engine runs a new deployment, with which options, and how they are stored.

The engine is the one the caller names, or the first of the offer's engines that can run it here.
An engine that ``attaches`` a server someone else runs may run any offer, but only the platform
operator may deploy with it, and never by default. Options are validated by the engine's own
model (unknown ones refused); those typed ``SecretStr`` are stored encrypted, apart from the
others, and never shown again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from modelport.control.availability import check_engine, check_offer
from modelport.domain.catalog import Offer
from modelport.domain.deployments import Deployment
from modelport.domain.keys import KeyVault
from modelport.engines.host import EngineHost
from modelport.engines.plugin import (
    EngineFactory,
    EngineOptions,
    public_options,
    secret_fields,
    secret_options,
    shown_options,
)
from modelport.engines.registry import EngineFactories, EnginePluginError
from modelport.errors import Forbidden, InvalidRequest, OfferNotDeployable


@dataclass(frozen=True)
class EngineChoice:
    factory: EngineFactory
    options: EngineOptions

    @property
    def name(self) -> str:
        return self.factory.name

    def stored(self, vault: KeyVault) -> tuple[dict[str, Any], bytes | None]:
        """What the store keeps: the options in clear with each secret replaced by a marker
        (what operators are shown), and the secrets encrypted."""
        secrets = secret_options(self.options)
        cipher = vault.encrypt(json.dumps(secrets, sort_keys=True)) if secrets else None
        return shown_options(public_options(self.options), list(secrets)), cipher


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _problem(engine: str, option: str, error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return f"the {engine} engine needs the option '{option}'"
    reason = str(error["msg"]).removeprefix("Value error, ")
    if not option:  # about the options together
        return f"the {engine} engine's options: {reason}"
    return f"the {engine} engine's option '{option}': {reason}"


def validate_options(factory: EngineFactory, raw: Mapping[str, Any]) -> EngineOptions:
    """``raw`` checked by the engine's own model. A refusal names each option in quotes
    (``'url'``), and its ``param`` is the first one's field (``engine_options.url``): a client
    can say it in its own terms (the CLI names its flag, ``--engine-url``)."""
    try:
        return factory.options.model_validate(dict(raw))
    except ValidationError as exc:
        errors = [(".".join(map(str, e["loc"])), e) for e in exc.errors(include_url=False)]
        unknown = [option for option, e in errors if e["type"] == "extra_forbidden"]
        named = unknown or [option for option, _ in errors if option]
        param = f"engine_options.{named[0]}" if named else "engine_options"
        if unknown:
            which = "option" if len(unknown) == 1 else "options"
            takes = _quoted(sorted(factory.options.model_fields)) or "none"
            raise InvalidRequest(
                f"the {factory.name} engine does not take the {which} {_quoted(unknown)} "
                f"(it takes: {takes})",
                param=param,
            ) from exc
        message = "; ".join(_problem(factory.name, option, e) for option, e in errors)
        raise InvalidRequest(message, param=param) from exc


def choose_engine(
    offer: Offer,
    engines: EngineFactories,
    host: EngineHost,
    *,
    requested: str | None,
    options: Mapping[str, Any],
    operator: bool,
) -> EngineChoice:
    """The engine of a new deployment of ``offer``, or the error that says why there is none."""
    if requested is None:
        available = check_offer(offer, engines, host)
        if available.engine is None:
            raise OfferNotDeployable(available.message(), param="offer")
        factory = engines.load(available.engine)
        return EngineChoice(factory, validate_options(factory, options))
    try:
        factory = engines.load(requested)
    except EnginePluginError as exc:
        raise InvalidRequest(str(exc), param="engine") from exc
    if factory.attaches:
        if not operator:
            raise Forbidden(
                f"only the platform operator may attach a server as an engine ({requested})",
                param="engine",
            )
    elif requested not in offer.engines:
        attaching = ", ".join(engines.attaching()) or "none installed"
        raise InvalidRequest(
            f"{offer.id} runs on {offer.runs_on()}, not on {requested} (or "
            f"attach a server you run with an attaching engine: {attaching})",
            param="engine",
        )
    choice = EngineChoice(factory, validate_options(factory, options))
    check = check_engine(offer, requested, engines, host)
    if not check.ok:
        raise OfferNotDeployable(
            f"{offer.id!r} cannot be deployed with the {requested} engine on this machine: "
            + "; ".join(check.missing),
            param="engine",
        )
    return choice


def stored_raw(deployment: Deployment, factory: EngineFactory, vault: KeyVault) -> dict[str, Any]:
    """A stored deployment's options as given (secrets decrypted), not validated again."""
    hidden = set(secret_fields(factory.options))
    raw: dict[str, Any] = {k: v for k, v in deployment.engine_options.items() if k not in hidden}
    if deployment.engine_secret is not None:
        raw.update(json.loads(vault.decrypt(deployment.engine_secret)))
    return raw


def stored_options(
    deployment: Deployment, engines: EngineFactories, vault: KeyVault
) -> EngineOptions:
    """A stored deployment's options, secrets decrypted, validated again by its engine."""
    factory = engines.load(deployment.engine)
    return validate_options(factory, stored_raw(deployment, factory, vault))
