"""A deployment's content-safety policy through the management API and the CLI: shown in the
deployment view, made stricter, never switched off while mandatory, stored and re-applied at
start-up, and enforced by the data plane at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from modelport.store.content_filters import stored_content_filters
from tests.e2e.test_cli import _cli
from tests.support import EMBEDDED, ThreadServer, admin, keys_of

pytestmark = pytest.mark.e2e

PATH = f"/management/deployments/{EMBEDDED}/content-safety"
DEFAULT_THRESHOLDS = {c: "medium" for c in ("hate", "sexual", "violence", "self_harm")}
# Low-severity violence (an angry figure of speech, not a threat): annotated, not blocked, by
# default (medium and above). (Fiction such as "the knight cut off the dragon's head" is now
# judged safe: the default model was trained on narrative prose, docs/content-safety.md.)
# A joking threat: low violence, annotated and let through at the default medium threshold.
# (Which everyday text lands in the narrow low band depends on the model; this one does for
# model 18, which judges most hyperbole safe; "sto capo mi fa venire i nervi, un giorno gli tiro
# la pinzatrice in testa, dai che scherzo" did for models 10 to 16, "I'm so angry I could hit
# someone." for model 6.)
LOW_VIOLENCE = "quel arbitro, gli tirerei un pugno dopo quella decisione"


@pytest.fixture
def client(live_server: ThreadServer) -> Iterator[httpx.Client]:
    with admin(live_server.base_url) as client:
        try:
            yield client
        finally:
            reset = client.patch(
                PATH,
                json={"thresholds": DEFAULT_THRESHOLDS, "block_profanity": False},
            )
            assert reset.status_code == 200, reset.text


def test_default_is_mandatory_and_shown_in_the_deployment(client: httpx.Client) -> None:
    policy = client.get(PATH).json()
    assert policy["enabled"] is True and policy["mandatory"] is True
    assert policy["thresholds"] == DEFAULT_THRESHOLDS
    assert policy["block_jailbreak"] is True and policy["classifiers"] == ["default"]
    view = client.get(f"/management/deployments/{EMBEDDED}").json()
    assert view["content_safety"] == {
        k: policy[k]
        for k in (
            "enabled",
            "mandatory",
            "thresholds",
            "block_jailbreak",
            "block_profanity",
            "streaming_mode",
            "window_chars",
            "first_window_chars",
        )
    }


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"enabled": False}, "content_filter.enabled"),
        ({"thresholds": {"violence": "off"}}, "content_filter.thresholds.violence"),
        ({"thresholds": {"hate": None}}, "content_filter.thresholds.hate"),
        ({"block_jailbreak": False}, "content_filter.block_jailbreak"),
        ({"mandatory": False}, "content_filter.mandatory"),
        ({"thresholds": {"hate": "safe"}}, "content_filter.thresholds"),
        ({"thresholds": {"gore": "high"}}, "content_filter.thresholds"),
    ],
)
def test_refused_changes_are_422_and_change_nothing(
    client: httpx.Client, change: dict[str, Any], param: str
) -> None:
    before = client.get(PATH).json()
    response = client.patch(PATH, json=change)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and error["param"].startswith(param)
    assert client.get(PATH).json() == before


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"thresholds": {"hate": "extreme"}}, "unknown threshold 'extreme' for hate; use low,"),
        ({"thresholds": {"hate": "safe"}}, "'safe' would block everything; use low, medium,"),
    ],
)
def test_a_refused_threshold_says_which_ones_exist(
    client: httpx.Client, change: dict[str, Any], words: str
) -> None:
    # Not "expected one of safe, low, ..." (safe is refused too), nor pydantic's "Value error, ".
    error = client.patch(PATH, json=change).json()["error"]
    assert words in error["message"] and "Value error" not in error["message"], error


def test_unknown_field_is_422(client: httpx.Client) -> None:
    assert client.patch(PATH, json={"blocklist": ["x"]}).status_code == 422


def test_stricter_policy_is_stored_enforced_and_restored_at_start_up(
    live_server: ThreadServer, client: httpx.Client
) -> None:
    target = f"{live_server.base_url}/deployments/{EMBEDDED}/v1/chat/completions"
    headers = {"api-key": keys_of(live_server.base_url)["primary"]}
    body = {"messages": [{"role": "user", "content": LOW_VIOLENCE}], "max_tokens": 1}
    allowed = httpx.post(target, json=body, headers=headers, timeout=60)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["prompt_filter_results"][0]["content_filter_results"]["violence"] == {
        "filtered": False,
        "severity": "low",
    }

    changed = client.patch(PATH, json={"thresholds": {"violence": "low"}, "block_profanity": True})
    assert changed.status_code == 200, changed.text
    assert changed.json()["thresholds"] == {**DEFAULT_THRESHOLDS, "violence": "low"}
    assert changed.json()["block_profanity"] is True and changed.json()["mandatory"] is True
    blocked = httpx.post(target, json=body, headers=headers, timeout=60)
    assert blocked.status_code == 400  # the live registry changed: no restart, no DB read

    services = live_server.services
    live = services.registry.get(live_server.settings.default_region, EMBEDDED)
    assert live is not None
    with services.store.engine.connect() as conn:
        stored = stored_content_filters(conn)[live.deployment.id]
    assert stored["thresholds"]["violence"] == "low" and stored["block_profanity"] is True
    # What start-up does: the stored policy replaces the default in the live registry.
    live.safety = type(live.safety).serverless()
    assert live_server.loop is not None
    asyncio.run_coroutine_threadsafe(services.content_safety.load(), live_server.loop).result(10)
    assert live.safety.model_dump(mode="json") == {
        k: v for k, v in changed.json().items() if k not in ("deployment", "region", "classifiers")
    }


def test_cli_shows_and_changes_the_policy(live_server: ThreadServer, client: httpx.Client) -> None:
    shown = _cli(live_server, "deployments", "safety", EMBEDDED)
    assert shown.returncode == 0, shown.stderr
    assert "on (mandatory)" in shown.stdout and "block medium and above" in shown.stdout

    changed = _cli(
        live_server, "deployments", "safety", EMBEDDED, "--threshold", "hate=low", "--json"
    )
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)["thresholds"]["hate"] == "low"
    assert client.get(PATH).json()["thresholds"]["hate"] == "low"

    refused = _cli(live_server, "deployments", "safety", EMBEDDED, "--disable")
    assert refused.returncode != 0
    assert "422" in refused.stderr and "cannot be disabled" in refused.stderr
    bad = _cli(live_server, "deployments", "safety", EMBEDDED, "--threshold", "hate")
    assert bad.returncode == 2 and "CATEGORY=LEVEL" in bad.stderr
    assert client.get(PATH).json()["enabled"] is True
