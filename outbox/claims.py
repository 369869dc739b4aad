"""Which outbox rows are ready to send, and taking them: a sender claims a batch of recipients' rows with a
lease before sending, so two senders at once (the sweep and the dispatch run, two workers) never take
the same row, and a crashed sender's rows go out on a later run once its lease lapses.

A claim is one UPDATE with the conditions in its own WHERE: on PostgreSQL a row another sender claimed
in the meantime is re-checked after its lock is released and skipped; on SQLite the write lock taken at
BEGIN makes it atomic. Batches are whole recipients (a digest is all of one recipient's rows), so memory
is bounded by the batch and not by the outbox. A sender reads the recipients with ready rows once
with their row ids (`ready_rows`) and claims a batch of recipients by those ids (primary-key lookups),
rather than grouping every ready row again for each batch (which made a dispatch quadratic in the
outbox: 17.5 s of claims at 10^6 milestones).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from models.db import session_scope
from models.store import Milestone, OutboxMessage

# how long a sender holds the rows it claimed: far longer than a batch takes to send
LEASE = timedelta(minutes=15)
MONITORING = "monitoring"
REMINDERS = "reminders"
FAMILIES = (REMINDERS, MONITORING)
Group = tuple[str, str]  # (recipient, family): one message


def family(kind: str) -> str:
    """The family a row of this kind goes out in: monitoring notices apart, every reminder kind in the digest."""
    return MONITORING if kind == MONITORING else REMINDERS


def families_of(families: Collection[str] | None) -> tuple[str, ...]:
    return tuple(f for f in FAMILIES if families is None or f in families)


def ready(
    now: datetime, *, roadmaps: Collection[str] | None = None, families: Collection[str] | None = None,
    timezones: Collection[str] | None = None,
) -> list[Any]:  # fmt: skip
    """WHERE clauses of the rows ready to send (new, or failed and due again) of these roadmaps and families,
    and of milestones in these zones (a sweep's partition: each zone's run sends its own zone's reminders)."""
    clauses: list[Any] = [
        or_(
            col(OutboxMessage.state) == "pending",
            (col(OutboxMessage.state) == "failed") & (col(OutboxMessage.next_attempt_at) <= now),
        )
    ]
    if roadmaps:
        clauses.append(col(OutboxMessage.roadmap_id).in_(list(roadmaps)))
    wanted = families_of(families)
    if wanted == (MONITORING,):
        clauses.append(col(OutboxMessage.kind) == MONITORING)
    elif wanted == (REMINDERS,):
        clauses.append(col(OutboxMessage.kind) != MONITORING)
    elif not wanted:
        clauses.append(false())
    if timezones is not None:
        in_zones = select(col(Milestone.id)).where(col(Milestone.timezone).in_(list(timezones)))
        clauses.append(col(OutboxMessage.milestone_id).in_(in_zones))
    return clauses


def group_rows(rows: Iterable[OutboxMessage]) -> dict[Group, list[OutboxMessage]]:
    groups: dict[Group, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        groups[(row.recipient, family(row.kind))].append(row)
    return dict(groups)


def pending(
    engine: Engine, *, now: datetime, roadmaps: Collection[str] | None = None,
    families: Collection[str] | None = None, timezones: Collection[str] | None = None,
) -> dict[Group, list[OutboxMessage]]:  # fmt: skip
    """Rows ready to send, grouped by recipient and family (read only: what a dry run shows)."""
    with session_scope(engine, readonly=True) as session:
        where = ready(now, roadmaps=roadmaps, families=families, timezones=timezones)
        query = select(OutboxMessage).where(*where).order_by(col(OutboxMessage.id))
        return group_rows(session.execute(query).scalars())


def _free(now: datetime) -> Any:
    return or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now)


def ready_rows(
    engine: Engine, *, now: datetime, roadmaps: Collection[str] | None = None,
    families: Collection[str] | None = None, timezones: Collection[str] | None = None,
) -> dict[str, list[int]]:  # fmt: skip
    """The ids of the rows ready to send that no sender holds, by recipient in order (one pass over them)."""
    where = [*ready(now, roadmaps=roadmaps, families=families, timezones=timezones), _free(now)]
    out: dict[str, list[int]] = defaultdict(list)
    with session_scope(engine, readonly=True) as session:
        query = select(col(OutboxMessage.recipient), col(OutboxMessage.id)).where(*where)
        for recipient, row_id in session.execute(query):
            out[recipient].append(row_id)
    return {recipient: sorted(out[recipient]) for recipient in sorted(out)}


def _still_ready(now: datetime) -> list[Any]:
    """Rows read as ready are still ready and free when claimed (another sender may have taken them). The state
    is compared through coalesce so that the planner finds the rows by primary key: SQLite, without
    statistics, would otherwise scan the state index for every batch."""
    state = func.coalesce(col(OutboxMessage.state), "")
    return [or_(state == "pending", (state == "failed") & (col(OutboxMessage.next_attempt_at) <= now)), _free(now)]


IDS_PER_UPDATE = 5000  # bound parameters in one claim's UPDATE (SQLite allows 32,766)


def claim(
    engine: Engine, *, now: datetime, token: str, roadmaps: Collection[str] | None = None,
    families: Collection[str] | None = None, timezones: Collection[str] | None = None, recipients: int | None = None,
    ids: Sequence[int] | None = None,
) -> dict[Group, list[OutboxMessage]]:  # fmt: skip
    """Take, for LEASE, the ready rows no other sender holds (of these row `ids`, found by primary key; or of
    at most `recipients` recipients, the first in order), and return them grouped by message."""
    where = [*ready(now, roadmaps=roadmaps, families=families, timezones=timezones), _free(now)]
    take = {"claim": token, "claimed_until": now + LEASE}
    with session_scope(engine) as session:
        if ids is not None:
            for start in range(0, len(ids), IDS_PER_UPDATE):
                chunk = list(ids[start : start + IDS_PER_UPDATE])
                session.execute(update(OutboxMessage).where(col(OutboxMessage.id).in_(chunk), *_still_ready(now))
                                .values(**take).execution_options(synchronize_session=False))  # fmt: skip
        else:
            if recipients is not None:
                first = (
                    select(col(OutboxMessage.recipient)).where(*where)
                    .group_by(col(OutboxMessage.recipient)).order_by(col(OutboxMessage.recipient)).limit(recipients)
                )  # fmt: skip
                batch = list(session.execute(first).scalars())
                if not batch:
                    return {}
                where.append(col(OutboxMessage.recipient).in_(batch))
            session.execute(update(OutboxMessage).where(*where).values(**take)
                            .execution_options(synchronize_session=False))  # fmt: skip
    with session_scope(engine, readonly=True) as session:
        query = select(OutboxMessage).where(col(OutboxMessage.claim) == token).order_by(col(OutboxMessage.id))
        return group_rows(session.execute(query).scalars())
