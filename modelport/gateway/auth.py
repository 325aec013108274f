"""Data-plane authentication: a deployment's key, or a principal's bearer token (keyless).

- A deployment key (``mp-…``) in ``api-key`` or ``Authorization: Bearer`` opens its own
  deployment.
- A principal's token in ``Authorization: Bearer`` (an OIDC JWT, an API token or the admin
  token) opens every deployment of the projects where the principal holds
  ``deployments/infer``.

The credential is checked before anything about the deployment is revealed: an unknown
deployment and one the credential does not open get the same answer (401 for a bad or missing
credential, 403 for a valid principal without the permission), so names cannot be enumerated.
"""

from __future__ import annotations

from starlette.datastructures import Headers

from modelport.access.credentials import ADMIN_TOKEN_PREFIX, API_TOKEN_PREFIX
from modelport.access.grants import authorize as authorize_principal
from modelport.access.oidc import looks_like_jwt
from modelport.domain.deployments import DeploymentState, KeySlot
from modelport.errors import DeploymentNotFound, Unauthorized
from modelport.inference.live import LiveDeployment
from modelport.services import Services

INFER = "deployments/infer"
_PRINCIPAL_PREFIXES = (API_TOKEN_PREFIX, ADMIN_TOKEN_PREFIX)


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


def is_principal_token(headers: Headers, token: str) -> bool:
    if headers.get("api-key"):
        return False
    return looks_like_jwt(token) or token.startswith(_PRINCIPAL_PREFIXES)


async def authorize(
    services: Services, region: str, name: str, headers: Headers
) -> tuple[LiveDeployment, KeySlot | None]:
    """The deployment and the key slot that opened it (None: a principal's token)."""
    services.check_store_outage()
    live = services.registry.get(region, name)
    if live is not None and live.deployment.state is DeploymentState.DELETING:
        live = None  # being deleted: as gone as it will be in a moment
    credential = presented_key(headers)
    if credential is None:
        raise Unauthorized(
            "missing key: send the deployment's key in the 'api-key' header or as "
            "'Authorization: Bearer <key>' (or a token of a principal allowed to call it)"
        )
    if is_principal_token(headers, credential):
        access = await services.authenticator.bearer(credential)
        authorize_principal(access, INFER, live.deployment.project_id if live else None)
        if live is None:  # only a platform-wide grant gets here: it may know what exists
            raise DeploymentNotFound(f"deployment {name!r} does not exist")
        return live, None
    fingerprint = services.vault.fingerprint(credential)  # the same work for unknown names
    slot = live.slot_of(fingerprint) if live is not None else None
    if live is None or slot is None:
        raise Unauthorized("invalid key for this deployment")
    return live, slot
