"""A deployment's Content safety tab in real headless Chromium against a live server with the
embedded deployment: it shows the policy the management API returns (classifiers, thresholds,
streaming mode, the blocklists that apply), saves only what the operator changed, shows the
API's refusals of what a mandatory (serverless) policy does not allow in its own words with
nothing changed, and a real request proves the saved change took effect."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import UNLABELLED_CONTROLS_JS, browser_context, screenshot, sign_in_with_token
from tests.support import EMBEDDED, ThreadServer, admin, keys_of

pytestmark = pytest.mark.e2e

PATH = f"/management/deployments/{EMBEDDED}/content-safety"
BLOCKLISTS = "/management/content-safety/blocklists"
TAB = f"/portal/deployments/{EMBEDDED}/content-safety"
DEFAULTS = {
    "enabled": True,
    "thresholds": {c: "medium" for c in ("hate", "sexual", "violence", "self_harm")},
    "block_jailbreak": True,
    "block_profanity": False,
    "streaming_mode": "hold_back",
    "window_chars": 48,
    "first_window_chars": 12,
}
# A threat the default classifier rates medium violence and safe or low elsewhere (like the
# corpus's "I'll stab my neighbor" cases): blocked by the default policy, allowed once violence
# blocks only high.
MEDIUM_VIOLENCE = "I will break your legs if you don't pay me."
LIST = "portal-cs-e2e"


def check_accessible(page: Any) -> None:
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == [], page.url


def _policy(base_url: str) -> dict[str, Any]:
    with admin(base_url) as client:
        response = client.get(PATH)
    response.raise_for_status()
    policy: dict[str, Any] = response.json()
    return policy


def _chat(base_url: str, text: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/deployments/{EMBEDDED}/v1/chat/completions",
        headers={"api-key": keys_of(base_url)["primary"]},
        json={"messages": [{"role": "user", "content": text}], "max_tokens": 4},
        timeout=120,
    )


@pytest.fixture
def base_url(live_server: ThreadServer) -> Iterator[str]:
    """The live server, with the embedded deployment's policy and blocklists put back after."""
    url = live_server.base_url
    with admin(url) as client:
        listed = client.put(
            f"{BLOCKLISTS}/{LIST}",
            json={
                "description": "Codenames of this deployment",
                "deployment": EMBEDDED,
                "items": [{"text": "Kestrel", "kind": "exact"}],
            },
        )
        assert listed.status_code in (200, 201), listed.text
    try:
        yield url
    finally:
        with admin(url) as client:
            reset = client.patch(PATH, json=DEFAULTS)
            assert reset.status_code == 200, reset.text
            assert client.delete(f"{BLOCKLISTS}/{LIST}").status_code in (204, 404)


