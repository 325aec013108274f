"""The audit log through the CLI against a live server: a subscribe, a deploy, a key rotation
and a refused call appear with the principal that made them, and no secret is in it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.access_support import service_principal
from tests.support import ADMIN_TOKEN, ThreadServer, admin

pytestmark = pytest.mark.e2e

OFFER = "smollm2-test-b"


def _cli(
    server: ThreadServer, *args: str, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        {
            "MODELPORT_DATA_DIR": str(server.settings.data_dir),
            "MODELPORT_PORT": str(server.settings.port),
            "MODELPORT_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )
    env.pop("MODELPORT_TOKEN", None)
    if token is not None:
        env["MODELPORT_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "modelport", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_subscribe_deploy_rotate_and_a_refusal_are_audited_with_their_principal(
    store_server: ThreadServer,
) -> None:
    with admin(store_server.base_url) as api:
        assert api.post("/management/projects", json={"name": "audited"}).status_code == 201
        developer = service_principal(api, "audit-dev", "AI Developer", "audited")
        reader = service_principal(api, "audit-reader", "Reader", "audited")
    try:
        _ok(_cli(store_server, "subscriptions", "create", OFFER, "-p", "audited"))
        _ok(
            _cli(
                store_server,
                "deploy",
                OFFER,
                "-p",
                "audited",
                "-n",
                "audited-chat",
                "--no-wait",
                token=developer,
            )
        )
        rotated = _ok(
            _cli(
                store_server,
                "keys",
                "regenerate",
                "audited-chat",
                "--key",
                "secondary",
                token=developer,
            )
        )
        refused = _cli(store_server, "deployments", "delete", "audited-chat", token=reader)
        assert refused.returncode != 0 and "403" in refused.stderr
        events: list[dict[str, Any]] = json.loads(
            _ok(_cli(store_server, "audit", "--limit", "50", "--json"))
        )
        whoami = json.loads(_ok(_cli(store_server, "whoami", "--json", token=developer)))
        assert whoami["principal"]["name"] == "audit-dev"
    finally:
        with admin(store_server.base_url) as api:
            api.delete("/management/deployments/audited-chat")
            api.delete(f"/management/projects/audited/subscriptions/{OFFER}")
            api.delete("/management/projects/audited")

    def find(action: str, principal: str, outcome: str) -> dict[str, Any]:
        found = [
            e
            for e in events
            if e["action"] == action and e["principal"] == principal and e["outcome"] == outcome
        ]
        assert found, (action, principal, outcome, events[:10])
        return found[0]

    subscribe = find("subscriptions/sign", "admin", "succeeded")
    assert subscribe["path"] == "/management/projects/audited/subscriptions"
    assert subscribe["project"] == "audited" and subscribe["client"] == "127.0.0.1"
    deploy = find("deployments/write", "audit-dev", "succeeded")
    assert deploy["status"] == 202 and deploy["project"] == "audited"
    rotation = find("keys/regenerate", "audit-dev", "succeeded")
    assert rotation["path"] == "/management/deployments/audited-chat/keys/regenerate"
    assert rotation["project"] == "audited"
    refusal = find("deployments/delete", "audit-reader", "refused")
    assert refusal["status"] == 403
    # No secret in the audit log: not the new key, not a token.
    text = json.dumps(events)
    new_key = next(
        line.split()[-1] for line in rotated.splitlines() if line.startswith("secondary")
    )
    for secret in (new_key, developer, reader, ADMIN_TOKEN):
        assert secret not in text
    # Reads are not audited; an anonymous refusal is, as "anonymous".
    assert not [e for e in events if e["method"] == "GET"]


def test_an_unauthenticated_change_is_audited_as_anonymous(store_server: ThreadServer) -> None:
    import httpx

    with httpx.Client(base_url=store_server.base_url) as anonymous:
        assert anonymous.delete("/management/projects/default").status_code == 401
    events = json.loads(_ok(_cli(store_server, "audit", "--principal", "anonymous", "--json")))
    assert any(
        e["path"] == "/management/projects/default"
        and e["status"] == 401
        and e["outcome"] == "refused"
        for e in events
    )
