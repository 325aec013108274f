"""Catalog offers: what a model is, who publishes it, what it costs, where and how it runs."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class Task(StrEnum):
    CHAT_COMPLETION = "chat-completion"
    TEXT_COMPLETION = "text-completion"


class Dialect(StrEnum):
    """The API dialect an offer's ``/v1`` routes speak (every offer also speaks the others)."""

    OPENAI = "openai"
    AI21 = "ai21"
    LLAMA = "llama"


class Pricing(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    currency: str = "USD"
    input_per_1k: Decimal = Field(ge=0)
    output_per_1k: Decimal = Field(ge=0)


class WeightSource(BaseModel):
    """Where weights come from, by preference: an installed package, a local path, a hub."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    package: str | None = None  # an installed Python package shipping the GGUF file
    gguf_file: str | None = None  # the GGUF file name (inside the package, path or hub repo)
    local_path: str | None = None
    hub_repo: str | None = None
    hub_revision: str | None = None


class Hardware(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    summary: str = "CPU"
    gpus: int = 0
    gpu_memory_gb: int = 0


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
    pricing: Pricing
    regions: frozenset[str]  # region names, or "*" for every configured region
    dialect: Dialect = Dialect.OPENAI
    weights: WeightSource
    engines: tuple[str, ...] = ("llamacpp",)
    hardware: Hardware = Hardware()
    chat_format: str | None = None  # a named prompt format when the weights carry no template
    default_system_prompt: str | None = None
    embedded: bool = False
    test_only: bool = False

    @field_validator("capabilities")
    @classmethod
    def _known_capabilities(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = value - KNOWN_CAPABILITIES
        if unknown:
            raise ValueError(f"unknown capabilities: {sorted(unknown)}")
        return value

    def offered_in(self, region: str) -> bool:
        return "*" in self.regions or region in self.regions


KNOWN_CAPABILITIES = frozenset(
    {"chat", "completions", "tools", "json_mode", "documents", "logprobs", "streaming"}
)


class CatalogError(ValueError):
    pass


class Catalog:
    """All offers, loaded and validated once at startup from one TOML file per offer."""

    def __init__(self, offers: dict[str, Offer]) -> None:
        self._offers = offers

    @classmethod
    def load(cls, *directories: Path) -> Catalog:
        offers: dict[str, Offer] = {}
        for directory in directories:
            for path in sorted(directory.glob("*.toml")):
                offer = load_offer(path)
                if offer.id in offers:
                    raise CatalogError(f"{path.name}: offer id {offer.id!r} is defined twice")
                offers[offer.id] = offer
        return cls(offers)

    def get(self, offer_id: str) -> Offer | None:
        return self._offers.get(offer_id)

    def all(self, *, include_test: bool = False) -> list[Offer]:
        return [o for o in self._offers.values() if include_test or not o.test_only]

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


def builtin_offers_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "catalog" / "offers"
