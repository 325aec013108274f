"""Schemathesis against the management API and every dialect's OpenAPI document (Azure's
``/swagger.json`` and the offer dialect's ``/v1/openapi.json``: OpenAI, AI21, Llama), with
valid and invalid credentials, on a throw-away server: no 5xx, no secret or stack trace in any
response, every request with invalid credentials refused (401) and nothing changed by it.

Example counts are bounded here (``FUZZ_EXAMPLES``, default 8 per operation); ``bench/fuzz.py``
runs the long version. Deployments run on scripted engines: the gateway, dialects, pipeline,
safety and metering are the real ones.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.fuzz_support import FuzzRun, schemathesis
from tests.postgres import PostgresServer
from tests.scripted import ScriptedEngine, scripted_deployment
from tests.stall_watch import StallWatch, stall_watch
from tests.support import (
    ADMIN_TOKEN,
    EMBEDDED,
    JAMBA_TEST,
    LLAMA_TEST,
    ThreadServer,
    admin,
    settings_for,
)

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
DEPLOYMENTS = {"fuzz-openai": EMBEDDED, "fuzz-ai21": JAMBA_TEST, "fuzz-llama": LLAMA_TEST}
INVALID = {"Authorization": "Bearer mpt-" + "0" * 48}
STABLE_TABLES = (
    "projects",
    "subscriptions",
    "subscription_meters",
    "deployments",
    "deployment_keys",
    "principals",
    "api_tokens",
    "custom_roles",
    "role_assignments",
    "usage_records",
    "usage_rollups",
)  # everything but the audit log (refusals are recorded there) and sessions


@contextlib.contextmanager
def _fuzz_server(tmp: Path, database_url: str | None) -> Iterator[ThreadServer]:
    overrides: dict[str, Any] = {"embedded_default": False, "database_url": database_url}
    server = ThreadServer(settings_for(tmp, **overrides)).start()
    try:
        with admin(server.base_url) as api:
            assert api.post("/management/projects", json={"name": "fuzz"}).status_code == 201
        for name, offer in DEPLOYMENTS.items():
            scripted_deployment(server.services, "fuzz", name, offer, ScriptedEngine())
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """A throw-away server on SQLite (the dialects store only usage, covered elsewhere on both
    stores)."""
    with _fuzz_server(tmp_path_factory.mktemp("fuzz-data"), None) as found:
        yield found


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def management_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThreadServer]:
    """The management API on SQLite, then on PostgreSQL (what one database stores, the other
    may refuse: PostgreSQL has no NUL in text)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("server")
        return
    postgres: PostgresServer = request.getfixturevalue("postgres_server")
    with (
        postgres.database() as url,
        _fuzz_server(tmp_path_factory.mktemp("fuzz-data-pg"), url) as found,
    ):
        yield found


def _keys(server: ThreadServer) -> dict[str, str]:
    with admin(server.base_url) as api:
        return {
            name: api.get(f"/management/deployments/{name}/keys").json()["primary"]
            for name in DEPLOYMENTS
        }


def _snapshot(server: ThreadServer) -> dict[str, Any]:
    def read(conn: Any) -> dict[str, Any]:
        return {
            table: sorted(map(tuple, conn.execute(text(f"select * from {table}")).all()), key=repr)  # noqa: S608
            for table in STABLE_TABLES
        }

    return server.services.store.run(read)


def _errors(output: str) -> str:
    """Schemathesis's ERRORS section (which request, what happened), else the output's end."""
    start = output.find("= ERRORS =")
    if start < 0:
        return output[-3000:]
    ends = [
        i for i in (output.find(" WARNINGS =", start), output.find(" SUMMARY =", start)) if i > 0
    ]
    return output[output.rfind("\n", 0, start) + 1 : min(ends, default=len(output))]


def _report(name: str, run: FuzzRun, watch: StallWatch | None = None) -> None:
    print(
        f"\nschemathesis {name}: {run.operations} operations, {run.examples} examples, "
        f"{len(run.failures)} failures"
    )
    server = f"\nthe server: {watch.report()}" if watch is not None else ""
    print(server)
    assert run.operations > 0, run.output[-3000:]
    assert not run.failures, "\n".join(run.failures) + "\n" + _errors(run.output) + server


def _documents(
    server: ThreadServer, keys: dict[str, str], into: Path
) -> list[tuple[str, Path, str]]:
    """(label, the document saved to a file, the deployment's URL): each document is read with
    the deployment's key; the runs then send whatever key they are testing."""
    base = f"{server.base_url}/deployments"
    found = [("azure", "fuzz-openai", "/swagger.json")]
    found += [(name, name, "/v1/openapi.json") for name in DEPLOYMENTS]
    documents = []
    for label, name, path in found:
        response = httpx.get(f"{base}/{name}{path}", headers={"api-key": keys[name]})
        assert response.status_code == 200, response.text
        saved = into / f"{label}.json"
        saved.write_text(response.text)
        documents.append((label, saved, f"{base}/{name}"))
    return documents


def test_dialects_with_valid_and_invalid_keys(server: ThreadServer, tmp_path: Path) -> None:
    keys = _keys(server)
    secrets = [ADMIN_TOKEN, *keys.values()]
    documents = _documents(server, keys, tmp_path)
    for label, document, url in documents:
        key = keys["fuzz-openai" if label == "azure" else label]
        run = schemathesis(
            str(document),
            {"api-key": key},
            base_url=url,
            report_dir=tmp_path / label,
            secrets=secrets,
            max_examples=EXAMPLES,
        )
        _report(f"{label} (valid key)", run)
    before = _snapshot(server)
    for label, document, url in documents:
        run = schemathesis(
            str(document),
            {"api-key": "mp-" + "0" * 48},
            base_url=url,
            report_dir=tmp_path / f"{label}-refused",
            secrets=secrets,
            max_examples=EXAMPLES,
            expect_refused=True,
        )
        _report(f"{label} (invalid key)", run)
    assert _snapshot(server) == before


def test_management_api_with_invalid_credentials_changes_nothing(
    management_server: ThreadServer, tmp_path: Path
) -> None:
    before = _snapshot(management_server)
    document = tmp_path / "management.json"  # read with the admin token; the run has none
    with admin(management_server.base_url) as api:
        document.write_text(api.get("/management/openapi.json").text)
    with stall_watch(management_server) as watch:
        run = schemathesis(
            str(document),
            INVALID,
            base_url=management_server.base_url,
            report_dir=tmp_path,
            secrets=[ADMIN_TOKEN, *_keys(management_server).values()],
            max_examples=EXAMPLES,
            expect_refused=True,
        )
    _report("management (invalid credentials)", run, watch)
    assert _snapshot(management_server) == before


def test_management_api_with_owner_credentials(
    management_server: ThreadServer, tmp_path: Path
) -> None:
    with stall_watch(management_server) as watch:
        run = schemathesis(
            f"{management_server.base_url}/management/openapi.json",
            {"Authorization": f"Bearer {ADMIN_TOKEN}"},
            report_dir=tmp_path,
            secrets=[ADMIN_TOKEN],
            max_examples=EXAMPLES,
        )
    _report("management (owner)", run, watch)
