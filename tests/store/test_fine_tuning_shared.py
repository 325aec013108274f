"""Fine-tuning across gateways, against real SQLite and real PostgreSQL: migration 0050 keeps the
jobs it finds; a model's files stored once by their sha256 and written back into another data
directory (atomically, checked); which gateway runs a job; a cancel recorded by one gateway for
the job another runs, or cancelled at once when that gateway is gone."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from modelport.domain.fine_tuning import JobStatus
from modelport.finetune.artifacts import (
    ArtifactError,
    materialize,
    read_model_dir,
    store_earlier_models,
)
from modelport.finetune.ownership import JobOwnership
from modelport.store import fine_tuning as ft
from modelport.store import finetune_artifacts as artifacts
from modelport.store.db import upgrade
from modelport.store.repositories import Store
from modelport.store.values import now
from tests.finetune_support import beat, stored_jobs

# Every byte value, and more than one page of a PostgreSQL TOAST chunk.
BINARY = bytes(range(256)) * 4096 + b"\x00tail"


def _model_dir(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "adapter.gguf").write_bytes(BINARY)
    (root / "adapter_config.json").write_bytes(b'{"r": 8}')
    return root


def test_migration_0050_keeps_the_jobs_it_finds(engine: Engine) -> None:
    upgrade(engine, "0040_managed_compute")
    store = Store(engine)
    (job,) = stored_jobs(store, 1)
    upgrade(engine)
    with store.transaction() as conn:
        found = ft.get_job(conn, job.id)
        assert found is not None and found.fine_tuned_model == job.fine_tuned_model
        assert found.owner is None and found.cancel_requested_at is None
        assert artifacts.model_files(conn, job.id) == []
    tables = sa.inspect(engine).get_table_names()
    assert {"ft_artifacts", "ft_model_files"} <= set(tables)


def test_model_files_are_stored_once_by_sha256(store: Store, tmp_path: Path) -> None:
    first, second = stored_jobs(store, 2)
    files = read_model_dir(_model_dir(tmp_path / "model"))
    digest = hashlib.sha256(BINARY).hexdigest()
    assert files["adapter.gguf"] == (digest, BINARY)
    with store.transaction() as conn:
        artifacts.put_model_files(conn, first.id, files)
        artifacts.put_model_files(conn, second.id, files)  # the same adapter: stored once
    with store.transaction() as conn:
        stored = artifacts.model_files(conn, first.id)
        assert [(f.name, f.sha256, f.bytes) for f in stored] == [
            ("adapter.gguf", digest, len(BINARY)),
            ("adapter_config.json", hashlib.sha256(b'{"r": 8}').hexdigest(), 8),
        ]
        assert artifacts.model_files(conn, second.id) == stored
        assert artifacts.artifact(conn, digest) == BINARY
        count = conn.execute(sa.text("SELECT count(*) FROM ft_artifacts")).scalar_one()
        assert count == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArtifactError, match="no model files"):
        read_model_dir(tmp_path / "empty")
    with pytest.raises(ArtifactError, match="cannot read"):
        read_model_dir(tmp_path / "missing")


def test_a_data_dir_without_the_files_gets_them_from_the_database(
    store: Store, tmp_path: Path
) -> None:
    (job,) = stored_jobs(store, 1)
    trained_here = _model_dir(tmp_path / "a" / job.id / "model")
    with store.transaction() as conn:
        artifacts.put_model_files(conn, job.id, read_model_dir(trained_here))
    elsewhere = tmp_path / "b" / job.id / "model"
    with store.transaction() as conn:
        written = materialize(conn, job.id, elsewhere)
    assert written == ["adapter.gguf", "adapter_config.json"]
    assert (elsewhere / "adapter.gguf").read_bytes() == BINARY
    assert sorted(os.listdir(elsewhere)) == ["adapter.gguf", "adapter_config.json"]  # no temp
    # The gateway that has them (the one that trained the job) keeps its own files.
    before = (trained_here / "adapter.gguf").stat()
    with store.transaction() as conn:
        assert materialize(conn, job.id, trained_here) == []
        assert materialize(conn, job.id, elsewhere) == []
    after = (trained_here / "adapter.gguf").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    # A truncated copy is written again.
    (elsewhere / "adapter.gguf").write_bytes(BINARY[:100])
    with store.transaction() as conn:
        assert materialize(conn, job.id, elsewhere) == ["adapter.gguf"]
    assert (elsewhere / "adapter.gguf").read_bytes() == BINARY


def test_models_of_jobs_that_succeeded_earlier_are_stored_by_the_gateway_that_has_them(
    engine: Engine, tmp_path: Path
) -> None:
    upgrade(engine, "0040_managed_compute")
    store = Store(engine)
    here, elsewhere, failed = stored_jobs(store, 3)
    with store.transaction() as conn:
        for job in (here, elsewhere):
            ft.update_job(conn, job.id, status=JobStatus.SUCCEEDED)
        ft.update_job(conn, failed.id, status=JobStatus.FAILED)
    _model_dir(tmp_path / here.id / "model")
    _model_dir(tmp_path / failed.id / "model")
    upgrade(engine)
    assert store_earlier_models(store, tmp_path, "model") == [here.id]
    assert store_earlier_models(store, tmp_path, "model") == []  # once
    with store.transaction() as conn:
        assert [f.name for f in artifacts.model_files(conn, here.id)] == [
            "adapter.gguf",
            "adapter_config.json",
        ]
        assert artifacts.model_files(conn, elsewhere.id) == []  # its files are on another disk
        assert artifacts.model_files(conn, failed.id) == []


def test_stored_content_that_does_not_match_its_digest_is_refused(
    store: Store, tmp_path: Path
) -> None:
    (job,) = stored_jobs(store, 1)
    with store.transaction() as conn:
        artifacts.put_model_files(conn, job.id, read_model_dir(_model_dir(tmp_path / "a")))
        conn.execute(
            sa.text("UPDATE ft_artifacts SET content = :c WHERE bytes = :n"),
            {"c": b"tampered", "n": len(BINARY)},
        )
    target = tmp_path / "b"
    with store.transaction() as conn, pytest.raises(ArtifactError, match="sha256"):
        materialize(conn, job.id, target)
    assert not (target / "adapter.gguf").exists()
    assert [p.name for p in target.glob(".*")] == []


def test_deleting_a_project_drops_its_files_and_keeps_shared_content(
    store: Store, tmp_path: Path
) -> None:
    (mine,) = stored_jobs(store, 1, "lab")
    (theirs,) = stored_jobs(store, 1, "other")
    files = read_model_dir(_model_dir(tmp_path / "m"))
    with store.transaction() as conn:
        artifacts.put_model_files(conn, mine.id, files)
        artifacts.put_model_files(conn, theirs.id, {"adapter.gguf": files["adapter.gguf"]})
    with store.transaction() as conn:
        ft.delete_project_data(conn, mine.project_id)
    with store.transaction() as conn:
        assert artifacts.model_files(conn, mine.id) == []
        assert artifacts.artifact(conn, files["adapter.gguf"][0]) == BINARY  # still theirs
        assert artifacts.artifact(conn, files["adapter_config.json"][0]) is None


def test_a_job_runs_in_one_gateway_until_that_gateway_is_gone(store: Store) -> None:
    (job,) = stored_jobs(store, 1)
    with store.transaction() as conn:
        beat(conn, "gateway-a")
        beat(conn, "gateway-b")
        assert ft.claim_job(conn, job.id, "gateway-a", ["gateway-a", "gateway-b"])
        assert not ft.claim_job(conn, job.id, "gateway-b", ["gateway-a", "gateway-b"])
        # Not twice, even by its own gateway.
        assert not ft.claim_job(conn, job.id, "gateway-a", ["gateway-a", "gateway-b"])
        claimed = ft.get_job(conn, job.id)
        assert claimed is not None and claimed.status is JobStatus.RUNNING
        assert claimed.owner == "gateway-a"
        assert not ft.cancel_queued(conn, job.id)  # running: not cancelled behind its back
        assert ft.claim_job(conn, job.id, "gateway-b", ["gateway-b"])  # a is gone
        ft.update_job(conn, job.id, status=JobStatus.SUCCEEDED)
        assert not ft.claim_job(conn, job.id, "gateway-b", ["gateway-b"])  # ended


@pytest.mark.anyio
async def test_a_cancel_through_another_gateway_is_acted_on_by_the_owner(store: Store) -> None:
    queued, running = stored_jobs(store, 2)
    with store.transaction() as conn:
        beat(conn, "gateway-a")
        assert ft.claim_job(conn, running.id, "gateway-a", ["gateway-a"])
        ft.update_job(conn, running.id, trained_tokens=120)
    b = JobOwnership(store, "gateway-b", live_within=30, cancel_wait=20)

    # A queued job no gateway took is cancelled at once.
    assert await b.cancel_elsewhere(queued)
    with store.transaction() as conn:
        found = ft.get_job(conn, queued.id)
        assert found is not None and found.status is JobStatus.CANCELLED

    async def owner_acts() -> float:
        """Gateway a's runner: notices the request, stops the worker, records the end."""
        while not await asyncio.to_thread(store.run, lambda c: ft.cancel_requested(c, running.id)):
            await asyncio.sleep(0.05)
        await asyncio.to_thread(
            store.run,
            lambda c: ft.update_job(
                c, running.id, status=JobStatus.CANCELLED, finished_at=now(), trained_tokens=160
            ),
        )
        return 0.0

    acting = asyncio.create_task(owner_acts())
    assert await b.cancel_elsewhere(running)
    await acting
    with store.transaction() as conn:
        found = ft.get_job(conn, running.id)
        assert found is not None and found.status is JobStatus.CANCELLED
        assert found.trained_tokens == 160 and found.cancel_requested_at is not None
        events, _ = ft.list_events(conn, running.id)
        assert "Cancel requested" in events[0].message


