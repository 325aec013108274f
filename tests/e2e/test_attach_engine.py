"""A server someone already runs, attached as the engine of a serverless deployment through the
CLI (``--engine openai_compat --engine-url --engine-key-file``): here a real llama.cpp server
(the llama.cpp worker with the embedded SmolLM2), declared as one (``--engine-wire llamacpp``),
serving the ``Meta-Llama-3-8B-Instruct`` offer through every dialect it speaks, each call
metered; and another Modelport's deployment, a standard OpenAI-compatible server, with JSON
mode passed on as ``response_format`` and llama.cpp's extensions refused. Beam search, which
only Modelport's own llama.cpp engine runs, is refused on both, unmetered. The server's key is
stored encrypted and never shown again; a URL that carries credentials is refused without being
echoed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import UserMessage
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError

from tests.cli_support import cli, cli_json
from tests.llamacpp_upstream import llamacpp_server
from tests.support import EMBEDDED, ThreadServer, admin, keys_of

pytestmark = pytest.mark.e2e

OFFER = "Meta-Llama-3-8B-Instruct"
PROJECT = "attached"
NAME = "llama-attached"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A llama.cpp server on loopback, with its own key: (base URL, key)."""
    with llamacpp_server(tmp_path_factory.mktemp("upstream")) as server:
        yield server


