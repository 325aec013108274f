"""The portal's blocklists page in real headless Chromium against a live server: create a list,
see it, edit it onto one deployment, get the server's refusal of a bad pattern in place, delete
it through the confirmation dialog. Every change is checked through the management API, and the
list is checked to block a prompt on the data plane while it exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import UNLABELLED_CONTROLS_JS, browser_context, screenshot, sign_in_with_token
from tests.support import EMBEDDED, ThreadServer, admin, keys_of

pytestmark = pytest.mark.e2e

PATH = "/management/content-safety/blocklists"


def _stored(base_url: str, name: str) -> dict[str, Any] | None:
    with admin(base_url) as client:
        response = client.get(f"{PATH}/{name}")
    return None if response.status_code == 404 else response.json()


def _chat(base_url: str, text: str) -> httpx.Response:
    key = keys_of(base_url)["primary"]
    return httpx.post(
        f"{base_url}/deployments/{EMBEDDED}/v1/chat/completions",
        headers={"api-key": key},
        json={"messages": [{"role": "user", "content": text}], "max_tokens": 4},
        timeout=120,
    )


def test_blocklists_page(live_server: ThreadServer, tmp_path: Path) -> None:
    base_url = live_server.base_url
    with browser_context(tmp_path / "profile", base_url) as context:
        page: Any = context.new_page()  # type: ignore[attr-defined]
        sign_in_with_token(page, "/portal/content-safety/blocklists")
        page.get_by_text("No custom blocklists yet.").wait_for()
        assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
        assert page.get_by_role("link", name="Blocklists").get_attribute("aria-current") == "page"

        # Create a platform-wide list with a term and a pattern.
        page.get_by_label("Name", exact=True).fill("codenames")
        page.get_by_label("Description").fill("Internal project names")
        page.get_by_label("Exact terms, one per line").fill("Bluebird\nNightjar")
        page.get_by_label("Patterns, one per line").fill(r"proj-\d{4}")
        page.get_by_role("button", name="Save blocklist").click()
        page.get_by_text("codenames saved: 3 entries").wait_for()
        row = page.locator('tr[data-name="codenames"]')
        row.wait_for()
        assert "All deployments" in row.inner_text() and "Bluebird, Nightjar" in row.inner_text()
        stored = _stored(base_url, "codenames")
        assert stored is not None and stored["scope"] == "platform"
        assert {"text": r"proj-\d{4}", "kind": "pattern"} in stored["items"]
        blocked = _chat(base_url, "What is the status of proj-1234?")
        assert blocked.status_code == 400, blocked.text
        screenshot(page, "blocklists-01-created")

        # The server's refusal of a bad pattern shows in place; nothing changes.
        page.get_by_role("button", name="Edit codenames").click()
        assert page.get_by_label("Name", exact=True).input_value() == "codenames"
        page.get_by_label("Patterns, one per line").fill("(unclosed")
        page.get_by_role("button", name="Save blocklist").click()
        page.get_by_text("Not saved:").wait_for()
        assert "not valid" in page.locator("#editor-status").inner_text()
        assert _stored(base_url, "codenames") == stored

        # Edit it onto the embedded deployment only.
        page.get_by_label("Patterns, one per line").fill("")
        page.get_by_label("Applies to").select_option(label=f"{EMBEDDED} (local)")
        page.get_by_role("button", name="Save blocklist").click()
        page.get_by_text("codenames saved: 2 entries").wait_for()
        page.locator('tr[data-name="codenames"]', has_text=EMBEDDED).wait_for()
        stored = _stored(base_url, "codenames")
        assert stored is not None and stored["scope"] == "deployment"
        assert stored["deployment"] == EMBEDDED and len(stored["items"]) == 2
        assert _chat(base_url, "What is the status of proj-1234?").status_code == 200
        assert _chat(base_url, "Tell me about Nightjar.").status_code == 400
        screenshot(page, "blocklists-02-edited")

        # Delete through the dialog: cancel first, then confirm.
        page.get_by_role("button", name="Delete codenames").click()
        page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
        assert _stored(base_url, "codenames") is not None
        page.get_by_role("button", name="Delete codenames").click()
        page.get_by_role("dialog").get_by_role("button", name="Delete").click()
        page.get_by_text("codenames deleted.").wait_for()
        assert _stored(base_url, "codenames") is None
        assert page.locator('tr[data-name="codenames"]').count() == 0
