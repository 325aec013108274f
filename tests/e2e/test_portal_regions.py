"""One deployment name in two regions, in real headless Chromium against a live server with two
regions and two real llama.cpp deployments of that name (one per region; names are unique per
region only): the deployments list links each row to its own region's deployment, and its
details, Test, Consume and Content safety pages show that one (its region, Target URL and keys),
keep the region in every tab link, and act on that one only (a key regenerated in one region
leaves the other's keys as they were; a chat goes to that region's Target URL)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import UNLABELLED_CONTROLS_JS, browser_context, screenshot, sign_in_with_token
from tests.support import ThreadServer, admin, settings_for

pytestmark = pytest.mark.e2e

NAME = "twin-chat"
PROJECTS = {"local": "twin-near", "eastus2": "twin-far"}  # region -> project
API = f"/management/deployments/{NAME}"
TABS = (
    ("Details", ""),
    ("Test", "/test"),
    ("Consume", "/consume"),
    ("Content safety", "/content-safety"),
)


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _wait_ready(api: httpx.Client, region: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        d = _ok(api.get(API, params={"region": region}))
        assert d["state"] != "failed", d["failure_reason"]
        if (d["state"], d["engine_state"]) == ("succeeded", "ready"):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{NAME} in {region} did not become ready")


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """A live server with a second region and ``NAME`` deployed in both (no embedded one)."""
    settings = settings_for(
        tmp_path_factory.mktemp("portal-regions"),
        regions={"eastus2": ""},
        embedded_default=False,
        engine_slots=1,
        engine_threads=1,
    )
    server = ThreadServer(settings).start()
    try:
        with admin(server.base_url) as api:
            for region, project in PROJECTS.items():
                _ok(api.post("/management/projects", json={"name": project, "region": region}), 201)
                created = api.post(
                    f"/management/projects/{project}/deployments",
                    json={"name": NAME, "offer": "smollm2-test-a", "subscribe": True},
                )
                assert _ok(created, 202)["region"] == region
            for region in PROJECTS:
                _wait_ready(api, region)
        yield server
    finally:
        server.stop()


def _state(base_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per region, the deployment and its keys, read through the management API."""
    with admin(base_url) as api:
        views = {r: _ok(api.get(API, params={"region": r})) for r in PROJECTS}
        keys = {r: _ok(api.get(f"{API}/keys", params={"region": r})) for r in PROJECTS}
    return views, keys


def _tab(page: Any, label: str, region: str, tab: str) -> None:
    nav = page.get_by_role("navigation", name="Deployment")
    nav.get_by_role("link", name=label, exact=True).click()
    page.wait_for_url(f"**/portal/deployments/{NAME}{tab}?region={region}")


def test_a_name_in_two_regions_shows_and_acts_on_each_region_s_deployment(
    twins: ThreadServer, tmp_path: Path
) -> None:
    views, keys = _state(twins.base_url)
    assert views["local"]["target_url"] == f"{twins.base_url}/deployments/{NAME}"
    assert views["eastus2"]["target_url"] == f"{twins.base_url}/regions/eastus2/deployments/{NAME}"
    assert keys["local"]["primary"] != keys["eastus2"]["primary"]

    with browser_context(tmp_path / "profile", twins.base_url) as context:
        page: Any = context.new_page()  # type: ignore[attr-defined]
        sign_in_with_token(page, "/portal/deployments")
        for region in PROJECTS:
            view, key = views[region], keys[region]["primary"]
            page.goto("/portal/deployments")
            row = page.locator(f'tr[data-name="{NAME}"][data-region="{region}"]')
            row.wait_for()
            assert page.locator(f'tr[data-name="{NAME}"]').count() == 2
            details = f"/portal/deployments/{NAME}?region={region}"
            link = row.get_by_role("link", name=NAME, exact=True)
            assert link.get_attribute("href") == details
            link.click()
            page.wait_for_url(f"**{details}")

            # Details: this region's deployment, its key; every link keeps the region.
            page.locator("#target-url").wait_for()
            assert page.locator("#target-url").inner_text() == view["target_url"]
            facts = page.locator("#facts").inner_text()
            assert f"Region\n{region}" in facts and f"Project\n{PROJECTS[region]}" in facts
            nav = page.get_by_role("navigation", name="Deployment")
            for label, tab in TABS:
                href = nav.get_by_role("link", name=label, exact=True).get_attribute("href")
                assert href == f"/portal/deployments/{NAME}{tab}?region={region}", label
            safety_link = page.locator("#content-safety-link").get_attribute("href")
            assert safety_link == f"/portal/deployments/{NAME}/content-safety?region={region}"
            page.locator('.key-row[data-slot="primary"] .reveal').click()
            page.wait_for_function("document.getElementById('key-primary').value.length > 0")
            assert page.get_by_label("Primary key").input_value() == key
            screenshot(page, f"regions-01-details-{region}")

            # Consume: the snippets hold this region's Target URL and key.
            _tab(page, "Consume", region, "/consume")
            page.locator('pre[data-snippet="curl"]').wait_for()
            assert view["target_url"] in page.locator("#consume-status").inner_text()
            page.get_by_role("button", name="Show key in snippets").click()
            curl = page.locator('pre[data-snippet="curl"]', has_text=key)
            curl.wait_for()
            assert view["target_url"] in curl.inner_text()

            # Content safety: this region's policy.
            _tab(page, "Content safety", region, "/content-safety")
            page.locator("#cs-summary").wait_for()
            assert f"Region\n{region}" in page.locator("#policy-facts").inner_text()

            # Test: a chat goes to this region's Target URL with its key.
            # (the offer is read once the deployment is: then the page can send)
            with page.expect_response(lambda r: "/management/catalog/" in r.url):
                _tab(page, "Test", region, "/test")
            page.get_by_label("Max tokens").fill("4")
            page.get_by_label("Message", exact=True).fill("Say hello.")
            with page.expect_request(lambda r: r.url.endswith("/v1/chat/completions")) as sent:
                page.get_by_label("Message", exact=True).press("Enter")
            assert sent.value.url == f"{view['target_url']}/v1/chat/completions"
            assert sent.value.headers["api-key"] == key
            reply = page.locator("li.assistant").last
            reply.locator(".usage").get_by_text("tokens").wait_for(timeout=120_000)
            assert page.evaluate(UNLABELLED_CONTROLS_JS) == [], page.url

        # An action acts on that region's deployment only: regenerate eastus2's secondary key.
        page.goto(f"/portal/deployments/{NAME}?region=eastus2")
        page.locator("#target-url").wait_for()
        page.locator('.key-row[data-slot="secondary"] .regenerate').click()
        page.get_by_role("dialog").wait_for()
        page.get_by_role("button", name="Regenerate secondary key").click()
        page.get_by_text("The secondary key was regenerated").wait_for()
        _, after = _state(twins.base_url)
        assert after["local"] == keys["local"]
        assert after["eastus2"]["primary"] == keys["eastus2"]["primary"]
        assert after["eastus2"]["secondary"] != keys["eastus2"]["secondary"]
        page.locator('.key-row[data-slot="secondary"] .reveal').click()
        page.wait_for_function("document.getElementById('key-secondary').value.length > 0")
        assert page.get_by_label("Secondary key").input_value() == after["eastus2"]["secondary"]
