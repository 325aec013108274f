"""One deployment name in two regions, in real headless Chromium against a live server with two
regions and two real llama.cpp deployments of that name (one per region; names are unique per
region only): the deployments list links each row to its own region's deployment, and its
details, Test, Consume and Content safety pages show that one (its region, Target URL and keys),
keep the region in every tab link, and act on that one only (a key regenerated in one region
leaves the other's keys as they were; a chat goes to that region's Target URL), and name the
region in their heading. An address without ``?region=`` shows the default region's deployment,
as the management API resolves the bare name, and says that the name exists in the other region
too, with a link to each region's page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser import UNLABELLED_CONTROLS_JS, browser_context, screenshot, sign_in_with_token
from tests.support import ThreadServer, admin, settings_for

pytestmark = pytest.mark.e2e

NAME = "twin-chat"
PROJECTS = {"local": "twin-near", "eastus2": "twin-far"}  # region -> project
PAIR = "pair-chat"  # in two regions, neither the default one: the bare name is ambiguous
PAIR_PROJECTS = {"eastus2": "pair-east", "westus": "pair-west"}
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


def _wait_ready(api: httpx.Client, region: str, name: str = NAME, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        d = _ok(api.get(f"/management/deployments/{name}", params={"region": region}))
        assert d["state"] != "failed", d["failure_reason"]
        if (d["state"], d["engine_state"]) == ("succeeded", "ready"):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{name} in {region} did not become ready")


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """A live server with two more regions, ``NAME`` deployed in the default one and eastus2, and
    ``PAIR`` in eastus2 and westus (no embedded one)."""
    settings = settings_for(
        tmp_path_factory.mktemp("portal-regions"),
        regions={"eastus2": "", "westus": ""},
        embedded_default=False,
        engine_slots=1,
        engine_threads=1,
    )
    server = ThreadServer(settings).start()
    try:
        with admin(server.base_url) as api:
            # (smollm2-test-a may be deployed only in local and eastus2; test-b anywhere)
            for name, offer, projects in (
                (NAME, "smollm2-test-a", PROJECTS),
                (PAIR, "smollm2-test-b", PAIR_PROJECTS),
            ):
                for region, project in projects.items():
                    body = {"name": project, "region": region}
                    _ok(api.post("/management/projects", json=body), 201)
                    created = api.post(
                        f"/management/projects/{project}/deployments",
                        json={"name": name, "offer": offer, "subscribe": True},
                    )
                    assert _ok(created, 202)["region"] == region
            for name, projects in ((NAME, PROJECTS), (PAIR, PAIR_PROJECTS)):
                for region in projects:
                    _wait_ready(api, region, name)
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
    _heading_names(page, region)


def _heading_names(page: Any, region: str) -> None:
    """The page's heading names the deployment and its region (a badge next to the name)."""
    heading = page.get_by_role("heading", level=1, name=f"{NAME} in region {region}", exact=True)
    heading.wait_for()
    badge = page.locator("#deployment-region")
    assert badge.is_visible() and badge.locator("strong").inner_text() == region


def _lists_asked(page: Any) -> list[str]:
    """The deployments lists ``page`` asks the management API for from now on (their URLs)."""
    asked: list[str] = []

    def seen(request: Any) -> None:
        if urlsplit(request.url).path == "/management/deployments":
            asked.append(request.url)

    page.on("request", seen)
    return asked


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
            _heading_names(page, region)
            assert page.locator("#region-notice").is_hidden()  # the address names the region
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


