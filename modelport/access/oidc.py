"""Single sign-on with an OpenID Connect provider.

- Bearer JWTs (API, CLI, data plane) are validated against the issuer's JWKS: signature
  (asymmetric algorithms only), ``iss``, ``aud`` (the configured audience, by default the client
  id), ``exp``/``nbf`` with a small leeway, and a ``sub``. Keys are cached and fetched again when
  a token names an unknown key id (at most every 30 s).
- The portal signs in with the authorization-code flow and PKCE (S256), with ``state`` and
  ``nonce``; the ID token that comes back is validated like a bearer token, plus its nonce.

Provider errors are translated to :class:`~modelport.errors.Unauthorized` (a bad token) or
:class:`~modelport.errors.ServiceUnavailable` (the provider cannot be reached); messages never
carry the token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from modelport.errors import ServiceUnavailable, Unauthorized
from modelport.local_secrets import ConfigurationError
from modelport.settings import Settings

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
LEEWAY_S = 30
_JWKS_MIN_REFRESH_S = 30.0
_METADATA_TTL_S = 3600.0


def looks_like_jwt(token: str) -> bool:
    return token.startswith("eyJ") and token.count(".") == 2


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None = None
    audience: str | None = None  # of bearer tokens; default: the client id
    scopes: str = "openid email profile"
    display_name: str = "single sign-on"

    @property
    def expected_audience(self) -> str:
        return self.audience or self.client_id


class OidcProvider:
    def __init__(self, config: OidcConfig, timeout_s: float = 10.0) -> None:
        self.config = config
        self._timeout = timeout_s
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: dict[str, jwt.PyJWK] = {}
        self._keys_at = 0.0
        self._lock = asyncio.Lock()

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.get(url)
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ServiceUnavailable(
                "the single sign-on provider cannot be reached", retry_after=5
            ) from exc
        if not isinstance(data, dict):
            raise ServiceUnavailable("the single sign-on provider answered nonsense")
        return data

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._metadata_at > _METADATA_TTL_S:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            self._metadata = await self._get_json(url)
            self._metadata_at = time.monotonic()
        return self._metadata

    async def _key(self, kid: str | None) -> jwt.PyJWK:
        async with self._lock:
            key = self._pick(kid)
            if key is None and time.monotonic() - self._keys_at > _JWKS_MIN_REFRESH_S:
                jwks_uri = (await self.metadata()).get("jwks_uri")
                if not isinstance(jwks_uri, str):
                    raise ServiceUnavailable("the single sign-on provider names no jwks_uri")
                document = await self._get_json(jwks_uri)
                try:
                    keyset = jwt.PyJWKSet.from_dict(document)
                except jwt.PyJWTError as exc:
                    raise ServiceUnavailable("the provider's JWKS cannot be read") from exc
                self._keys = {k.key_id or "": k for k in keyset.keys}
                self._keys_at = time.monotonic()
                key = self._pick(kid)
        if key is None:
            raise Unauthorized("the token is signed with a key the provider does not publish")
        return key

    def _pick(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is not None:
            return self._keys.get(kid)
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    async def validate(
        self, token: str, *, audience: str | None = None, nonce: str | None = None
    ) -> dict[str, Any]:
        """The claims of a valid token from this issuer; Unauthorized otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("the bearer token is not a valid JWT") from exc
        if header.get("alg") not in ALGORITHMS:
            raise Unauthorized("the token's signing algorithm is not accepted")
        key = await self._key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=ALGORITHMS,
                audience=audience or self.config.expected_audience,
                issuer=self.config.issuer.rstrip("/"),
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized("the token is meant for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized("the token comes from another issuer") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("the token is not valid") from exc
        if nonce is not None and not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise Unauthorized("the sign-in response does not match its request (nonce)")
        return claims

    # -- authorization code + PKCE (the portal) ---------------------------------------------
    async def authorization_url(
        self, redirect_uri: str, state: str, nonce: str, challenge: str
    ) -> str:
        endpoint = (await self.metadata()).get("authorization_endpoint")
        if not isinstance(endpoint, str):
            raise ServiceUnavailable("the provider names no authorization_endpoint")
        query = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.config.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"

    async def exchange(
        self, code: str, redirect_uri: str, verifier: str, nonce: str
    ) -> dict[str, Any]:
        """Redeem an authorization code; the validated ID token's claims."""
        endpoint = (await self.metadata()).get("token_endpoint")
        if not isinstance(endpoint, str):
            raise ServiceUnavailable("the provider names no token_endpoint")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": self.config.client_id,
        }
        auth = None
        if self.config.client_secret:
            auth = httpx.BasicAuth(self.config.client_id, self.config.client_secret)
        try:
            async with httpx.AsyncClient(timeout=self._timeout, auth=auth) as client:
                response = await client.post(endpoint, data=form)
        except httpx.HTTPError as exc:
            raise ServiceUnavailable("the single sign-on provider cannot be reached") from exc
        if response.status_code != 200:
            raise Unauthorized("the single sign-on provider refused the sign-in")
        try:
            id_token = response.json()["id_token"]
        except (ValueError, KeyError, TypeError) as exc:
            raise Unauthorized("the single sign-on provider returned no ID token") from exc
        return await self.validate(str(id_token), audience=self.config.client_id, nonce=nonce)


def provider_from_settings(settings: Settings) -> OidcProvider | None:
    """The single sign-on provider, when one is configured."""
    if not settings.oidc_issuer:
        return None
    if not settings.oidc_client_id:
        raise ConfigurationError("MODELPORT_OIDC_ISSUER needs MODELPORT_OIDC_CLIENT_ID too")
    secret = settings.oidc_client_secret
    return OidcProvider(
        OidcConfig(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            audience=settings.oidc_audience,
            scopes=settings.oidc_scopes,
            display_name=settings.oidc_display_name,
        )
    )
