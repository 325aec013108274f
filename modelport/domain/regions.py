"""Regions: the serving sites an operator configures, and the Target URL of a deployment in one.

Regions are the operator's sites. A catalog offer may be deployed in every configured region
unless the operator restricts it (``deploy_regions`` in a catalog override, or the setting
``offer_regions``); the cloud regions the publisher lists stay on the offer as information.

A region is a name and a base URL; a deployment's Target URL is ``{base}/deployments/{name}``.
The default region's base URL is the server's own root, so the walking skeleton's URLs stay
valid; every other region is served by the same process under ``/regions/{region}`` unless the
operator gives it a base URL of its own (a load balancer or DNS name in front of this server).
With a base domain configured, ``{name}.{region}.{base_domain}`` also reaches a deployment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from modelport.domain.catalog import Offer
from modelport.errors import InvalidRequest

_REGION_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    base_url: str
    default: bool = False

    def target_url(self, deployment: str) -> str:
        return f"{self.base_url.rstrip('/')}/deployments/{deployment}"

    def endpoint_url(self, endpoint: str) -> str:
        """The Target URL of a managed endpoint (all its deployments)."""
        return f"{self.base_url.rstrip('/')}/endpoints/{endpoint}"


class Regions:
    """The configured regions, the default one first."""

    def __init__(
        self,
        default: str,
        public_url: str,
        extra: dict[str, str] | None = None,
        base_domain: str | None = None,
        offer_regions: dict[str, list[str]] | None = None,
    ) -> None:
        public = public_url.rstrip("/")
        self.default = default
        # The operator's restrictions: offer id -> the only regions it may be deployed in.
        self.offer_regions = {k: frozenset(v) for k, v in (offer_regions or {}).items()}
        self.base_domain = base_domain.strip(".").lower() if base_domain else None
        self._regions: dict[str, Region] = {default: Region(default, public, default=True)}
        for name, base in (extra or {}).items():
            if not _REGION_NAME.match(name):
                raise ValueError(
                    f"region name {name!r} must be 1-32 lower-case letters, digits and hyphens"
                )
            if name == default:
                continue
            self._regions[name] = Region(name, base.rstrip("/") or f"{public}/regions/{name}")

    def names(self) -> list[str]:
        return list(self._regions)

    def all(self) -> list[Region]:
        return list(self._regions.values())

    def get(self, name: str) -> Region | None:
        return self._regions.get(name)

    def require(self, name: str) -> Region:
        region = self._regions.get(name)
        if region is None:
            raise InvalidRequest(
                f"region {name!r} is not configured on this server "
                f"(configured: {', '.join(self._regions)})",
                param="region",
            )
        return region

    def allows(self, offer: Offer, region: str) -> bool:
        """May ``offer`` be deployed in ``region``? Yes, unless the operator restricted it."""
        return offer.deployable_in(region, self.offer_regions.get(offer.id))

    def for_offer(self, offer: Offer) -> list[str]:
        """The configured regions ``offer`` may be deployed in."""
        return [name for name in self._regions if self.allows(offer, name)]

    def host_url(self, scheme: str, region: str, deployment: str) -> str | None:
        """The host-routed URL of a deployment, when a base domain is configured."""
        if self.base_domain is None:
            return None
        return f"{scheme}://{deployment}.{region}.{self.base_domain}"

    def route_host(self, host: str) -> tuple[str, str] | None:
        """``(region, deployment)`` for a Host header ``{name}.{region}.{base_domain}``."""
        if self.base_domain is None:
            return None
        hostname = host.rsplit(":", 1)[0].lower() if not host.startswith("[") else ""
        suffix = "." + self.base_domain
        if not hostname.endswith(suffix):
            return None
        labels = hostname.removesuffix(suffix).split(".")
        if len(labels) != 2 or labels[1] not in self._regions:
            return None
        return labels[1], labels[0]