def test_an_address_without_a_region_shows_the_default_one_and_links_each_region(
    twins: ThreadServer, tmp_path: Path
) -> None:
    """An old bookmark (no ``?region=``) shows the deployment the API resolves the bare name to,
    the default region's, names that region in the heading, and says plainly that the name also
    exists in the other region, with a link to each region's page on the same tab."""
    views, _ = _state(twins.base_url)
    with admin(twins.base_url) as api:
        assert _ok(api.get(API))["region"] == "local"  # the API's answer for the bare name
    with browser_context(tmp_path / "profile", twins.base_url) as context:
        page: Any = context.new_page()  # type: ignore[attr-defined]
        sign_in_with_token(page, f"/portal/deployments/{NAME}")
        lists = _lists_asked(page)
        for label, tab in TABS:
            page.goto(f"/portal/deployments/{NAME}{tab}")
            notice = page.locator("#region-notice")
            notice.get_by_role("link").first.wait_for()
            _heading_names(page, "local")
            text = " ".join(notice.inner_text().split())
            assert f"{NAME} also exists in region eastus2." in text, label
            assert "names no region, so the page shows the one in region local." in text, label
            links = notice.get_by_role("link")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            assert hrefs == [
                f"/portal/deployments/{NAME}{tab}?region={r}" for r in sorted(PROJECTS)
            ]
            nav = page.get_by_role("navigation", name="Deployment")  # tabs keep the bare address
            href = nav.get_by_role("link", name=label, exact=True).get_attribute("href")
            assert href == f"/portal/deployments/{NAME}{tab}", label
            if label == "Details":
                page.locator("#target-url").wait_for()
                assert page.locator("#target-url").inner_text() == views["local"]["target_url"]
                screenshot(page, "regions-02-no-region-notice-details")
            if label == "Consume":
                screenshot(page, "regions-03-no-region-notice-consume")
            assert page.evaluate(UNLABELLED_CONTROLS_JS) == [], page.url
        # The notice asks for the deployments of this name only, not the whole list.
        assert len(lists) >= len(TABS)
        assert set(lists) == {f"{twins.base_url}/management/deployments?name={NAME}"}

        # Each link opens that region's page (same tab), which names its region and no notice.
        for region in ("eastus2", "local"):
            page.goto(f"/portal/deployments/{NAME}")
            notice = page.locator("#region-notice")
            notice.get_by_role("link", name=f"{NAME} in region {region}", exact=True).click()
            page.wait_for_url(f"**/portal/deployments/{NAME}?region={region}")
            _heading_names(page, region)
            page.locator("#target-url").wait_for()
            assert page.locator("#target-url").inner_text() == views[region]["target_url"]
            assert notice.is_hidden()
        screenshot(page, "regions-04-followed-notice-link")


def test_an_ambiguous_address_asks_which_region(twins: ThreadServer, tmp_path: Path) -> None:
    """A bare name in two regions, neither the default one: the API resolves nothing (409), so
    the heading names no region and the notice links each region's page."""
    with admin(twins.base_url) as api:
        assert api.get(f"/management/deployments/{PAIR}").status_code == 409
        west = _ok(api.get(f"/management/deployments/{PAIR}", params={"region": "westus"}))
    with browser_context(tmp_path / "profile", twins.base_url) as context:
        page: Any = context.new_page()  # type: ignore[attr-defined]
        sign_in_with_token(page, f"/portal/deployments/{PAIR}/consume")
        notice = page.locator("#region-notice")
        notice.get_by_role("link").first.wait_for()
        text = " ".join(notice.inner_text().split())
        assert f"{PAIR} exists in several regions and this address names none" in text
        links = notice.get_by_role("link")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert hrefs == [f"/portal/deployments/{PAIR}/consume?region={r}" for r in PAIR_PROJECTS]
        assert page.locator("#deployment-region").is_hidden()
        screenshot(page, "regions-05-ambiguous-notice")
        notice.get_by_role("link", name=f"{PAIR} in region westus", exact=True).click()
        page.wait_for_url(f"**/portal/deployments/{PAIR}/consume?region=westus")
        heading = page.get_by_role("heading", level=1, name=f"{PAIR} in region westus")
        heading.wait_for()
        assert west["target_url"] in page.locator("#consume-status").inner_text()
