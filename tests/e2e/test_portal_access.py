"""The portal's access pages in real headless Chromium against a live server: the admin adds a
local user, assigns them a role on a project, removes it through the confirmation dialog,
disables and enables them, and finds those calls in the audit log filtered by action. A user
whose role does not include principals/read and audit/read signs in with their password and is
told which permission they need, instead of a table. Every change is checked through the
management API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser import UNLABELLED_CONTROLS_JS, browser_context, screenshot, sign_in_with_token
from tests.support import ThreadServer, admin

pytestmark = pytest.mark.e2e

PROJECT = "access-e2e"
USER = "dana.portal"
LIMITED = "erin.portal"
PASSWORD = "correct horse battery staple"


def check_accessible(page: Any) -> None:
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == [], page.url


def _project(base_url: str) -> None:
    with admin(base_url) as client:
        created = client.post("/management/projects", json={"name": PROJECT})
        assert created.status_code in (201, 409), created.text


def _principal(base_url: str, name: str) -> dict[str, Any] | None:
    with admin(base_url) as client:
        response = client.get(f"/management/principals/{name}")
    return None if response.status_code == 404 else response.json()


def _assignments(base_url: str, name: str) -> list[dict[str, Any]]:
    with admin(base_url) as client:
        response = client.get("/management/role-assignments")
    response.raise_for_status()
    return [a for a in response.json()["data"] if a["principal"] == name]


def test_people_roles_and_audit_pages(live_server: ThreadServer, tmp_path: Path) -> None:
    base_url = live_server.base_url
    _project(base_url)
    with browser_context(tmp_path / "profile", base_url) as context:
        page: Any = context.new_page()  # type: ignore[attr-defined]
        sign_in_with_token(page, "/portal/access")
        page.locator('tr[data-principal="admin"]').wait_for()
        owner = page.locator('tr[data-principal="admin"]')
        assert "Owner @ platform" in owner.inner_text() and "Admin token" in owner.inner_text()
        assert owner.get_by_role("button").count() == 0  # the server keeps its Owner role
        assert page.get_by_role("link", name="Access").get_attribute("aria-current") == "page"
        check_accessible(page)

        # The server's refusal shows in place, in its own words; nothing is created.
        page.get_by_label("Name", exact=True).fill(USER)
        page.get_by_label("Password (optional)").fill("short")
        page.get_by_role("button", name="Add user").click()
        page.get_by_text("Not added: a password needs at least 12 characters").wait_for()
        assert _principal(base_url, USER) is None

        # Add a local user.
        page.get_by_label("Name", exact=True).fill(USER)
        page.get_by_label("E-mail (optional)").fill("dana@example.com")
        page.get_by_label("Password (optional)").fill(PASSWORD)
        page.get_by_role("button", name="Add user").click()
        page.get_by_text(f"{USER} added with a local password").wait_for()
        assert page.get_by_label("Password (optional)").input_value() == ""
        row = page.locator(f'tr[data-principal="{USER}"]')
        row.wait_for()
        assert "Local password" in row.inner_text() and "No roles" in row.inner_text()
        assert "Single sign-on" not in row.inner_text()
        stored = _principal(base_url, USER)
        assert stored is not None and stored["has_password"] and stored["kind"] == "user"
        assert stored["email"] == "dana@example.com"

        # Assign them AI Developer on the project (the new user is already chosen).
        assert page.get_by_label("Principal", exact=True).input_value() == USER
        page.get_by_label("Role", exact=True).select_option("AI Developer")
        page.get_by_label("Scope", exact=True).select_option(PROJECT)
        page.get_by_role("button", name="Assign role").click()
        page.get_by_text(f"AI Developer assigned to {USER} on {PROJECT}.").wait_for()
        row.get_by_text(f"AI Developer @ {PROJECT}").wait_for()
        held = _assignments(base_url, USER)
        assert [(a["role"], a["project"]) for a in held] == [("AI Developer", PROJECT)]
        page.get_by_role("button", name="Assign role").click()
        page.get_by_text(f"{USER} already holds AI Developer on {PROJECT}.").wait_for()
        assert len(_assignments(base_url, USER)) == 1
        check_accessible(page)
        screenshot(page, "access-01-people")

        # Remove it through the dialog: cancel first (with the keyboard), then confirm.
        remove = f"Remove AI Developer on {PROJECT} from {USER}"
        page.get_by_role("button", name=remove).click()
        dialog = page.get_by_role("dialog")
        assert "Remove the role AI Developer" in dialog.inner_text()
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden")
        assert len(_assignments(base_url, USER)) == 1
        page.get_by_role("button", name=remove).click()
        dialog.get_by_role("button", name="Remove").click()
        page.get_by_text(f"AI Developer on {PROJECT} removed from {USER}.").wait_for()
        assert _assignments(base_url, USER) == []
        row.get_by_text("No roles").wait_for()

        # Disable (confirmed) and enable again.
        row.get_by_role("button", name=f"Disable {USER}").click()
        dialog.get_by_role("button", name="Disable").click()
        page.get_by_text(f"{USER} disabled.").wait_for()
        assert (_principal(base_url, USER) or {})["disabled"] is True
        assert "Disabled" in row.inner_text()
        row.get_by_role("button", name=f"Enable {USER}").click()
        page.get_by_text(f"{USER} enabled.").wait_for()
        assert (_principal(base_url, USER) or {})["disabled"] is False

        # The audit log holds those calls, newest first; filter by action.
        page.get_by_role("link", name="Audit log", exact=True).click()
        page.wait_for_url("**/portal/access/audit")
        page.locator("#audit tbody tr").first.wait_for()
        assert page.get_by_role("link", name="Access").get_attribute("aria-current") == "page"
        page.get_by_label("Action", exact=True).fill("roles/assign")
        page.get_by_label("Principal", exact=True).fill("admin")
        page.get_by_role("button", name="Apply filters").click()
        page.get_by_text("matching the filters").wait_for()
        assert page.url.endswith("/portal/access/audit?principal=admin&action=roles%2Fassign")
        rows = page.locator("#audit tbody tr")
        texts = [rows.nth(i).inner_text() for i in range(rows.count())]
        assert texts and all("roles/assign" in t for t in texts)
        assert "DELETE /management/role-assignments/" in texts[0]  # newest first
        assert "POST /management/role-assignments" in texts[1]
        assert any("POST /management/role-assignments" in t and "200" in t for t in texts)
        assert "succeeded" in texts[0]
        check_accessible(page)
        screenshot(page, "access-02-audit")

        # The user's own events: disabling and enabling are principals/write calls.
        page.get_by_label("Action", exact=True).fill("principals/write")
        page.get_by_label("Principal", exact=True).fill("")
        page.get_by_role("button", name="Apply filters").click()
        page.get_by_text("matching the filters").wait_for()
        paths = page.locator("#audit tbody tr").all_inner_texts()
        assert sum(f"PATCH /management/principals/{USER}" in t for t in paths) == 2
        weak = [t for t in paths if "POST /management/principals" in t and "422" in t]
        assert weak and all("failed" in t for t in weak)

        # Pages of ten, then ten more (twelve conflicting project creations, 409, fill the log).
        with admin(base_url) as client:
            for _ in range(12):
                client.post("/management/projects", json={"name": PROJECT})  # 409: exists
            total = len(client.get("/management/audit", params={"limit": 1000}).json()["data"])
        assert total > 20
        page.get_by_label("Rows per page").select_option("10")
        page.get_by_label("Action", exact=True).fill("")
        page.get_by_role("button", name="Apply filters").click()
        page.get_by_text("10 events, newest first; older ones with Load more.").wait_for()
        assert page.locator("#audit tbody tr").count() == 10
        page.get_by_role("button", name="Load more").click()
        page.get_by_text("20 events, newest first").wait_for()
        assert page.locator("#audit tbody tr").count() == 20
        assert page.evaluate("document.activeElement.id") == "load-more"

        # Each principal's row links to their own events.
        page.get_by_role("link", name="People and roles").click()
        page.get_by_role("link", name="Audit log of admin").click()
        page.wait_for_url("**/portal/access/audit?principal=admin")
        page.get_by_text("matching the filters").wait_for()
        assert page.get_by_label("Principal", exact=True).input_value() == "admin"
        mine = page.locator("#audit tbody tr td:nth-child(2)").all_inner_texts()
        assert mine and all(t.startswith("admin") for t in mine)


def test_a_principal_without_the_permission_is_told_what_it_needs(
    live_server: ThreadServer, tmp_path: Path
) -> None:
    base_url = live_server.base_url
    _project(base_url)
    with admin(base_url) as client:
        made = client.post("/management/principals", json={"name": LIMITED, "password": PASSWORD})
        assert made.status_code == 201, made.text
        body = {"principal": LIMITED, "role": "AI Developer", "project": PROJECT}
        assigned = client.post("/management/role-assignments", json=body)
        assert assigned.status_code == 201, assigned.text
        assert client.get("/management/audit").json()["data"]  # there is a log to withhold
    with browser_context(tmp_path / "profile", base_url) as context:
        page: Any = context.new_page()  # type: ignore[attr-defined]
        page.goto("/portal/access/audit")
        page.wait_for_url("**/portal/sign-in?next=/portal/access/audit")
        page.get_by_label("User name").fill(LIMITED)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url("**/portal/access/audit")
        page.get_by_text("You need the audit/read permission").wait_for()
        assert page.locator("#audit").is_hidden() and page.locator("#audit tbody tr").count() == 0
        assert page.locator("#audit-filters").is_hidden()
        assert page.locator(".principal").inner_text() == LIMITED
        check_accessible(page)
        screenshot(page, "access-03-audit-refused")

        page.get_by_role("link", name="People and roles").click()
        page.wait_for_url("**/portal/access")
        page.get_by_text("You need the principals/read permission to see the principals").wait_for()
        assert page.locator("#principals").is_hidden()
        assert page.get_by_role("heading", name="Add a user").is_hidden()
        # The role form offers only the principals its own assignments name.
        assert page.get_by_label("Principal", exact=True).locator("option").all_inner_texts() == [
            LIMITED
        ]
        assert page.locator('tr[data-principal="admin"]').count() == 0
        check_accessible(page)
