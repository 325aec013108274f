from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lifecycle import Deployed, deployed
from tests.support import LLAMA_TEST, ThreadServer, settings_for


@pytest.fixture(scope="session")
def llama(live_server: ThreadServer) -> Iterator[Deployed]:
    """The Llama-dialect test offer (SmolLM2 weights, a Llama-architecture model) deployed the
    way a user deploys it: a project, a subscription, a deployment that starts its own engine."""
    with deployed(live_server, "llama-lab", "llama-3-8b", LLAMA_TEST) as deployment:
        yield deployment


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """A Modelport of the module's own, without the embedded deployment: for tests whose
    deployments and usage must not mix with the shared live server's (whose usage tests price
    everything at the embedded offer's price)."""
    settings = settings_for(tmp_path_factory.mktemp("own-server"), embedded_default=False)
    server = ThreadServer(settings).start()
    try:
        yield server
    finally:
        server.stop()
