"""Catalog offers: what a model is, who publishes it, what it costs, where and how it runs."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from modelport.errors import OperatorError


class Task(StrEnum):
    CHAT_COMPLETION = "chat-completion"
    TEXT_COMPLETION = "text-completion"


class Dialect(StrEnum):
    """The API dialect an offer's ``/v1`` routes speak (every offer also speaks the others)."""

    OPENAI = "openai"
    AI21 = "ai21"
    LLAMA = "llama"


class FineTunedPricing(BaseModel):
    """Rates of fine-tuning an offer and of the fine-tuned models made from it. An offer without
    them is not offered for fine-tuning."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    training_per_1k: Decimal = Field(ge=0)  # per 1,000 training tokens (file tokens x epochs)
    hosting_per_hour: Decimal = Field(ge=0)  # per started hour a fine-tuned model is deployed
    input_per_1k: Decimal = Field(ge=0)  # inference on a fine-tuned deployment
    output_per_1k: Decimal = Field(ge=0)


class Pricing(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    currency: str = "USD"
    input_per_1k: Decimal = Field(ge=0)
    output_per_1k: Decimal = Field(ge=0)
    fine_tuning: FineTunedPricing | None = None


class WeightSource(BaseModel):
    """Where weights come from, by preference: an installed package, a local path, a hub.

    ``hub_repo`` holds the original (safetensors) weights an engine such as vLLM loads;
    ``gguf_repo``/``gguf_file`` a GGUF conversion the llama.cpp engine loads.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    package: str | None = None  # an installed Python package shipping the GGUF file
    gguf_file: str | None = None  # the GGUF file name (inside the package, path or hub repo)
    gguf_repo: str | None = None  # a hub repo holding the GGUF file
    local_path: str | None = None
    hub_repo: str | None = None
    hub_revision: str | None = None
    gated: bool = False  # the hub repo needs an accepted licence and a token


class HardwareOption(BaseModel):
    """One way to run the model: GPUs needed at a precision (e.g. BF16, ExpertsInt8)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    engine: str
    precision: str
    gpus: int = Field(0, ge=0)
    gpu_memory_gb: int = Field(0, ge=0)
    max_context: int | None = Field(None, gt=0)  # what fits at this setting, when less
    note: str | None = None

    def describe(self) -> str:
        if self.gpus == 0:
            return f"the CPU ({self.precision})"
        plural = "s" if self.gpus > 1 else ""
        return f"{self.gpus}×{self.gpu_memory_gb} GB GPU{plural} ({self.precision})"


class Hardware(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    summary: str = "CPU"
    gpus: int = 0  # the fewest GPUs any option needs
    gpu_memory_gb: int = 0
    options: tuple[HardwareOption, ...] = ()


class Offer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    display_name: str
    model_name: str  # the name callers use in `model` fields and /info
    publisher: str
    license: str
    terms_url: str | None = None
    terms: str
    task: Task
    context_length: int = Field(gt=0)
    parameters: str | None = None  # e.g. "12B active / 52B total"
    capabilities: frozenset[str] = frozenset()
    # Pay-as-you-go prices of the serverless API; None: no serverless offer (the model is
    # deployed on managed compute only, billed per instance-hour).
    pricing: Pricing | None = None
    # Where the publisher offers the model in the cloud (information). Self-hosted, an offer is
    # deployable in every region the operator configures, unless ``deploy_regions`` (here, in a
    # catalog override, or MODELPORT_OFFER_REGIONS) restricts it.
    regions: frozenset[str] = Field(min_length=1)  # region names, or "*" for every region
    deploy_regions: frozenset[str] | None = None
    dialect: Dialect = Dialect.OPENAI
    weights: WeightSource
    engines: tuple[str, ...] = ("llamacpp",)
    # GGUF ``general.architecture`` values the model's weights have (checked when a file is
    # imported or loaded; empty: not checked).
    architectures: tuple[str, ...] = ()
    hardware: Hardware = Hardware()
    chat_format: str | None = None  # a named prompt format when the weights carry no template
    default_system_prompt: str | None = None
    embedded: bool = False
    test_only: bool = False

    @field_validator("regions", "deploy_regions")
    @classmethod
    def _region_names(cls, value: frozenset[str] | None) -> frozenset[str] | None:
        bad = [r for r in value or () if r != "*" and not _REGION_NAME.match(r)]
        if bad:
            raise ValueError(f"region names must be lower-case letters, digits, hyphens: {bad}")
        return value

    @field_validator("engines")
    @classmethod
    def _some_engine(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("an offer needs at least one engine")
        return value

    @field_validator("capabilities")
    @classmethod
    def _known_capabilities(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = value - KNOWN_CAPABILITIES
        if unknown:
            raise ValueError(f"unknown capabilities: {sorted(unknown)}")
        return value

    def runs_on(self) -> str:
        """Which engines run this offer, in words: "the llamacpp engine", "the vllm and
        llamacpp engines"."""
        *rest, last = self.engines
        return f"the {', '.join(rest)} and {last} engines" if rest else f"the {last} engine"

    def deployable_in(self, region: str, restriction: frozenset[str] | None = None) -> bool:
        """Whether the operator lets this offer be deployed in ``region``: everywhere unless
        restricted (``restriction``, from the settings, wins over the catalog's)."""
        allowed = restriction if restriction is not None else self.deploy_regions
        return allowed is None or "*" in allowed or region in allowed


