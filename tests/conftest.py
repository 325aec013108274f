from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import PostgresServer
from tests.postgres import start as start_postgres
from tests.support import ThreadServer, serving, settings_for


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """One Modelport with the embedded deployment, shared by the end-to-end tests."""
    data_dir: Path = tmp_path_factory.mktemp("modelport-data")
    with serving(settings_for(data_dir)) as server:
        yield server


@pytest.fixture(scope="session")
def pg_live_server(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[ThreadServer]:
    """The same Modelport on PostgreSQL (a fresh database), as an operator runs it for more
    than one machine."""
    data_dir: Path = tmp_path_factory.mktemp("modelport-data-pg")
    with (
        postgres_server.database() as url,
        serving(settings_for(data_dir, database_url=url)) as server,
    ):
        yield server


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def store_server(request: pytest.FixtureRequest) -> ThreadServer:
    """The live server on each supported store: tests about what is stored (billing, limits,
    usage reports) run on SQLite and on PostgreSQL."""
    name = "live_server" if request.param == "sqlite" else "pg_live_server"
    server: ThreadServer = request.getfixturevalue(name)
    return server


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


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """A module's live server on each supported store: None (the server's own SQLite file in its
    data dir), then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.database() as url:
        yield url


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI (``MODELPORT_TESTS_REQUIRE_ALL=1``, set by .ci/run) a skipped test is a failure: a
    test that skips because its server or browser is missing would hide a gap."""
    if not os.environ.get("MODELPORT_TESTS_REQUIRE_ALL") or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        reporter.write_line(
            f"{len(skipped)} tests skipped, which CI does not allow (see the reasons above)",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
