"""The Jamba architecture through the normal lifecycle: a tiny random Jamba GGUF (hybrid
Mamba/attention layers with MoE, built by ``modelport.models.tiny_jamba``) is placed in the model
store, subscribed to and deployed through the management API, and called through every dialect a
Jamba offer speaks: AI21 (the real ``ai21`` SDK) and Azure AI Model Inference.

The weights are random, so the text is gibberish: the tests assert structure (token counts,
usage, finish reasons, stop strings, tool-call parsing), never content.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ai21 import AI21AzureClient
from ai21.models.chat import ChatMessage, DocumentSchema, UserMessage
from ai21.models.chat.function_tool_definition import FunctionToolDefinition
from ai21.models.chat.tool_defintions import ToolDefinition
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import SystemMessage
from azure.ai.inference.models import UserMessage as AzureUser
from azure.core.credentials import AzureKeyCredential

from modelport.engines.llamacpp.engine import LlamaCppEngine
from modelport.inference.types import (
    Document,
    InferenceRequest,
    Message,
    RequestKind,
    SamplingParams,
    ToolSpec,
)
from modelport.models.formats import JambaFormat
from modelport.models.tiny_jamba import ensure_tiny_jamba
from tests.lifecycle import Deployed, deployed, live, on_server, place_in_model_store
from tests.support import ThreadServer

pytestmark = [
    pytest.mark.e2e,
    # The ai21 SDK posts its body with httpx's deprecated `data=` argument.
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'from_dict' method is deprecated:DeprecationWarning"),
]

OFFER = "tiny-jamba"
MODEL = "tiny-jamba"  # the offer's model_name: what the AI21 dialect's `model` must say
SYSTEM = "You are a helpful assistant."
QUESTION = "What is the capital of France?"
MESSAGES = [Message(role="system", content=SYSTEM), Message(role="user", content=QUESTION)]
PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
WEATHER = ToolSpec("get_weather", "The current weather in a city", PARAMETERS)


@pytest.fixture(scope="module")
def jamba(
    live_server: ThreadServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    weights = ensure_tiny_jamba(tmp_path_factory.mktemp("tiny-jamba"))
    place_in_model_store(live_server.settings, OFFER, weights, "tiny-jamba.gguf")
    with deployed(live_server, "jamba-lab", "tiny-jamba", OFFER) as deployment:
        yield deployment


@pytest.fixture(scope="module")
def engine(live_server: ThreadServer, jamba: Deployed) -> LlamaCppEngine:
    found = live(live_server, jamba.name).engine
    assert isinstance(found, LlamaCppEngine)
    return found


@pytest.fixture(scope="module")
def ai21(jamba: Deployed) -> Iterator[AI21AzureClient]:
    client = AI21AzureClient(base_url=jamba.target_url, api_key=jamba.key)
    yield client
    client._client.close()  # the SDK offers no close(); its httpx client would leak a socket


@pytest.fixture(scope="module")
def azure(jamba: Deployed) -> Iterator[ChatCompletionsClient]:
    credential = AzureKeyCredential(jamba.key)
    with ChatCompletionsClient(endpoint=jamba.target_url, credential=credential) as client:
        yield client


def _token_count(server: ThreadServer, engine: LlamaCppEngine, prompt: str) -> int:
    """The engine's count of a prompt rendered with its BOS as text."""
    return len(on_server(server, engine.tokenize(prompt, add_special=False)))


def _chat(messages: list[Message]) -> InferenceRequest:
    return InferenceRequest(
        kind=RequestKind.CHAT, messages=tuple(messages), sampling=SamplingParams(max_tokens=1)
    )


def _sdk_messages() -> list[ChatMessage]:
    return [ChatMessage(role="system", content=SYSTEM), UserMessage(content=QUESTION)]


def _greedy(ai21: AI21AzureClient, max_tokens: int, **extra: object) -> tuple[str, str, int]:
    reply = ai21.chat.completions.create(
        model=MODEL, messages=_sdk_messages(), max_tokens=max_tokens, temperature=0, **extra
    )
    choice = reply.choices[0]
    return choice.message.content or "", choice.finish_reason, reply.usage.completion_tokens


