"""The deployments list of one name, on a live server on SQLite and on PostgreSQL: a name is
unique per region only, so ``GET /management/deployments?name=`` answers one deployment per
region (exact match), narrowed further by ``?region=``, by the project's own list and by what the
caller may read; ``modelport deployments list --name`` goes the same way."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.access_support import bearer, service_principal
from tests.cli_support import cli, cli_json
from tests.support import ThreadServer, admin, settings_for

pytestmark = pytest.mark.e2e

NAME = "twin"
# (project, region, deployment name, offer): NAME in two regions, and a name it is a prefix of.
DEPLOYED = [
    ("near", "local", NAME, "Meta-Llama-3-8B-Instruct"),
    ("far", "eastus2", NAME, "Meta-Llama-3-8B-Instruct"),
    ("far", "eastus2", f"{NAME}-b", "Meta-Llama-3-8B"),
]
# An attached server where nothing answers: each deployment exists (failed, retried), with no
# engine to start here; the list is about names, not engines.
NOWHERE = {"engine": "openai_compat", "engine_options": {"url": "http://127.0.0.1:9"}}


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture(scope="module")
def server(
    store_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThreadServer]:
    with contextlib.ExitStack() as stack:
        settings = settings_for(
            tmp_path_factory.mktemp("list-filters"),
            embedded_default=False,
            regions={"eastus2": ""},
            database_url=store_url,
        )
        live = ThreadServer(settings).start()
        stack.callback(live.stop)
        with admin(live.base_url) as api:
            for project, region in {(p, r) for p, r, _, _ in DEPLOYED}:
                _ok(api.post("/management/projects", json={"name": project, "region": region}), 201)
            for project, region, name, offer in DEPLOYED:
                body = {"name": name, "offer": offer, "subscribe": True, **NOWHERE}
                created = api.post(f"/management/projects/{project}/deployments", json=body)
                assert _ok(created, 202)["region"] == region
        yield live


def _listed(api: httpx.Client, path: str, **params: str) -> list[tuple[str, str, str]]:
    """(name, region, project) of each deployment listed, sorted."""
    data = _ok(api.get(path, params=params))["data"]
    return sorted((d["name"], d["region"], d["project"]) for d in data)


def test_the_list_of_one_name_has_one_deployment_per_region(server: ThreadServer) -> None:
    with admin(server.base_url) as api:
        every = "/management/deployments"
        assert len(_listed(api, every)) == 3
        assert _listed(api, every, name=NAME) == [
            (NAME, "eastus2", "far"),
            (NAME, "local", "near"),
        ]
        assert _listed(api, every, name=NAME, region="eastus2") == [(NAME, "eastus2", "far")]
        assert _listed(api, every, name=f"{NAME}-b", region="local") == []
        assert _listed(api, every, name=f"{NAME}-b") == [(f"{NAME}-b", "eastus2", "far")]
        assert _listed(api, every, name="tw") == []  # exact, not a prefix
        assert _listed(api, every, name="nowhere") == []
        # A project's list takes the name too.
        near = "/management/projects/near/deployments"
        assert _listed(api, near, name=NAME) == [(NAME, "local", "near")]
        assert _listed(api, near, name=f"{NAME}-b") == []
        assert len(_listed(api, "/management/projects/far/deployments")) == 2

        # Only what the caller may read: a Reader of project "far" sees its one.
        reader = bearer(service_principal(api, "far-reader", "Reader", "far"))
        seen = _ok(api.get(every, params={"name": NAME}, headers=reader))["data"]
        assert [(d["name"], d["region"]) for d in seen] == [(NAME, "eastus2")]

        document = _ok(api.get("/management/openapi.json"))
        for path in (every, "/management/projects/{project}/deployments"):
            parameters = document["paths"][path]["get"]["parameters"]
            described = {p["name"]: p.get("description", "") for p in parameters}
            assert "exact match" in described["name"], path
        assert "region" in {p["name"] for p in document["paths"][every]["get"]["parameters"]}


def test_the_cli_lists_the_deployments_of_one_name(server: ThreadServer) -> None:
    listed = cli_json(server, "deployments", "list", "--name", NAME)
    assert sorted((d["region"], d["project"]) for d in listed) == [
        ("eastus2", "far"),
        ("local", "near"),
    ]
    assert {d["name"] for d in listed} == {NAME}
    in_project = cli_json(server, "deployments", "list", "-n", NAME, "-p", "far")
    assert [(d["name"], d["region"]) for d in in_project] == [(NAME, "eastus2")]
    assert cli_json(server, "deployments", "list", "--name", "tw") == []
    assert len(cli_json(server, "deployments", "list")) == 3
    in_region = cli_json(server, "deployments", "list", "--region", "eastus2")
    assert sorted(d["name"] for d in in_region) == [NAME, f"{NAME}-b"]
    assert {d["region"] for d in in_region} == {"eastus2"}
    both = cli(server, "deployments", "list", "--region", "eastus2", "-p", "far")
    assert both.returncode == 2 and "give --project or --region" in both.stderr

    table = cli(server, "deployments", "list", "--name", NAME)
    assert table.returncode == 0, table.stderr
    urls = {d["target_url"] for d in listed}
    assert urls == {
        f"{server.base_url}/deployments/{NAME}",
        f"{server.base_url}/regions/eastus2/deployments/{NAME}",
    }
    assert all(url in table.stdout for url in urls)
    assert f"{NAME}-b" not in table.stdout
