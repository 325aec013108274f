"""Every protected route (from the route table) with hostile path parameters, query values and
bodies — NUL characters, over-long, encoded slashes, non-ASCII — on SQLite and PostgreSQL: an
answer in the management error shape, never a 5xx or a stack trace. (PostgreSQL cannot store
NUL in text: before the store translated that, such names were 500s.)"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from starlette.testclient import TestClient

from modelport.access.route_table import ROUTES
from modelport.app import create_app
from tests.access_support import bearer
from tests.support import ADMIN_TOKEN, settings_for

HOSTILE = ["a\x00b", "x" * 300, "..%2F..%2Fetc", "ünïcødé-名前", "%00", " "]


def test_hostile_values_never_cause_a_server_error(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path / "data", embedded_default=False, database_url=database_url)
    with TestClient(
        create_app(settings), headers=bearer(ADMIN_TOKEN), raise_server_exceptions=False
    ) as api:
        problems = []
        for rule in ROUTES:
            for value in HOSTILE:
                params = {
                    name: quote(value, safe="")
                    for name in (
                        "project",
                        "name",
                        "endpoint",
                        "region",
                        "offer_id",
                        "offer",
                        "principal",
                        "token_id",
                        "role",
                        "assignment_id",
                        "blocklist",
                        "file_id",
                        "job_id",
                    )
                }
                path = rule.path.format(**params)
                body = (
                    {
                        "name": value,
                        "offer": value,
                        "principal": value,
                        "role": value,
                        "email": value,
                        "project": value,
                        "permissions": [value],
                    }
                    if rule.method in ("POST", "PUT", "PATCH")
                    else None
                )
                response = api.request(
                    rule.method, path, json=body, params={"region": value, "principal": value}
                )
                if response.status_code >= 500 or "Traceback" in response.text:
                    problems.append(f"{rule.method} {rule.path} {value!r}: {response.status_code}")
                elif response.status_code >= 400:
                    assert set(response.json()) == {"error"}, (rule.path, response.text)
        assert not problems, "\n".join(problems)
