"""One live replica per ordinal: at most one replica not stopped per (deployment, generation,
ordinal), a partial unique index. Two controllers active at once for a moment (a takeover while
the former holder, stalled, has not noticed yet) could each decide that ordinal 0 was missing
and each insert one; the index lets one insert win and refuses the other, in the database.

Live duplicates already there keep running: each later one is given the next free ordinal of its
deployment's generation, so that the controller counts it, and scales the surplus down (the
highest ordinals first) rather than leaving it serving unmanaged.

Revision ID: 0070_live_replica_ordinals
Revises: 0060_finetune_checkpoint_files
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0070_live_replica_ordinals"
down_revision = "0060_finetune_checkpoint_files"
branch_labels = None
depends_on = None

INDEX = "uq_replicas_live_ordinal"


def _renumber_live_duplicates(conn: sa.Connection) -> None:
    live = conn.execute(
        sa.text(
            "SELECT id, deployment_id, generation, ordinal FROM replicas "
            "WHERE stopped_at IS NULL ORDER BY deployment_id, generation, ordinal, created_at, id"
        )
    ).all()
    taken: dict[tuple[str, int], set[int]] = {}
    for row in live:
        taken.setdefault((row.deployment_id, int(row.generation)), set()).add(int(row.ordinal))
    seen: set[tuple[str, int, int]] = set()
    for row in live:
        key = (row.deployment_id, int(row.generation), int(row.ordinal))
        if key not in seen:
            seen.add(key)
            continue
        ordinals = taken[key[:2]]
        fresh = max(ordinals) + 1
        ordinals.add(fresh)
        conn.execute(
            sa.text("UPDATE replicas SET ordinal = :ordinal WHERE id = :id"),
            {"ordinal": fresh, "id": row.id},
        )


def upgrade() -> None:
    _renumber_live_duplicates(op.get_bind())
    where = sa.text("stopped_at IS NULL")
    op.create_index(
        INDEX,
        "replicas",
        ["deployment_id", "generation", "ordinal"],
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="replicas")
