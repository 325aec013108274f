from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lifecycle import Deployed, deployed
from tests.support import LLAMA_TEST, ThreadServer


@pytest.fixture(scope="session")
def llama(live_server: ThreadServer) -> Iterator[Deployed]:
    """The Llama-dialect test offer (SmolLM2 weights, a Llama-architecture model) deployed the
    way a user deploys it: a project, a subscription, a deployment that starts its own engine."""
    with deployed(live_server, "llama-lab", "llama-3-8b", LLAMA_TEST) as deployment:
        yield deployment
