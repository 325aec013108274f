"""What content safety found for one request: the policy it ran under and its verdicts.

Filled by the prompt check and, as the completion streams, by the guard; read by the dialects,
which render it as ``prompt_filter_results`` / ``content_filter_results`` annotations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modelport.policy.safety.policy import SafetyPolicy, StreamingMode
from modelport.policy.safety.types import SafetyResult


@dataclass
class SafetyReport:
    policy: SafetyPolicy
    # How the completion is checked: the policy's streaming mode for a stream; a whole answer
    # is always checked before it is sent (hold-back).
    mode: StreamingMode = StreamingMode.HOLD_BACK
    prompt: SafetyResult | None = None
    completions: dict[int, SafetyResult] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.policy.enabled
