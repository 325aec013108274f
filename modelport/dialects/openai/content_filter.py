"""Content-filter annotations on OpenAI-shaped bodies and chunks (Azure AI Model Inference and
OpenAI dialects), rendered from the canonical safety results of a request.

- ``prompt_filter_results``: ``[{"prompt_index": 0, "content_filter_results": {...}}]`` on the
  response body (and on the first chunk of a stream);
- ``content_filter_mode``: which streaming mode checked the completion (``hold_back`` or
  ``asynchronous``), on the body and on the first chunk;
- ``choices[i].content_filter_results``: ``{"hate": {"filtered", "severity"}, ...,
  "profanity": {"filtered", "detected"}}`` on each choice of a body, and on the chunk that ends
  each choice in a stream (the verdict covers the whole choice only once it has ended).

A deployment whose content safety is off (managed compute may opt out) says so in the same
places: ``{"enabled": false}`` as each result, and ``content_filter_mode`` ``off``.

When moderation failed on a choice, these dialects have no ``content_filter_error`` finish
reason (the clients' enums know ``content_filter``): the choice ends with ``content_filter``
and its annotation is ``{"error": {"code": "content_filter_error", "message": ...}}``. The AI21
and Llama dialects carry ``content_filter_error`` as the finish reason and no annotations.
"""

from __future__ import annotations

from typing import Any

from modelport.inference.types import FinishReason
from modelport.policy.safety import SafetyResult, Stage
from modelport.policy.safety.report import SafetyReport

FILTER_OFF = {"enabled": False}

FILTER_ERROR_ANNOTATION = {
    "error": {
        "code": FinishReason.CONTENT_FILTER_ERROR.value,
        "message": "The content safety check failed; the rest of this choice was withheld.",
    }
}


class ContentFilterAnnotations:
    def __init__(self, report: SafetyReport) -> None:
        self.policy = report.policy
        self.prompt = report.prompt
        self.completions = report.completions
        self.mode = report.mode.value if report.enabled else "off"

    def prompt_results(self) -> list[dict[str, Any]]:
        if not self.policy.enabled:
            return [{"prompt_index": 0, "content_filter_results": dict(FILTER_OFF)}]
        if self.prompt is None:
            return []
        result = self.prompt.content_filter_result(self.policy, Stage.PROMPT)
        return [{"prompt_index": 0, "content_filter_results": result}]

    def _annotate_choice(self, choice: dict[str, Any]) -> None:
        if not self.policy.enabled:
            choice["content_filter_results"] = dict(FILTER_OFF)
            return
        if choice.get("finish_reason") == FinishReason.CONTENT_FILTER_ERROR.value:
            choice["finish_reason"] = FinishReason.CONTENT_FILTER.value
            choice["content_filter_results"] = FILTER_ERROR_ANNOTATION
            return
        result = self.completions.get(choice["index"], SafetyResult())
        choice["content_filter_results"] = result.content_filter_result(
            self.policy, Stage.COMPLETION
        )

    def body(self, body: dict[str, Any]) -> dict[str, Any]:
        """Annotate a whole response body (in place)."""
        prompt = self.prompt_results()
        if prompt:
            body["prompt_filter_results"] = prompt
        body["content_filter_mode"] = self.mode
        for choice in body["choices"]:
            self._annotate_choice(choice)
        return body

    def chunk(self, chunk: dict[str, Any], *, first: bool) -> dict[str, Any]:
        """Annotate one stream chunk (in place): the prompt's results on the first chunk, a
        choice's results on the chunk that ends it."""
        if first:
            prompt = self.prompt_results()
            if prompt:
                chunk["prompt_filter_results"] = prompt
            chunk["content_filter_mode"] = self.mode
        for choice in chunk["choices"]:
            if choice.get("finish_reason") is not None:
                self._annotate_choice(choice)
        return chunk
