"""Taking over the jobs of a gone gateway, against real SQLite and real PostgreSQL: which jobs a
gateway with free slots may take, one gateway only claiming each (recorded in its events), an
orphaned job with a cancel requested cancelled instead, the former gateway's runner stopping
when it finds its job taken over; a running job's latest checkpoint stored
in the database (migration 0060), replacing the previous one, and written into another
gateway's job directory to resume from."""

from __future__ import annotations

import asyncio
import hashlib
import os
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from modelport.billing.ledger import UsageLedger
from modelport.domain.fine_tuning import JobStatus
from modelport.finetune.artifacts import ArtifactError, read_model_dir
from modelport.finetune.checkpoints import local_step, read_checkpoint, restore, restore_recorded
from modelport.finetune.ownership import JobOwnership
from modelport.finetune.protocol import CHECKPOINT_STATE, CHECKPOINTS_DIR, checkpoint_name
from modelport.finetune.runner import JobRunner
from modelport.finetune.service import FineTuningService
from modelport.store import fine_tuning as ft
from modelport.store import finetune_artifacts as artifacts
from modelport.store.db import upgrade
from modelport.store.repositories import Store
from modelport.store.values import now
from tests.finetune_support import beat, stored_jobs
from tests.support import settings_for

STATE = bytes(range(256)) * 2048  # more than one PostgreSQL TOAST chunk


def _gone(conn: sa.Connection, member: str) -> None:
    """``member``'s last heartbeat, long ago."""
    conn.execute(
        sa.text("UPDATE cluster_members SET seen_at = :t WHERE id = :m"),
        {"t": now() - timedelta(hours=1), "m": member},
    )


def _queued_long_ago(conn: sa.Connection, job_id: str) -> None:
    conn.execute(
        sa.text("UPDATE ft_jobs SET created_at = :t WHERE id = :j"),
        {"t": now() - timedelta(minutes=5), "j": job_id},
    )


def _checkpoint(job_dir: Path, step: int, state: bytes = STATE) -> dict[str, tuple[str, bytes]]:
    """A checkpoint directory as the worker writes it; its files as the runner reads them."""
    directory = job_dir / CHECKPOINTS_DIR / checkpoint_name(step)
    directory.mkdir(parents=True)
    (directory / CHECKPOINT_STATE).write_bytes(state + step.to_bytes(4, "big"))
    (directory / "metrics.json").write_text(f'{{"step": {step}}}')
    files = read_checkpoint(job_dir, step)
    assert files is not None
    return files


def _artifact_count(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("SELECT count(*) FROM ft_artifacts")).scalar_one())


@pytest.mark.anyio
async def test_a_live_gateway_takes_over_the_jobs_of_a_gone_one_within_its_free_slots(
    store: Store,
) -> None:
    orphan, kept, waiting, fresh = stored_jobs(store, 4)
    with store.transaction() as conn:
        for member in ("gateway-a", "gateway-b", "gateway-c"):
            beat(conn, member)
        assert ft.claim_job(conn, orphan.id, "gateway-a", ["gateway-a"])
        ft.update_job(conn, orphan.id, started_at=now(), step=3, trained_tokens=90)
        assert ft.claim_job(conn, kept.id, "gateway-c", ["gateway-c"])
        _queued_long_ago(conn, waiting.id)  # ``fresh`` was queued just now
        _gone(conn, "gateway-a")
    b = JobOwnership(store, "gateway-b", live_within=30, cancel_wait=1)
    c = JobOwnership(store, "gateway-c", live_within=30, cancel_wait=1)

    with store.transaction() as conn:
        # One free slot: the orphan first; two: then the job queued long ago. Not the job of a
        # live gateway, nor one queued just now (its gateway takes it itself).
        assert b.adoptable(conn, 1).take == [orphan.id]
        assert b.adoptable(conn, 5).take == [orphan.id, waiting.id]
        assert b.adoptable(conn, 0).take == []

    # Both live gateways try; one claim wins.
    taken = await b.claim(orphan.id)
    assert taken is not None and taken.owner == "gateway-b" and taken.status is JobStatus.RUNNING
    assert await c.claim(orphan.id) is None
    with store.transaction() as conn:
        events, _ = ft.list_events(conn, orphan.id)
        assert events[0].message == (
            "Taken over by gateway gateway-b at step 3: the gateway that ran the job "
            "(gateway-a) is gone"
        )
        assert events[0].data == {"from": "gateway-a", "to": "gateway-b", "step": 3}
        assert [e for e in events if e.message.startswith("Taken over")] == events[:1]
        assert b.adoptable(conn, 5).take == [waiting.id]  # b's own job is not b's to take
    # A queued job claimed is started, not taken over from anyone.
    started = await c.claim(waiting.id)
    assert started is not None and started.owner == "gateway-c"
    with store.transaction() as conn:
        events, _ = ft.list_events(conn, waiting.id)
        assert not any(e.message.startswith("Taken over") for e in events)
        assert b.adoptable(conn, 5).take == []
        found = ft.get_job(conn, fresh.id)
        assert found is not None and found.status is JobStatus.QUEUED


