"""Monitoring: submitted figures by load (superseded, never deleted) and yearly snapshots with their results.

Revision ID: 0005_monitoring_of_indicators
Revises: 0004_completions_with_evidence
Create Date: 2026-11-23 13:29:19.738933
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_monitoring_of_indicators"
down_revision: str | None = "0004_completions_with_evidence"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "indicator_load",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.Column("roadmaps", sa.JSON(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("superseded", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "indicator_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("roadmap_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("municipality", sa.String(length=200), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("answer", sa.String(length=200), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by_load", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["indicator_load.id"],
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_load"],
            ["indicator_load.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_value_current", ["roadmap_id", "year", "superseded_at"], unique=False)
        batch_op.create_index("ix_indicator_value_key", ["roadmap_id", "kind", "key", "year", "org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_indicator_value_load_id"), ["load_id"], unique=False)

    op.create_table(
        "monitoring_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roadmap_id", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=200), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("load_ids", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["roadmap_id"],
            ["roadmap.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("monitoring_snapshot", schema=None) as batch_op:
        batch_op.create_index("ix_monitoring_snapshot_roadmap_year", ["roadmap_id", "year"], unique=False)

    op.create_table(
        "monitoring_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("scope_name", sa.Text(), nullable=False),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("actual", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("computed", sa.Float(), nullable=True),
        sa.Column("submitted", sa.Float(), nullable=True),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("verdict_text", sa.Text(), nullable=False),
        sa.Column("deviation", sa.Float(), nullable=True),
        sa.Column("score", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["monitoring_snapshot.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("monitoring_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_result_snapshot_id"), ["snapshot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("monitoring_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_result_snapshot_id"))

    op.drop_table("monitoring_result")
    with op.batch_alter_table("monitoring_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_monitoring_snapshot_roadmap_year")

    op.drop_table("monitoring_snapshot")
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_value_load_id"))
        batch_op.drop_index("ix_indicator_value_key")
        batch_op.drop_index("ix_indicator_value_current")

    op.drop_table("indicator_value")
    op.drop_table("indicator_load")
