"""The real catalog offers, deployed the documented way on a CPU machine: ``jamba-1.5-mini`` and
``Meta-Llama-3-8B-Instruct`` in the default region, their GGUF weights registered with
``modelport models import`` (the generated tiny Jamba GGUF; the embedded SmolLM2 file as a
Llama-architecture stand-in), deployed with ``modelport deploy`` and called with the ``ai21``,
``azure-ai-inference`` and ``openai`` SDKs, streamed and not.

The tiny Jamba's weights are random, so its text is gibberish: those calls assert structure
(tokens, usage, finish reasons), never content.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openai
import pytest
from ai21 import AI21AzureClient
from ai21.models.chat import ChatMessage, UserMessage
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import SystemMessage
from azure.ai.inference.models import UserMessage as AzureUser
from azure.core.credentials import AzureKeyCredential

from modelport.domain.catalog import Catalog, builtin_offers_dir
from modelport.models.tiny_jamba import ensure_tiny_jamba
from modelport.models.weights import package_file
from tests.cli_support import cli, cli_json
from tests.support import ThreadServer, admin, keys_of

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'from_dict' method is deprecated:DeprecationWarning"),
]

JAMBA = "jamba-1.5-mini"
LLAMA = "Meta-Llama-3-8B-Instruct"
PROJECT = "real-offers"
SYSTEM = "You are a helpful assistant."
QUESTION = "What is the capital of France?"


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    key: str


def _smollm2() -> Path:
    offer = Catalog.load(builtin_offers_dir()).embedded()
    assert offer.weights.package and offer.weights.gguf_file
    path = package_file(offer.weights.package, offer.weights.gguf_file)
    assert path is not None
    return path


@pytest.fixture(scope="module")
def deployed(
    own_server: ThreadServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Target]]:
    tiny = ensure_tiny_jamba(tmp_path_factory.mktemp("tiny-jamba"))
    # A GGUF of the wrong architecture is refused, and nothing is stored.
    wrong = cli(own_server, "models", "import", JAMBA, str(_smollm2()))
    assert wrong.returncode != 0
    assert "holds a model of architecture 'llama', but 'jamba-1.5-mini' is a jamba model" in (
        wrong.stderr
    )
    imported = cli_json(own_server, "models", "import", JAMBA, str(tiny))
    assert (imported["architecture"], imported["how"]) == ("jamba", "linked")
    assert imported["path"].endswith("/models/jamba-1.5-mini/AI21-Jamba-1.5-Mini.Q4_K_M.gguf")
    llama = cli_json(own_server, "models", "import", LLAMA, str(_smollm2()), "--copy")
    assert (llama["architecture"], llama["how"]) == ("llama", "copied")
    listed = {(m["offer"], m["layout"]): m for m in cli_json(own_server, "models", "list")}
    assert listed[(JAMBA, "gguf")]["repo"] == f"import:{tiny.name}"
    assert listed[(JAMBA, "gguf")]["files"][0]["verified"] is True

    # With engine and weights present, the catalog (and so the portal) calls them deployable.
    with admin(own_server.base_url) as api:
        catalog = {o["id"]: o for o in api.get("/management/catalog").json()["data"]}
    for offer in (JAMBA, LLAMA):
        assert catalog[offer]["availability"]["deployable"] is True
        assert catalog[offer]["availability"]["engine"] == "llamacpp"
        assert "local" in catalog[offer]["regions_here"]

    project = cli_json(own_server, "projects", "create", PROJECT)
    assert project["region"] == "local"  # the default region of a fresh install
    targets = {}
    try:
        # Jamba with options of our choosing; Llama with the defaults.
        for offer, name, options in (
            (JAMBA, "jamba-mini", ["--context", "2048", "--slots", "2"]),
            (LLAMA, "llama-3-8b", []),
        ):
            result = cli(
                own_server, "deploy", offer, "-p", PROJECT, "-n", name, "--subscribe", *options
            )
            assert result.returncode == 0, result.stderr
            assert f"Deployment {name}" in result.stdout and "is ready" in result.stdout
            url = f"{own_server.base_url}/deployments/{name}"
            targets[offer] = Target(name, url, keys_of(own_server.base_url, name)["primary"])
        yield targets
    finally:
        for target in targets.values():
            cli(own_server, "deployments", "delete", target.name)
        for offer in (JAMBA, LLAMA):
            cli(own_server, "subscriptions", "delete", offer, "-p", PROJECT)
        cli(own_server, "projects", "delete", PROJECT)


def test_deployments_show_their_engine(
    own_server: ThreadServer, deployed: dict[str, Target]
) -> None:
    contexts = {JAMBA: 2048, LLAMA: 4096}  # as asked; the model's own within the suite's cap
    for offer, target in deployed.items():
        shown = cli_json(own_server, "deployments", "show", target.name)
        assert (shown["offer"], shown["engine"], shown["state"]) == (offer, "llamacpp", "succeeded")
        assert shown["readiness"] == "ready" and shown["region"] == "local"
        assert shown["engine_status"]["context"] == contexts[offer]
        text = cli(own_server, "deployments", "show", target.name).stdout
        assert "readiness:   ready" in text
        assert f"context:     {contexts[offer]} tokens per request" in text
    jamba = cli_json(own_server, "deployments", "show", deployed[JAMBA].name)
    assert jamba["engine_options"] == {"context": 2048, "slots": 2}


def test_jamba_with_the_ai21_sdk(deployed: dict[str, Target]) -> None:
    target = deployed[JAMBA]
    client = AI21AzureClient(base_url=target.url, api_key=target.key)
    try:
        messages = [ChatMessage(role="system", content=SYSTEM), UserMessage(content=QUESTION)]
        reply = client.chat.completions.create(
            model=JAMBA, messages=messages, max_tokens=6, temperature=0
        )
        assert reply.choices[0].finish_reason == "length"
        assert reply.usage.completion_tokens == 6 and reply.usage.prompt_tokens > 0
        stream = client.chat.completions.create(
            model=JAMBA, messages=messages, max_tokens=6, temperature=0, stream=True
        )
        pieces, finish, usage = [], None, None
        for chunk in stream:
            for choice in chunk.choices:
                pieces.append(choice.delta.content or "")
                finish = choice.finish_reason or finish
            usage = chunk.usage or usage
        assert "".join(pieces) == reply.choices[0].message.content  # temperature 0
        assert finish == "length" and usage is not None and usage.completion_tokens == 6
        # No max_tokens: AI21's default of 4096 shrinks to what fits beside the prompt.
        whole = client.chat.completions.create(
            model=JAMBA, messages=messages, temperature=0, stop=["e"]
        )
        assert whole.choices[0].finish_reason in ("stop", "length")
    finally:
        client._client.close()  # the SDK offers no close()


@pytest.mark.parametrize("offer", [JAMBA, LLAMA])
def test_azure_ai_inference_sdk(deployed: dict[str, Target], offer: str) -> None:
    target = deployed[offer]
    credential = AzureKeyCredential(target.key)
    with ChatCompletionsClient(endpoint=target.url, credential=credential) as client:
        messages = [SystemMessage(SYSTEM), AzureUser(QUESTION)]
        reply = client.complete(messages=messages, max_tokens=6, temperature=0)
        assert reply.model == offer and 0 < reply.usage.completion_tokens <= 6
        stream = client.complete(messages=messages, max_tokens=6, temperature=0, stream=True)
        pieces, usage = [], None
        for update in stream:
            pieces.extend(choice.delta.content or "" for choice in update.choices)
            usage = update.usage or usage
        stream.close()
        assert "".join(pieces) == reply.choices[0].message.content
        assert usage is not None and usage.prompt_tokens == reply.usage.prompt_tokens
        assert client.get_model_info().model_name == offer


@pytest.mark.parametrize("offer", [JAMBA, LLAMA])
def test_openai_sdk(deployed: dict[str, Target], offer: str) -> None:
    target = deployed[offer]
    client = openai.OpenAI(base_url=target.url, api_key=target.key, max_retries=0)
    messages = [{"role": "user", "content": QUESTION}]
    reply = client.chat.completions.create(
        model=offer,
        messages=messages,
        max_tokens=6,
        temperature=0,  # type: ignore[arg-type]
    )
    assert reply.model == offer and reply.usage is not None
    assert 0 < reply.usage.completion_tokens <= 6
    stream = client.chat.completions.create(
        model=offer,
        messages=messages,  # type: ignore[arg-type]
        max_tokens=6,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces, usage = [], None
    for chunk in stream:
        pieces.extend(c.delta.content or "" for c in chunk.choices)
        usage = chunk.usage or usage
    assert "".join(pieces) == reply.choices[0].message.content
    assert usage is not None and usage.completion_tokens == reply.usage.completion_tokens
    client.close()


def test_llama_dialect_with_the_openai_sdk(deployed: dict[str, Target]) -> None:
    """The Llama offer's own routes (``/v1``), chat and completions, streamed and not."""
    target = deployed[LLAMA]
    client = openai.OpenAI(base_url=f"{target.url}/v1", api_key=target.key, max_retries=0)
    chat = client.chat.completions.create(
        model=LLAMA,
        messages=[{"role": "user", "content": QUESTION}],
        max_tokens=8,
        temperature=0,
    )
    # The real offer has no default system prompt: the 135M stand-in's answer is not judged.
    assert chat.choices[0].message.content and chat.model == LLAMA
    completion = client.completions.create(
        model=LLAMA, prompt="The capital of France is", max_tokens=4
    )
    assert completion.usage is not None and completion.usage.completion_tokens <= 4
    pieces = [
        c.choices[0].text
        for c in client.completions.create(
            model=LLAMA, prompt="The capital of France is", max_tokens=4, temperature=0, stream=True
        )
        if c.choices
    ]
    assert "".join(pieces).strip()
    client.close()
