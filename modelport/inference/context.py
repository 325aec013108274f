"""Who asks what of which deployment: the identity of one request, fixed when it arrives.

Every stage of the pipeline reads it; none writes it. What a stage learns about the request
(its admission, its usage, its safety verdicts) is a value that stage returns (see
``inference/accounting.py`` and ``inference/moderation.py``), not a field on a shared object.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field

from modelport.domain.deployments import KeySlot
from modelport.inference.live import LiveDeployment


def new_request_id() -> str:
    return f"req-{uuid.uuid4().hex}"


def caller_request_id(deployment_id: str, caller_id: str) -> str:
    """The request id of a request its caller identified (``x-ms-client-request-id``, which
    azure-core keeps across its retries, or ``x-request-id``): the same id for every attempt,
    scoped to the deployment, so a retry is recognised and billed once."""
    digest = hashlib.blake2b(f"{deployment_id}\0{caller_id}".encode(), digest_size=16)
    return f"req-{digest.hexdigest()}"


@dataclass(frozen=True, slots=True)
class RequestContext:
    live: LiveDeployment
    key_slot: KeySlot | None  # None: a caller authorised otherwise than by a deployment key
    dialect: str
    request_id: str = field(default_factory=new_request_id)
    caller_id: str | None = None  # the caller's own request id, when it sent one
    started: float = field(default_factory=time.perf_counter)
    created_at: float = field(default_factory=time.time)

    @property
    def created(self) -> int:
        return int(self.created_at)

    @property
    def deployment(self) -> str:
        return self.live.name