def test_the_deployment_runs_the_jamba_architecture(
    live_server: ThreadServer, jamba: Deployed, engine: LlamaCppEngine
) -> None:
    props = on_server(live_server, engine.get_json("/props"))
    assert props["bos_token"] == "<|startoftext|>"
    # The model's own template (GGUF metadata) renders the Jamba 1.5 shape, as the format does.
    request = _chat(MESSAGES)
    applied = on_server(live_server, engine.prompt_text(request))
    assert "<|startoftext|>" + applied == JambaFormat().render(MESSAGES)
    assert jamba.target_url == f"{live_server.base_url}/deployments/{jamba.name}"


def test_ai21_chat_counts_the_rendered_jamba_prompt(
    live_server: ThreadServer, engine: LlamaCppEngine, ai21: AI21AzureClient
) -> None:
    reply = ai21.chat.completions.create(
        model=MODEL, messages=_sdk_messages(), max_tokens=6, temperature=0
    )
    choice = reply.choices[0]
    assert choice.message.role == "assistant"
    assert isinstance(choice.message.content, str)
    assert choice.finish_reason in ("stop", "length")
    usage = reply.usage
    assert usage.prompt_tokens == _token_count(live_server, engine, JambaFormat().render(MESSAGES))
    assert 1 <= usage.completion_tokens <= 6
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_ai21_respects_max_tokens(ai21: AI21AzureClient) -> None:
    # Greedy decoding of the random model never picks an end token: it runs to the limit.
    _, finish, used = _greedy(ai21, 3)
    assert (finish, used) == ("length", 3)
    _, finish, used = _greedy(ai21, 7)
    assert (finish, used) == ("length", 7)


def test_ai21_streams_what_it_answers(ai21: AI21AzureClient) -> None:
    whole, _, _ = _greedy(ai21, 8)
    stream = ai21.chat.completions.create(
        model=MODEL, messages=_sdk_messages(), max_tokens=8, temperature=0, stream=True
    )
    pieces, finish, usage = [], None, None
    for chunk in stream:
        for choice in chunk.choices:
            pieces.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
        usage = chunk.usage or usage
    # Content safety releases streamed text window by window (checked before it is sent), so
    # a short answer may arrive in one piece; what matters is that it arrives, whole.
    assert any(pieces), "the answer arrives"
    assert "".join(pieces) == whole
    assert finish == "length"
    assert usage is not None and usage.completion_tokens == 8


def test_ai21_respects_stop(ai21: AI21AzureClient) -> None:
    text, _, _ = _greedy(ai21, 24)
    middle = len(text) // 2
    stop = text[middle : middle + 2]
    assert len(stop) == 2 and stop.strip()
    stopped, finish, used = _greedy(ai21, 24, stop=[stop])
    assert finish == "stop"
    assert stopped == text[: text.index(stop)]
    assert used < 24


def test_ai21_documents_go_in_the_jamba_documents_section(
    live_server: ThreadServer, engine: LlamaCppEngine, ai21: AI21AzureClient
) -> None:
    reply = ai21.chat.completions.create(
        model=MODEL,
        messages=_sdk_messages(),
        documents=[
            DocumentSchema(content="Paris is the capital of France.", metadata={"title": "Paris"}),
            DocumentSchema(content="Rome is the capital of Italy."),
        ],
        max_tokens=4,
        temperature=0,
    )
    documents = [
        Document(content="Paris is the capital of France.", metadata=(("title", "Paris"),)),
        Document(content="Rome is the capital of Italy."),
    ]
    prompt = JambaFormat().render(MESSAGES, documents=documents)
    assert "<documents>" in prompt and "Title: Paris" in prompt
    assert reply.usage.prompt_tokens == _token_count(live_server, engine, prompt)
    assert 1 <= reply.usage.completion_tokens <= 4


