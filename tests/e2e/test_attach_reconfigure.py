"""An attached server's options changed in place through the CLI (``modelport deployments
configure``), on the real path, the attached deployment's callers keeping their key and Target
URL throughout:

- a real llama.cpp server attached with the default ``openai`` wire refuses ``ignore_eos`` (400,
  ``unsupported_parameter``); once its wire is declared (``--engine-wire llamacpp``) the same
  request answers, running on to ``max_tokens``;
- one Modelport deployment (the real llama.cpp engine) attached as the engine of another: the
  upstream's key regenerated, the relay's answers fail; ``--engine-key-file`` with the new key
  brings them back. The key is never shown."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli_support import cli, cli_json
from tests.llamacpp_upstream import llamacpp_server
from tests.support import EMBEDDED, ThreadServer, keys_of

pytestmark = pytest.mark.e2e

OFFER = "Meta-Llama-3-8B-Instruct"  # the Llama dialect, whose ignore_eos llama.cpp takes
# A one-word answer that runs on to max_tokens when the end of sequence is ignored.
BODY: dict[str, Any] = {
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
    "max_tokens": 24,
    "temperature": 0,
}


def _chat(url: str, key: str, **extra: Any) -> httpx.Response:
    with httpx.Client(base_url=url, headers={"api-key": key}, timeout=60) as http:
        return http.post("/v1/chat/completions", json={**BODY, **extra})


def _deployed(server: ThreadServer, *args: str) -> None:
    result = cli(server, "deploy", *args, "--subscribe")
    assert result.returncode == 0, result.stderr


def _remove(server: ThreadServer, name: str, project: str, offer: str) -> None:
    cli(server, "deployments", "delete", name)
    cli(server, "subscriptions", "delete", offer, "-p", project)
    cli(server, "projects", "delete", project)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "upstream.key"


def test_declaring_the_wire_lets_ignore_eos_through(
    own_server: ThreadServer, tmp_path: Path, key_file: Path
) -> None:
    cli_json(own_server, "projects", "create", "wired")
    try:
        with llamacpp_server(tmp_path) as (base, upstream_key):
            key_file.write_text(upstream_key + "\n")
            _deployed(
                own_server, OFFER, "-p", "wired", "-n", "wired",
                "--engine", "openai_compat", "--engine-url", base,
                "--engine-key-file", str(key_file),
            )  # fmt: skip
            url = f"{own_server.base_url}/deployments/wired"
            key = keys_of(own_server.base_url, "wired")["primary"]
            before = cli_json(own_server, "deployments", "show", "wired")
            assert before["engine_options"]["wire"] == "openai"  # the default
            refused = _chat(url, key, ignore_eos=True)
            assert refused.status_code == 400, refused.text
            error = refused.json()  # the Llama dialect's error shape
            assert (error["object"], error["param"]) == ("error", "ignore_eos")
            assert "ignore_eos is not supported by this deployment" in error["message"]
            wrong = cli(own_server, "deployments", "configure", "wired", "--threads", "2")
            assert wrong.returncode != 0, wrong.stdout
            assert "does not take the option --threads" in wrong.stderr
            configured = cli(
                own_server, "deployments", "configure", "wired", "--engine-wire", "llamacpp"
            )
            assert configured.returncode == 0, configured.stderr
            assert "engine options changed (--engine-wire); it is ready" in configured.stdout
            shown = cli_json(own_server, "deployments", "show", "wired")
            assert shown["engine_options"]["wire"] == shown["engine_status"]["wire"] == "llamacpp"
            assert shown["engine_options"]["url"] == base  # the others as they were
            assert shown["target_url"] == before["target_url"]
            assert keys_of(own_server.base_url, "wired")["primary"] == key
            long = _chat(url, key, ignore_eos=True)
            assert long.status_code == 200, long.text
            assert long.json()["choices"][0]["finish_reason"] == "length"
            assert long.json()["usage"]["completion_tokens"] == 24
            assert upstream_key not in configured.stdout + configured.stderr + str(shown)
            # --unset: the default wire again, and ignore_eos refused again.
            both = cli(own_server, "deployments", "configure", "wired", "--unset", "wire",
                       "--engine-wire", "vllm")  # fmt: skip
            assert both.returncode != 0 and "--engine-wire and --unset wire" in both.stderr
            reset = cli_json(own_server, "deployments", "configure", "wired", "--unset", "wire")
            assert reset["engine_options"]["wire"] == reset["engine_status"]["wire"] == "openai"
            assert _chat(url, key, ignore_eos=True).status_code == 400
    finally:
        _remove(own_server, "wired", "wired", OFFER)


UPSTREAM, RELAY = "rot-upstream", "rot-relayed"


@pytest.fixture
def relay(own_server: ThreadServer, key_file: Path) -> Iterator[tuple[str, str]]:
    """A Modelport deployment attached to another: (the relay's Target URL, its primary key)."""
    cli_json(own_server, "projects", "create", "rot-up")
    cli_json(own_server, "projects", "create", "rot")
    try:
        _deployed(
            own_server, EMBEDDED, "-p", "rot-up", "-n", UPSTREAM, "--slots", "2",
            "--context", "2048",
        )  # fmt: skip
        key_file.write_text(keys_of(own_server.base_url, UPSTREAM)["primary"] + "\n")
        _deployed(
            own_server, EMBEDDED, "-p", "rot", "-n", RELAY, "--engine", "openai_compat",
            "--engine-url", f"{own_server.base_url}/deployments/{UPSTREAM}/v1",
            "--engine-key-file", str(key_file),
        )  # fmt: skip
        yield (
            f"{own_server.base_url}/deployments/{RELAY}",
            keys_of(own_server.base_url, RELAY)["primary"],
        )
    finally:
        _remove(own_server, RELAY, "rot", EMBEDDED)
        _remove(own_server, UPSTREAM, "rot-up", EMBEDDED)


def test_rotating_the_upstream_key(
    own_server: ThreadServer, relay: tuple[str, str], key_file: Path
) -> None:
    url, key = relay
    assert _chat(url, key).status_code == 200
    rotated = cli_json(own_server, "keys", "regenerate", UPSTREAM, "--key", "primary")
    new_key = rotated["primary"]
    assert new_key != key_file.read_text().strip()
    # The relay still sends the upstream's former key: the upstream refuses it.
    deadline = time.monotonic() + 10
    stale = _chat(url, key)
    while stale.status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.1)
        stale = _chat(url, key)
    assert stale.status_code >= 400, stale.text
    key_file.write_text(new_key + "\n")
    configured = cli(
        own_server, "deployments", "configure", RELAY, "--engine-key-file", str(key_file)
    )
    assert configured.returncode == 0, configured.stderr
    answered = _chat(url, key)  # the callers' key and Target URL as before
    assert answered.status_code == 200, answered.text
    assert answered.json()["choices"][0]["message"]["content"]
    shown = cli(own_server, "deployments", "show", RELAY, "--json").stdout
    assert "(stored encrypted, not shown)" in shown
    assert new_key not in shown + configured.stdout + configured.stderr + stale.text
