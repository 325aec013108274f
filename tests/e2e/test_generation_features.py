"""Generation features on the real engine: JSON mode by constrained sampling, best_of, beam
search, stop_token_ids, and the Llama dialect's logprobs and streaming."""

from __future__ import annotations

import concurrent.futures
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.lifecycle import Deployed
from tests.support import EMBEDDED, ThreadServer, keys_of

pytestmark = pytest.mark.e2e

SUBJECTS = [
    "a cat",
    "the Moon",
    "Paris",
    "a bicycle",
    "coffee",
    "a violin",
    "the ocean",
    "a tree",
    "winter",
    "a robot",
    # not "chess": SmolLM2 answers {"name": "chess", "colour": "black"}, which the shipped
    # classifier blocks as hate (0.43 against 0.42), a known false block (docs/content-safety.md)
    "a lemon",
    "bread",
    "a river",
    "the Sun",
    "a book",
    "a mountain",
    "rain",
    "a dog",
    "a train",
    "honey",
]


@pytest.fixture(scope="module")
def http(llama: Deployed) -> Iterator[httpx.Client]:
    """The deployed Llama-dialect offer (see tests/e2e/conftest.py), at its Target URL."""
    with httpx.Client(base_url=llama.target_url, headers={"api-key": llama.key}, timeout=120) as c:
        yield c


@pytest.fixture(scope="module")
def embedded(live_server: ThreadServer) -> Iterator[httpx.Client]:
    key = keys_of(live_server.base_url)["primary"]
    target = f"{live_server.base_url}/deployments/{EMBEDDED}"
    with httpx.Client(base_url=target, headers={"api-key": key}, timeout=120) as client:
        yield client


SHORT_OBJECT = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 20},
        "colour": {"type": "string", "maxLength": 12},
    },
    "required": ["name", "colour"],
    "additionalProperties": False,
}


def test_json_mode_is_parseable_for_20_prompts(embedded: httpx.Client) -> None:
    """Sampling is constrained by a grammar, so every answer parses (a bounded schema keeps the
    135M model's answers short; ``json_object`` is proven in the SDK tests)."""

    def ask(subject: str) -> tuple[str, str]:
        body = {
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": f"Describe {subject} as JSON: its name and colour."},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "thing", "schema": SHORT_OBJECT},
            },
            "max_tokens": 48,
            "temperature": 0,
        }
        response = embedded.post("/chat/completions", json=body)
        assert response.status_code == 200, response.text
        choice = response.json()["choices"][0]
        return choice["message"]["content"], choice["finish_reason"]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(ask, SUBJECTS))
    assert len({text for text, _ in answers}) > 10, "the prompts should give different answers"
    for text, finish in answers:
        assert finish == "stop", f"cut off: {text!r}"
        assert set(json.loads(text)) == {"name", "colour"}


def _complete(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = http.post("/v1/completions", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_best_of_bills_every_candidate(http: httpx.Client) -> None:
    one = _complete(http, prompt="Once upon a time", max_tokens=8, ignore_eos=True)
    best = _complete(http, prompt="Once upon a time", max_tokens=8, ignore_eos=True, best_of=3, n=1)
    assert len(best["choices"]) == 1 and best["choices"][0]["index"] == 0
    assert best["usage"]["prompt_tokens"] == one["usage"]["prompt_tokens"]
    assert best["usage"]["completion_tokens"] == 3 * 8
    assert best["choices"][0]["logprobs"] is None  # not asked for


def test_best_of_returns_the_n_best_by_mean_logprob(http: httpx.Client) -> None:
    data = _complete(http, prompt="My favourite fruit is", max_tokens=5, best_of=4, n=2, logprobs=1)
    means = [
        sum(c["logprobs"]["token_logprobs"]) / len(c["logprobs"]["token_logprobs"])
        for c in data["choices"]
    ]
    assert [c["index"] for c in data["choices"]] == [0, 1]
    assert means[0] >= means[1]


def test_beam_search_is_deterministic(http: httpx.Client) -> None:
    body = {
        "prompt": "The best way to learn a language is",
        "max_tokens": 8,
        "best_of": 3,
        "n": 2,
        "use_beam_search": True,
        "temperature": 0,
    }
    first = _complete(http, **body)
    second = _complete(http, **body)
    texts = [c["text"] for c in first["choices"]]
    assert texts == [c["text"] for c in second["choices"]]
    assert len(texts) == 2 and texts[0] != texts[1] and all(texts)
    # Every explored token is billed: at least one per step of the best beam.
    assert first["usage"]["completion_tokens"] >= 8


def test_beam_search_finds_a_likelier_sequence_than_greedy(http: httpx.Client) -> None:
    prompt = "Q: What is two plus two?\nA:"
    greedy = _complete(http, prompt=prompt, max_tokens=6, temperature=0, logprobs=1)
    beam = _complete(
        http,
        prompt=prompt,
        max_tokens=6,
        temperature=0,
        best_of=4,
        use_beam_search=True,
        logprobs=1,
    )
    g = greedy["choices"][0]["logprobs"]["token_logprobs"]
    b = beam["choices"][0]["logprobs"]["token_logprobs"]
    assert sum(b) / len(b) >= sum(g) / len(g) - 1e-3


def test_stop_token_ids_stop_and_keep_the_token(
    http: httpx.Client, live_server: ThreadServer
) -> None:
    prompt = "The capital of France is"
    free = _complete(http, prompt=prompt, max_tokens=12, temperature=0, logprobs=1)
    tokens = free["choices"][0]["logprobs"]["tokens"]
    assert len(tokens) >= 4
    engine = live_server.services.registry.get("local", EMBEDDED).engine  # type: ignore[union-attr]
    import asyncio

    future = asyncio.run_coroutine_threadsafe(
        engine.tokenize(tokens[2], add_special=False),  # type: ignore[union-attr]
        live_server.loop,
    )
    (stop_id,) = future.result(30)
    stopped = _complete(http, prompt=prompt, max_tokens=12, temperature=0, stop_token_ids=[stop_id])
    choice = stopped["choices"][0]
    assert choice["text"] == "".join(tokens[:3])
    assert choice["finish_reason"] == "stop"
    assert stopped["usage"]["completion_tokens"] == 3
    assert stopped["usage"]["prompt_tokens"] == free["usage"]["prompt_tokens"]


def test_llama_chat_logprobs_use_the_completions_shape(http: httpx.Client) -> None:
    body = {
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
        "max_tokens": 5,
        "temperature": 0,
        "logprobs": 2,
    }
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    choice = response.json()["choices"][0]
    lp = choice["logprobs"]
    assert set(lp) >= {"tokens", "token_logprobs", "top_logprobs", "text_offsets"}
    assert "".join(lp["tokens"]) == choice["message"]["content"]
    assert lp["text_offsets"][0] == 0 and all(len(t) == 2 for t in lp["top_logprobs"])


def test_llama_streaming(http: httpx.Client) -> None:
    body = {"prompt": "Once upon a time", "max_tokens": 6, "stream": True, "ignore_eos": True}
    with http.stream("POST", "/v1/completions", json=body) as response:
        assert response.status_code == 200
        raw = response.read().decode()
    events = raw.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    last = json.loads(events[-3].removeprefix("data: "))
    assert last["choices"][0]["finish_reason"] == "length"
    assert last["usage"]["completion_tokens"] == 6
    text = "".join(json.loads(e[6:])["choices"][0]["text"] for e in events[:-2])
    assert text
