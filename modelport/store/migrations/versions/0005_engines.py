"""Engine options per deployment: the chosen engine's options (JSON, without secrets) and its
secret options (a bring-your-own server's key), encrypted like deployment keys.

Revision ID: 0005_engines
Revises: 0010_access (landed on main first; chained after it)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_engines"
down_revision = "0010_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deployments", sa.Column("engine_options", sa.Text, nullable=True))
    op.add_column("deployments", sa.Column("engine_secret", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("engine_secret")
        batch.drop_column("engine_options")
