"""Fine-tuning: files, jobs, events, checkpoints; the fine-tuning meters; ledger columns.

The reserved ``fine-tuning`` meter of every subscription becomes the training-tokens meter, and
the fine-tuned model meters (hosting, inference) are added. The ledger gets the quantities of
training and hosting records. Offer ids grow to hold fine-tuned model names
(``ft:<base>:<project>:<suffix>``); SQLite does not enforce string lengths.

Revision ID: 0030_finetune
Revises: 0005_engines
Create Date: 2026-12-01
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0030_finetune"
down_revision = "0005_engines"
branch_labels = None
depends_on = None

# Frozen here (not imported) so the migration means the same thing forever.
NEW_METERS = (
    ("fine-tuned-input-tokens", "1K tokens"),
    ("fine-tuned-output-tokens", "1K tokens"),
    ("fine-tuned-hosting-hours", "hours"),
)
WIDENED = (
    ("deployments", "offer_id"),
    ("usage_records", "offer_id"),
    ("usage_rollups", "offer_id"),
)


def upgrade() -> None:
    op.create_table(
        "ft_files",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("examples", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ft_files_project_id", "ft_files", ["project_id"])
    op.create_table(
        "ft_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("base_offer_id", sa.String(64), nullable=False),
        sa.Column("subscription_id", sa.String(36), nullable=True),
        sa.Column("training_file", sa.String(64), nullable=False),
        sa.Column("validation_file", sa.String(64), nullable=True),
        sa.Column("hyperparameters", sa.Text, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("suffix", sa.String(64), nullable=False),
        sa.Column("fine_tuned_model", sa.String(255), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trained_tokens", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total_tokens", sa.BigInteger, nullable=True),
        sa.Column("step", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total_steps", sa.Integer, nullable=True),
        sa.Column("billed_tokens", sa.BigInteger, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("metadata", sa.Text, nullable=True),
        sa.UniqueConstraint("fine_tuned_model", name="uq_ft_jobs_fine_tuned_model"),
    )
    op.create_index("ix_ft_jobs_project_id", "ft_jobs", ["project_id"])
    op.create_table(
        "ft_events",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("job_id", sa.String(64), sa.ForeignKey("ft_jobs.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=True),
        sa.UniqueConstraint("job_id", "seq", name="uq_ft_events_job_seq"),
    )
    op.create_table(
        "ft_checkpoints",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("job_id", sa.String(64), sa.ForeignKey("ft_jobs.id"), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("train_loss", sa.Float, nullable=True),
        sa.Column("metrics", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("job_id", "step", name="uq_ft_checkpoints_job_step"),
    )
    with op.batch_alter_table("usage_records") as batch:
        batch.add_column(
            sa.Column("training_tokens", sa.BigInteger, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("hosting_hours", sa.Integer, nullable=False, server_default="0"))
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table, column in WIDENED:
            op.alter_column(
                table, column, type_=sa.String(255), existing_type=sa.String(64), nullable=False
            )
    conn.execute(
        sa.text(
            "UPDATE subscription_meters SET meter = 'fine-tuning-training-tokens', "
            "unit = '1K tokens', reserved = :no WHERE meter = 'fine-tuning'"
        ),
        {"no": False},
    )
    existing = conn.execute(sa.text("SELECT id FROM subscriptions")).scalars().all()
    now = datetime.now(UTC)
    meters = sa.table(
        "subscription_meters",
        sa.column("id", sa.String),
        sa.column("subscription_id", sa.String),
        sa.column("meter", sa.String),
        sa.column("unit", sa.String),
        sa.column("reserved", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rows = [
        {
            "id": str(uuid.uuid4()),
            "subscription_id": sub_id,
            "meter": name,
            "unit": unit,
            "reserved": False,
            "created_at": now,
        }
        for sub_id in existing
        for name, unit in NEW_METERS
    ]
    if rows:
        op.bulk_insert(meters, rows)


def downgrade() -> None:
    conn = op.get_bind()
    names = ", ".join(f"'{name}'" for name, _ in NEW_METERS)
    conn.execute(sa.text(f"DELETE FROM subscription_meters WHERE meter IN ({names})"))  # noqa: S608
    conn.execute(
        sa.text(
            "UPDATE subscription_meters SET meter = 'fine-tuning', unit = 'hours', "
            "reserved = :yes WHERE meter = 'fine-tuning-training-tokens'"
        ),
        {"yes": True},
    )
    with op.batch_alter_table("usage_records") as batch:
        batch.drop_column("hosting_hours")
        batch.drop_column("training_tokens")
    op.drop_table("ft_checkpoints")
    op.drop_table("ft_events")
    op.drop_index("ix_ft_jobs_project_id", "ft_jobs")
    op.drop_table("ft_jobs")
    op.drop_index("ix_ft_files_project_id", "ft_files")
    op.drop_table("ft_files")
