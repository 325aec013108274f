"""Custom content-safety blocklists (per deployment, or platform-wide when deployment_id is NULL).

Revision ID: 0020_safety
Revises: 0030_finetune
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_safety"
down_revision = "0030_finetune"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safety_blocklists",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column(
            "deployment_id",
            sa.String(36),
            sa.ForeignKey("deployments.id", name="fk_safety_blocklists_deployment_id_deployments"),
            nullable=True,
        ),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_safety_blocklists"),
    )


def downgrade() -> None:
    op.drop_table("safety_blocklists")