def test_ai21_tools_go_in_the_jamba_tool_definitions_section(
    live_server: ThreadServer, engine: LlamaCppEngine, ai21: AI21AzureClient
) -> None:
    """Offered tools are rendered by the model adapter in Jamba's ``<tool_definitions>`` system
    section (counted exactly). Parsing the model's ``<tool_calls>`` back is proven on a model
    that writes them (test_dialect_sdks); under a JSON grammar this random model pads without
    end, so it is not asked to call."""
    reply = ai21.chat.completions.create(
        model=MODEL,
        messages=_sdk_messages(),
        tools=[
            ToolDefinition(
                type="function",
                function=FunctionToolDefinition(
                    name=WEATHER.name, description=WEATHER.description, parameters=PARAMETERS
                ),
            )
        ],
        max_tokens=4,
        temperature=0,
    )
    prompt = JambaFormat().render(MESSAGES, tools=[WEATHER])
    assert "<tool_definitions>" in prompt and '"name": "get_weather"' in prompt
    assert reply.usage.prompt_tokens == _token_count(live_server, engine, prompt)
    choice = reply.choices[0]
    assert choice.finish_reason == "length" and not choice.message.tool_calls
    assert reply.usage.completion_tokens == 4


def test_ai21_model_must_name_the_deployment_model(jamba: Deployed) -> None:
    response = httpx.post(
        f"{jamba.target_url}/v1/chat/completions",
        json={"model": "jamba-1.5-mini", "messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": f"Bearer {jamba.key}"},
        timeout=30,
    )
    assert response.status_code == 422
    assert "tiny-jamba" in response.json()["detail"]


def test_azure_chat_on_the_jamba_deployment(azure: ChatCompletionsClient) -> None:
    reply = azure.complete(
        messages=[SystemMessage(SYSTEM), AzureUser(QUESTION)], max_tokens=5, temperature=0
    )
    assert reply.model == MODEL
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 5
    stream = azure.complete(
        messages=[SystemMessage(SYSTEM), AzureUser(QUESTION)],
        max_tokens=5,
        temperature=0,
        stream=True,
    )
    pieces, usage = [], None
    for update in stream:
        pieces.extend(choice.delta.content or "" for choice in update.choices)
        usage = update.usage or usage
    stream.close()
    assert "".join(pieces) == reply.choices[0].message.content
    assert usage is not None and usage.prompt_tokens == reply.usage.prompt_tokens


def test_azure_info_on_the_jamba_deployment(azure: ChatCompletionsClient) -> None:
    info = azure.get_model_info()
    assert info.model_name == MODEL
    assert info.model_type == "chat_completion"
    assert info.model_provider_name == "AI21"


def test_a_gguf_without_template_gets_the_catalog_format(
    live_server: ThreadServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Weights without ``tokenizer.chat_template``: the engine applies the Jinja template of the
    catalog's chat_format (jamba-1.5), which renders what the Python format renders."""
    offer = "tiny-jamba-no-template"
    weights = ensure_tiny_jamba(Path(tmp_path_factory.mktemp("tiny-jamba")), chat_template=False)
    place_in_model_store(live_server.settings, offer, weights, f"{offer}.gguf")
    with deployed(live_server, "jamba-bare", "tiny-jamba-bare", offer) as bare:
        engine = live(live_server, bare.name).engine
        assert isinstance(engine, LlamaCppEngine)
        for messages in (MESSAGES, MESSAGES[1:]):
            request = _chat(messages)
            applied = on_server(live_server, engine.prompt_text(request))
            assert "<|startoftext|>" + applied == JambaFormat().render(messages)
        client = AI21AzureClient(base_url=bare.target_url, api_key=bare.key)
        try:
            reply = client.chat.completions.create(
                model=offer, messages=_sdk_messages(), max_tokens=3, temperature=0
            )
        finally:
            client._client.close()
        expected = _token_count(live_server, engine, JambaFormat().render(MESSAGES))
        assert reply.usage.prompt_tokens == expected
        assert reply.usage.completion_tokens == 3
