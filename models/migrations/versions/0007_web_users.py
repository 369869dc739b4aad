"""Web users: accounts with a role and a scope, API tokens, one-time sign-in links and sessions.

Revision ID: 0007_web_users
Revises: 0006_outbox_claims
Create Date: 2026-12-02 14:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007_web_users"
down_revision: str | None = "0006_outbox_claims"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "web_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("org_id", sa.String(length=100), nullable=True),
        sa.Column("municipality", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("feed_token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    for table in ("api_token", "signin_link", "web_session"):
        columns: list[Any] = [
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
        ]
        if table == "api_token":
            columns += [
                sa.Column("label", sa.String(length=200), nullable=False),
                sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
                sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
            ]
        elif table == "signin_link":
            columns += [
                sa.Column("next_path", sa.String(length=500), nullable=False),
                sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
            ]
        else:
            columns += [
                sa.Column("csrf", sa.String(length=64), nullable=False),
                sa.Column("how", sa.String(length=20), nullable=False),
                sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
            ]
        op.create_table(
            table,
            *columns,
            sa.ForeignKeyConstraint(["user_id"], ["web_user.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("token_hash"),
        )
        op.create_index(f"ix_{table}_user_id", table, ["user_id"])


def downgrade() -> None:
    for table in ("web_session", "signin_link", "api_token"):
        op.drop_index(f"ix_{table}_user_id", table_name=table)
        op.drop_table(table)
    op.drop_table("web_user")
