"""Every dialect through its real, unmodified SDK against a live server and the real engine.

AI21 runs on the test offer that declares the AI21 dialect and the Jamba 1.5 prompt format on
the embedded SmolLM2 weights, whose answers make sense (the Jamba architecture itself, with random
weights, is proven in test_jamba_deployment.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import openai
import pytest
from ai21 import AI21AzureClient
from ai21.models.chat import (
    AssistantMessage,
    ChatMessage,
    DocumentSchema,
    ResponseFormat,
    ToolMessage,
    UserMessage,
)
from ai21.models.chat.function_tool_definition import FunctionToolDefinition
from ai21.models.chat.tool_defintions import ToolDefinition
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import SystemMessage
from azure.ai.inference.models import UserMessage as AzureUser
from azure.core.credentials import AzureKeyCredential

from tests.support import EMBEDDED, JAMBA_TEST, ThreadServer, attach_offer, keys_of

pytestmark = [
    pytest.mark.e2e,
    # The ai21 SDK posts its body with httpx's deprecated `data=` argument.
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'from_dict' method is deprecated:DeprecationWarning"),
]

SYSTEM = "You are a helpful assistant."
QUESTION = "What is the capital of France?"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture(scope="module")
def key(live_server: ThreadServer) -> str:
    return keys_of(live_server.base_url)["primary"]


@pytest.fixture(scope="module")
def jamba_url(live_server: ThreadServer) -> Iterator[str]:
    attach_offer(live_server, JAMBA_TEST, "jamba-mini")
    yield f"{live_server.base_url}/deployments/jamba-mini"
    live_server.services.registry.remove(live_server.settings.default_region, "jamba-mini")


@pytest.fixture(scope="module")
def ai21(jamba_url: str, key: str) -> Iterator[AI21AzureClient]:
    client = AI21AzureClient(base_url=jamba_url, api_key=key)
    yield client
    client._client.close()  # the SDK offers no close(); its httpx client would leak a socket


@pytest.fixture(scope="module")
def azure(live_server: ThreadServer, key: str) -> Iterator[ChatCompletionsClient]:
    endpoint = f"{live_server.base_url}/deployments/{EMBEDDED}"
    with ChatCompletionsClient(endpoint=endpoint, credential=AzureKeyCredential(key)) as client:
        yield client


@pytest.fixture(scope="module")
def oai(live_server: ThreadServer, key: str) -> Iterator[openai.OpenAI]:
    target = f"{live_server.base_url}/deployments/{EMBEDDED}"
    with openai.OpenAI(base_url=target, api_key=key) as client:
        yield client


# -- AI21 ---------------------------------------------------------------------------------------


def test_ai21_chat(ai21: AI21AzureClient) -> None:
    reply = ai21.chat.completions.create(
        model="jamba-1.5-mini",
        messages=[ChatMessage(role="system", content=SYSTEM), UserMessage(content=QUESTION)],
        max_tokens=16,
        temperature=0,
    )
    assert reply.choices[0].message.role == "assistant"
    assert reply.choices[0].message.content
    assert reply.choices[0].finish_reason in ("stop", "length")
    assert reply.usage.completion_tokens > 0
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_ai21_streaming(ai21: AI21AzureClient) -> None:
    stream = ai21.chat.completions.create(
        model="jamba-1.5-mini",
        messages=[UserMessage(content=QUESTION)],
        max_tokens=12,
        temperature=0,
        stream=True,
    )
    pieces, usage, finish = [], None, None
    for chunk in stream:
        for choice in chunk.choices:
            pieces.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
        usage = chunk.usage or usage
    assert "".join(pieces).strip()
    assert finish in ("stop", "length")
    assert usage is not None and usage.completion_tokens > 0


def test_ai21_tools_round_trip(ai21: AI21AzureClient) -> None:
    messages: list[ChatMessage] = [UserMessage(content="What is the weather in Paris?")]
    tool = ToolDefinition(
        type="function", function=FunctionToolDefinition(**WEATHER_TOOL["function"])
    )
    reply = ai21.chat.completions.create(
        model="jamba-1.5-mini",
        messages=messages,
        tools=[tool],
        tool_choice="required",  # a Modelport extension, passed through by the SDK
        max_tokens=48,
        temperature=0,
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert calls and calls[0].function.name == "get_weather"
    assert set(json.loads(calls[0].function.arguments)) == {"city"}
    assert calls[0].id.startswith("call_")
    # Feed the result back: the model answers in text.
    messages += [
        AssistantMessage(content=None, tool_calls=calls),
        ToolMessage(tool_call_id=calls[0].id, content='{"temperature_c": 21, "sky": "clear"}'),
    ]
    answer = ai21.chat.completions.create(
        model="jamba-1.5-mini", messages=messages, tools=[tool], max_tokens=12, temperature=0
    )
    assert answer.choices[0].message.content or answer.choices[0].message.tool_calls


def test_ai21_json_object(ai21: AI21AzureClient) -> None:
    reply = ai21.chat.completions.create(
        model="jamba-1.5-mini",
        messages=[UserMessage(content="Describe a cat as JSON with name and age.")],
        response_format=ResponseFormat(type="json_object"),
        max_tokens=64,
        temperature=0,
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "stop", "the JSON should end before max_tokens"
    assert isinstance(json.loads(choice.message.content or ""), dict)


def test_ai21_documents(ai21: AI21AzureClient) -> None:
    reply = ai21.chat.completions.create(
        model="jamba-1.5-mini",
        messages=[UserMessage(content="Who wrote Harry Potter? Answer with the author's name.")],
        documents=[
            DocumentSchema(
                content="Harry Potter is a series of seven fantasy novels written by British "
                "author J. K. Rowling.",
                metadata={"title": "Harry Potter"},
            ),
            DocumentSchema(content="The Great Gatsby is a novel by F. Scott Fitzgerald."),
        ],
        max_tokens=16,
        temperature=0,
    )
    assert "Rowling" in (reply.choices[0].message.content or "")
    # The documents are in the prompt: it is far longer than the question alone.
    assert reply.usage.prompt_tokens > 60


# -- Azure AI Model Inference -------------------------------------------------------------------


def test_azure_chat(azure: ChatCompletionsClient) -> None:
    reply = azure.complete(
        messages=[SystemMessage(SYSTEM), AzureUser(QUESTION)], max_tokens=16, temperature=0
    )
    assert "Paris" in (reply.choices[0].message.content or "")
    assert reply.usage.completion_tokens > 0
    assert reply.model == EMBEDDED


def test_azure_streaming(azure: ChatCompletionsClient) -> None:
    stream = azure.complete(
        messages=[SystemMessage(SYSTEM), AzureUser(QUESTION)],
        max_tokens=16,
        temperature=0,
        stream=True,
    )
    pieces, usage = [], None
    for update in stream:
        for choice in update.choices:
            pieces.append(choice.delta.content or "")
        usage = update.usage or usage
    stream.close()
    assert "Paris" in "".join(pieces)
    assert usage is not None and usage.completion_tokens > 0


def test_azure_get_model_info(azure: ChatCompletionsClient) -> None:
    info = azure.get_model_info()
    assert info.model_name == EMBEDDED
    assert info.model_type == "chat_completion"
    assert info.model_provider_name == "HuggingFaceTB"


def test_azure_extra_parameters_pass_through(azure: ChatCompletionsClient) -> None:
    """``model_extras`` go out with ``extra-parameters: pass-through`` and reach the engine:
    llama.cpp's ``ignore_eos`` makes the short answer run to max_tokens."""
    messages = [SystemMessage(SYSTEM), AzureUser(QUESTION)]
    plain = azure.complete(messages=messages, max_tokens=24, temperature=0)
    assert plain.choices[0].finish_reason == "stop"
    assert plain.usage.completion_tokens < 24
    extended = azure.complete(
        messages=messages, max_tokens=24, temperature=0, model_extras={"ignore_eos": True}
    )
    assert extended.choices[0].finish_reason == "length"
    assert extended.usage.completion_tokens == 24


