"""ОКТМО of organisations: an official code that decides whether an organisation lies in a plan's territory.

Revision ID: 0009_oktmo_of_organisations
Revises: 0008_scheduled_windows
Create Date: 2026-12-02 13:26:49.268562
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009_oktmo_of_organisations"
down_revision: str | None = "0008_scheduled_windows"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oktmo", sa.String(length=11), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("oktmo")
