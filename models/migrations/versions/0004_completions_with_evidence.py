"""Completions: each time a milestone is recorded done, with its evidence; reopening marks, never deletes.

Revision ID: 0004_completions_with_evidence
Revises: 0003_outbox_of_reminders
Create Date: 2026-11-23 13:18:49.398252
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004_completions_with_evidence"
down_revision: str | None = "0003_outbox_of_reminders"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("doc_number", sa.String(length=100), nullable=True),
        sa.Column("doc_date", sa.Date(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_by", sa.String(length=200), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestone.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("completion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_completion_milestone_id"), ["milestone_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("completion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_completion_milestone_id"))

    op.drop_table("completion")
