"""Context and lengths on real engines, in every dialect's own error shape: a request whose
prompt plus ``max_tokens`` exceeds the deployment's context is a 400 before any generation;
``max_tokens`` defaults fit the context; a reservation that can never fit the deployment's tokens
per minute is a 400, not an endless 429; and a pass-through ``n_predict`` (llama.cpp's own length
knob) cannot make the engine generate more than the request reserved.

The deployments run with a 512-token context per request (``engine_options.context``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from tests.support import ThreadServer, admin, keys_of, wait_ready

pytestmark = pytest.mark.e2e

PROJECT = "ctx-lab"
CONTEXT = 512
DEPLOYMENTS = {  # name -> test offer (and so /v1 dialect)
    "ctx-openai": "smollm2-test-b",
    "ctx-ai21": "test-jamba-smollm2",
    "ctx-llama": "test-llama-smollm2",
}
HELLO = [{"role": "user", "content": "Say hello."}]


@pytest.fixture(scope="module")
def targets(own_server: ThreadServer) -> Iterator[dict[str, tuple[str, str]]]:
    base = own_server.base_url
    with admin(base) as api:
        assert api.post("/management/projects", json={"name": PROJECT}).status_code == 201
        try:
            for name, offer in DEPLOYMENTS.items():
                created = api.post(
                    f"/management/projects/{PROJECT}/deployments",
                    json={
                        "name": name,
                        "offer": offer,
                        "subscribe": True,
                        "engine_options": {"context": CONTEXT, "slots": 1},
                    },
                )
                assert created.status_code == 202, created.text
                assert created.json()["engine_options"] == {"context": CONTEXT, "slots": 1}
            found = {}
            for name in DEPLOYMENTS:
                ready = wait_ready(base, name)
                assert ready["engine_status"]["context"] == CONTEXT
                found[name] = (ready["target_url"], keys_of(base, name)["primary"])
            yield found
        finally:
            for name, offer in DEPLOYMENTS.items():
                api.delete(f"/management/deployments/{name}")
                api.delete(f"/management/projects/{PROJECT}/subscriptions/{offer}")
            api.delete(f"/management/projects/{PROJECT}")


def _post(
    target: tuple[str, str], path: str, body: dict[str, Any], **headers: str
) -> httpx.Response:
    url, key = target
    return httpx.post(f"{url}{path}", json=body, headers={"api-key": key, **headers}, timeout=60)


def test_over_the_context_is_400_in_each_dialects_shape(
    targets: dict[str, tuple[str, str]],
) -> None:
    too_long = {"messages": HELLO, "max_tokens": CONTEXT}
    # Azure AI Model Inference: {"error": {code, message, target, details}} + x-ms-error-code.
    azure = _post(
        targets["ctx-openai"], "/chat/completions?api-version=2024-05-01-preview", too_long
    )
    assert (
        azure.status_code == 400 and azure.headers["x-ms-error-code"] == "context_length_exceeded"
    )
    error = azure.json()["error"]
    assert (error["code"], error["target"], error["details"]) == (
        "context_length_exceeded",
        "max_tokens",
        [],
    )
    assert f"more than this deployment's context of {CONTEXT} tokens" in error["message"]
    assert "retry-after" not in azure.headers
    # OpenAI: {"error": {message, type, param, code}}.
    openai_shape = _post(targets["ctx-openai"], "/v1/chat/completions", too_long)
    assert openai_shape.status_code == 400
    assert openai_shape.json()["error"]["type"] == "invalid_request_error"
    assert openai_shape.json()["error"]["code"] == "context_length_exceeded"
    completions = _post(targets["ctx-openai"], "/completions", {"prompt": "Hi", "max_tokens": 600})
    assert completions.status_code == 400
    assert completions.json()["error"]["param"] == "max_tokens"
    # AI21: {"detail", "code", "param"}; a 400 (the request is valid, it just does not fit).
    ai21 = _post(
        targets["ctx-ai21"],
        "/v1/chat/completions",
        {"model": "jamba-1.5-mini", **too_long},
    )
    assert ai21.status_code == 400
    assert ai21.json()["code"] == "context_length_exceeded"
    assert ai21.json()["param"] == "max_tokens" and "ask for at most" in ai21.json()["detail"]
    # Llama (vLLM-style): {"object": "error", message, type, param, code: 400}.
    llama = _post(targets["ctx-llama"], "/v1/completions", {"prompt": "Hi", "max_tokens": CONTEXT})
    assert llama.status_code == 400
    body = llama.json()
    assert (body["object"], body["type"], body["code"]) == ("error", "BadRequestError", 400)
    # The real SDK sees a 400 it does not retry.
    url, key = targets["ctx-openai"]
    with (
        openai.OpenAI(base_url=url, api_key=key, max_retries=2) as client,
        pytest.raises(openai.BadRequestError, match="context"),
    ):
        client.chat.completions.create(
            model="smollm2-test-b",
            messages=HELLO,  # type: ignore[arg-type]
            max_tokens=CONTEXT,
        )


def test_max_tokens_defaults_fit_the_context(targets: dict[str, tuple[str, str]]) -> None:
    # AI21's default max_tokens is 4096: more than the whole context, so it shrinks to fit.
    reply = _post(
        targets["ctx-ai21"],
        "/v1/chat/completions",
        {"model": "jamba-1.5-mini", "messages": HELLO, "stop": ["."]},
    )
    assert reply.status_code == 200, reply.text
    usage = reply.json()["usage"]
    assert usage["prompt_tokens"] + usage["completion_tokens"] <= CONTEXT


def test_a_reservation_over_the_tokens_per_minute_is_400_not_429(
    own_server: ThreadServer, targets: dict[str, tuple[str, str]]
) -> None:
    with admin(own_server.base_url) as api:
        limited = api.patch(
            "/management/deployments/ctx-openai/limits", json={"tokens_per_minute": 300}
        )
        assert limited.status_code == 200, limited.text
        try:
            big = _post(
                targets["ctx-openai"], "/chat/completions", {"messages": HELLO, "max_tokens": 400}
            )
            assert big.status_code == 400, big.text
            assert big.json()["error"]["code"] == "request_too_large"
            assert "(300 tokens)" in big.json()["error"]["message"]
            assert "retry-after" not in big.headers
            small = _post(
                targets["ctx-openai"], "/chat/completions", {"messages": HELLO, "max_tokens": 8}
            )
            assert small.status_code == 200, small.text
        finally:
            api.put("/management/deployments/ctx-openai/limits", json={})


def test_n_predict_passed_through_cannot_exceed_the_reservation(
    targets: dict[str, tuple[str, str]],
) -> None:
    passthrough = {"extra-parameters": "pass-through"}
    body = {"messages": HELLO, "max_tokens": 1, "n_predict": 200, "temperature": 1.0}
    reply = _post(targets["ctx-openai"], "/chat/completions", body, **passthrough)
    assert reply.status_code == 200, reply.text
    assert reply.json()["usage"]["completion_tokens"] == 1
    assert reply.json()["choices"][0]["finish_reason"] == "length"
    refused = _post(
        targets["ctx-openai"],
        "/chat/completions",
        {"messages": HELLO, "max_tokens": 4, "best_of": 20},
        **passthrough,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "unknown_parameter"
    assert "'best_of' cannot be passed through" in refused.json()["error"]["message"]