@pytest.fixture(scope="module")
def attached(
    own_server: ThreadServer, upstream: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    base, upstream_key = upstream
    key_file = tmp_path_factory.mktemp("secret") / "upstream.key"
    key_file.write_text(upstream_key + "\n")
    cli_json(own_server, "projects", "create", PROJECT)
    try:
        refused = cli(
            own_server, "deploy", OFFER, "-p", PROJECT, "-n", NAME, "--subscribe",
            "--engine", "openai_compat", "--engine-url", f"http://admin:{upstream_key}@127.0.0.1:1",
        )  # fmt: skip
        assert refused.returncode != 0 and "422" in refused.stderr
        assert "must not carry credentials" in refused.stderr
        assert upstream_key not in refused.stderr + refused.stdout
        wrong = cli(
            own_server, "deploy", OFFER, "-p", PROJECT, "-n", NAME, "--subscribe",
            "--engine", "openai_compat", "--engine-url", base, "--threads", "2",
        )  # fmt: skip
        assert wrong.returncode != 0 and "does not take the option --threads" in wrong.stderr
        unknown = cli(
            own_server, "deploy", OFFER, "-p", PROJECT, "-n", NAME, "--subscribe",
            "--engine", "openai_compat", "--engine-url", base, "--engine-wire", "tgi",
        )  # fmt: skip
        assert unknown.returncode != 0 and "'openai', 'llamacpp' or 'vllm'" in unknown.stderr
        deployed = cli(
            own_server, "deploy", OFFER, "-p", PROJECT, "-n", NAME, "--subscribe",
            "--engine", "openai_compat", "--engine-url", f"{base}/v1",
            "--engine-key-file", str(key_file), "--engine-wire", "llamacpp",
        )  # fmt: skip
        assert deployed.returncode == 0, deployed.stderr
        assert upstream_key not in deployed.stdout + deployed.stderr
        yield (
            f"{own_server.base_url}/deployments/{NAME}",
            keys_of(own_server.base_url, NAME)["primary"],
        )
    finally:
        cli(own_server, "deployments", "delete", NAME)
        cli(own_server, "subscriptions", "delete", OFFER, "-p", PROJECT)
        cli(own_server, "projects", "delete", PROJECT)


def test_the_attached_engine_is_shown_without_its_key(
    own_server: ThreadServer, upstream: tuple[str, str], attached: tuple[str, str]
) -> None:
    base, upstream_key = upstream
    shown = cli_json(own_server, "deployments", "show", NAME)
    assert shown["engine"] == "openai_compat" and shown["readiness"] == "ready"
    assert shown["engine_options"]["url"] == base
    assert shown["engine_options"]["api_key"] == "(stored encrypted, not shown)"
    assert shown["engine_options"]["wire"] == shown["engine_status"]["wire"] == "llamacpp"
    assert shown["engine_status"]["context"] == 2048  # what the server gives one request
    text = cli(own_server, "deployments", "show", NAME).stdout
    assert base in text and "openai_compat" in text
    with admin(own_server.base_url) as api:
        every = api.get("/management/deployments").text + api.get("/management/catalog").text
    assert upstream_key not in every + text + json.dumps(shown)
    log_dir = Path(own_server.settings.data_dir)
    stored = b"".join(p.read_bytes() for p in log_dir.rglob("*.db*") if p.is_file())
    assert upstream_key.encode() not in stored  # encrypted at rest


def _usage(server: ThreadServer, name: str = NAME) -> tuple[int, int, int]:
    with admin(server.base_url) as api:
        report = api.get("/management/usage", params={"by": "deployment"}).json()
    rows = [r for r in report["data"] if r["deployment"] == name]
    if not rows:
        return 0, 0, 0
    return rows[0]["requests"], rows[0]["prompt_tokens"], rows[0]["completion_tokens"]


def test_every_dialect_through_the_attached_server_is_metered(
    own_server: ThreadServer, attached: tuple[str, str]
) -> None:
    url, key = attached
    before = _usage(own_server)
    used = [0, 0]

    def count(usage: object) -> None:
        used[0] += usage.prompt_tokens  # type: ignore[attr-defined]
        used[1] += usage.completion_tokens  # type: ignore[attr-defined]

    with ChatCompletionsClient(endpoint=url, credential=AzureKeyCredential(key)) as azure:
        # Greedy throughout: this test is about metering; a sampled short reply is cut now and
        # then by the default classifier's known false blocks (docs/content-safety.md).
        reply = azure.complete(messages=[UserMessage("What is 2+2?")], max_tokens=6, temperature=0)
        assert reply.choices[0].message.content and reply.model == OFFER
        count(reply.usage)
    with openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0) as llama:
        chat = llama.chat.completions.create(
            model=OFFER,
            messages=[{"role": "user", "content": "Hello"}],
            max_tokens=6,
            temperature=0,
        )
        assert chat.choices[0].message.content
        count(chat.usage)
        # Greedy: this test is about metering; a sampled continuation of a story can be cut by
        # the default classifier's known false blocks on fiction (docs/content-safety.md).
        completion = llama.completions.create(
            model=OFFER, prompt="Once upon a time", max_tokens=5, temperature=0
        )
        assert completion.choices[0].text and completion.usage is not None
        assert completion.usage.completion_tokens <= 5
        count(completion.usage)
        pieces, usage = [], None
        for chunk in llama.chat.completions.create(
            model=OFFER, messages=[{"role": "user", "content": "Hello"}], max_tokens=6, stream=True
        ):
            pieces.extend(c.delta.content or "" for c in chunk.choices)
            usage = chunk.usage or usage  # the Llama dialect: usage in the last chunk
        assert "".join(pieces) and usage is not None
        count(usage)
    with openai.OpenAI(base_url=url, api_key=key, max_retries=0) as plain:
        legacy = plain.completions.create(model=OFFER, prompt="Hello", max_tokens=3)
        assert legacy.usage is not None  # /completions: the OpenAI dialect
        count(legacy.usage)

    deadline = time.monotonic() + 20
    after = _usage(own_server)
    while after[0] < before[0] + 5 and time.monotonic() < deadline:
        time.sleep(0.2)
        after = _usage(own_server)
    assert after[0] - before[0] == 5
    assert (after[1] - before[1], after[2] - before[2]) == (used[0], used[1])


def test_llamacpps_extensions_reach_a_server_declared_as_llamacpp(
    attached: tuple[str, str],
) -> None:
    """The Llama dialect's ``ignore_eos`` goes to the attached llama.cpp server: a one-word
    answer runs on to ``max_tokens``."""
    url, key = attached
    body = {
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "What is the capital of France?"},
        ],
        "max_tokens": 24,
        "temperature": 0,
    }
    with httpx.Client(base_url=url, headers={"api-key": key}, timeout=60) as http:
        short = http.post("/v1/chat/completions", json=body)
        assert short.status_code == 200, short.text
        assert short.json()["choices"][0]["finish_reason"] == "stop"
        assert short.json()["usage"]["completion_tokens"] < 24
        long = http.post("/v1/chat/completions", json={**body, "ignore_eos": True})
        assert long.status_code == 200, long.text
        assert long.json()["choices"][0]["finish_reason"] == "length"
        assert long.json()["usage"]["completion_tokens"] == 24


BEAM = {
    "prompt": "Q: 2+2?\nA:",
    "max_tokens": 4,
    "best_of": 2,
    "use_beam_search": True,
    "temperature": 0,
}


