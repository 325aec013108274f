"""Data-plane authentication: the deployment's key in ``api-key`` or ``Authorization: Bearer``."""

from __future__ import annotations

from starlette.datastructures import Headers

from modelport.domain.deployments import KeySlot
from modelport.domain.keys import KeyVault
from modelport.errors import DeploymentNotFound, Unauthorized
from modelport.inference.live import DeploymentRegistry, LiveDeployment


def presented_key(headers: Headers) -> str | None:
    key = headers.get("api-key")
    if key:
        return key.strip()
    auth = headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None


def authorize(
    registry: DeploymentRegistry, vault: KeyVault, region: str, name: str, headers: Headers
) -> tuple[LiveDeployment, KeySlot]:
    live = registry.get(region, name)
    if live is None:
        raise DeploymentNotFound(f"deployment {name!r} does not exist")
    key = presented_key(headers)
    if key is None:
        raise Unauthorized(
            "missing key: send the deployment's key in the 'api-key' header or as "
            "'Authorization: Bearer <key>'"
        )
    slot = live.key_slot(vault, key)
    if slot is None:
        raise Unauthorized("invalid key for this deployment")
    return live, slot
