"""The sweep's and the sender's queries use indexes (EXPLAIN), on SQLite and PostgreSQL: at region and
country size a full scan of the milestone or outbox table per roadmap and zone is what made sweeps slow.

PostgreSQL's planner prefers a sequential scan on the small tables of a test, so there the test asks
whether an index plan exists (enable_seqscan off), which is what the planner picks on large tables.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlmodel import col

from models.db import session_scope
from models.store import Milestone, OutboxMessage
from outbox.claims import _still_ready, ready
from tasks.sweep import candidates, told_late, told_waiting
from tests.helpers.sechenovsky import PLAN, load_registry, sync

NOW = datetime(2020, 6, 1, 3, tzinfo=UTC)


def plan_of(session, statement, backend: str) -> str:  # noqa: ANN001
    compiled = statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    if backend == "sqlite":
        rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        return "\n".join(str(r[-1]) for r in rows)
    session.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
    return "\n".join(r[0] for r in session.connection().exec_driver_sql(f"EXPLAIN {compiled}").all())


def uses_an_index(plan: str, backend: str) -> bool:
    if backend == "sqlite":
        return "USING INDEX" in plan or "USING COVERING INDEX" in plan
    return "Index" in plan and "Seq Scan on milestone" not in plan and "Seq Scan on outbox" not in plan


def test_the_sweeps_pass_and_status_moves_use_the_sweep_index(engine, backend):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    with session_scope(engine) as session:
        found = plan_of(session, candidates("sechenovsky-2020", "Europe/Moscow", date(2020, 6, 30)), backend)
        assert uses_an_index(found, backend) and "ix_milestone_sweep" in found, found
        to_overdue = update(Milestone).where(
            col(Milestone.roadmap_id) == "sechenovsky-2020", col(Milestone.timezone) == "Europe/Moscow",
            col(Milestone.status).in_(("planned", "due")), col(Milestone.window_end) < date(2020, 6, 1),
        ).values(status="overdue")  # fmt: skip
        found = plan_of(session, to_overdue, backend)
        assert "ix_milestone_sweep" in found, found
        session.rollback()


def test_what_each_milestone_was_told_is_read_from_the_outbox_history_index(engine, backend):
    """The sweep reads, per roadmap, when each milestone was last told it is late and which waiting ones are due
    again: a scan of the whole outbox per roadmap and zone took a quarter of a region's decision."""
    with session_scope(engine) as session:
        found = plan_of(session, told_late("sechenovsky-2020"), backend)
        assert "ix_outbox_told" in found, found
        found = plan_of(session, told_waiting("sechenovsky-2020", date(2020, 5, 1)), backend)
        assert "ix_outbox_told" in found, found
        # the waiting milestones told lately are left out by the index, not by reading the outbox
        found = plan_of(session, candidates("sechenovsky-2020", "Europe/Moscow", date(2020, 6, 30), date(2020, 5, 1)),
                        backend)  # fmt: skip
        assert "ix_milestone_sweep" in found and ("ix_outbox" in found), found


def test_a_senders_claim_and_its_batch_use_indexes(engine, backend):
    from sqlalchemy import select

    with session_scope(engine) as session:
        claimable = select(col(OutboxMessage.recipient)).where(*ready(NOW)).group_by(col(OutboxMessage.recipient))
        found = plan_of(session, claimable, backend)
        assert "ix_outbox_state_next" in found, found
        # a batch claimed by its rows' ids (read once per run): found by primary key, not by scanning the ready rows
        batch = update(OutboxMessage).where(col(OutboxMessage.id).in_(list(range(1, 800))), *_still_ready(NOW)).values(
            claim="x")  # fmt: skip
        found = plan_of(session, batch, backend)
        assert ("PRIMARY KEY" in found) if backend == "sqlite" else ("outbox_pkey" in found), found
        mine = select(OutboxMessage).where(col(OutboxMessage.claim) == uuid.uuid4().hex)
        found = plan_of(session, mine, backend)
        assert "ix_outbox_claim" in found, found
        session.rollback()
