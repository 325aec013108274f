"""Fine-tuning checkpoints in the database: the files of each running job's latest checkpoint
(content in ``ft_artifacts``), so a gateway that takes a job over resumes from it on any machine.

Revision ID: 0060_finetune_checkpoint_files
Revises: 0050_finetune_shared
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0060_finetune_checkpoint_files"
down_revision = "0050_finetune_shared"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ft_checkpoint_files",
        sa.Column("job_id", sa.String(64), sa.ForeignKey("ft_jobs.id"), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("ft_artifacts.sha256"), nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ft_checkpoint_files")