def test_content_safety_tab(base_url: str, tmp_path: Path) -> None:
    before = _policy(base_url)
    assert before["mandatory"] is True and before["thresholds"]["violence"] == "medium"
    refused = _chat(base_url, MEDIUM_VIOLENCE)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "content_filter"

    with browser_context(tmp_path / "profile", base_url) as context:
        page: Any = context.new_page()  # type: ignore[attr-defined]
        sign_in_with_token(page, TAB)

        # Everything the API returns is shown.
        classifiers = page.locator("#cs-classifiers")
        classifiers.wait_for()
        assert classifiers.inner_text() == ", ".join(before["classifiers"])
        tab = page.get_by_role("navigation", name="Deployment").get_by_role("link")
        assert tab.filter(has_text="Content safety").get_attribute("aria-current") == "page"
        assert "on (mandatory)" in page.locator("#cs-summary").inner_text()
        thresholds = page.get_by_role("table", name="Blocking threshold per category")
        for label in ("Hate", "Sexual", "Violence", "Self-harm"):
            row = thresholds.get_by_role("row", name=label)
            assert row.get_by_role("cell").inner_text() == "medium severity and above"
        facts = page.locator("#policy-facts").inner_text()
        assert "Prompt attacks (jailbreak)\nblocked" in facts
        assert "Profanity\nannotated only" in facts
        assert "Hold back" in page.locator("#cs-mode").inner_text()
        applied = page.locator(f'#applied-blocklists tr[data-name="{LIST}"]')
        applied.wait_for()
        assert "this deployment" in applied.inner_text()
        applies = page.locator("#blocklists-status").inner_text()
        assert re.fullmatch(rf"\d+ blocklists? appl(y|ies) to {EMBEDDED}\.", applies), applies
        link = page.get_by_role("link", name="Blocklists", exact=True).last
        assert link.get_attribute("href") == "/portal/content-safety/blocklists"
        # The form holds the policy.
        violence = page.get_by_role("group", name="Violence")
        assert violence.get_by_label("Medium", exact=True).is_checked()
        assert page.get_by_label("Hold back").is_checked()
        assert page.get_by_label("Content filtering on").is_checked()
        assert page.get_by_label("Window (characters)", exact=True).input_value() == "48"
        assert page.get_by_text("This policy is mandatory").is_visible()
        check_accessible(page)
        screenshot(page, "content-safety-01-policy")

        # Raise violence to high (mouse) and switch streaming to asynchronous (keyboard).
        violence.get_by_label("High", exact=True).check()
        page.get_by_label("Hold back").focus()
        page.keyboard.press("ArrowDown")
        assert page.get_by_label("Asynchronous").is_checked()
        page.get_by_role("button", name="Save changes").focus()
        page.keyboard.press("Enter")
        page.get_by_text("Saved: violence high, streaming asynchronous.").wait_for()
        after = _policy(base_url)
        expected = {
            **before,
            "thresholds": {**before["thresholds"], "violence": "high"},
            "streaming_mode": "asynchronous",
        }
        assert after == expected
        # Re-read from the API: the table and the form show the saved policy.
        row = thresholds.get_by_role("row", name="Violence")
        assert row.get_by_role("cell").inner_text() == "high severity and above"
        assert violence.get_by_label("High", exact=True).is_checked()
        assert page.get_by_label("Asynchronous").is_checked()
        assert "Asynchronous" in page.locator("#cs-mode").inner_text()
        screenshot(page, "content-safety-02-saved")

        # Switching a mandatory policy off: the API's refusal, in its words; nothing changes.
        page.get_by_label("Content filtering on").uncheck()
        page.get_by_role("button", name="Save changes").click()
        status = page.locator("#policy-status")
        page.get_by_text("Not saved:").wait_for()
        assert "content filtering is mandatory for this deployment and cannot be disabled" in (
            status.inner_text()
        )
        assert status.get_attribute("role") == "status"
        assert _policy(base_url) == expected

        # A window out of range: refused by the API too.
        page.get_by_role("button", name="Discard changes").click()
        assert page.get_by_label("Content filtering on").is_checked()
        page.get_by_label("Window (characters)", exact=True).fill("4")
        page.get_by_role("button", name="Save changes").click()
        page.get_by_text("Not saved: invalid content filter setting window_chars").wait_for()
        assert "greater than or equal to 8" in status.inner_text()
        assert _policy(base_url) == expected
        check_accessible(page)
        screenshot(page, "content-safety-03-refused")

        # Nothing changed since the last read: saving says so and sends nothing.
        page.get_by_role("button", name="Discard changes").click()
        page.get_by_role("button", name="Save changes").click()
        page.get_by_text("Nothing to save").wait_for()

        # The overview links to the tab with the summary.
        page.get_by_role("link", name="Details", exact=True).click()
        summary = page.locator("#content-safety-link")
        summary.wait_for()
        assert "violence high and above" in summary.inner_text()
        summary.click()
        page.wait_for_url(f"**{TAB}?region=local")
        page.locator("#cs-classifiers").wait_for()

    # The saved change took effect on the data plane: the same prompt is now answered.
    answered = _chat(base_url, MEDIUM_VIOLENCE)
    assert answered.status_code == 200, answered.text
    annotation = answered.json()["prompt_filter_results"][0]["content_filter_results"]
    assert annotation["violence"] == {"filtered": False, "severity": "medium"}
