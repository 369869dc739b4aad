"""The region at a glance: per roadmap, counts by status, a grid of organisations × sections coloured by
state, the overdue list by days late, the outbox, and the latest monitoring snapshot.

One grouped query per part, judged as of each milestone's own local date; the grid is paginated by
organisation so a region of 2,000 schools is a page of 50 rows, not a 20,000-cell table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import and_, func, select
from sqlalchemy.engine import CursorResult
from sqlmodel import col

from models.store import Milestone, MonitoringSnapshot, Organisation, OutboxMessage, PlanItem, RoadmapRecord
from operations.context import Context
from tasks.status import StatusFilter, _filters, effective_status, local_dates

# a cell's colour: the worst state among its milestones
SEVERITY = ("overdue", "due", "waiting-for-date", "planned", "done", "retired")


@dataclass
class GridRow:
    org_id: str
    org_name: str
    municipality: str
    cells: dict[str, str] = field(default_factory=dict)  # section -> worst state
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # section -> status -> n


@dataclass
class OverdueLine:
    milestone_id: int
    roadmap_id: str
    item: str
    title: str
    org_id: str
    org_name: str
    end: date
    days_late: int
    responsible: list[str]


@dataclass
class Board:
    roadmaps: list[RoadmapRecord]
    roadmap_id: str | None
    counts: dict[str, int]
    sections: list[str]
    grid: list[GridRow]
    grid_total: int
    overdue: list[OverdueLine]
    overdue_total: int
    outbox: dict[str, int]
    snapshot: MonitoringSnapshot | None
    municipalities: list[str]


def board(
    ctx: Context, *, f: StatusFilter, municipality: str | None = None, page: int = 0, per_page: int = 50,
    overdue_limit: int = 50,
) -> Board:  # fmt: skip
    """Everything the operator's board (or a coordinator's page, through a narrowed filter) shows."""
    with ctx.reading() as session:
        roadmaps = list(session.execute(select(RoadmapRecord).where(col(RoadmapRecord.active)).order_by(
            col(RoadmapRecord.id))).scalars())  # fmt: skip
        roadmap_id = f.roadmap or (roadmaps[0].id if roadmaps else None)
        f = StatusFilter(**{**f.__dict__, "roadmap": roadmap_id})
        as_of = local_dates(session, now=ctx.now)
        status = effective_status(as_of)
        where = _filters(StatusFilter(**{**f.__dict__, "include_all": True, "overdue_only": False}), status)
        if municipality:
            where.append(col(Milestone.org_id).in_(
                select(col(Organisation.id)).where(col(Organisation.municipality) == municipality)))  # fmt: skip
        counts = dict.fromkeys(SEVERITY, 0)
        for st, n in session.execute(select(status, func.count()).where(*where).group_by(status)):
            counts[st] = counts.get(st, 0) + n
        sections = [
            s for (s,) in session.execute(
                select(col(PlanItem.section)).where(col(PlanItem.roadmap_id) == roadmap_id,
                                                    col(PlanItem.retired_version).is_(None))
                .group_by(col(PlanItem.section)).order_by(func.min(col(PlanItem.position)))
            )
        ]  # fmt: skip
        org_where = [*where, col(Milestone.org_id) != ""]
        org_ids_q = (
            select(col(Milestone.org_id)).where(*org_where).group_by(col(Milestone.org_id))
            .order_by(col(Milestone.org_id))
        )  # fmt: skip
        grid_total = session.execute(select(func.count()).select_from(org_ids_q.subquery())).scalar_one()
        page_orgs = list(session.execute(org_ids_q.limit(per_page).offset(page * per_page)).scalars())
        orgs = {
            o.id: o for o in session.execute(select(Organisation).where(col(Organisation.id).in_(page_orgs))).scalars()
        }
        grid = {
            org_id: GridRow(org_id, orgs[org_id].name if org_id in orgs else org_id,
                            orgs[org_id].municipality if org_id in orgs else "")
            for org_id in page_orgs
        }  # fmt: skip
        cell_q = (
            select(col(Milestone.org_id), col(PlanItem.section), status, func.count())
            .join(PlanItem, and_(col(PlanItem.roadmap_id) == col(Milestone.roadmap_id),
                                 col(PlanItem.number) == col(Milestone.item_number)))
            .where(*where, col(Milestone.org_id).in_(page_orgs))
            .group_by(col(Milestone.org_id), col(PlanItem.section), status)
        )  # fmt: skip
        for org_id, section, st, n in session.execute(cell_q):
            row = grid[org_id]
            row.counts.setdefault(section, {})[st] = n
        for row in grid.values():
            for section, by_status in row.counts.items():
                row.cells[section] = next((s for s in SEVERITY if by_status.get(s)), "planned")
        overdue_where = [*where, status == "overdue"]
        overdue_total = session.execute(select(func.count()).select_from(Milestone).where(*overdue_where)).scalar_one()
        overdue_rows = session.execute(
            select(col(Milestone.id), col(Milestone.roadmap_id), col(Milestone.item_number), col(PlanItem.title),
                   col(Milestone.org_id), col(Milestone.window_end), col(Milestone.responsible),
                   col(Milestone.timezone))
            .join(PlanItem, and_(col(PlanItem.roadmap_id) == col(Milestone.roadmap_id),
                                 col(PlanItem.number) == col(Milestone.item_number)))
            .where(*overdue_where)
            .order_by(col(Milestone.window_end), col(Milestone.org_id))
            .limit(overdue_limit)
        ).all()  # fmt: skip
        names = dict(session.execute(
            select(col(Organisation.id), col(Organisation.name))
            .where(col(Organisation.id).in_({r.org_id for r in overdue_rows}))).tuples().all())  # fmt: skip
        overdue = [
            OverdueLine(r.id, r.roadmap_id, r.item_number, r.title, r.org_id, names.get(r.org_id, ""), r.window_end,
                        (as_of.get(r.timezone, ctx.clock.today(r.timezone)) - r.window_end).days, list(r.responsible))
            for r in overdue_rows
        ]  # fmt: skip
        outbox_q = select(col(OutboxMessage.state), func.count()).group_by(col(OutboxMessage.state))
        if roadmap_id:
            outbox_q = outbox_q.where(col(OutboxMessage.roadmap_id) == roadmap_id)
        outbox = dict(session.execute(outbox_q).tuples().all())
        snapshot = session.execute(
            select(MonitoringSnapshot).where(col(MonitoringSnapshot.roadmap_id) == roadmap_id)
            .order_by(col(MonitoringSnapshot.id).desc()).limit(1)
        ).scalars().first()  # fmt: skip
        municipalities = sorted(
            m for m in session.execute(select(col(Organisation.municipality)).distinct()).scalars() if m
        )
    return Board(roadmaps, roadmap_id, counts, sections, list(grid.values()), grid_total, overdue, overdue_total,
                 outbox, snapshot, municipalities)  # fmt: skip


def retry_failed(ctx: Context, *, roadmap_id: str | None = None) -> int:
    """Make every failed send due now, so the next dispatch run (every 5 minutes) tries it; returns how many."""
    from sqlalchemy import update

    with ctx.transaction() as session:
        query = update(OutboxMessage).where(col(OutboxMessage.state) == "failed")
        if roadmap_id:
            query = query.where(col(OutboxMessage.roadmap_id) == roadmap_id)
        done = cast(
            CursorResult[Any],
            session.execute(query.values(next_attempt_at=ctx.now).execution_options(synchronize_session=False)),
        ).rowcount
        from audit.chain import record_event

        record_event(session, actor=ctx.actor, action="outbox.retry_requested", subject="outbox/failed",
                     at=ctx.now, payload={"roadmap": roadmap_id, "rows": done})  # fmt: skip
        return int(done or 0)


def outbox_rows(ctx: Context, *, state: str | None, roadmap_id: str | None, limit: int = 100) -> list[dict[str, Any]]:
    """The newest outbox rows (e-mail addresses shown, other URLs masked) with their errors."""
    from models.addresses import is_email, mask_url

    with ctx.reading() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
        if state:
            query = query.where(col(OutboxMessage.state) == state)
        if roadmap_id:
            query = query.where(col(OutboxMessage.roadmap_id) == roadmap_id)
        return [
            {"id": r.id, "state": r.state, "kind": r.kind, "recipient": r.recipient if is_email(r.recipient)
             else mask_url(r.recipient), "due_on": r.due_on, "attempts": r.attempts, "error": r.last_error,
             "next_attempt_at": r.next_attempt_at, "sent_at": r.sent_at, "milestone_id": r.milestone_id}
            for r in session.execute(query).scalars()
        ]  # fmt: skip


def now_local(ctx: Context, zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    return ctx.now.astimezone(ZoneInfo(zone))