def test_an_orphaned_job_with_a_cancel_requested_is_cancelled_not_taken_over(
    store: Store, tmp_path: Path
) -> None:
    (job,) = stored_jobs(store, 1)
    with store.transaction() as conn:
        beat(conn, "gateway-a")
        assert ft.claim_job(conn, job.id, "gateway-a", ["gateway-a"])
        ft.update_job(conn, job.id, trained_tokens=70)
        assert artifacts.put_checkpoint_files(conn, job.id, 2, _checkpoint(tmp_path, 2))
        ft.request_cancel(conn, job.id)
        _gone(conn, "gateway-a")
    b = JobOwnership(store, "gateway-b", live_within=30, cancel_wait=1)
    with store.transaction() as conn:
        found = b.adoptable(conn, 1)
    assert found.take == []
    (cancelled,) = found.cancelled
    assert cancelled.status is JobStatus.CANCELLED and cancelled.trained_tokens == 70
    with store.transaction() as conn:
        events, _ = ft.list_events(conn, job.id)
        assert events[0].message.endswith("the gateway that ran it is gone")
        assert artifacts.checkpoint_files(conn, job.id) is None  # ended: its checkpoint goes
        assert _artifact_count(conn) == 0
        assert b.adoptable(conn, 1).cancelled == []  # once


def test_a_job_keeps_its_latest_checkpoint_in_the_database(store: Store, tmp_path: Path) -> None:
    job, other = stored_jobs(store, 2)
    first = _checkpoint(tmp_path / "a", 3)
    second = _checkpoint(tmp_path / "a", 6)
    with store.transaction() as conn:
        assert artifacts.put_checkpoint_files(conn, job.id, 3, first)
        artifacts.put_model_files(conn, other.id, {"m.json": first["metrics.json"]})
    with store.transaction() as conn:
        step, files = artifacts.checkpoint_files(conn, job.id) or (0, [])
        assert step == 3
        assert [(f.name, f.bytes) for f in files] == [
            ("metrics.json", len(first["metrics.json"][1])),
            (CHECKPOINT_STATE, len(STATE) + 4),
        ]
        assert artifacts.put_checkpoint_files(conn, job.id, 6, second)
        # An older checkpoint reported late does not replace the newer one.
        assert not artifacts.put_checkpoint_files(conn, job.id, 3, first)
    with store.transaction() as conn:
        step, files = artifacts.checkpoint_files(conn, job.id) or (0, [])
        assert step == 6 and {f.sha256 for f in files} == {d for d, _ in second.values()}
        # Step 3's state went; its metrics content stays: another job's model refers to it.
        assert artifacts.artifact(conn, first[CHECKPOINT_STATE][0]) is None
        assert artifacts.artifact(conn, first["metrics.json"][0]) is not None
        assert _artifact_count(conn) == 3
        artifacts.drop_checkpoint_files(conn, job.id)
        assert artifacts.checkpoint_files(conn, job.id) is None
        assert _artifact_count(conn) == 1


