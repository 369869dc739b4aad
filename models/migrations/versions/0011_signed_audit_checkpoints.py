"""Signed audit checkpoints and honest actors: how each event's actor was identified, the signing keys, the checkpoints.

Revision ID: 0011_signed_audit_checkpoints
Revises: 0010_mentorship_cycle
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011_signed_audit_checkpoints"
down_revision: str | None = "0010_mentorship_cycle"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("actor_via", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("actor_detail", sa.Text(), nullable=True))
    op.create_table(
        "audit_key",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("merkle_root", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("previous_key_id", sa.String(length=64), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("previous_signature", sa.String(length=100), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.create_index(batch.f("ix_audit_checkpoint_size"), ["size"], unique=False)
    # the head row exists from the start, so two first appenders at once lock it instead of both inserting it
    op.execute(
        "INSERT INTO audit_head (id, seq, hash) SELECT 1, 0, '" + "0" * 64 + "' "
        "WHERE NOT EXISTS (SELECT 1 FROM audit_head WHERE id = 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.drop_index(batch.f("ix_audit_checkpoint_size"))
    op.drop_table("audit_checkpoint")
    op.drop_table("audit_key")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("actor_detail")
        batch.drop_column("actor_via")
