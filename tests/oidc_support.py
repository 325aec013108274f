"""A real OpenID Connect provider for tests: ``oidc-provider-mock`` (PyPI) as a process on
127.0.0.1, and the authorization-code flow a user's browser or tool would go through to get an
ID token (a JWT signed with the provider's RS256 key, published at its JWKS)."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support import free_port

CLIENT_ID = "modelport-test"
CLIENT_SECRET = "oidc-test-client-secret"  # the mock accepts any secret for any client


@dataclass(frozen=True)
class Provider:
    issuer: str

    def id_token(self, subject: str, client_id: str = CLIENT_ID) -> str:
        """Sign ``subject`` in (the mock's consent form) and redeem the code for an ID token."""
        redirect = "http://127.0.0.1:9/callback"
        params = {
            "client_id": client_id,
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": "openid email profile",
            "state": "state",
            "nonce": "nonce",
        }
        with httpx.Client(base_url=self.issuer, timeout=30) as client:
            consent = client.post("/oauth2/authorize", params=params, data={"sub": subject})
            assert consent.status_code == 302, consent.text
            found = re.search(r"[?&]code=([^&]+)", consent.headers["location"])
            assert found, consent.headers["location"]
            token = client.post(
                "/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": found.group(1),
                    "redirect_uri": redirect,
                },
                auth=(client_id, CLIENT_SECRET),
            )
            assert token.status_code == 200, token.text
            id_token: str = token.json()["id_token"]
            return id_token


@contextlib.contextmanager
def oidc_provider(log_dir: Path) -> Iterator[Provider]:
    """``oidc-provider-mock`` on a free loopback port, stopped (by its pid) afterwards."""
    executable = shutil.which("oidc-provider-mock") or str(
        Path(sys.executable).parent / "oidc-provider-mock"
    )
    port = free_port()
    log = (log_dir / f"oidc-provider-{port}.log").open("wb")
    proc = subprocess.Popen(
        [executable, "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=log
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                    break
            assert proc.poll() is None, "the OIDC provider exited"
            assert time.monotonic() < deadline, "the OIDC provider did not start"
            time.sleep(0.2)
        yield Provider(issuer)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
