"""What a gateway does when what it depends on goes away, as an operator sees it: ``modelport
serve`` gateways and a ``modelport controller`` on PostgreSQL, limits in Redis (a real valkey),
the embedded model on the local runtime.

- Redis stopped: each gateway holds a deployment to its share of the limit (limit ÷ live
  gateways) and says so in ``/healthz`` and ``/metrics``; Redis started again: back to it.
- The database cut off from gateway A (a TCP link the test cuts, as a network failure would):
  A keeps serving the deployments it knows (requests its callers identify too: the spool tells
  a retry of one it served), spools usage on local disk and says so in ``/healthz`` (its
  management API, which must check tokens in the database, answers 503); past
  ``MODELPORT_STORE_OUTAGE_GRACE`` it refuses with 503 and ``Retry-After``; once the link is
  mended the spool is replayed (one ledger row per request) and A catches up with the changes
  it missed (a key regenerated meanwhile through gateway B).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from modelport.store.db import make_engine
from modelport.store.usage_tables import usage_records
from tests.cluster_support import Cluster, CuttableLink, chat, cluster, deployment, until
from tests.postgres import PostgresServer
from tests.redis_support import Valkey
from tests.support import ADMIN_HEADERS, EMBEDDED, admin, keys_of, wait_ready

pytestmark = pytest.mark.e2e

GRACE = 8.0  # MODELPORT_STORE_OUTAGE_GRACE for the gateways


@dataclass
class Outages:
    cluster: Cluster
    database_url: str
    valkey: Valkey
    link: CuttableLink  # between gateway A and PostgreSQL
    a: str
    b: str


@pytest.fixture(scope="module")
def outages(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Outages]:
    root = tmp_path_factory.mktemp("scale-out-outages")
    valkey = Valkey(root)
    valkey.start()
    try:
        with postgres_server.database() as url:
            link = CuttableLink(postgres_server.port)
            through_link = url.replace(f":{postgres_server.port}/", f":{link.port}/")
            try:
                with cluster(
                    root,
                    url,
                    MODELPORT_RATE_LIMIT_BACKEND="redis",
                    MODELPORT_REDIS_URL=valkey.url,
                    MODELPORT_STORE_OUTAGE_GRACE=str(GRACE),
                ) as c:
                    c.start("controller")
                    # A's /metrics is open (a scraper on a private network): a token could not
                    # be checked while A has no database.
                    a = c.start(
                        "gateway", MODELPORT_DATABASE_URL=through_link, MODELPORT_METRICS="open"
                    ).base_url
                    b = c.start("gateway").base_url
                    wait_ready(a, timeout=180)
                    wait_ready(b, timeout=60)
                    yield Outages(c, url, valkey, link, a, b)
            finally:
                link.close()
    finally:
        valkey.stop()


def _health(base: str) -> dict[str, object]:
    body: dict[str, object] = httpx.get(f"{base}/healthz", timeout=10).json()
    return body


def _metric(base: str, name: str, token: bool = True) -> float:
    headers = ADMIN_HEADERS if token else {}
    text = httpx.get(f"{base}/metrics", headers=headers, timeout=10).text
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert found, f"{name} not in /metrics"
    return float(found.group(1))


def test_redis_down_each_gateway_holds_its_share_and_says_so(outages: Outages) -> None:
    a, b = outages.a, outages.b
    key = keys_of(a)["primary"]
    with admin(a) as api:
        api.put(
            f"/management/deployments/{EMBEDDED}/limits", json={"requests_per_minute": 4}
        ).raise_for_status()
    try:
        until(lambda: _health(b)["status"] == "ok", 10)
        # The limit was set through A: B enforces it once its registry has it.
        until(lambda: deployment(b)["limits"]["requests_per_minute"] == 4, 10)
        outages.valkey.stop()
        statuses = [chat(b, EMBEDDED, key).status_code for _ in range(3)]
        # 4 a minute shared by 2 live gateways: 2 here while Redis is away
        assert statuses == [200, 200, 429], statuses
        health = _health(b)
        assert health["status"] == "degraded"
        limiter = health["limiter"]
        assert isinstance(limiter, dict)
        assert limiter["mode"] == "local" and limiter["share"] == "1/2", limiter
        assert _metric(b, "modelport_rate_limiter_degraded") == 1.0
        assert _metric(b, "modelport_live_gateways") == 2.0

        outages.valkey.start()
        until(lambda: _health(b)["status"] == "ok", 15, 0.2)
        assert _metric(b, "modelport_rate_limiter_degraded") == 0.0
        detail = httpx.get(f"{b}/healthz?detail=1", timeout=10).json()
        assert detail["limiter"]["mode"] == "redis"
    finally:
        with admin(a) as api:
            api.put(
                f"/management/deployments/{EMBEDDED}/limits", json={"requests_per_minute": 1000}
            ).raise_for_status()


def _ledger_rows(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(func.count(), func.count(func.distinct(usage_records.c.request_id)))
            ).one()
    finally:
        engine.dispose()
    return int(rows[0]), int(rows[1])


def test_a_gateway_that_loses_its_database_serves_spools_then_refuses_and_catches_up(
    outages: Outages,
) -> None:
    a, b = outages.a, outages.b
    old = keys_of(a)["primary"]
    assert chat(a, EMBEDDED, old).status_code == 200
    until(lambda: _ledger_rows(outages.database_url)[0] > 0, 10)  # the ledger has caught up
    rows_before, _ = _ledger_rows(outages.database_url)

    outages.link.cut()
    until(lambda: _health(a)["status"] == "degraded", 10, 0.1)
    noticed = time.monotonic()  # the gateway's grace runs from when it noticed, at the latest now
    served = [chat(a, EMBEDDED, old) for _ in range(2)]
    served.append(_identified(a, old, "outage-1"))  # as the Azure SDK sends every request
    assert [r.status_code for r in served] == [200, 200, 200], [r.text for r in served]
    again = _identified(a, old, "outage-1")  # the spool knows it was served
    assert again.status_code == 409, again.text
    health = _health(a)
    store, spool = health["store"], health["usage_spool"]
    assert isinstance(store, dict) and isinstance(spool, dict)
    assert store["reachable"] is False and store["serving_until_s"] <= GRACE
    assert spool["records"] == 3
    assert _metric(a, "modelport_store_reachable", token=False) == 0.0
    assert _metric(a, "modelport_usage_spooled_records", token=False) == 3.0
    # A management token cannot be checked without the database: a clean 503, not a guess.
    with admin(a) as api:
        unchecked = api.get("/management/deployments")
    assert unchecked.status_code == 503, unchecked.text
    assert (Path(_data_dir(outages, a)) / "usage-spool.jsonl").exists()

    # Meanwhile, through gateway B (which has its database), the key is regenerated.
    with admin(b) as api:
        api.post(
            f"/management/deployments/{EMBEDDED}/keys/regenerate", json={"key": "primary"}
        ).raise_for_status()
    new = keys_of(b)["primary"]

    # Past the grace period A no longer trusts what it knows: 503, Retry-After.
    time.sleep(max(0.0, GRACE - (time.monotonic() - noticed)) + 0.5)
    refused = chat(a, EMBEDDED, old)
    assert refused.status_code == 503, refused.text
    assert refused.headers.get("retry-after")
    assert refused.json()["error"]["code"] == "store_unavailable"

    outages.link.mend()
    until(lambda: _health(a)["status"] == "ok", 30, 0.2)
    # A caught up with what it missed: the old key is refused, the new one opens.
    assert chat(a, EMBEDDED, old).status_code == 401
    assert chat(a, EMBEDDED, new).status_code == 200
    # Every request billed once: the 3 spooled, the one after (the refused ones bill nothing).
    until(lambda: _ledger_rows(outages.database_url)[0] >= rows_before + 4, 30, 0.2)
    rows, distinct = _ledger_rows(outages.database_url)
    assert rows == rows_before + 4 and distinct == rows


def _identified(base: str, key: str, request_id: str) -> httpx.Response:
    return httpx.post(
        f"{base}/deployments/{EMBEDDED}/chat/completions",
        json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4},
        headers={"api-key": key, "x-ms-client-request-id": request_id},
        timeout=120,
    )


def _data_dir(outages: Outages, base: str) -> Path:
    member = next(m for m in outages.cluster.members if m.base_url == base)
    return member.data_dir
