"""An index for the sweep's reading of what each milestone was already told (roadmap, kind, milestone, dates).

Revision ID: 0013_outbox_history_index
Revises: 0012_sweep_and_claim_indexes
Create Date: 2026-12-02 22:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0013_outbox_history_index"
down_revision: str | None = "0012_sweep_and_claim_indexes"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_told", "outbox", ["roadmap_id", "kind", "milestone_id", "due_on", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_told", table_name="outbox")
