"""The CLI against a live server: deployments list and keys show."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support import ADMIN_TOKEN, EMBEDDED, ThreadServer, keys_of

pytestmark = pytest.mark.e2e


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
        timeout=60,
        check=False,
    )


def test_deployments_list_json(live_server: ThreadServer) -> None:
    result = _cli(live_server, "deployments", "list", "--json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    (item,) = [i for i in items if i["name"] == EMBEDDED]
    assert item["target_url"] == f"{live_server.base_url}/deployments/{EMBEDDED}"
    assert item["state"] == "succeeded"
    assert item["model"] == EMBEDDED


def test_deployments_list_table(live_server: ThreadServer) -> None:
    result = _cli(live_server, "deployments", "list")
    assert result.returncode == 0, result.stderr
    assert EMBEDDED in result.stdout and "succeeded" in result.stdout


def test_keys_show(live_server: ThreadServer) -> None:
    result = _cli(live_server, "keys", "show", EMBEDDED, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == keys_of(live_server.base_url)


def test_keys_show_unknown_deployment(live_server: ThreadServer) -> None:
    result = _cli(live_server, "keys", "show", "nope")
    assert result.returncode != 0
    assert "does not exist" in result.stderr


def test_cli_without_server_says_so(live_server: ThreadServer, tmp_path: object) -> None:
    env = dict(os.environ, MODELPORT_PORT="1", MODELPORT_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "modelport", "deployments", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "is `modelport up` running?" in result.stderr


def test_usage_takes_one_output_format(live_server: ThreadServer) -> None:
    # Both flags used to print JSON and ignore --csv without a word.
    result = _cli(live_server, "usage", "--json", "--csv")
    assert result.returncode == 2 and result.stdout == ""
    assert "--json or --csv, not both" in result.stderr
    csv_only = _cli(live_server, "usage", "--by", "day", "--csv")
    assert csv_only.returncode == 0, csv_only.stderr
    assert csv_only.stdout.splitlines()[0].startswith("day,requests,")


def test_quota_set_prints_the_resulting_quota_as_json(own_server: ThreadServer) -> None:
    # `quota set` had no --json (the docs said every command took it).
    assert _cli(own_server, "projects", "create", "quota-json", "--json").returncode == 0
    result = _cli(own_server, "quota", "set", "-p", "quota-json", "--cores", "5", "--json")
    assert result.returncode == 0, result.stderr
    quotas = {q["scope"]: q for q in json.loads(result.stdout)}
    assert quotas["project"]["subject"] == "quota-json"
    assert quotas["project"]["limit"] == {"cores": 5, "gpus": 0}
    shown = _cli(own_server, "quota", "show", "-p", "quota-json", "--json")
    assert json.loads(shown.stdout) == json.loads(result.stdout)
    region = own_server.settings.default_region
    result = _cli(own_server, "quota", "set", "--region", region, "--cores", "64", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "scope": "region",
        "subject": region,
        "region": region,
        "limit": {"cores": 64, "gpus": 0},
    }
    shown = _cli(own_server, "quota", "show", "-p", "quota-json", "--json")
    (regional,) = [q for q in json.loads(shown.stdout) if q["scope"] == "region"]
    assert regional["limit"] == {"cores": 64, "gpus": 0}


def test_roles_list_off_a_terminal_is_readable(own_server: ThreadServer) -> None:
    # Off a terminal the table is as wide as its content (never truncated), and each role's
    # permissions were one cell: Owner's made a ~520-character line. They wrap between words now.
    result = _cli(own_server, "roles", "list")
    assert result.returncode == 0, result.stderr
    width = max(len(line) for line in result.stdout.splitlines())
    assert width <= 110, result.stdout
    roles = json.loads(_cli(own_server, "roles", "list", "--json").stdout)
    (owner,) = [r for r in roles if r["name"] == "Owner"]
    words = set(result.stdout.replace("│", " ").split())
    assert set(owner["permissions"]) <= words, "a permission was cut or folded"
