"""Indexes for the sweep's pass (roadmap, zone, status, end) and for a sender's claimed rows.

Revision ID: 0012_sweep_and_claim_indexes
Revises: 0011_signed_audit_checkpoints
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0012_sweep_and_claim_indexes"
down_revision: str | None = "0011_signed_audit_checkpoints"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_milestone_sweep", "milestone", ["roadmap_id", "timezone", "status", "window_end"])
    op.create_index("ix_outbox_claim", "outbox", ["claim"])


def downgrade() -> None:
    op.drop_index("ix_outbox_claim", table_name="outbox")
    op.drop_index("ix_milestone_sweep", table_name="milestone")
