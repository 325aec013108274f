"""A Llama deployment made through the normal lifecycle (tests/e2e/conftest.py ``llama``: the
Llama-dialect test offer on the embedded SmolLM2 weights, a Llama-architecture model) serves
through every dialect it speaks: Llama (``/v1/completions``, ``/v1/chat/completions`` with
best_of, logprobs, beam search), Azure AI Model Inference (``/chat/completions``, ``/info``) and
OpenAI (the openai SDK's chat and completions)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import SystemMessage, UserMessage
from azure.core.credentials import AzureKeyCredential

from modelport.engines.llamacpp.engine import LlamaCppEngine
from modelport.inference.types import Message
from modelport.models.formats import ChatMLFormat
from tests.lifecycle import Deployed, live, on_server
from tests.support import ThreadServer

pytestmark = pytest.mark.e2e

MODEL = "Meta-Llama-3-8B-Instruct"  # the test offer's model_name
SYSTEM = "You are a helpful assistant."
QUESTION = "What is the capital of France?"
MESSAGES = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]


@pytest.fixture(scope="module")
def http(llama: Deployed) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=llama.target_url, headers={"api-key": llama.key}, timeout=60) as c:
        yield c


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_the_deployment_has_its_own_engine(live_server: ThreadServer, llama: Deployed) -> None:
    deployment = live(live_server, llama.name)
    embedded = live(live_server, "smollm2-135m-instruct")
    assert deployment.engine is not embedded.engine
    assert deployment.deployment.state.value == "succeeded"
    assert deployment.offer.dialect.value == "llama"


def test_llama_chat_uses_the_models_own_template(
    live_server: ThreadServer, llama: Deployed, http: httpx.Client
) -> None:
    """SmolLM2's GGUF carries its (ChatML) template: the engine applies it, and the prompt is
    counted exactly as that template renders it."""
    data = _ok(
        http.post(
            "/v1/chat/completions",
            json={"messages": MESSAGES, "max_tokens": 6, "temperature": 0, "logprobs": 1},
        )
    )
    choice = data["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["message"]["content"]
    assert choice["finish_reason"] in ("stop", "length")
    assert "".join(choice["logprobs"]["tokens"]) == choice["message"]["content"]
    engine = live(live_server, llama.name).engine
    assert isinstance(engine, LlamaCppEngine)
    rendered = ChatMLFormat().render([Message(**m) for m in MESSAGES])
    counted = on_server(live_server, engine.tokenize(rendered, add_special=False))
    assert data["usage"]["prompt_tokens"] == len(counted)
    assert 1 <= data["usage"]["completion_tokens"] <= 6


def test_llama_completions_with_best_of_and_logprobs(http: httpx.Client) -> None:
    body = {"prompt": "Once upon a time", "max_tokens": 4, "ignore_eos": True}
    one = _ok(http.post("/v1/completions", json={**body, "logprobs": 2}))
    (choice,) = one["choices"]
    assert len(choice["logprobs"]["tokens"]) == 4
    assert all(len(top) == 2 for top in choice["logprobs"]["top_logprobs"])
    best = _ok(http.post("/v1/completions", json={**body, "best_of": 2, "n": 1}))
    assert len(best["choices"]) == 1
    assert best["usage"]["completion_tokens"] == 2 * 4  # every candidate is billed
    assert best["usage"]["prompt_tokens"] == one["usage"]["prompt_tokens"]


def test_llama_chat_with_beam_search(http: httpx.Client) -> None:
    body = {
        "messages": MESSAGES,
        "max_tokens": 4,
        "temperature": 0,
        "best_of": 2,
        "use_beam_search": True,
    }
    first = _ok(http.post("/v1/chat/completions", json=body))
    second = _ok(http.post("/v1/chat/completions", json=body))
    assert first["choices"][0]["message"]["content"]
    assert first["choices"][0]["message"] == second["choices"][0]["message"]


def test_llama_streaming_chat(http: httpx.Client) -> None:
    body = {"messages": MESSAGES, "max_tokens": 5, "stream": True, "ignore_eos": True}
    with http.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        raw = response.read().decode()
    events = raw.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    assert '"usage"' in events[-3] and '"completion_tokens":5' in events[-3].replace(" ", "")


def test_openai_sdk_streams_with_usage_on_the_llama_route(llama: Deployed) -> None:
    # vLLM, which serves Llama models as a service, takes stream_options; the openai SDK sends
    # it when asked for the usage of a stream (it was refused as an unknown parameter).
    with openai.OpenAI(base_url=f"{llama.target_url}/v1", api_key=llama.key) as client:
        chunks = list(
            client.chat.completions.create(
                model=MODEL,
                messages=MESSAGES,  # type: ignore[arg-type]
                max_tokens=5,
                temperature=0,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    *answer, last = chunks
    assert last.choices == [] and last.usage is not None and last.usage.completion_tokens == 5
    assert all(c.choices and c.usage is None for c in answer)
    assert "".join(c.choices[0].delta.content or "" for c in answer).strip()


def test_azure_chat_and_info(llama: Deployed) -> None:
    credential = AzureKeyCredential(llama.key)
    with ChatCompletionsClient(endpoint=llama.target_url, credential=credential) as azure:
        reply = azure.complete(
            messages=[SystemMessage(SYSTEM), UserMessage(QUESTION)], max_tokens=8, temperature=0
        )
        assert "Paris" in (reply.choices[0].message.content or "")
        assert reply.model == MODEL and reply.usage.completion_tokens > 0
        info = azure.get_model_info()
    assert (info.model_name, info.model_type, info.model_provider_name) == (
        MODEL,
        "chat_completion",
        "Meta",
    )


def test_openai_sdk_chat_and_completions(llama: Deployed) -> None:
    with openai.OpenAI(base_url=llama.target_url, api_key=llama.key) as client:
        chat = client.chat.completions.create(
            model=MODEL, messages=MESSAGES, max_tokens=8, temperature=0
        )
        assert "Paris" in (chat.choices[0].message.content or "")
        text = client.completions.create(
            model=MODEL, prompt="The capital of France is", max_tokens=4, temperature=0
        )
    assert text.choices[0].text.strip()
    assert text.usage is not None and text.usage.completion_tokens == 4


def test_the_llama_dialect_validates_what_llama_sends(http: httpx.Client) -> None:
    response = http.post(
        "/v1/completions",
        json={"prompt": "hi", "use_beam_search": True, "best_of": 2, "temperature": 0.7},
    )
    assert response.status_code == 400, response.text
    assert "temperature" in response.text
