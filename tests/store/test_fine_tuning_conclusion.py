"""A job's end is one write, against real SQLite and real PostgreSQL: a client that polls the
status and sees ``succeeded``, ``failed`` or ``cancelled`` finds, in the same read, the events
that say so (the OpenAI SDK's ``list_events`` right after ``retrieve``). Written in separate
transactions, a fresh-clone CI once listed the events of a succeeded job before "New fine-tuned
model created" was in them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelport.domain.fine_tuning import JobStatus
from modelport.finetune.protocol import MODEL_DIR
from modelport.finetune.runner import JobRunner
from modelport.store import fine_tuning as ft
from modelport.store.repositories import Store
from tests.finetune_support import stored_jobs

ENDINGS = [
    (
        {"event": "succeeded", "trained_tokens": 40, "step": 3},
        JobStatus.SUCCEEDED,
        ["Model files stored", "New fine-tuned model created", "The job has successfully"],
    ),
    (
        {"event": "failed", "code": "training_error", "message": "loss is NaN"},
        JobStatus.FAILED,
        ["The job failed: loss is NaN"],
    ),
    ({"event": "cancelled", "trained_tokens": 12}, JobStatus.CANCELLED, ["The job was cancelled"]),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("final", "status", "messages"), ENDINGS, ids=lambda v: str(v)[:12])
async def test_the_terminal_status_and_its_events_are_seen_together(
    store: Store, tmp_path: Path, final: dict[str, Any], status: JobStatus, messages: list[str]
) -> None:
    (job,) = stored_jobs(store, 1)
    with store.transaction() as conn:
        ft.update_job(conn, job.id, status=JobStatus.RUNNING)
        running = ft.get_job(conn, job.id)
    assert running is not None
    (tmp_path / MODEL_DIR).mkdir()
    (tmp_path / MODEL_DIR / "adapter.gguf").write_bytes(b"GGUF" + bytes(60))
    finalized: list[JobStatus] = []

    async def finalize(ended: Any) -> None:
        finalized.append(ended.status)

    runner = JobRunner(running, tmp_path, store, finalize=finalize)
    runner._final = final
    seen: list[tuple[JobStatus, list[str]]] = []
    write = store.run

    def observed(fn: Any) -> Any:
        result = write(fn)

        def look(conn: Any) -> tuple[JobStatus, list[str]]:
            now_job = ft.get_job(conn, job.id)
            assert now_job is not None
            events, _ = ft.list_events(conn, job.id, limit=100)
            return now_job.status, [e.message for e in events]

        seen.append(store.read(look))  # what any client could read after this commit
        return result

    store.run = observed  # type: ignore[method-assign]
    await runner._conclude()

    assert finalized == [status]
    ended = [events for state, events in seen if state is status]
    assert ended, seen
    for events in ended:  # from the first read that shows the status on
        for message in messages:
            assert any(e.startswith(message) for e in events), (message, events)