def test_another_gateway_resumes_from_the_stored_checkpoint(store: Store, tmp_path: Path) -> None:
    (job,) = stored_jobs(store, 1)
    trained_here = tmp_path / "a" / job.id
    files = _checkpoint(trained_here, 4)
    with store.transaction() as conn:
        artifacts.put_checkpoint_files(conn, job.id, 4, files)
    elsewhere = tmp_path / "b" / job.id
    assert local_step(elsewhere) == 0
    with store.transaction() as conn:
        assert restore(conn, job.id, elsewhere) == (4, sum(len(c) for _, c in files.values()))
    written = elsewhere / CHECKPOINTS_DIR / checkpoint_name(4)
    assert read_model_dir(written) == files
    assert sorted(os.listdir(elsewhere / CHECKPOINTS_DIR)) == [checkpoint_name(4)]  # no temp
    assert local_step(elsewhere) == 4
    # A directory with a checkpoint as recent (the gateway that trained it) keeps its own.
    _checkpoint(trained_here, 5)
    with store.transaction() as conn:
        assert restore(conn, job.id, elsewhere) is None
        assert restore(conn, job.id, trained_here) is None
    assert local_step(trained_here) == 5
    # As a gateway taking the job over does it: recorded in the job's events.
    with store.transaction() as conn:
        assert restore_recorded(conn, job.id, tmp_path / "d" / job.id) == 4
        events, _ = ft.list_events(conn, job.id)
        assert events[0].message.startswith("The checkpoint at step 4 was written here")
        assert events[0].data == {"step": 4, "bytes": sum(len(c) for _, c in files.values())}
    # A stored file that does not match its digest is refused; nothing is left half-written.
    with store.transaction() as conn:
        conn.execute(
            sa.text("UPDATE ft_artifacts SET content = :c WHERE bytes = :n"),
            {"c": b"tampered", "n": len(STATE) + 4},
        )
    third = tmp_path / "c" / job.id
    with store.transaction() as conn, pytest.raises(ArtifactError, match="sha256"):
        restore(conn, job.id, third)
    assert local_step(third) == 0 and os.listdir(third / CHECKPOINTS_DIR) == []
    with store.transaction() as conn:  # the worker then starts from what is there
        assert restore_recorded(conn, job.id, third) is None
    digest = hashlib.sha256(STATE + (4).to_bytes(4, "big")).hexdigest()
    assert files[CHECKPOINT_STATE][0] == digest


def test_deleting_a_project_drops_its_stored_checkpoints(store: Store, tmp_path: Path) -> None:
    (job,) = stored_jobs(store, 1)
    with store.transaction() as conn:
        artifacts.put_checkpoint_files(conn, job.id, 2, _checkpoint(tmp_path, 2))
        ft.update_job(conn, job.id, status=JobStatus.CANCELLED)
    with store.transaction() as conn:
        ft.delete_project_data(conn, job.project_id)
    with store.transaction() as conn:
        assert artifacts.checkpoint_files(conn, job.id) is None
        assert _artifact_count(conn) == 0


def test_migration_0060_keeps_the_jobs_it_finds(engine: Engine) -> None:
    upgrade(engine, "0050_finetune_shared")
    store = Store(engine)
    (job,) = stored_jobs(store, 1)
    upgrade(engine)
    assert "ft_checkpoint_files" in sa.inspect(engine).get_table_names()
    with store.transaction() as conn:
        found = ft.get_job(conn, job.id)
        assert found is not None and found.status is JobStatus.QUEUED
        assert artifacts.checkpoint_files(conn, job.id) is None


