from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import PostgresServer
from tests.postgres import start as start_postgres
from tests.support import ThreadServer, settings_for, wait_ready


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """One Modelport with the embedded deployment, shared by the end-to-end tests."""
    data_dir: Path = tmp_path_factory.mktemp("modelport-data")
    server = ThreadServer(settings_for(data_dir)).start()
    try:
        wait_ready(server.base_url)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL on 127.0.0.1, started once for the session (skips if impossible)."""
    server, reason = start_postgres()
    if server is None:
        print(f"\nPostgreSQL tests skipped: {reason}")
        pytest.skip(f"PostgreSQL unavailable: {reason}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test: SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.database() as url:
        yield url