# -- OpenAI -------------------------------------------------------------------------------------


def test_openai_chat(oai: openai.OpenAI) -> None:
    reply = oai.chat.completions.create(
        model=EMBEDDED,
        messages=[{"role": "user", "content": QUESTION}],
        max_tokens=16,
        temperature=0,
        seed=7,
    )
    assert "Paris" in (reply.choices[0].message.content or "")


def test_openai_streaming_with_include_usage(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model=EMBEDDED,
        messages=[{"role": "user", "content": QUESTION}],
        max_tokens=16,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(c.usage is None for c in chunks[:-1])
    assert "Paris" in "".join(c.choices[0].delta.content or "" for c in chunks[:-1] if c.choices)


def test_openai_stream_options_without_stream_is_refused_as_openai_does(
    live_server: ThreadServer, key: str
) -> None:
    target = f"{live_server.base_url}/deployments/{EMBEDDED}/v1"
    with (
        openai.OpenAI(base_url=target, api_key=key, max_retries=0) as client,
        pytest.raises(openai.BadRequestError) as refused,
    ):
        client.chat.completions.create(
            model=EMBEDDED,
            messages=[{"role": "user", "content": QUESTION}],
            max_tokens=4,
            stream_options={"include_usage": True},
        )
    assert refused.value.body == {
        "message": "stream_options is only allowed when stream is true",
        "type": "invalid_request_error",
        "param": "stream_options",
        "code": "invalid_request",
    }


def test_openai_completions(oai: openai.OpenAI) -> None:
    reply = oai.completions.create(
        model=EMBEDDED, prompt="The capital of France is", max_tokens=6, temperature=0
    )
    assert reply.choices[0].text.strip()
    assert reply.usage is not None and reply.usage.completion_tokens == 6


def test_openai_logprobs(oai: openai.OpenAI) -> None:
    reply = oai.chat.completions.create(
        model=EMBEDDED,
        messages=[{"role": "user", "content": QUESTION}],
        max_tokens=6,
        temperature=0,
        logprobs=True,
        top_logprobs=3,
    )
    content = reply.choices[0].logprobs.content if reply.choices[0].logprobs else None
    assert content and len(content) == reply.usage.completion_tokens  # type: ignore[union-attr]
    assert all(len(t.top_logprobs) == 3 and t.logprob <= 0 for t in content)
    assert "".join(t.token for t in content) == reply.choices[0].message.content
    text = oai.completions.create(
        model=EMBEDDED, prompt="The sky is", max_tokens=4, temperature=0, logprobs=2
    )
    lp = text.choices[0].logprobs
    assert lp is not None and lp.tokens and len(lp.tokens) == 4
    assert lp.text_offset == [sum(len(t) for t in lp.tokens[:i]) for i in range(4)]
    assert lp.top_logprobs is not None and all(len(t) == 2 for t in lp.top_logprobs)


def test_openai_json_schema(oai: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
        "required": ["city", "country"],
        "additionalProperties": False,
    }
    reply = oai.chat.completions.create(
        model=EMBEDDED,
        messages=[{"role": "user", "content": "Name a city and its country."}],
        response_format={"type": "json_schema", "json_schema": {"name": "place", "schema": schema}},
        max_tokens=32,
        temperature=0,
    )
    assert set(json.loads(reply.choices[0].message.content or "")) == {"city", "country"}


def test_openai_models_list_and_retrieve(live_server: ThreadServer, key: str) -> None:
    """What OpenAI-compatible clients probe first: the one model, under the name the chat
    routes take and echo, listed and retrieved under /v1 (and beside the root routes)."""
    live = live_server.services.registry.get(live_server.settings.default_region, EMBEDDED)
    assert live is not None
    target = f"{live_server.base_url}/deployments/{EMBEDDED}"
    expected = {
        "id": EMBEDDED,
        "object": "model",
        "created": int(live.deployment.created_at.timestamp()),
        "owned_by": "HuggingFaceTB",  # the offer's publisher
    }
    for base in (f"{target}/v1", target):
        with openai.OpenAI(base_url=base, api_key=key, max_retries=0) as client:
            listed = client.models.list()
            assert [m.model_dump(exclude_unset=True) for m in listed.data] == [expected]
            assert client.models.retrieve(EMBEDDED).model_dump(exclude_unset=True) == expected
            chat = client.chat.completions.create(
                model=listed.data[0].id,
                messages=[{"role": "user", "content": QUESTION}],
                max_tokens=4,
                temperature=0,
            )
            assert chat.model == EMBEDDED
    # The region's form of the Target URL, with the key as a bearer token; not rate limited.
    region = live_server.settings.default_region
    regional = httpx.get(
        f"{live_server.base_url}/regions/{region}/deployments/{EMBEDDED}/v1/models",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert regional.status_code == 200 and regional.json()["data"] == [expected]
    assert not any(h.startswith("x-ratelimit") for h in regional.headers)


def test_openai_models_unknown_id_and_bad_key(live_server: ThreadServer, key: str) -> None:
    target = f"{live_server.base_url}/deployments/{EMBEDDED}/v1"
    with (
        openai.OpenAI(base_url=target, api_key=key, max_retries=0) as client,
        pytest.raises(openai.NotFoundError) as missing,
    ):
        client.models.retrieve("gpt-4")
    assert missing.value.status_code == 404
    assert missing.value.body == {
        "message": f"The model 'gpt-4' does not exist: this deployment serves '{EMBEDDED}'",
        "type": "not_found_error",
        "param": "model",
        "code": "model_not_found",
    }
    bad = "mp-" + "0" * 48
    with openai.OpenAI(base_url=target, api_key=bad, max_retries=0) as client:
        with pytest.raises(openai.AuthenticationError) as listing:
            client.models.list()
        with pytest.raises(openai.AuthenticationError) as chatting:
            client.chat.completions.create(
                model=EMBEDDED, messages=[{"role": "user", "content": "Hi"}], max_tokens=1
            )
    assert listing.value.status_code == chatting.value.status_code == 401
    assert listing.value.body == chatting.value.body  # the same 401 as the other /v1 routes
    assert bad not in json.dumps(listing.value.body)
    # An unknown deployment answers a bad key alike: nothing tells which names exist.
    unknown = httpx.get(
        f"{live_server.base_url}/deployments/no-such-deployment/v1/models",
        headers={"api-key": bad},
    )
    assert unknown.status_code == 401 and unknown.json() == {"error": listing.value.body}


def test_openai_v1_openapi_document_lists_the_model_routes(
    live_server: ThreadServer, key: str
) -> None:
    target = f"{live_server.base_url}/deployments/{EMBEDDED}"
    assert httpx.get(f"{target}/v1/openapi.json").status_code == 401
    doc = httpx.get(f"{target}/v1/openapi.json", headers={"api-key": key}).json()
    assert set(doc["paths"]) == {
        "/v1/chat/completions",
        "/v1/completions",
        "/v1/models",
        "/v1/models/{model}",
    }
    retrieve = doc["paths"]["/v1/models/{model}"]["get"]
    assert retrieve["operationId"] == "retrieveModel"
    assert retrieve["parameters"][0]["name"] == "model"
    assert doc["paths"]["/v1/models"]["get"]["operationId"] == "listModels"


def test_azure_endpoint_serves_its_openapi_document(live_server: ThreadServer, key: str) -> None:
    target = f"{live_server.base_url}/deployments/{EMBEDDED}"
    assert httpx.get(f"{target}/swagger.json").status_code == 401  # with the key only
    doc = httpx.get(f"{target}/swagger.json", headers={"api-key": key}).json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/chat/completions", "/info"}
    options = doc["components"]["schemas"]["ChatCompletionsOptions"]
    assert "messages" in options["properties"] and options["additionalProperties"] is True
    assert doc["servers"][0]["url"].endswith(f"/deployments/{EMBEDDED}")
    stable = httpx.get(
        f"{target}/info",
        params={"api-version": "2025-04-01", "model": EMBEDDED},
        headers={"api-key": key},
    )
    assert stable.status_code == 200 and stable.json()["model_name"] == EMBEDDED
    other = httpx.get(
        f"{target}/info",
        params={"api-version": "2025-04-01", "model": "gpt-4"},
        headers={"api-key": key},
    )
    assert other.status_code == 400 and other.headers["x-ms-error-code"] == "invalid_request"
