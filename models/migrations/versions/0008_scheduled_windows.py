"""Scheduled windows: a milestone that waited for a date records who gave it one, when and in what words.

Revision ID: 0008_scheduled_windows
Revises: 0007_web_users
Create Date: 2026-12-02 13:19:44.437669
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008_scheduled_windows"
down_revision: str | None = "0007_web_users"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("scheduled_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("schedule_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_column("schedule_text")
        batch_op.drop_column("scheduled_by")
        batch_op.drop_column("scheduled_at")
