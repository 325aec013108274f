"""One parsed request of the OpenAI family and how it is answered: bodies and streams in the
OpenAI shape, with each dialect's variations (:class:`AnswerStyle`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from modelport.dialects.base import Call, ResponseMeta, StreamWriter
from modelport.dialects.openai.content_filter import ContentFilterAnnotations
from modelport.dialects.openai.render import ChunkRenderer, LogprobsShape, response_body
from modelport.dialects.openai.stream import ChunkStream, Failure
from modelport.inference.collect import Completion
from modelport.inference.types import InferenceRequest, Usage
from modelport.policy.safety.report import SafetyReport


@dataclass(frozen=True)
class AnswerStyle:
    """What differs between the OpenAI-shaped dialects."""

    failure: Failure
    chat_logprobs: LogprobsShape = "chat"
    annotations: bool = False  # prompt/content_filter_results (Azure, OpenAI)
    role_chunk: bool = False  # a role-only first delta (AI21)
    choice_extras: dict[str, Any] = field(default_factory=dict)  # e.g. AI21's "logprobs": null
    choice_created: bool = False  # each stream choice repeats `created` (AI21 on Azure)


@dataclass
class OpenAIStyleCall(Call):
    request: InferenceRequest
    style: AnswerStyle
    separate_usage: bool = False  # OpenAI's include_usage: a final `choices: []` usage chunk

    def _annotations(self, safety: SafetyReport | None) -> ContentFilterAnnotations | None:
        if not self.style.annotations or safety is None:
            return None
        return ContentFilterAnnotations(safety)

    def body(
        self, meta: ResponseMeta, completion: Completion, usage: Usage, safety: SafetyReport | None
    ) -> dict[str, Any]:
        body = response_body(
            self.request.kind,
            completion,
            response_id=meta.request_id,
            created=meta.created,
            model=meta.model,
            want_logprobs=self.request.sampling.logprobs,
            chat_logprobs=self.style.chat_logprobs,
        )
        body["usage"] = {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
        }
        annotations = self._annotations(safety)
        if annotations is not None:
            annotations.body(body)
        return body

    def stream(self, meta: ResponseMeta, safety: SafetyReport | None) -> StreamWriter:
        renderer = ChunkRenderer(
            self.request.kind,
            response_id=meta.request_id,
            created=meta.created,
            model=meta.model,
            want_logprobs=self.request.sampling.logprobs,
            chat_logprobs=self.style.chat_logprobs,
            role_chunk=self.style.role_chunk,
            choice_extras={
                **self.style.choice_extras,
                **({"created": meta.created} if self.style.choice_created else {}),
            },
        )
        return ChunkStream(
            renderer,
            self.style.failure,
            separate_usage=self.separate_usage,
            annotations=self._annotations(safety),
        )