@pytest.mark.anyio
async def test_a_gateway_takes_over_no_more_jobs_than_its_free_slots(
    store: Store, tmp_path: Path
) -> None:
    """The service's look for jobs to take over, with the real store and ledger (the catalog
    and model directories are not reached: no job is run here)."""
    first, second, cancelled = stored_jobs(store, 3)
    with store.transaction() as conn:
        beat(conn, "gateway-a")
        for job in (first, second, cancelled):
            assert ft.claim_job(conn, job.id, "gateway-a", ["gateway-a"])
            ft.update_job(conn, job.id, started_at=now(), trained_tokens=50)
        ft.request_cancel(conn, cancelled.id)
        _gone(conn, "gateway-a")
    ledger = UsageLedger(store.engine)
    ledger.start()
    unused = cast(Any, SimpleNamespace(catalog=None))
    service = FineTuningService(
        settings=settings_for(tmp_path, finetune_concurrency=1),
        store=store,
        projects=unused,
        models=unused,
        ledger=ledger,
        owner="gateway-b",
        live_within=30,
    )
    try:
        # One slot: one job queued to take over (the oldest); the cancel-requested orphan is
        # cancelled and billed for the tokens its gateway reported.
        assert await service.adopt() == [first.id]
        assert service._queue.qsize() == 1
        assert await service.adopt() == []  # the slot is taken by the job waiting for it
        service._queue.get_nowait()
        service._taken.add(first.id)  # as while a worker claims or runs it
        assert await service.adopt() == []
        service._taken.clear()
        assert await service.adopt() == [first.id]  # not claimed yet: still to take
    finally:
        await asyncio.to_thread(ledger.close)
    with store.transaction() as conn:
        ended = ft.get_job(conn, cancelled.id)
        assert ended is not None and ended.status is JobStatus.CANCELLED
        assert ended.billed_tokens == 50
        for job in (first, second):
            still = ft.get_job(conn, job.id)
            assert still is not None and still.owner == "gateway-a"  # claimed by a worker only


@pytest.mark.anyio
async def test_a_runner_whose_job_was_taken_over_stops_and_leaves_it(
    store: Store, tmp_path: Path
) -> None:
    """Gateway a was seen gone (its heartbeats did not reach the database) but still runs the
    job; b took it over. a's runner notices at its next poll and stops, finalizing nothing."""
    (job,) = stored_jobs(store, 1)
    with store.transaction() as conn:
        assert ft.claim_job(conn, job.id, "gateway-a", ["gateway-a"])
        claimed = ft.get_job(conn, job.id)
    assert claimed is not None

    async def finalize(_: Any) -> None:
        raise AssertionError("a job taken over is not finalized by its former gateway")

    runner = JobRunner(
        claimed, tmp_path, store, finalize=finalize, cancel_poll=0.05, owner="gateway-a"
    )
    watch = asyncio.create_task(runner._watch_cancel())
    await asyncio.sleep(0.2)
    assert not watch.done()  # still a's
    with store.transaction() as conn:
        assert ft.claim_job(conn, job.id, "gateway-b", ["gateway-b"])  # a is gone
    await asyncio.wait_for(watch, 5)
    assert runner._abandoned and not runner.cancel_requested
    with store.transaction() as conn:
        found = ft.get_job(conn, job.id)
        assert found is not None and found.status is JobStatus.RUNNING
        assert found.owner == "gateway-b"


@pytest.mark.anyio
async def test_a_job_queued_twice_on_one_gateway_is_claimed_and_run_once(
    store: Store, tmp_path: Path
) -> None:
    # A look for jobs to take over can queue a job a worker here is still claiming (it is queued
    # in the database until the claim commits): the second worker must not claim and run it too.
    unused = cast(Any, SimpleNamespace(catalog=None))
    service = FineTuningService(
        settings=settings_for(tmp_path, finetune_concurrency=2),
        store=store,
        projects=unused,
        models=unused,
        ledger=unused,
        owner="gateway-b",
    )
    claimed: list[str] = []
    ran: list[str] = []

    async def slow_claim(job_id: str) -> Any:
        claimed.append(job_id)
        await asyncio.sleep(0.2)
        return SimpleNamespace(id=job_id)

    async def run(job: Any) -> None:
        ran.append(job.id)
        await asyncio.sleep(0.2)

    service.ownership.claim = slow_claim  # type: ignore[method-assign]
    service._run = run  # type: ignore[method-assign]
    workers = [asyncio.create_task(service._work()) for _ in range(2)]
    try:
        service._queue.put_nowait("ftjob-1")
        await asyncio.sleep(0.05)  # the first worker is claiming it
        service._queue.put_nowait("ftjob-1")
        # Until the run has ended (0.4 s of sleeps; a loaded machine can stall the loop longer).
        deadline = asyncio.get_running_loop().time() + 10
        while not ran or service._taken:
            assert asyncio.get_running_loop().time() < deadline, (claimed, ran, service._taken)
            await asyncio.sleep(0.05)
        assert service._queue.empty()  # the second one was taken off the queue, not left
        assert (claimed, ran) == (["ftjob-1"], ["ftjob-1"])
        assert not service._taken  # released when its run ended
    finally:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
