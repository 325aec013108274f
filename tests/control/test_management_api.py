"""Management API rules that need no engine: catalog, projects, subscriptions, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from modelport.app import create_app
from tests.support import ADMIN_TOKEN, settings_for

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]


def _project(api: TestClient, name: str, region: str | None = None) -> dict[str, Any]:
    body = {"name": name} | ({"region": region} if region else {})
    response = api.post("/management/projects", json=body)
    assert response.status_code == 201, response.text
    project: dict[str, Any] = response.json()
    return project


# -- auth and error shape ---------------------------------------------------------------------
@pytest.mark.parametrize("auth", ["", "Bearer wrong", "Basic test-admin-token", "test-admin-token"])
def test_every_management_route_needs_the_admin_token(api: TestClient, auth: str) -> None:
    for method, path in [
        ("GET", "/management/catalog"),
        ("GET", "/management/projects"),
        ("POST", "/management/projects"),
        ("DELETE", "/management/projects/x"),
        ("GET", "/management/deployments"),
    ]:
        response = api.request(method, path, headers={"Authorization": auth})
        error = _error(response, 401, "unauthorized")
        assert "test-admin-token" not in error["message"]


def test_bad_input_is_422_in_the_management_error_shape(api: TestClient) -> None:
    error = _error(api.post("/management/projects", json={"region": 3}), 422, "invalid_request")
    assert "name" in error["message"]
    _error(api.post("/management/projects", content=b"{not json"), 422, "invalid_request")
    _error(api.post("/management/projects", json={"name": "has space"}), 422, "invalid_request")


def test_a_body_that_is_not_json_is_named_so(api: TestClient) -> None:
    # FastAPI reports it at location ("body", <character offset>): not a parameter named "12".
    for path in ("/management/projects", "/management/deployments/x/content-safety"):
        method = "POST" if path.endswith("projects") else "PATCH"
        response = api.request(
            method, path, content=b'{"name": ', headers={"Content-Type": "application/json"}
        )
        error = _error(response, 422, "invalid_request")
        assert error["message"].startswith("the request body is not valid JSON"), error
        assert "param" not in error or error["param"] is None, error


def test_openapi_document_describes_the_management_api(api: TestClient) -> None:
    doc = api.get("/management/openapi.json").json()
    paths = doc["paths"]
    for path in [
        "/management/catalog",
        "/management/catalog/{offer_id}",
        "/management/projects",
        "/management/projects/{project}",
        "/management/projects/{project}/subscriptions",
        "/management/projects/{project}/deployments",
        "/management/deployments/{name}",
        "/management/deployments/{name}/keys/regenerate",
    ]:
        assert path in paths, path
    create = paths["/management/projects/{project}/deployments"]["post"]
    assert "202" in create["responses"]
    schemas = doc["components"]["schemas"]
    assert {"DeploymentView", "SubscriptionView", "OfferDetailView", "ProjectCreate"} <= set(
        schemas
    )


# -- catalog and regions ----------------------------------------------------------------------
def test_catalog_lists_offers_with_prices_regions_and_availability(api: TestClient) -> None:
    offers = {o["id"]: o for o in api.get("/management/catalog").json()["data"]}
    assert "jamba-1.5-large" in offers and "smollm2-test-a" in offers
    mini = offers["jamba-1.5-mini"]
    assert mini["pricing"] == {
        "currency": "USD",
        "input_per_1k": "0.0002",
        "output_per_1k": "0.0004",
    }
    # Self-hosted, every configured region may run it; the cloud's list stays as information.
    assert mini["regions_here"] == ["local", "eastus2", "westus"]
    assert "swedencentral" in mini["regions"]
    assert mini["availability"]["deployable"] is False
    by_engine = {e["engine"]: e for e in mini["availability"]["engines"]}
    assert set(by_engine) == {"vllm", "llamacpp"} and not by_engine["vllm"]["available"]
    assert "models import jamba-1.5-mini" in " ".join(by_engine["llamacpp"]["missing"])
    assert offers["smollm2-test-a"]["regions_here"] == ["local", "eastus2"]  # restricted
    embedded = offers["smollm2-135m-instruct"]
    assert embedded["regions_here"] == ["local", "eastus2", "westus"]
    assert embedded["availability"] == {
        "deployable": True,
        "engine": "llamacpp",
        "missing": [],
        "engines": [{"engine": "llamacpp", "available": True, "missing": []}],
    }


def test_catalog_show_has_terms_weights_and_what_is_missing(api: TestClient) -> None:
    offer = api.get("/management/catalog/jamba-1.5-mini").json()
    assert "Jamba Open Model License" in offer["terms"]
    assert offer["weights"]["hub_repo"] == "ai21labs/AI21-Jamba-1.5-Mini"
    assert {(o["precision"], o["gpus"]) for o in offer["hardware_options"]} >= {
        ("bf16", 2),
        ("experts_int8", 1),
    }
    missing = " ".join(offer["availability"]["missing"])
    assert "vLLM is not installed" in missing and "2×80 GB GPUs (bf16)" in missing
    _error(api.get("/management/catalog/gpt-9"), 404, "not_found")


def test_regions_are_listed_with_base_urls(api: TestClient) -> None:
    regions = api.get("/management/regions").json()["data"]
    by_name = {r["name"]: r for r in regions}
    assert by_name["local"]["default"] is True
    assert by_name["eastus2"]["base_url"].endswith("/regions/eastus2")
    assert by_name["westus"]["base_url"] == "https://westus.models.example"


# -- projects ---------------------------------------------------------------------------------
def test_projects_crud(api: TestClient) -> None:
    created = _project(api, "research", "eastus2")
    assert created["region"] == "eastus2"
    assert _project(api, "default-region")["region"] == "local"
    assert api.get("/management/projects/research").json() == created
    names = [p["name"] for p in api.get("/management/projects").json()["data"]]
    assert names == ["research", "default-region"]

    renamed = api.patch("/management/projects/research", json={"name": "lab"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "lab"
    moved = api.patch("/management/projects/lab", json={"region": "westus"}).json()
    assert moved["region"] == "westus" and moved["id"] == created["id"]

    assert api.delete("/management/projects/lab").status_code == 204
    _error(api.get("/management/projects/lab"), 404, "not_found")
    _error(api.delete("/management/projects/lab"), 404, "not_found")


def test_project_name_taken_is_409(api: TestClient) -> None:
    _project(api, "p1")
    error = _error(api.post("/management/projects", json={"name": "p1"}), 409, "conflict")
    assert "already exists" in error["message"]


def test_project_in_unknown_region_is_422(api: TestClient) -> None:
    error = _error(
        api.post("/management/projects", json={"name": "p", "region": "mars"}),
        422,
        "invalid_request",
    )
    assert "mars" in error["message"] and "eastus2" in error["message"]
    assert api.get("/management/projects").json()["data"] == []


# -- subscriptions ----------------------------------------------------------------------------
def test_subscribe_creates_a_resource_with_meters_and_is_idempotent(api: TestClient) -> None:
    _project(api, "p", "eastus2")
    first = api.post("/management/projects/p/subscriptions", json={"offer": "jamba-1.5-mini"})
    assert first.status_code == 201
    sub = first.json()
    assert sub["offer"] == "jamba-1.5-mini" and sub["project"] == "p"
    assert sub["resource_id"].endswith("/subscriptions/jamba-1.5-mini")
    assert sub["license"] == "Jamba Open Model License"
    assert [(m["name"], m["reserved"]) for m in sub["meters"]] == [
        ("inference-input-tokens", False),
        ("inference-output-tokens", False),
        ("fine-tuning-training-tokens", False),
        ("fine-tuned-input-tokens", False),
        ("fine-tuned-output-tokens", False),
        ("fine-tuned-hosting-hours", False),
        ("managed-compute-hours", False),
    ]
    rules = (Path(__file__).resolve().parents[2] / "docs" / "control-plane.md").read_text()
    assert [m["name"] for m in sub["meters"] if f"`{m['name']}`" not in rules] == []
    again = api.post("/management/projects/p/subscriptions", json={"offer": "jamba-1.5-mini"})
    assert again.status_code == 200 and again.json() == sub
    listed = api.get("/management/projects/p/subscriptions").json()["data"]
    assert listed == [sub]
    assert api.get("/management/projects/p/subscriptions/jamba-1.5-mini").json() == sub


def test_offer_whose_weights_are_missing_can_still_be_subscribed(api: TestClient) -> None:
    _project(api, "p", "eastus2")
    offer = api.get("/management/catalog/jamba-1.5-large").json()
    assert offer["availability"]["deployable"] is False
    response = api.post("/management/projects/p/subscriptions", json={"offer": "jamba-1.5-large"})
    assert response.status_code == 201


def test_subscribing_where_the_offer_is_not_offered_is_403(api: TestClient) -> None:
    _project(api, "p", "westus")  # smollm2-test-a: deploy_regions local and eastus2
    error = _error(
        api.post("/management/projects/p/subscriptions", json={"offer": "smollm2-test-a"}),
        403,
        "region_not_offered",
    )
    assert "this server offers it in: local, eastus2" in error["message"]
    assert api.get("/management/projects/p/subscriptions").json()["data"] == []


def test_the_operator_restricts_offers_to_regions_with_a_setting(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path / "data",
        embedded_default=False,
        regions={"eastus2": ""},
        offer_regions={"Meta-Llama-3-8B": ["eastus2"]},
    )
    with TestClient(create_app(settings), headers=ADMIN) as api:
        offer = api.get("/management/catalog/Meta-Llama-3-8B").json()
        assert offer["regions_here"] == ["eastus2"]
        _project(api, "p")  # in local
        error = _error(
            api.post("/management/projects/p/subscriptions", json={"offer": "Meta-Llama-3-8B"}),
            403,
            "region_not_offered",
        )
        assert "this server offers it in: eastus2" in error["message"]
        sub = api.post("/management/projects/p/subscriptions", json={"offer": "jamba-1.5-mini"})
        assert sub.status_code == 201  # unrestricted offers: every region


def test_subscribe_to_unknown_offer_or_project_is_404(api: TestClient) -> None:
    _project(api, "p")
    _error(
        api.post("/management/projects/p/subscriptions", json={"offer": "nope"}), 404, "not_found"
    )
    _error(
        api.post("/management/projects/nope/subscriptions", json={"offer": "jamba-1.5-mini"}),
        404,
        "not_found",
    )


def test_unsubscribe(api: TestClient) -> None:
    _project(api, "p")
    api.post("/management/projects/p/subscriptions", json={"offer": "smollm2-135m-instruct"})
    assert (
        api.delete("/management/projects/p/subscriptions/smollm2-135m-instruct").status_code == 204
    )
    _error(
        api.delete("/management/projects/p/subscriptions/smollm2-135m-instruct"), 404, "not_found"
    )
    assert api.get("/management/projects/p/subscriptions").json()["data"] == []


# -- deployments refused before anything is created --------------------------------------------
def _deploy(api: TestClient, project: str, **body: Any) -> Any:
    return api.post(f"/management/projects/{project}/deployments", json=body)


def _nothing_deployed(api: TestClient) -> None:
    assert api.get("/management/deployments").json()["data"] == []


def test_deploy_without_subscription_is_412(api: TestClient) -> None:
    _project(api, "p")
    error = _error(
        _deploy(api, "p", name="chat", offer="smollm2-135m-instruct"), 412, "subscription_required"
    )
    assert "subscrib" in error["message"]
    # How to do it, for an API caller and for a CLI user alike.
    assert '"subscribe": true' in error["message"] and "--subscribe" in error["message"]
    _nothing_deployed(api)


def test_deploy_where_the_offer_is_not_offered_is_403(api: TestClient) -> None:
    _project(api, "p", "westus")
    response = _deploy(api, "p", name="chat-a", offer="smollm2-test-a", subscribe=True)
    _error(response, 403, "region_not_offered")
    assert api.get("/management/projects/p/subscriptions").json()["data"] == []
    _nothing_deployed(api)


def test_deploying_an_offer_this_machine_cannot_run_fails_fast_with_what_is_missing(
    api: TestClient,
) -> None:
    _project(api, "p", "eastus2")
    response = _deploy(api, "p", name="jamba-mini", offer="jamba-1.5-mini", subscribe=True)
    error = _error(response, 412, "offer_not_deployable")
    message = error["message"]
    assert "'jamba-1.5-mini' cannot be deployed on this machine" in message
    assert "vLLM is not installed" in message and "2×80 GB GPUs (bf16)" in message
    assert "1×80 GB GPU (experts_int8)" in message
    assert "modelport models pull jamba-1.5-mini --engine vllm" in message
    assert "modelport models import jamba-1.5-mini FILE" in message
    # subscribe-and-deploy is one transaction: the subscription was not kept either
    assert api.get("/management/projects/p/subscriptions").json()["data"] == []
    _nothing_deployed(api)


def test_deploying_the_real_llama_offer_fails_fast_with_what_is_missing(api: TestClient) -> None:
    _project(api, "p", "eastus2")
    response = _deploy(api, "p", name="llama", offer="Meta-Llama-3-8B-Instruct", subscribe=True)
    message = _error(response, 412, "offer_not_deployable")["message"]
    assert "'Meta-Llama-3-8B-Instruct' cannot be deployed on this machine" in message
    assert "vLLM is not installed" in message
    assert "modelport models pull Meta-Llama-3-8B-Instruct --engine llamacpp" in message
    assert "QuantFactory/Meta-Llama-3-8B-Instruct-GGUF" in message
    assert api.get("/management/projects/p/subscriptions").json()["data"] == []
    _nothing_deployed(api)


@pytest.mark.parametrize("name", ["ab", "Upper", "-dash", "dash-", "under_score", "x" * 33, "a.b"])
def test_deployment_name_must_be_dns_safe(api: TestClient, name: str) -> None:
    _project(api, "p")
    response = _deploy(api, "p", name=name, offer="smollm2-135m-instruct", subscribe=True)
    error = _error(response, 422, "invalid_request")
    assert error["param"] == "name"
    _nothing_deployed(api)


def test_deploy_into_unknown_project_or_unknown_offer_is_404(api: TestClient) -> None:
    _error(_deploy(api, "nope", name="chat", offer="smollm2-135m-instruct"), 404, "not_found")
    _project(api, "p")
    _error(_deploy(api, "p", name="chat", offer="gpt-9"), 404, "not_found")
    _error(api.get("/management/deployments/chat"), 404, "not_found")
    _error(api.delete("/management/deployments/chat"), 404, "not_found")
    _error(api.get("/management/deployments/chat/keys"), 404, "not_found")