_REGION_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")

KNOWN_CAPABILITIES = frozenset(
    {"chat", "completions", "tools", "json_mode", "documents", "logprobs", "streaming"}
)


class CatalogError(OperatorError, ValueError):
    pass


class Catalog:
    """All offers, loaded and validated once at startup from one TOML file per offer.

    Offers marked ``test_only`` are invisible (not listed, not found) unless ``include_test``.
    """

    def __init__(self, offers: dict[str, Offer], *, include_test: bool = False) -> None:
        self._offers = {k: o for k, o in offers.items() if include_test or not o.test_only}

    @classmethod
    def load(
        cls,
        *directories: Path,
        price_sheet: Path | None = None,
        include_test: bool = False,
    ) -> Catalog:
        offers: dict[str, Offer] = {}
        for directory in directories:
            if not directory.is_dir():
                raise CatalogError(f"offer directory {directory} does not exist")
            # A later directory may replace an offer of an earlier one (operator overrides).
            for path in sorted(directory.glob("*.toml")):
                offer = load_offer(path)
                offers[offer.id] = offer
        if price_sheet is not None:
            offers = apply_price_sheet(offers, price_sheet)
        return cls(offers, include_test=include_test)

    def get(self, offer_id: str) -> Offer | None:
        return self._offers.get(offer_id)

    def all(self) -> list[Offer]:
        return list(self._offers.values())

    def embedded(self) -> Offer:
        for offer in self._offers.values():
            if offer.embedded:
                return offer
        raise CatalogError("the catalog has no embedded offer")


def load_offer(path: Path) -> Offer:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        offer = Offer.model_validate(data)
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise CatalogError(f"invalid offer file {path.name}: {exc}") from exc
    if offer.id != path.stem:
        raise CatalogError(f"{path.name}: offer id {offer.id!r} must match the file name")
    return offer


class _PriceSheet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    currency: str = "USD"
    offers: dict[str, dict[str, Decimal | dict[str, Decimal]]] = {}


def apply_price_sheet(offers: dict[str, Offer], path: Path) -> dict[str, Offer]:
    """Override list prices from an operator's TOML price sheet: a top-level ``currency`` and
    one ``[offers."<offer id>"]`` table per offer with ``input_per_1k`` and ``output_per_1k``
    and, for offers open to fine-tuning, ``[offers."<offer id>".fine_tuning]`` with
    ``training_per_1k``, ``hosting_per_hour``, ``input_per_1k`` and ``output_per_1k``
    (see docs/control-plane.md)."""
    try:
        sheet = _PriceSheet.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise CatalogError(f"invalid price sheet {path.name}: {exc}") from exc
    unknown = sorted(set(sheet.offers) - set(offers))
    if unknown:
        raise CatalogError(f"price sheet {path.name} prices unknown offers: {unknown}")
    priced = dict(offers)
    for offer_id, prices in sheet.offers.items():
        try:
            pricing = Pricing.model_validate({"currency": sheet.currency, **prices})
        except ValidationError as exc:
            raise CatalogError(f"price sheet {path.name}, offer {offer_id}: {exc}") from exc
        priced[offer_id] = offers[offer_id].model_copy(update={"pricing": pricing})
    return priced


def builtin_offers_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "catalog" / "offers"
