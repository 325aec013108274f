"""Single sign-on end to end against a real OpenID Connect provider process on loopback
(``oidc-provider-mock``): portal sign-in in Chromium (authorization code + PKCE), the CLI with a
JWT, the ``openai`` and ``azure-ai-inference`` SDKs calling a deployment with a JWT instead of
a key, and a JWT of a user whose rights are on another project refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import UserMessage
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError

from tests.access_support import assign, ok
from tests.browser import browser_context, screenshot
from tests.oidc_support import CLIENT_ID, CLIENT_SECRET, Provider, oidc_provider
from tests.support import ADMIN_TOKEN, EMBEDDED, ThreadServer, admin, settings_for, wait_ready

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "Say hello."}]


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with oidc_provider(tmp_path_factory.mktemp("oidc")) as found:
        yield found


@pytest.fixture(scope="module")
def sso(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """Modelport with single sign-on; alice develops in the default project (where the embedded
    deployment is), bob in another one."""
    settings = settings_for(
        tmp_path_factory.mktemp("sso-data"),
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_display_name="Test SSO",
    )
    server = ThreadServer(settings).start()
    try:
        wait_ready(server.base_url)
        with admin(server.base_url) as api:
            ok(api.post("/management/projects", json={"name": "elsewhere"}), 201)
            for name in ("alice", "bob"):
                body = {"name": name, "email": f"{name}@example.com"}
                ok(api.post("/management/principals", json=body), 201)
            assign(api, "alice", "AI Developer", "default")
            assign(api, "bob", "AI Developer", "elsewhere")
        yield server
    finally:
        server.stop()


def target(server: ThreadServer) -> str:
    return f"{server.base_url}/deployments/{EMBEDDED}"


def test_portal_sign_in_with_single_sign_on_in_chromium(sso: ThreadServer, tmp_path: Path) -> None:
    with browser_context(tmp_path / "profile", sso.base_url) as context:
        page: Any = context.new_page()  # type: ignore[attr-defined]
        page.goto("/portal/deployments")
        page.wait_for_url("**/portal/sign-in?next=/portal/deployments")
        page.get_by_role("link", name="Sign in with Test SSO").click()
        # The provider's own consent page: who signs in.
        page.locator('input[name="sub"]').fill("alice@example.com")
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url("**/portal/deployments", timeout=60_000)
        assert page.locator(".principal").inner_text() == "alice"
        page.get_by_text(EMBEDDED).first.wait_for()  # listed through the API as alice
        screenshot(page, "sso-signed-in")
        cookies = {c["name"]: c for c in context.cookies()}  # type: ignore[attr-defined]
        session = cookies["modelport_session"]
        assert session["httpOnly"] and session["sameSite"] == "Strict"
        assert "modelport_sso" not in cookies  # the one-time flow state is gone


def test_the_cli_with_a_jwt(sso: ThreadServer, provider: Provider) -> None:
    def cli(token: str, *args: str) -> Any:
        env = dict(os.environ)
        env.update(
            {
                "MODELPORT_DATA_DIR": str(sso.settings.data_dir),
                "MODELPORT_PORT": str(sso.settings.port),
                "MODELPORT_ADMIN_TOKEN": ADMIN_TOKEN,
                "MODELPORT_TOKEN": token,
            }
        )
        done = subprocess.run(
            [sys.executable, "-m", "modelport", *args, "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    alice = provider.id_token("alice@example.com")
    me = cli(alice, "whoami")
    assert me["principal"]["name"] == "alice" and me["method"] == "oidc"
    assert me["principal"]["oidc_subject"] == "alice@example.com"
    assert [d["name"] for d in cli(alice, "deployments", "list")] == [EMBEDDED]
    assert cli(provider.id_token("bob@example.com"), "deployments", "list") == []


class JwtCredential:
    """A TokenCredential handing out one ID token (what a real app gets from its login)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 600)


def test_sdks_call_a_deployment_with_a_jwt(sso: ThreadServer, provider: Provider) -> None:
    jwt = provider.id_token("alice@example.com")
    client = openai.OpenAI(base_url=target(sso), api_key=jwt, max_retries=0)
    # Greedy: this test is about signing in, not sampling; a sampled short reply is cut now and
    # then by the default classifier's known false blocks (docs/content-safety.md, short replies).
    reply = client.chat.completions.create(
        model=EMBEDDED,
        messages=HELLO,  # type: ignore[arg-type]
        max_tokens=8,
        temperature=0,
    )
    assert reply.choices[0].message.content and reply.usage and reply.usage.total_tokens > 0

    azure = ChatCompletionsClient(
        endpoint=target(sso), credential=JwtCredential(jwt), api_version="2024-05-01-preview"
    )
    # azure-core sends bearer tokens over https only unless told otherwise (this is loopback).
    answer = azure.complete(
        messages=[UserMessage(content="Say hello.")],
        max_tokens=8,
        temperature=0,
        enforce_https=False,
    )
    assert answer.choices[0].message.content

    usage = sso.services.store.run(
        lambda c: c.exec_driver_sql("select key_slot from usage_records").fetchall()
    )
    assert ("token",) in [tuple(r) for r in usage]  # billed as a token call, not a key slot


def test_a_jwt_for_the_wrong_project_is_refused(sso: ThreadServer, provider: Provider) -> None:
    bob = provider.id_token("bob@example.com")
    client = openai.OpenAI(base_url=target(sso), api_key=bob, max_retries=0)
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(model=EMBEDDED, messages=HELLO, max_tokens=4)  # type: ignore[arg-type]
    azure = ChatCompletionsClient(endpoint=target(sso), credential=JwtCredential(bob))
    with pytest.raises(HttpResponseError) as refused:
        azure.complete(messages=[UserMessage(content="hi")], max_tokens=4, enforce_https=False)
    assert refused.value.status_code == 403
    # Refused alike whether the deployment exists or not; bob sees nothing of default's.
    with httpx.Client(headers={"Authorization": f"Bearer {bob}"}) as http:
        real = http.post(target(sso) + "/chat/completions", json={"messages": HELLO})
        ghost = http.post(
            f"{sso.base_url}/deployments/no-such/chat/completions", json={"messages": HELLO}
        )
        assert real.status_code == ghost.status_code == 403
        assert real.json() == ghost.json()
        mine = http.get(f"{sso.base_url}/management/deployments").json()["data"]
        assert mine == []
    # A token of another client (audience) or a forged one proves nothing.
    other = provider.id_token("alice@example.com", client_id="another-app")
    forged = bob[:-8] + ("A" * 8 if not bob.endswith("A" * 8) else "B" * 8)
    for token in (other, forged):
        response = httpx.get(
            f"{sso.base_url}/management/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, response.text


def test_a_new_sso_user_gets_no_rights_until_given_a_role(
    sso: ThreadServer, provider: Provider
) -> None:
    carol = provider.id_token("carol@example.com")
    me = httpx.get(f"{sso.base_url}/management/me", headers={"Authorization": f"Bearer {carol}"})
    assert me.status_code == 200 and me.json()["grants"] == []
    denied = httpx.get(
        f"{sso.base_url}/management/projects", headers={"Authorization": f"Bearer {carol}"}
    )
    assert denied.status_code == 403