def test_what_only_modelports_own_engines_run_is_refused_and_not_metered(
    own_server: ThreadServer, attached: tuple[str, str]
) -> None:
    """Beam search runs on Modelport's own llama.cpp worker only (on llama.cpp's native API):
    an attached server, even one declared as llama.cpp, would sample instead. Refused with a 400
    in the Llama dialect's shape before admission, like ``skip_special_tokens: false`` (which
    llama.cpp has no switch for); nothing is generated or metered."""
    url, key = attached
    beam = BEAM
    special = {"prompt": "Hello", "max_tokens": 4, "skip_special_tokens": False}
    before = _usage(own_server)
    with httpx.Client(base_url=url, headers={"api-key": key}, timeout=60) as http:
        for route, body, param in (
            ("/v1/completions", beam, "use_beam_search"),
            ("/v1/chat/completions", _as_chat(beam), "use_beam_search"),
            ("/v1/completions", special, "skip_special_tokens"),
        ):
            refused = http.post(route, json=body)
            assert refused.status_code == 400, refused.text
            error = refused.json()
            assert error == {
                "object": "error",
                "message": error["message"],
                "type": "BadRequestError",
                "param": param,
                "code": 400,
            }
            assert f"{param}" in error["message"] and "not supported" in error["message"]
        # Without them, the same call is served (and metered).
        served = http.post("/v1/completions", json={**beam, "use_beam_search": False})
        assert served.status_code == 200, served.text
    deadline = time.monotonic() + 20
    while _usage(own_server)[0] < before[0] + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)  # a refused call, had it been metered, would show by now
    assert _usage(own_server)[0] == before[0] + 1


def _as_chat(body: dict[str, object]) -> dict[str, object]:
    chat = {k: v for k, v in body.items() if k != "prompt"}
    return {**chat, "messages": [{"role": "user", "content": body["prompt"]}]}


ANSWER = {
    "type": "object",
    "properties": {"answer": {"type": "string", "maxLength": 20}},
    "required": ["answer"],
    "additionalProperties": False,
}


def _json_calls(client: openai.OpenAI) -> int:
    """JSON mode through the OpenAI SDK, both forms, whole and streamed: each answer parses.
    The number of calls made."""
    forms: list[dict[str, object]] = [
        {"type": "json_object"},
        {"type": "json_schema", "json_schema": {"name": "answer", "schema": ANSWER}},
    ]
    question = 'Give a JSON object with the key "answer": the capital of France.'
    messages = [{"role": "user", "content": question}]
    calls = 0
    for form in forms:
        reply = client.chat.completions.create(
            model=EMBEDDED,
            messages=messages,  # type: ignore[arg-type]
            response_format=form,  # type: ignore[arg-type]
            max_tokens=64,
            temperature=0,
        )
        assert reply.choices[0].finish_reason == "stop", "the JSON should end before max_tokens"
        whole = json.loads(reply.choices[0].message.content or "")
        assert isinstance(whole, dict) and "Paris" in whole["answer"]
        if form["type"] == "json_schema":
            assert set(whole) == {"answer"}
        pieces, reasons = [], []
        for chunk in client.chat.completions.create(
            model=EMBEDDED,
            messages=messages,  # type: ignore[arg-type]
            response_format=form,  # type: ignore[arg-type]
            max_tokens=64,
            temperature=0,
            stream=True,
        ):
            for c in chunk.choices:
                pieces.append(c.delta.content or "")
                reasons.append(c.finish_reason)
        assert "stop" in reasons
        assert json.loads("".join(pieces)) == whole  # greedy: the same answer
        calls += 2
    return calls


