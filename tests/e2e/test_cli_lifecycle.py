"""The CLI drives a whole lifecycle against a live server: create a project, subscribe, deploy
the embedded model, call it with the OpenAI SDK, rotate keys, delete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import openai
import pytest

from tests.support import ADMIN_TOKEN, EMBEDDED, ThreadServer

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "Say hello."}]


def _cli(server: ThreadServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        {
            "MODELPORT_DATA_DIR": str(server.settings.data_dir),
            "MODELPORT_PORT": str(server.settings.port),
            "MODELPORT_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "modelport", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _json(server: ThreadServer, *args: str) -> Any:
    result = _cli(server, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _works(target: str, key: str) -> bool:
    """True when the key is accepted and the deployment answers. Whether a 4-token sampled reply
    has visible text is the model's business (it may stop at once), so only the shape is checked."""
    client = openai.OpenAI(base_url=target, api_key=key, max_retries=0)
    try:
        reply = client.chat.completions.create(
            model=EMBEDDED, messages=HELLO, max_tokens=4, temperature=0
        )
    except openai.AuthenticationError:
        return False
    assert reply.choices and reply.choices[0].finish_reason in {"stop", "length"}
    assert reply.usage is not None and reply.usage.prompt_tokens > 0
    return True


def test_cli_full_lifecycle(live_server: ThreadServer) -> None:
    offers = _json(live_server, "catalog", "list")
    assert {"jamba-1.5-mini", "Meta-Llama-3-70B-Instruct", EMBEDDED} <= {o["id"] for o in offers}
    shown = _cli(live_server, "catalog", "show", "jamba-1.5-large")
    assert shown.returncode == 0 and "Not deployable on this machine" in shown.stdout
    assert "8×80 GB GPUs (experts_int8)" in shown.stdout

    project = _json(live_server, "projects", "create", "cli-demo")
    assert project["region"] == "local"
    sub = _json(live_server, "subscriptions", "create", EMBEDDED, "--project", "cli-demo")
    assert [m["name"] for m in sub["meters"]][:2] == [
        "inference-input-tokens",
        "inference-output-tokens",
    ]
    listed = _json(live_server, "subscriptions", "list", "--project", "cli-demo")
    assert [s["offer"] for s in listed] == [EMBEDDED]

    # deploy waits (progress on stderr) until the deployment has succeeded
    deployed = _cli(live_server, "deploy", EMBEDDED, "--project", "cli-demo", "--name", "cli-chat")
    assert deployed.returncode == 0, deployed.stderr
    assert "Deployment cli-chat" in deployed.stdout and "is ready" in deployed.stdout
    target = f"{live_server.base_url}/deployments/cli-chat"
    assert target in deployed.stdout
    shown_d = _json(live_server, "deployments", "show", "cli-chat")
    assert (shown_d["state"], shown_d["project"], shown_d["target_url"]) == (
        "succeeded",
        "cli-demo",
        target,
    )
    assert "cli-chat" in {d["name"] for d in _json(live_server, "deployments", "list")}

    keys = _json(live_server, "keys", "show", "cli-chat")
    assert _works(target, keys["primary"]) and _works(target, keys["secondary"])

    rotated = _json(live_server, "keys", "regenerate", "cli-chat", "--key", "primary")
    assert rotated["secondary"] == keys["secondary"]
    assert not _works(target, keys["primary"]), "the old primary key must be refused"
    assert _works(target, keys["secondary"]), "the secondary key keeps working"
    assert _works(target, rotated["primary"])

    # a second deployment of the same model in the project is refused, with the reason
    again = _cli(live_server, "deploy", EMBEDDED, "--project", "cli-demo", "--name", "cli-chat-2")
    assert again.returncode != 0 and "one deployment per model" in again.stderr

    assert _cli(live_server, "deployments", "delete", "cli-chat").returncode == 0
    assert not _json(live_server, "projects", "show", "cli-demo")["deployments"]
    assert _cli(live_server, "subscriptions", "delete", EMBEDDED, "-p", "cli-demo").returncode == 0
    assert _cli(live_server, "projects", "delete", "cli-demo").returncode == 0
    assert "cli-demo" not in {p["name"] for p in _json(live_server, "projects", "list")}
    gone = _cli(live_server, "deployments", "show", "cli-chat")
    assert gone.returncode != 0 and "does not exist" in gone.stderr


def test_cli_deploy_subscribe_and_fail_fast(live_server: ThreadServer) -> None:
    _json(live_server, "projects", "create", "cli-fast")
    try:
        missing = _cli(live_server, "deploy", EMBEDDED, "-p", "cli-fast", "-n", "cli-fast-chat")
        assert missing.returncode != 0 and "412" in missing.stderr
        assert "has not subscribed" in missing.stderr
        jamba = _cli(
            live_server, "deploy", "jamba-1.5-large", "-p", "cli-fast", "-n", "jl-1", "--subscribe"
        )
        assert jamba.returncode != 0 and "412" in jamba.stderr
        assert "cannot be deployed on this machine" in jamba.stderr
        assert _json(live_server, "subscriptions", "list", "-p", "cli-fast") == []
    finally:
        assert _cli(live_server, "projects", "delete", "cli-fast").returncode == 0
