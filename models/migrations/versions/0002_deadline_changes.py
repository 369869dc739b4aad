"""Deadline changes (whom an amendment's moved window or new responsible party must be told) and an
index on milestones by status and window end, for the reminders' scan of what is coming due.

Revision ID: 0002_deadline_changes
Revises: 0001_initial
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_deadline_changes"
down_revision: str | None = "0001_initial"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "deadline_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("old_start", sa.Date(), nullable=True),
        sa.Column("old_end", sa.Date(), nullable=True),
        sa.Column("new_start", sa.Date(), nullable=True),
        sa.Column("new_end", sa.Date(), nullable=True),
        sa.Column("old_responsible", sa.JSON(), nullable=False),
        sa.Column("new_responsible", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["milestone_id"], ["milestone.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deadline_change_milestone_id", "deadline_change", ["milestone_id"])
    op.create_index("ix_milestone_status_end", "milestone", ["status", "window_end"])


def downgrade() -> None:
    op.drop_index("ix_milestone_status_end", table_name="milestone")
    op.drop_table("deadline_change")