def test_a_modelport_deployment_attached_as_the_engine_of_another(
    own_server: ThreadServer, tmp_path: Path
) -> None:
    """One Modelport deployment as the engine of another: the attaching side finds the model
    through the upstream's /v1/models and calls its /v1 routes with its key, over HTTP like any
    client. Both live on this module's own server, so that each side's usage is its own (the
    shared live server's usage of the embedded deployment moves with other modules' requests)."""
    cli_json(own_server, "projects", "create", "relay-up")
    cli_json(own_server, "projects", "create", "relay")
    try:
        up = cli(
            own_server, "deploy", EMBEDDED, "-p", "relay-up", "-n", "relay-upstream",
            "--subscribe", "--slots", "2", "--context", "2048",
        )  # fmt: skip
        assert up.returncode == 0, up.stderr
        upstream = f"{own_server.base_url}/deployments/relay-upstream"
        key_file = tmp_path / "upstream.key"
        key_file.write_text(keys_of(own_server.base_url, "relay-upstream")["primary"] + "\n")
        deployed = cli(
            own_server, "deploy", EMBEDDED, "-p", "relay", "-n", "relayed", "--subscribe",
            "--engine", "openai_compat", "--engine-url", f"{upstream}/v1",
            "--engine-key-file", str(key_file),
        )  # fmt: skip
        assert deployed.returncode == 0, deployed.stderr
        shown = cli_json(own_server, "deployments", "show", "relayed")
        assert shown["readiness"] == "ready"
        assert shown["engine_status"]["model"] == EMBEDDED  # the one /v1/models lists
        url = f"{own_server.base_url}/deployments/relayed"
        key = keys_of(own_server.base_url, "relayed")["primary"]
        with openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0) as client:
            reply = client.chat.completions.create(
                model=EMBEDDED,
                messages=[{"role": "user", "content": "What is the capital of France?"}],
                max_tokens=16,
                temperature=0,
            )
            assert "Paris" in (reply.choices[0].message.content or "")
            assert reply.usage is not None and reply.usage.completion_tokens > 0
            pieces = [
                c.choices[0].delta.content or ""
                for c in client.chat.completions.create(
                    model=EMBEDDED,
                    messages=[{"role": "user", "content": "Hello"}],
                    max_tokens=6,
                    temperature=0,
                    stream=True,
                )
                if c.choices
            ]
            assert "".join(pieces)
            completion = client.completions.create(
                model=EMBEDDED, prompt="The capital of France is", max_tokens=4, temperature=0
            )
            assert completion.choices[0].text
            # JSON mode reaches the upstream as OpenAI's response_format, which it constrains.
            made = 3 + _json_calls(client)
        # llama.cpp's top_k (here passed through by the Azure dialect) is refused by the relay,
        # in the caller's dialect, before anything is admitted: the upstream would refuse it.
        azure = ChatCompletionsClient(endpoint=url, credential=AzureKeyCredential(key))
        with azure, pytest.raises(HttpResponseError) as refused:
            azure.complete(messages=[UserMessage("Hello")], max_tokens=4, model_extras={"top_k": 3})
        assert refused.value.status_code == 400
        assert refused.value.error is not None
        assert refused.value.error.code == "unsupported_parameter"
        assert "top_k is not supported by this deployment" in str(refused.value.message)
        # A Llama offer relayed the same way: beam search, which the upstream Modelport would run
        # only on its own llama.cpp engine, is refused in the Llama dialect's shape, not sampled.
        llama = cli(
            own_server, "deploy", OFFER, "-p", "relay", "-n", "relayed-llama", "--subscribe",
            "--engine", "openai_compat", "--engine-url", f"{upstream}/v1",
            "--engine-key-file", str(key_file),
        )  # fmt: skip
        assert llama.returncode == 0, llama.stderr
        llama_key = keys_of(own_server.base_url, "relayed-llama")["primary"]
        with httpx.Client(
            base_url=f"{own_server.base_url}/deployments/relayed-llama",
            headers={"api-key": llama_key},
            timeout=60,
        ) as http:
            beam = http.post("/v1/completions", json=BEAM)
        assert beam.status_code == 400, beam.text
        assert beam.json()["object"] == "error" and beam.json()["param"] == "use_beam_search"
        # Each call metered on both sides: as the relay's, and as the upstream deployment's.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            _usage(own_server, "relayed")[0] < made
            or _usage(own_server, "relay-upstream")[0] < made
        ):
            time.sleep(0.2)
        time.sleep(0.5)  # a refused call, had it been metered, would show by now
        relayed, upstream_usage = (
            _usage(own_server, "relayed"),
            _usage(own_server, "relay-upstream"),
        )
        assert relayed[0] == upstream_usage[0] == made
        assert relayed == upstream_usage  # the relay bills the tokens the upstream reports
        assert _usage(own_server, "relayed-llama") == (0, 0, 0)
    finally:
        cli(own_server, "deployments", "delete", "relayed-llama")
        cli(own_server, "subscriptions", "delete", OFFER, "-p", "relay")
        for name, project in (("relayed", "relay"), ("relay-upstream", "relay-up")):
            cli(own_server, "deployments", "delete", name)
            cli(own_server, "subscriptions", "delete", EMBEDDED, "-p", project)
            cli(own_server, "projects", "delete", project)
