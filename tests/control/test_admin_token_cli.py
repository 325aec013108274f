"""``modelport admin-token show``: the admin token of the data dir the CLI is configured with,
printed alone (for ``$(modelport admin-token show)``), never created by asking, never logged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from starlette.testclient import TestClient

from modelport.app import create_app
from tests.access_support import bearer
from tests.support import settings_for


def _cli(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MODELPORT_ADMIN_TOKEN", "MODELPORT_TOKEN", "MODELPORT_DATA_DIR")
    }
    environ.update({"MODELPORT_DATA_DIR": str(data_dir), **env})
    return subprocess.run(
        [sys.executable, "-m", "modelport", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_show_prints_the_data_dirs_token_for_the_management_api(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", embedded_default=False, admin_token=None)
    with TestClient(create_app(settings)) as client:  # the first start writes the token
        written = (settings.data_dir / "secrets" / "admin-token").read_text().strip()
        result = _cli(settings.data_dir, "admin-token", "show")
        assert result.returncode == 0, result.stderr
        assert result.stdout == written + "\n"  # the token alone: $(modelport admin-token show)
        assert result.stderr == ""
        assert (
            client.get("/management/me", headers=bearer(result.stdout.strip())).status_code == 200
        )


def test_show_refuses_clearly_without_a_token_and_creates_none(tmp_path: Path) -> None:
    data_dir = tmp_path / "never-started"
    result = _cli(data_dir, "admin-token", "show")
    assert result.returncode == 1 and result.stdout == ""
    assert f"no admin token in {data_dir / 'secrets' / 'admin-token'}" in result.stderr
    assert "MODELPORT_DATA_DIR" in result.stderr
    assert not data_dir.exists(), "asking for the token created a data dir"


def test_show_prints_the_token_set_in_the_environment(tmp_path: Path) -> None:
    token = "e" * 8 + "f0a1b2c3d4" * 5
    result = _cli(tmp_path / "unused", "admin-token", "show", MODELPORT_ADMIN_TOKEN=token)
    assert result.returncode == 0, result.stderr
    assert result.stdout == token + "\n"
