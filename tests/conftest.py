from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ThreadServer, settings_for, wait_ready


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """One Modelport with the embedded deployment, shared by the end-to-end tests."""
    data_dir: Path = tmp_path_factory.mktemp("modelport-data")
    server = ThreadServer(settings_for(data_dir)).start()
    try:
        wait_ready(server.base_url)
        yield server
    finally:
        server.stop()