@pytest.mark.anyio
async def test_a_job_whose_gateway_is_gone_is_cancelled_at_once(store: Store) -> None:
    stuck, gone = stored_jobs(store, 2)
    with store.transaction() as conn:
        beat(conn, "gateway-a")
        for job in (stuck, gone):
            assert ft.claim_job(conn, job.id, "gateway-a", ["gateway-a"])
        ft.update_job(conn, gone.id, trained_tokens=80)
    # A live owner that does not act: the request stays recorded; the job keeps running.
    b = JobOwnership(store, "gateway-b", live_within=30, cancel_wait=0.5)
    assert not await b.cancel_elsewhere(stuck)
    with store.transaction() as conn:
        found = ft.get_job(conn, stuck.id)
        assert found is not None and found.status is JobStatus.RUNNING
        assert ft.cancel_requested(conn, stuck.id)
    # Gateway a not seen for longer than live_within: gone.
    with store.transaction() as conn:
        conn.execute(
            sa.text("UPDATE cluster_members SET seen_at = :t"), {"t": now().replace(year=2020)}
        )
    assert await b.cancel_elsewhere(gone)
    with store.transaction() as conn:
        found = ft.get_job(conn, gone.id)
        assert found is not None and found.status is JobStatus.CANCELLED
        assert found.trained_tokens == 80 and found.finished_at is not None
        events, _ = ft.list_events(conn, gone.id)
        assert events[0].message.endswith("the gateway that ran it is gone")
