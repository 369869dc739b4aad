"""Mentorship cycle (issue 17): participants by pseudonymous id, proposals, pairs and groups, meetings,
feedback and reflection.

Revision ID: 0010_mentorship_cycle
Revises: 0009_oktmo_of_organisations
Create Date: 2026-12-02 14:06:34.716502
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010_mentorship_cycle"
down_revision: str | None = "0009_oktmo_of_organisations"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "mentorship_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("age_band", sa.String(length=10), nullable=False),
        sa.Column("age_min", sa.Integer(), nullable=True),
        sa.Column("age_max", sa.Integer(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("forms", sa.JSON(), nullable=False),
        sa.Column("max_mentees", sa.Integer(), nullable=True),
        sa.Column("employer", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "year", "code", name="uq_participant_key"),
    )
    with op.batch_alter_table("mentorship_participant", schema=None) as batch_op:
        batch_op.create_index("ix_participant_org_year_role", ["org_id", "year", "role"], unique=False)

    op.create_table(
        "mentorship_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("max_mentees", sa.Integer(), nullable=False),
        sa.Column("total_fit", sa.Float(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mentorship_proposal", schema=None) as batch_op:
        batch_op.create_index("ix_proposal_org_year", ["org_id", "year"], unique=False)

    op.create_table(
        "mentorship_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=40), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["mentorship_participant.id"],
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["mentorship_proposal.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mentorship_pair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentorship_pair_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index("ix_pair_org_year", ["org_id", "year"], unique=False)

    op.create_table(
        "mentorship_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["mentorship_pair.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pair_id", "number", name="uq_meeting_number"),
    )
    with op.batch_alter_table("mentorship_meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentorship_meeting_pair_id"), ["pair_id"], unique=False)

    op.create_table(
        "mentorship_pair_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("fit", sa.Float(), nullable=False),
        sa.Column("met", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["mentorship_pair.id"],
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["mentorship_participant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pair_id", "participant_id", name="uq_pair_member"),
    )
    with op.batch_alter_table("mentorship_pair_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentorship_pair_member_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentorship_pair_member_participant_id"), ["participant_id"], unique=False)

    op.create_table(
        "mentorship_reflection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["mentorship_pair.id"],
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["mentorship_participant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mentorship_reflection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentorship_reflection_pair_id"), ["pair_id"], unique=False)

    op.create_table(
        "mentorship_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["mentorship_meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["mentorship_participant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "participant_id", name="uq_feedback"),
    )
    with op.batch_alter_table("mentorship_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentorship_feedback_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentorship_feedback_participant_id"), ["participant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mentorship_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentorship_feedback_participant_id"))
        batch_op.drop_index(batch_op.f("ix_mentorship_feedback_meeting_id"))

    op.drop_table("mentorship_feedback")
    with op.batch_alter_table("mentorship_reflection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentorship_reflection_pair_id"))

    op.drop_table("mentorship_reflection")
    with op.batch_alter_table("mentorship_pair_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentorship_pair_member_participant_id"))
        batch_op.drop_index(batch_op.f("ix_mentorship_pair_member_pair_id"))

    op.drop_table("mentorship_pair_member")
    with op.batch_alter_table("mentorship_meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentorship_meeting_pair_id"))

    op.drop_table("mentorship_meeting")
    with op.batch_alter_table("mentorship_pair", schema=None) as batch_op:
        batch_op.drop_index("ix_pair_org_year")
        batch_op.drop_index(batch_op.f("ix_mentorship_pair_mentor_id"))

    op.drop_table("mentorship_pair")
    with op.batch_alter_table("mentorship_proposal", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_org_year")

    op.drop_table("mentorship_proposal")
    with op.batch_alter_table("mentorship_participant", schema=None) as batch_op:
        batch_op.drop_index("ix_participant_org_year_role")

    op.drop_table("mentorship_participant")
