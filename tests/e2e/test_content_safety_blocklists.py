"""Custom blocklists through the live server: set by the management API and the CLI, applied
to prompts and completions, reported as ``custom_blocklists`` in each dialect's shape."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from modelport.store.blocklists import all_blocklists
from tests.e2e.test_cli import _cli
from tests.e2e.test_content_safety import AZURE, ROUTES, CountingEngine, _body, _stream
from tests.scripted import text_events
from tests.support import (
    EMBEDDED,
    JAMBA_TEST,
    LLAMA_TEST,
    ThreadServer,
    admin,
    attach_offer,
    keys_of,
)

pytestmark = pytest.mark.e2e

PATH = "/management/content-safety/blocklists"
SECRET = "Project Bluebird"


@pytest.fixture
def client(live_server: ThreadServer) -> Iterator[httpx.Client]:
    with admin(live_server.base_url) as client:
        yield client
        for entry in client.get(PATH).json()["data"]:
            client.delete(f"{PATH}/{entry['name']}")


@pytest.fixture(scope="module")
def http(live_server: ThreadServer) -> Iterator[httpx.Client]:
    key = keys_of(live_server.base_url)["primary"]
    with httpx.Client(
        base_url=f"{live_server.base_url}/deployments", headers={"api-key": key}, timeout=30
    ) as client:
        yield client


def test_crud_and_validation(live_server: ThreadServer, client: httpx.Client) -> None:
    body = {
        "items": [{"text": "bluebird", "kind": "exact"}, {"text": r"code-\d{4}", "kind": "pattern"}]
    }
    created = client.put(f"{PATH}/codenames", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["scope"] == "platform"
    assert client.put(f"{PATH}/codenames", json=body).status_code == 200  # replaced
    assert client.get(f"{PATH}/codenames").json()["items"][1]["kind"] == "pattern"
    bad = client.put(f"{PATH}/bad", json={"items": [{"text": "(unclosed", "kind": "pattern"}]})
    assert bad.status_code == 422 and "not valid" in bad.json()["error"]["message"]
    assert client.put(f"{PATH}/x", json={"items": [], "deployment": "nope"}).status_code == 422
    missing = client.put(f"{PATH}/x", json={"items": [{"text": "a"}], "deployment": "nope"})
    assert missing.status_code == 404
    stored = live_server.services.store.run(all_blocklists)
    assert [b.name for b in stored] == ["codenames"]
    assert client.delete(f"{PATH}/codenames").status_code == 204
    assert client.get(f"{PATH}/codenames").status_code == 404


@pytest.mark.parametrize(("name", "path"), ROUTES)
def test_blocked_prompt_reports_custom_blocklists_in_each_dialect(
    client: httpx.Client, engine: CountingEngine, http: httpx.Client, name: str, path: str
) -> None:
    client.put(f"{PATH}/secrets", json={"items": [{"text": SECRET}]}).raise_for_status()
    calls = len(engine.calls)
    response = http.post(f"/{name}{path}", json=_body(name, path, f"Tell me about {SECRET}."))
    assert response.status_code == 400, response.text
    data = response.json()
    if path.endswith(AZURE):
        result = data["error"]["innererror"]["content_filter_result"]
    elif name in ("cs-ai21", "cs-llama"):
        result = data["content_filter_result"]
    else:
        result = data["error"]["content_filter_result"]
    assert result["custom_blocklists"] == {
        "filtered": True,
        "details": [{"id": "secrets", "filtered": True}],
    }
    assert result["violence"] == {"filtered": False, "severity": "safe"}
    assert len(engine.calls) == calls


def test_completion_hit_and_annotations_of_a_clean_answer(
    live_server: ThreadServer, client: httpx.Client, engine: CountingEngine, http: httpx.Client
) -> None:
    body = {"items": [{"text": SECRET}], "deployment": "cs-openai"}  # scoped (see unit tests)
    client.put(f"{PATH}/only-openai", json=body).raise_for_status()
    leak = (
        "Sure. The internal name is " + SECRET + " and it ships next spring with lots of features."
    )
    engine.outputs = [text_events("Paris is lovely in spring."), text_events(leak)]
    clean = http.post(
        f"/cs-openai/chat/completions{AZURE}",
        json={"messages": [{"role": "user", "content": "hi"}]},
    )
    annotation = clean.json()["choices"][0]["content_filter_results"]["custom_blocklists"]
    assert annotation == {"filtered": False, "details": []}
    lines, _ = _stream(
        http, "/cs-openai/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]}
    )
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    (last,) = [c for chunk in chunks for c in chunk["choices"] if c["finish_reason"]]
    assert last["finish_reason"] == "content_filter"
    assert last["content_filter_results"]["custom_blocklists"]["details"] == [
        {"id": "only-openai", "filtered": True}
    ]
    assert all("bluebird" not in line.lower() for line in lines)


def test_cli_sets_shows_and_deletes(live_server: ThreadServer, client: httpx.Client) -> None:
    made = _cli(
        live_server,
        "blocklists",
        "set",
        "cli-list",
        "--term",
        "bluebird",
        "--pattern",
        r"code-\d+",
        "--deployment",
        EMBEDDED,
    )
    assert made.returncode == 0, made.stderr
    assert f"applies to deployment {EMBEDDED}" in made.stdout
    shown = _cli(live_server, "blocklists", "list", "--json")
    assert json.loads(shown.stdout)["data"][0]["items"][0] == {"text": "bluebird", "kind": "exact"}
    assert _cli(live_server, "blocklists", "delete", "cli-list").returncode == 0
    assert client.get(f"{PATH}/cli-list").status_code == 404


@pytest.fixture(scope="module")
def engine(live_server: ThreadServer) -> Iterator[CountingEngine]:
    engine = CountingEngine()
    names = ("cs-openai", "cs-ai21", "cs-llama")
    for offer, name in zip((EMBEDDED, JAMBA_TEST, LLAMA_TEST), names, strict=True):
        attach_offer(live_server, offer, name, engine)
    yield engine
    for name in names:
        live_server.services.registry.remove(live_server.settings.default_region, name)
