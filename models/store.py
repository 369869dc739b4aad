"""Stored records (SQLModel tables): the store is the system of record.

Roadmap versions keep the YAML text as loaded; milestones are one item × one organisation × one
occurrence; nothing is deleted: milestones are retired, audit events only appended. Times are
timezone-aware UTC; dates (windows) are calendar dates in the roadmap's or organisation's zone.
Schema changes go through the migrations in `models/migrations` (see `models.db.upgrade`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

MilestoneStatus = Literal["planned", "due", "overdue", "done", "waiting-for-date", "retired"]
STATUSES: tuple[str, ...] = ("planned", "due", "overdue", "done", "waiting-for-date", "retired")
OPEN_STATUSES: tuple[str, ...] = ("planned", "due", "overdue", "waiting-for-date")
NO_ORG = ""  # org_id of a milestone that belongs to the roadmap as a whole
ONCE = ""  # occurrence of an item that happens once


class RoadmapRecord(SQLModel, table=True):
    """A roadmap known to the store, with its current version."""

    __tablename__ = "roadmap"

    id: str = Field(primary_key=True, max_length=100)
    title: str = Field(sa_column=Column(Text, nullable=False))
    level: str = Field(max_length=20)
    region: str = Field(max_length=200)
    municipality: str | None = Field(default=None, max_length=200)
    timezone: str = Field(max_length=64)
    active: bool = True
    current_version: int = 0
    created_at: datetime
    updated_at: datetime


class RoadmapVersion(SQLModel, table=True):
    """One loaded version of a roadmap: the YAML exactly as loaded, who loaded it and why."""

    __tablename__ = "roadmap_version"
    __table_args__ = (UniqueConstraint("roadmap_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    roadmap_id: str = Field(foreign_key="roadmap.id", index=True, max_length=100)
    version: int
    content_hash: str = Field(max_length=64, index=True)
    yaml_text: str = Field(sa_column=Column(Text, nullable=False))
    source_path: str | None = Field(default=None, max_length=500)
    loaded_at: datetime
    loaded_by: str = Field(max_length=200)
    note: str | None = Field(default=None, sa_column=Column(Text))
    diff: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class PlanItem(SQLModel, table=True):
    """The current definition of each item of a roadmap (history lives in the versions' YAML)."""

    __tablename__ = "plan_item"
    __table_args__ = (UniqueConstraint("roadmap_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    roadmap_id: str = Field(foreign_key="roadmap.id", max_length=100)
    number: str = Field(max_length=40)
    section: str = Field(max_length=40)
    position: int = 0
    title: str = Field(sa_column=Column(Text, nullable=False))
    result: str | None = Field(default=None, sa_column=Column(Text))
    deadline_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    deadline_kind: str = Field(max_length=30)
    responsible: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    scope: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    depends_on: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int
    retired_version: int | None = None


class Organisation(SQLModel, table=True):
    """An organisation of the registry: school (ОО), additional education (ДО), college (СПО), УО."""

    __tablename__ = "organisation"

    id: str = Field(primary_key=True, max_length=100)
    name: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=10, index=True)
    municipality: str = Field(max_length=200, index=True)
    region: str = Field(max_length=200, index=True)
    timezone: str | None = Field(default=None, max_length=64)
    curator_email: str | None = Field(default=None, max_length=320)
    head_email: str | None = Field(default=None, max_length=320)
    curator_url: str | None = Field(default=None, sa_column=Column(Text))
    head_url: str | None = Field(default=None, sa_column=Column(Text))
    active: bool = True
    updated_at: datetime
    oktmo: str | None = Field(default=None, max_length=11, description="ОКТМО code: decides the territory")


class Contact(SQLModel, table=True):
    """How to reach a party that roadmaps name (УО, ТОИПКРО, a named official): kept out of the YAML."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("roadmap_id", "party"),)

    id: int | None = Field(default=None, primary_key=True)
    party: str = Field(max_length=100, index=True)
    roadmap_id: str = Field(default="", max_length=100, description="'' = the party id in any roadmap")
    name: str = Field(sa_column=Column(Text, nullable=False))
    email: str | None = Field(default=None, max_length=320)
    url: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime


class Milestone(SQLModel, table=True):
    """One item for one organisation (or the roadmap) and one occurrence (a year, a check-in, a cycle year)."""

    __tablename__ = "milestone"
    __table_args__ = (
        UniqueConstraint("roadmap_id", "item_number", "org_id", "occurrence", name="uq_milestone_key"),
        Index("ix_milestone_status_end", "status", "window_end"),
        Index("ix_milestone_roadmap_org", "roadmap_id", "org_id"),
        Index("ix_milestone_org", "org_id"),
        # the sweep's pass over one roadmap's milestones in one zone, by status and end (tasks/sweep.py)
        Index("ix_milestone_sweep", "roadmap_id", "timezone", "status", "window_end"),
    )

    id: int | None = Field(default=None, primary_key=True)
    roadmap_id: str = Field(foreign_key="roadmap.id", max_length=100)
    item_number: str = Field(max_length=40)
    org_id: str = Field(default=NO_ORG, max_length=100)
    occurrence: str = Field(default=ONCE, max_length=40)
    kind: str = Field(max_length=30, description="window, yearly, check-in, cycle, waiting")
    window_start: date | None = None
    window_end: date | None = None
    timezone: str = Field(max_length=64)
    status: str = Field(max_length=20)
    responsible: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_version: int
    updated_version: int
    done_at: datetime | None = None
    done_by: str | None = Field(default=None, max_length=200)
    evidence: str | None = Field(default=None, sa_column=Column(Text))
    done_version: int | None = None
    retired_version: int | None = None
    retired_reason: str | None = Field(default=None, sa_column=Column(Text))
    # a window given to a milestone that waited for a date (`roadmap schedule`): a re-sync keeps it
    scheduled_at: datetime | None = None
    scheduled_by: str | None = Field(default=None, max_length=200)
    schedule_text: str | None = Field(default=None, sa_column=Column(Text))


class DeadlineChange(SQLModel, table=True):
    """A window or responsible party changed by an amendment: whom to tell (the reminders notify them)."""

    __tablename__ = "deadline_change"

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id", index=True)
    version: int
    old_start: date | None = None
    old_end: date | None = None
    new_start: date | None = None
    new_end: date | None = None
    old_responsible: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    new_responsible: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    changed_at: datetime
    notified_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """An append-only event in a hash chain: each carries the hash of the one before.

    `actor_via` and `actor_detail` say how the actor was identified (cli, web, api, schedule; the OS
    user and host, the session, the flow run); both are NULL in events written before revision 0007,
    whose hash does not cover them (see audit.chain.event_hash).
    """

    __tablename__ = "audit_event"

    seq: int | None = Field(default=None, primary_key=True)
    at_utc: datetime
    at_local: str = Field(max_length=40, description="local time with offset, ISO 8601")
    actor: str = Field(max_length=200)
    action: str = Field(max_length=60, index=True)
    subject: str = Field(max_length=300, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
    actor_via: str | None = Field(default=None, max_length=20)
    actor_detail: str | None = Field(default=None, sa_column=Column(Text))


class AuditHead(SQLModel, table=True):
    """The single row holding the chain's last sequence and hash; updating it serialises appenders."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


class AuditKey(SQLModel, table=True):
    """A public key that signs checkpoints (the private key never enters the store)."""

    __tablename__ = "audit_key"

    key_id: str = Field(primary_key=True, max_length=64, description="the first 16 hex of SHA-256 of the raw key")
    public_key: str = Field(max_length=100, description="the raw Ed25519 public key, base64")
    first_used_at: datetime


class AuditCheckpoint(SQLModel, table=True):
    """A signed statement of the chain's length, head hash and Merkle root at a moment (audit/checkpoints.py).

    `statement` is the exact text that was signed; the other columns repeat it for queries. A
    rotation checkpoint is signed by the new key and countersigned by the one it replaces.
    """

    __tablename__ = "audit_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    size: int = Field(index=True)
    head_hash: str = Field(max_length=64)
    merkle_root: str = Field(max_length=64)
    signed_at: datetime
    key_id: str = Field(max_length=64)
    previous_key_id: str | None = Field(default=None, max_length=64)
    statement: str = Field(sa_column=Column(Text, nullable=False))
    signature: str = Field(max_length=100)
    previous_signature: str | None = Field(default=None, max_length=100)
    recorded_by: str = Field(max_length=200)


class OutboxMessage(SQLModel, table=True):
    """One reminder for one recipient, written when the sweep decides it and marked when it is sent.

    `key` names the reminder (milestone, kind and stage, scheduled date); with the recipient it is
    unique, so deciding the same reminder twice never queues it twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", "recipient", name="uq_outbox_key_recipient"),
        Index("ix_outbox_state_next", "state", "next_attempt_at"),
        # a sender's batch: the rows it claimed (outbox/claims.py)
        Index("ix_outbox_claim", "claim"),
        # what each milestone was already told, read by the sweep per roadmap (late, escalated, waiting)
        Index("ix_outbox_told", "roadmap_id", "kind", "milestone_id", "due_on", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    recipient: str = Field(max_length=500, description="e-mail address or apprise URL")
    party: str = Field(max_length=100)
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id", index=True)
    roadmap_id: str = Field(max_length=100)
    kind: str = Field(max_length=20, description="before, lapse, overdue, escalation, moved, waiting, check-in")
    stage: int = 0
    due_on: date = Field(description="the local date the reminder is due (a working day)")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=10, description="pending, sent, failed")
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime
    sent_at: datetime | None = None
    digest_id: str | None = Field(default=None, max_length=64)
    # a sender claims rows before sending them (an atomic UPDATE), so two senders at once (the
    # sweep and the dispatch run, or two workers) never send the same row; a claim left by a crashed
    # sender lapses at claimed_until and the rows go out on a later run
    claim: str | None = Field(default=None, max_length=32)
    claimed_until: datetime | None = None


class Completion(SQLModel, table=True):
    """One recording of a milestone as done, with its evidence; a reopen marks it, never deletes it."""

    __tablename__ = "completion"

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id", index=True)
    done_at: datetime
    done_by: str = Field(max_length=200)
    recorded_at: datetime
    recorded_by: str = Field(max_length=200)
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    doc_number: str | None = Field(default=None, max_length=100)
    doc_date: date | None = None
    file_sha256: str | None = Field(default=None, max_length=64)
    file_name: str | None = Field(default=None, max_length=300)
    file_size: int | None = None
    plan_version: int
    reopened_at: datetime | None = None
    reopened_by: str | None = Field(default=None, max_length=200)
    reopen_reason: str | None = Field(default=None, sa_column=Column(Text))


# -- monitoring: submitted figures and yearly snapshots --------------------------------------------


class IndicatorLoad(SQLModel, table=True):
    """One file of submitted figures as loaded: who, when, which file, what it changed."""

    __tablename__ = "indicator_load"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=500)
    sha256: str = Field(max_length=64)
    loaded_at: datetime
    loaded_by: str = Field(max_length=200)
    roadmaps: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    added: int = 0
    superseded: int = 0
    unchanged: int = 0


class IndicatorValue(SQLModel, table=True):
    """One submitted figure: a roadmap's indicator, item target or criterion, for a year and an organisation.

    `org_id` '' is the roadmap's whole territory; a УО's figure stands for its municipality (`level`).
    A later load of the same (roadmap, kind, key, year, org) supersedes the row (`superseded_at`,
    `superseded_by_load`); rows are never updated otherwise and never deleted.
    """

    __tablename__ = "indicator_value"
    __table_args__ = (
        Index("ix_indicator_value_current", "roadmap_id", "year", "superseded_at"),
        Index("ix_indicator_value_key", "roadmap_id", "kind", "key", "year", "org_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    load_id: int = Field(foreign_key="indicator_load.id", index=True)
    line: int = Field(description="the line of the file it came from")
    roadmap_id: str = Field(max_length=100)
    kind: str = Field(max_length=10, description="indicator, item or criterion")
    key: str = Field(max_length=100, description="indicator id, item number or criterion id")
    year: int
    org_id: str = Field(default="", max_length=100)
    level: str = Field(max_length=20, description="organisation, municipality or region")
    municipality: str = Field(default="", max_length=200, description="'' for a region-level figure")
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    answer: str | None = Field(default=None, max_length=200, description="a categorical criterion's level")
    source: str | None = Field(default=None, sa_column=Column(Text))
    submitted_by: str = Field(max_length=200)
    superseded_at: datetime | None = None
    superseded_by_load: int | None = Field(default=None, foreign_key="indicator_load.id")


class MonitoringSnapshot(SQLModel, table=True):
    """One run of the yearly monitoring of a roadmap; a re-run adds a snapshot, never overwrites one.

    The figures it used are those of `load_ids` current at `taken_at` (superseded later or not).
    """

    __tablename__ = "monitoring_snapshot"
    __table_args__ = (Index("ix_monitoring_snapshot_roadmap_year", "roadmap_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    roadmap_id: str = Field(foreign_key="roadmap.id", max_length=100)
    year: int
    taken_at: datetime
    taken_by: str = Field(max_length=200)
    plan_version: int
    load_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class MonitoringResult(SQLModel, table=True):
    """One measure at one level and scope in a snapshot: target, actual, where it came from, the verdict."""

    __tablename__ = "monitoring_result"

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="monitoring_snapshot.id", index=True)
    kind: str = Field(max_length=10, description="indicator, item or criterion")
    key: str = Field(max_length=100)
    name: str = Field(sa_column=Column(Text, nullable=False))
    unit: str = Field(max_length=20)
    level: str = Field(max_length=20, description="region, municipality or organisation")
    scope: str = Field(max_length=200, description="region or municipality name, or organisation id")
    scope_name: str = Field(sa_column=Column(Text, nullable=False))
    target: float | None = None
    actual: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    computed: float | None = None
    submitted: float | None = None
    basis: str = Field(default="", max_length=20, description="what actual is: submitted, rolled-up, computed")
    verdict: str = Field(max_length=20)
    verdict_text: str = Field(sa_column=Column(Text, nullable=False))
    deviation: float | None = Field(default=None, description="actual - target, in the measure's unit")
    score: str | None = Field(default=None, max_length=200, description="a criterion's level on its scale")
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# -- people who use the web pages and the API (web/) ------------------------------------------------


class WebUser(SQLModel, table=True):
    """Someone who signs in to the pages or the API: an operator, a coordinator, a curator or an auditor.

    A curator sees and changes one organisation's milestones, a coordinator one municipality's, the
    operator everything, an auditor everything read-only. Disabled, never deleted (the audit trail
    names them).
    """

    __tablename__ = "web_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, description="lower case; how they sign in")
    role: str = Field(max_length=20, description="operator, coordinator, curator, auditor")
    org_id: str | None = Field(default=None, max_length=100, description="a curator's organisation")
    municipality: str | None = Field(default=None, max_length=200, description="a coordinator's municipality")
    password_hash: str | None = Field(default=None, sa_column=Column(Text), description="argon2; optional")
    feed_token_hash: str | None = Field(default=None, max_length=64, description="SHA-256 of the calendar token")
    created_at: datetime
    created_by: str = Field(max_length=200)
    disabled_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    """A personal API token: shown once, stored as its SHA-256, revocable."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    label: str = Field(default="", max_length=200)
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class SignInLink(SQLModel, table=True):
    """A one-time sign-in link sent by e-mail: stored as its SHA-256, used once, expires."""

    __tablename__ = "signin_link"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    next_path: str = Field(default="/", max_length=500)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, the store its SHA-256 and the CSRF token."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="web_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    csrf: str = Field(max_length=64)
    how: str = Field(max_length=20, description="link or password")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


# -- mentorship (issue 17): participants, pairs, meetings, feedback, reflection ----------------------
# Participants are known by a pseudonymous id (`code`) only: they are children and teachers, and the
# registry of names stays with the organisation. No table here holds a name or a contact.


class Participant(SQLModel, table=True):
    """A mentor or mentee of one organisation in one academic year (`year` is its first year)."""

    __tablename__ = "mentorship_participant"
    __table_args__ = (
        UniqueConstraint("org_id", "year", "code", name="uq_participant_key"),
        Index("ix_participant_org_year_role", "org_id", "year", "role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(max_length=100)
    year: int = Field(description="the academic year's first year: 2020 for 2020/2021")
    code: str = Field(max_length=64, description="the pseudonymous id the organisation gave")
    role: str = Field(max_length=10, description="mentor or mentee")
    category: str = Field(max_length=40, description="обучающийся, молодой специалист, педагог, студент, …")
    age_band: str = Field(default="", max_length=10, description="as written: 10-14, 15-19, 25+")
    age_min: int | None = None
    age_max: int | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    forms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    max_mentees: int | None = Field(default=None, description="mentors: at most this many mentees")
    employer: str | None = Field(default=None, max_length=100, description="the enterprise a mentor comes from")
    active: bool = True
    updated_at: datetime


class PairProposal(SQLModel, table=True):
    """One proposal of pairs and groups for an organisation and academic year, exactly as it was shown."""

    __tablename__ = "mentorship_proposal"
    __table_args__ = (Index("ix_proposal_org_year", "org_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(max_length=100)
    year: int
    created_at: datetime
    created_by: str = Field(max_length=200)
    max_mentees: int
    total_fit: float = 0.0
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    accepted_at: datetime | None = None


class Pair(SQLModel, table=True):
    """An accepted pair or group: one mentor, one or more mentees, one form; closed by its reflection."""

    __tablename__ = "mentorship_pair"
    __table_args__ = (Index("ix_pair_org_year", "org_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(max_length=100)
    year: int
    mentor_id: int = Field(foreign_key="mentorship_participant.id", index=True)
    form: str = Field(max_length=40, description="ученик-ученик, учитель-ученик, …")
    format: str = Field(max_length=20, description="one-to-one or group")
    proposal_id: int | None = Field(default=None, foreign_key="mentorship_proposal.id")
    edited: bool = Field(default=False, description="the curator changed the proposal before accepting it")
    accepted_at: datetime
    accepted_by: str = Field(max_length=200)
    state: str = Field(default="active", max_length=10, description="active or closed")
    closed_at: datetime | None = None


class PairMember(SQLModel, table=True):
    """A mentee of a pair or group, with the requests the mentor's competences meet."""

    __tablename__ = "mentorship_pair_member"
    __table_args__ = (UniqueConstraint("pair_id", "participant_id", name="uq_pair_member"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="mentorship_pair.id", index=True)
    participant_id: int = Field(foreign_key="mentorship_participant.id", index=True)
    fit: float = 0.0
    met: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Meeting(SQLModel, table=True):
    """A meeting of a pair: знакомство, пробная, планирование, совместная работа, итоговая."""

    __tablename__ = "mentorship_meeting"
    __table_args__ = (UniqueConstraint("pair_id", "number", name="uq_meeting_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="mentorship_pair.id", index=True)
    number: int
    kind: str = Field(max_length=30)
    held_on: date
    recorded_at: datetime
    recorded_by: str = Field(max_length=200)


class Feedback(SQLModel, table=True):
    """One participant's feedback after one meeting: satisfied or not, a score 1-5, a comment."""

    __tablename__ = "mentorship_feedback"
    __table_args__ = (UniqueConstraint("meeting_id", "participant_id", name="uq_feedback"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="mentorship_meeting.id", index=True)
    participant_id: int = Field(foreign_key="mentorship_participant.id", index=True)
    satisfied: bool
    score: int
    comment: str | None = Field(default=None, sa_column=Column(Text))
    recorded_at: datetime
    recorded_by: str = Field(max_length=200)


class Reflection(SQLModel, table=True):
    """The completion of a pair's programme: each member's personal reflection and the group's (no participant)."""

    __tablename__ = "mentorship_reflection"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="mentorship_pair.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="mentorship_participant.id")
    kind: str = Field(max_length=10, description="personal or group")
    held_on: date
    satisfied: bool | None = None
    score: int | None = None
    comment: str | None = Field(default=None, sa_column=Column(Text))
    recorded_at: datetime
    recorded_by: str = Field(max_length=200)
