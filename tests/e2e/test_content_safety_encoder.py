"""The ``encoder`` classifier end to end: configured the operator's way on a live gateway, with
the real encoder (multilingual-e5-small from the ``encoder`` extra) and the real embedded
deployment, prompts and completions judged by it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelport.policy.safety import Ensemble
from modelport.policy.safety.encoder import EncoderClassifier
from tests.support import EMBEDDED, ThreadServer, keys_of, serving, settings_for

pytestmark = pytest.mark.e2e

HARMFUL = "Je vais te tuer ce soir, je sais où tu habites."  # French: "I will kill you tonight"
BENIGN = "Name three fruits that are red."


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    data_dir: Path = tmp_path_factory.mktemp("encoded")
    # A generous check budget: this tests the wiring, on a machine that also runs other suites.
    settings = settings_for(data_dir, safety_classifiers=["encoder"], safety_timeout=30)
    with serving(settings) as server:
        yield server


def _chat(server: ThreadServer, text: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/deployments/{EMBEDDED}/v1/chat/completions",
        headers={"api-key": keys_of(server.base_url)["primary"]},
        json={"messages": [{"role": "user", "content": text}], "max_tokens": 24, "temperature": 0},
        timeout=120,
    )


def test_the_setting_puts_the_encoder_alone_in_the_ensemble(encoded: ThreadServer) -> None:
    moderation = encoded.services.pipeline.moderation
    assert moderation is not None
    ensemble = moderation.service.classifier
    assert isinstance(ensemble, Ensemble) and ensemble.name == "encoder"
    (member,) = ensemble.members
    assert isinstance(member, EncoderClassifier) and member.inline_chars == 0


def test_a_harmful_prompt_is_refused_before_the_engine(encoded: ThreadServer) -> None:
    response = _chat(encoded, HARMFUL)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "content_filter"
    assert error["content_filter_result"]["violence"]["filtered"] is True


def test_a_benign_prompt_is_answered_and_its_completion_judged(encoded: ThreadServer) -> None:
    response = _chat(encoded, BENIGN)
    assert response.status_code == 200, response.text
    body = response.json()
    (prompt,) = body["prompt_filter_results"]
    violence = prompt["content_filter_results"]["violence"]
    assert violence["filtered"] is False and violence["severity"] in ("safe", "low")
    choice = body["choices"][0]
    assert choice["message"]["content"]
    # The completion went through the same classifier, window by window: annotated, not cut.
    assert set(choice["content_filter_results"]) >= {"hate", "sexual", "violence", "self_harm"}


def test_with_completions_default_the_encoder_judges_prompts_only(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    settings = settings_for(
        tmp_path_factory.mktemp("prompts-only"),
        safety_classifiers=["encoder"],
        safety_plugin_options={"encoder": {"completions": "default"}},
        safety_timeout=30,
    )
    with serving(settings) as server:
        moderation = server.services.pipeline.moderation
        assert moderation is not None
        ensemble = moderation.service.classifier
        assert isinstance(ensemble, Ensemble)
        (member,) = ensemble.members
        assert isinstance(member, EncoderClassifier) and member.completions == "default"
        assert _chat(server, HARMFUL).status_code == 400
        answered = _chat(server, BENIGN)
        assert answered.status_code == 200, answered.text
        assert "violence" in answered.json()["choices"][0]["content_filter_results"]
