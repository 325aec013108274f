"""Fine-tuning across gateways: a succeeded job's model files in the database (content-addressed
by sha256), the gateway running a job, and cancel requests any gateway can record.

Revision ID: 0050_finetune_shared
Revises: 0040_managed_compute
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0050_finetune_shared"
down_revision = "0040_managed_compute"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ft_artifacts",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ft_model_files",
        sa.Column("job_id", sa.String(64), sa.ForeignKey("ft_jobs.id"), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("ft_artifacts.sha256"), nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
    )
    with op.batch_alter_table("ft_jobs") as batch:
        batch.add_column(sa.Column("owner", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("ft_jobs") as batch:
        batch.drop_column("cancel_requested_at")
        batch.drop_column("owner")
    op.drop_table("ft_model_files")
    op.drop_table("ft_artifacts")
