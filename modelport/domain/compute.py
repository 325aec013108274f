"""Managed compute: instance types, core quota, and what a deployment draws on it.

An **instance type** is a virtual machine size the operator offers in some regions (name, CPUs,
memory, GPUs and their type, price per instance-hour). A managed deployment runs ``instances``
replicas of one instance type; it draws ``instances x cpus`` cores (and GPUs) from its project's
**quota** in its region, and from the region's total. A deployment under an endpoint that uses
the **shared quota** draws on neither: it may go beyond the project's quota, and its endpoint is
deleted when its lifetime ends (168 hours by default).

The operator's instance types come from a TOML file (``MODELPORT_INSTANCE_TYPES_FILE``)::

    [[instance_type]]
    name = "cpu-2"
    cpus = 2
    memory_gb = 4
    price_per_hour = "0.10"
    regions = ["*"]            # every region (the default)
    # gpus = 1, gpu_type = "H100"

Without a file, :data:`DEFAULT_INSTANCE_TYPES` (CPU only) are offered in every region.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelport.domain.catalog import CatalogError
from modelport.errors import InvalidRequest, QuotaExceeded

EVERY_REGION = "*"


class InstanceType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{0,62}$")
    cpus: int = Field(ge=1, le=1024)
    memory_gb: float = Field(gt=0)
    gpus: int = Field(0, ge=0, le=64)
    gpu_type: str | None = None
    price_per_hour: Decimal = Field(ge=0)
    currency: str = "USD"
    regions: tuple[str, ...] = (EVERY_REGION,)

    def offered_in(self, region: str) -> bool:
        return EVERY_REGION in self.regions or region in self.regions


DEFAULT_INSTANCE_TYPES = (
    InstanceType(name="cpu-2", cpus=2, memory_gb=4, price_per_hour=Decimal("0.10")),
    InstanceType(name="cpu-4", cpus=4, memory_gb=8, price_per_hour=Decimal("0.20")),
    InstanceType(name="cpu-8", cpus=8, memory_gb=16, price_per_hour=Decimal("0.40")),
)


class InstanceTypes:
    """The instance types the operator offers (the defaults, or a file's)."""

    def __init__(self, types: tuple[InstanceType, ...] = DEFAULT_INSTANCE_TYPES) -> None:
        self._types = {t.name: t for t in types}

    @classmethod
    def load(cls, path: Path | None) -> InstanceTypes:
        """The file's types (CatalogError saying what is wrong), or the defaults."""
        if path is None:
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            types = tuple(InstanceType.model_validate(t) for t in data.get("instance_type", []))
        except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
            raise CatalogError(f"instance types file {path}: {exc}") from exc
        if not types:
            raise CatalogError(f"instance types file {path}: no [[instance_type]] defined")
        return cls(types)

    def all(self, region: str | None = None) -> list[InstanceType]:
        found = sorted(self._types.values(), key=lambda t: (t.gpus, t.cpus, t.name))
        return [t for t in found if region is None or t.offered_in(region)]

    def get(self, name: str) -> InstanceType | None:
        return self._types.get(name)

    def require(self, name: str, region: str) -> InstanceType:
        found = self._types.get(name)
        if found is None or not found.offered_in(region):
            names = ", ".join(t.name for t in self.all(region)) or "none"
            raise InvalidRequest(
                f"instance type {name!r} is not offered in region {region!r} (offered: {names}; "
                "`modelport compute types` lists them)",
                param="instance_type",
            )
        return found


@dataclass(frozen=True, slots=True)
class Cores:
    """An amount of compute: cores and GPUs."""

    cores: int = 0
    gpus: int = 0

    def __add__(self, other: Cores) -> Cores:
        return Cores(self.cores + other.cores, self.gpus + other.gpus)

    def fits_in(self, limit: Cores) -> bool:
        return self.cores <= limit.cores and self.gpus <= limit.gpus


def drawn(instance_type: InstanceType, instances: int) -> Cores:
    """What ``instances`` replicas of ``instance_type`` draw on a quota."""
    return Cores(instance_type.cpus * instances, instance_type.gpus * instances)


@dataclass(frozen=True, slots=True)
class QuotaUse:
    """One quota (a project's in its region, or a region's in total): its limit and its use."""

    scope: str  # "project" | "region"
    subject: str  # the project's or the region's name
    region: str
    limit: Cores
    used: Cores

    @property
    def free(self) -> Cores:
        return Cores(self.limit.cores - self.used.cores, self.limit.gpus - self.used.gpus)


def check_quota(uses: list[QuotaUse], asked: Cores) -> None:
    """Refuse (``QuotaExceeded``, with the numbers and how to raise it) what does not fit."""
    for use in uses:
        if (use.used + asked).fits_in(use.limit):
            continue
        where = (
            f"project {use.subject!r} in region {use.region!r}"
            if use.scope == "project"
            else f"region {use.region!r} in total"
        )
        flag = f"--project {use.subject}" if use.scope == "project" else f"--region {use.region}"
        raise QuotaExceeded(
            f"not enough core quota for {where}: {use.used.cores} cores and {use.used.gpus} GPUs "
            f"used of {use.limit.cores} cores and {use.limit.gpus} GPUs, {asked.cores} cores and "
            f"{asked.gpus} GPUs asked. Raise it with `modelport quota set {flag} --cores N` "
            "(an operator), or deploy into an endpoint created with --shared-quota (deleted "
            "after its lifetime)",
            details={
                "scope": use.scope,
                "subject": use.subject,
                "region": use.region,
                "used": {"cores": use.used.cores, "gpus": use.used.gpus},
                "limit": {"cores": use.limit.cores, "gpus": use.limit.gpus},
                "asked": {"cores": asked.cores, "gpus": asked.gpus},
            },
        )
