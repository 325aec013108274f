"""The data directory's files are the owner's alone (README: "files mode 0600"): the SQLite
database holds the audit log, usage, principals' password hashes and fine-tuning files, so it is
as private as the secrets next to it."""

from __future__ import annotations

import stat
from pathlib import Path

from starlette.testclient import TestClient

from modelport.app import create_app
from tests.support import settings_for


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_dir_holds_files_only_its_owner_can_read(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = settings_for(data, embedded_default=False, admin_token=None)
    with TestClient(create_app(settings)):
        database = data / "modelport.db"
        files = [database, database.with_name("modelport.db-wal"), *data.glob("secrets/*")]
        assert all(path.exists() for path in files), sorted(data.rglob("*"))
        assert len(files) > 3, files
        assert {str(path.relative_to(data)): _mode(path) for path in files} == {
            str(path.relative_to(data)): 0o600 for path in files
        }
