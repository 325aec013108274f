"""Blocklist matching and scoping; the external moderation plug-in against a loopback stand-in
server (Azure AI Content Safety and OpenAI moderation shapes); the guard formats' parsing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from modelport.policy.safety import Category, Ensemble, SafetyPolicy, Severity, load_classifier
from modelport.policy.safety.blocklist import (
    Blocklist,
    BlocklistInvalid,
    BlocklistItem,
    BlocklistSet,
    ItemKind,
    validate,
)
from modelport.policy.safety.guard import (
    VERDICT_GRAMMARS,
    GuardModelClassifier,
    llama_guard_prompt,
    parse_llama_guard,
    parse_shieldgemma,
)


def test_blocklist_exact_terms_patterns_and_scope() -> None:
    lists = BlocklistSet()
    lists.replace(
        [
            Blocklist(
                "platform",
                (BlocklistItem("blue bird"), BlocklistItem(r"code-\d{4}", ItemKind.PATTERN)),
            ),
            Blocklist("mine", (BlocklistItem("zorg"),), deployment_id="d1"),
        ]
    )
    mine, other = lists.for_deployment("d1"), lists.for_deployment("d2")
    assert mine.check("About the BLUE BÏRD project") == ("platform",)
    assert mine.check("bluebirds") == ()  # whole words only
    assert mine.check("ref CODE-1234 and Zorg") == ("platform", "mine")
    assert other.check("zorg") == ()
    result = Ensemble([load_classifier("lexicon")]).classify("zorg").with_blocklists(("mine",))
    assert SafetyPolicy.serverless().blocks(result)
    annotation = result.content_filter_result(SafetyPolicy.serverless())
    assert annotation["custom_blocklists"] == {
        "filtered": True,
        "details": [{"id": "mine", "filtered": True}],
    }
    with pytest.raises(BlocklistInvalid):
        validate(Blocklist("ok", (BlocklistItem("(", ItemKind.PATTERN),)))
    with pytest.raises(BlocklistInvalid):
        validate(Blocklist("no spaces", (BlocklistItem("x"),)))


class StandIn(BaseHTTPRequestHandler):
    """Answers like Azure AI Content Safety and OpenAI moderation, from the text it gets."""

    seen: list[tuple[str, dict[str, str], dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.seen.append((self.path, dict(self.headers), body))
        text = body.get("text") or body.get("input") or ""
        violent = "attack" in text
        if "fail" in text:
            self.send_response(503)
            self.end_headers()
            return
        if self.path.startswith("/contentsafety/text:analyze"):
            answer: dict[str, Any] = {
                "categoriesAnalysis": [
                    {"category": "Hate", "severity": 0},
                    {"category": "Violence", "severity": 6 if violent else 0},
                ]
            }
        else:
            answer = {
                "results": [
                    {
                        "flagged": violent,
                        "categories": {"violence": violent},
                        "category_scores": {"violence": 0.9 if violent else 0.01, "hate": 0.3},
                    }
                ]
            }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def stand_in() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("shape", ["azure", "openai"])
def test_external_service_over_loopback(stand_in: str, shape: str) -> None:
    plugin = load_classifier(
        "external", options={"url": stand_in, "api_key": "k-123", "shape": shape}
    )
    bad = plugin.classify("we attack at dawn")
    assert bad.violence == Severity.HIGH
    assert plugin.classify("a quiet morning").violence == Severity.SAFE
    path, headers, body = StandIn.seen[-1]
    if shape == "azure":
        assert path == "/contentsafety/text:analyze?api-version=2024-09-01"
        assert headers["Ocp-Apim-Subscription-Key"] == "k-123"
        assert body["outputType"] == "FourSeverityLevels"
    else:
        assert path == "/v1/moderations" and headers["Authorization"] == "Bearer k-123"
        assert plugin.classify("a quiet morning").hate == Severity.LOW
    with pytest.raises(Exception):  # noqa: B017 - the ensemble turns any failure into a 500
        plugin.classify("please fail")


def test_guard_formats() -> None:
    assert "S11: Suicide & Self-Harm." in llama_guard_prompt("hello")
    assert parse_llama_guard("safe").max_severity == Severity.SAFE
    unsafe = parse_llama_guard("unsafe\nS4,S10")
    assert unsafe.sexual == Severity.HIGH and unsafe.hate == Severity.MEDIUM
    assert parse_llama_guard("unsafe\nS2").max_severity == Severity.SAFE  # outside the four
    with pytest.raises(ValueError):
        parse_llama_guard("I cannot help with that")
    assert parse_shieldgemma("Yes, the prompt violates") and not parse_shieldgemma("No.")
    assert Category.HATE.value == "hate"


class RecordingHost:
    """A stand-in for the platform's engines (the real route is tested end to end)."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, int]] = []
        self.extras: list[dict[str, object] | None] = []

    def complete(
        self,
        deployment: str,
        prompt: str,
        *,
        max_tokens: int,
        timeout: float,
        extra: dict[str, object] | None = None,
    ) -> str:
        self.calls.append((deployment, prompt, max_tokens))
        self.extras.append(extra)
        return self.answers.pop(0)


def test_guard_asks_its_deployment_through_the_host() -> None:
    guard = load_classifier("guard", options={"deployment": "llama-guard-3-1b"})
    assert isinstance(guard, GuardModelClassifier)
    with pytest.raises(RuntimeError, match="not attached"):
        guard.classify("hello")  # no route to the engines yet: the ensemble fails closed
    ensemble = Ensemble([guard])
    host = RecordingHost(["safe", "unsafe\nS11"])
    ensemble.attach(host)
    assert ensemble.classify("What is the capital of France?").max_severity == Severity.SAFE
    assert ensemble.classify("I want to end it all").self_harm == Severity.MEDIUM
    deployment, prompt, _ = host.calls[0]
    assert deployment == "llama-guard-3-1b" and "User: What is the capital of France?" in prompt
    gemma = GuardModelClassifier(deployment="shieldgemma-2b", format="shieldgemma")
    host = RecordingHost(["No", "Yes", "No", "No"])
    gemma.attach(host)
    assert gemma.classify("some text").sexual == Severity.MEDIUM
    assert len(host.calls) == 4  # one policy per category
    with pytest.raises(ValueError):
        GuardModelClassifier(deployment="x", format="nope")
    assert host.extras == [None] * 4  # no grammar unless asked for


def test_guard_grammar_option_constrains_the_answer_to_verdicts() -> None:
    guard = load_classifier("guard", options={"deployment": "g", "grammar": True})
    assert isinstance(guard, GuardModelClassifier)
    host = RecordingHost(["unsafe\nS1"])
    guard.attach(host)
    assert guard.classify("text").violence == Severity.MEDIUM
    assert host.extras == [{"grammar": VERDICT_GRAMMARS["llama-guard-3"]}]
    gemma = GuardModelClassifier(deployment="g", format="shieldgemma", grammar="true")
    host = RecordingHost(["No"] * 4)
    gemma.attach(host)
    gemma.classify("text")
    assert host.extras == [{"grammar": VERDICT_GRAMMARS["shieldgemma"]}] * 4
