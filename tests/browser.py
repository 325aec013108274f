"""Real headless Chromium (Debian's ``chromium``) driven by Playwright, for the portal tests.

``playwright install`` cannot download browsers here, so the system Chromium is used; tests skip
with the reason when it is missing (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import ADMIN_TOKEN

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / ".artifacts" / "screenshots"


def chromium_path() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.skip("Chromium is not installed: `apt-get install -y chromium` (.ci/run does it)")
    return found


@contextmanager
def browser_context(profile_dir: Path, base_url: str) -> Iterator[object]:
    """A fresh Chromium profile with clipboard access, yielding a Playwright BrowserContext."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            base_url=base_url,
            viewport={"width": 1280, "height": 900},
            permissions=["clipboard-read", "clipboard-write"],
            # The portal's CSP forbids eval; the test's own probes (wait_for_function, evaluate)
            # are evaluated as strings, so the test context bypasses it. The CSP header itself
            # is asserted in test_portal_http.
            bypass_csp=True,
        )
        try:
            yield context
        finally:
            context.close()


def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    # Headless Chromium: after a full-page capture of a page taller than the viewport, clicks
    # below the fold are lost until the page scrolls again (actions scroll to their target).
    page.evaluate("() => window.scrollTo(0, 0)")  # type: ignore[attr-defined]
    return path


UNLABELLED_CONTROLS_JS = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((e) => e.type !== 'hidden' && e.offsetParent !== null)
  .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                 && !e.getAttribute('aria-labelledby')
                 && !(e.tagName === 'BUTTON' && e.textContent.trim()))
  .map((e) => e.outerHTML.slice(0, 80))"""


def sign_in_with_token(page: object, path: str, token: str = ADMIN_TOKEN) -> None:
    """Open the portal at ``path``, sign in on the sign-in page it leads to with ``token``, and
    wait until ``path`` is shown."""
    page.goto(path)  # type: ignore[attr-defined]
    page.get_by_label("Token", exact=True).fill(token)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in with the token").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"**{path}")  # type: ignore[attr-defined]
