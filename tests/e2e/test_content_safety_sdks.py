"""Content safety as the real, unmodified SDKs see it against a live server.

Blocked prompts go to the real embedded deployment (they are refused before its engine); the
completions that turn harmful come from a scripted engine attached behind the live server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import openai
import pytest
from ai21 import AI21AzureClient
from ai21.errors import BadRequest
from ai21.models.chat import UserMessage
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import ChatRequestMessage
from azure.ai.inference.models import UserMessage as AzureUser
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError

from tests.e2e.test_content_safety import BLOCKED_PROMPT, BLOCKED_WORD, HARMFUL, TAIL
from tests.scripted import ScriptedEngine, text_events
from tests.support import EMBEDDED, JAMBA_TEST, ThreadServer, attach_offer, keys_of

pytestmark = [
    pytest.mark.e2e,
    # The ai21 SDK posts its body with httpx's deprecated `data=` argument.
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]


@pytest.fixture(scope="module")
def key(live_server: ThreadServer) -> str:
    return keys_of(live_server.base_url)["primary"]


@pytest.fixture(scope="module")
def engine(live_server: ThreadServer) -> Iterator[ScriptedEngine]:
    engine = ScriptedEngine()
    attach_offer(live_server, EMBEDDED, "sdk-harm", engine)
    attach_offer(live_server, JAMBA_TEST, "sdk-jamba", engine)
    yield engine
    for name in ("sdk-harm", "sdk-jamba"):
        live_server.services.registry.remove(live_server.settings.default_region, name)


def _azure(live_server: ThreadServer, key: str, name: str) -> ChatCompletionsClient:
    endpoint = f"{live_server.base_url}/deployments/{name}"
    return ChatCompletionsClient(endpoint=endpoint, credential=AzureKeyCredential(key))


def test_azure_blocked_prompt_raises_content_filter(live_server: ThreadServer, key: str) -> None:
    messages: list[ChatRequestMessage] = [AzureUser(BLOCKED_PROMPT)]
    with _azure(live_server, key, EMBEDDED) as client, pytest.raises(HttpResponseError) as caught:
        client.complete(messages=messages, max_tokens=8)
    error = caught.value
    assert error.status_code == 400
    assert error.error is not None and error.error.code == "content_filter"
    assert error.error.innererror is not None
    assert error.error.innererror["code"] == "ResponsibleAIPolicyViolation"
    result = error.error.innererror["content_filter_result"]
    assert result["violence"] == {"filtered": True, "severity": result["violence"]["severity"]}


def test_azure_stream_turning_harmful_ends_with_content_filter(
    live_server: ThreadServer, key: str, engine: ScriptedEngine
) -> None:
    engine.outputs = [text_events(HARMFUL + " " + TAIL)]
    text, reasons = [], []
    messages: list[ChatRequestMessage] = [AzureUser("Tell me a story.")]
    with _azure(live_server, key, "sdk-harm") as client:
        for update in client.complete(messages=messages, stream=True):
            for choice in update.choices:
                text.append(choice.delta.content or "")
                reasons.append(choice.finish_reason)
    assert [r for r in reasons if r] == ["content_filter"]
    assert "".join(text).startswith("Sure!") and BLOCKED_WORD not in "".join(text).lower()


def test_openai_sees_content_filter_on_a_completion_turning_harmful(
    live_server: ThreadServer, key: str, engine: ScriptedEngine
) -> None:
    engine.outputs = [text_events(HARMFUL + " " + TAIL), text_events(HARMFUL + " " + TAIL)]
    target = f"{live_server.base_url}/deployments/sdk-harm"
    messages: list[openai.types.chat.ChatCompletionMessageParam] = [
        {"role": "user", "content": "Tell me a story."}
    ]
    with openai.OpenAI(base_url=target, api_key=key) as client:
        whole = client.chat.completions.create(model="sdk-harm", messages=messages)
        chunks = list(
            client.chat.completions.create(
                model="sdk-harm",
                messages=messages,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    (choice,) = whole.choices
    assert choice.finish_reason == "content_filter"
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == choice.message.content
    assert BLOCKED_WORD not in streamed.lower()
    reasons = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert reasons[-1] == "content_filter"
    assert chunks[-1].usage is not None and whole.usage is not None
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    annotations = (choice.model_extra or {})["content_filter_results"]
    assert annotations["violence"]["filtered"] is True


def test_openai_blocked_prompt_is_a_bad_request(live_server: ThreadServer, key: str) -> None:
    target = f"{live_server.base_url}/deployments/{EMBEDDED}"
    client = openai.OpenAI(base_url=target, api_key=key, max_retries=0)
    with client, pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model=EMBEDDED, messages=[{"role": "user", "content": BLOCKED_PROMPT}]
        )
    assert caught.value.code == "content_filter"


def test_ai21_blocked_prompt_is_a_bad_request(
    live_server: ThreadServer, key: str, engine: ScriptedEngine
) -> None:
    client = AI21AzureClient(base_url=f"{live_server.base_url}/deployments/sdk-jamba", api_key=key)
    try:
        with pytest.raises(BadRequest) as caught:
            client.chat.completions.create(
                model="jamba-1.5-mini", messages=[UserMessage(content=BLOCKED_PROMPT)]
            )
        engine.outputs = [text_events(HARMFUL + " " + TAIL)]
        reply = client.chat.completions.create(
            model="jamba-1.5-mini", messages=[UserMessage(content="Tell me a story.")]
        )
    finally:
        client._client.close()  # type: ignore[union-attr]  # the SDK offers no close(); its httpx client would leak a socket
    details = json.loads(caught.value.details or "{}")
    assert details["code"] == "content_filter"
    assert details["content_filter_result"]["violence"]["filtered"] is True
    assert reply.choices[0].finish_reason == "content_filter"
    assert BLOCKED_WORD not in (reply.choices[0].message.content or "").lower()
