"""How CLI commands reach a running Modelport: its management API, with a bearer token.

The token is ``MODELPORT_TOKEN`` (an API token or a single sign-on JWT) when set, else the
bootstrap admin token from the data directory (on the server's own machine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
import httpx

from modelport.local_secrets import ConfigurationError, LocalSecrets
from modelport.settings import Settings

# Says an API error's message (and the request field it names, ``param``) in a command's terms.
Rephrase = Callable[[str, str | None], str]


@dataclass
class CliContext:
    settings: Settings

    def base_url(self) -> str:
        return self.settings.resolved_public_url()

    def token(self) -> str:
        if self.settings.token is not None:
            return self.settings.token.get_secret_value()
        try:
            return LocalSecrets.from_settings(self.settings).admin_token
        except ConfigurationError as exc:
            raise click.ClickException(str(exc)) from exc

    def client(self) -> httpx.Client:
        token = self.token()
        return httpx.Client(
            base_url=self.base_url(), headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    def call(
        self, method: str, path: str, *, rephrase: Rephrase | None = None, **kwargs: Any
    ) -> Any:
        """The API's answer, or a ``ClickException`` with its error (``rephrase``d, if given)."""
        try:
            with self.client() as client:
                response = client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise click.ClickException(
                f"cannot reach Modelport at {self.base_url()} ({exc}); is `modelport up` running?"
            ) from exc
        if response.status_code >= 400:
            param = None
            try:
                error = response.json()["error"]
                message = error["message"]
                param = error.get("param")
            except (ValueError, KeyError, TypeError, AttributeError):
                message = response.text
            if rephrase is not None:
                message = rephrase(message, param if isinstance(param, str) else None)
            raise click.ClickException(f"{response.status_code}: {message}")
        return response.json() if response.content else None


def cli_context() -> CliContext:
    return CliContext(Settings())
