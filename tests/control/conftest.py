from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from modelport.app import create_app
from tests.support import ADMIN_TOKEN, settings_for

TEST_OFFERS = Path(__file__).resolve().parent.parent / "offers"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    """The management API in process, on a fresh database, with no engine running (the rules
    that refuse a deployment do so before any engine starts)."""
    settings = settings_for(
        tmp_path / "data",
        embedded_default=False,
        regions={"eastus2": "", "westus": "https://westus.models.example"},
        catalog_dirs=[TEST_OFFERS],
        test_offers=True,
    )
    with TestClient(
        create_app(settings), headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    ) as client:
        yield client
