"""Outbox claims: a sender takes rows with a lease before sending, so concurrent senders never send one twice.

Revision ID: 0006_outbox_claims
Revises: 0005_monitoring_of_indicators
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_outbox_claims"
down_revision: str | None = "0005_monitoring_of_indicators"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claim", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claim")
