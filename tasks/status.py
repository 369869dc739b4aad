"""Where every milestone stands: counts by status and the milestones themselves, streamed.

The status shown is derived in SQL from the stored status and the date in each milestone's own time
zone: an open dated milestone is `overdue` after its window ends, `due` while its window is open and
`planned` before it opens. Waiting, done and retired milestones show as stored. The rule is written once
(`window_passed`, `window_opened`): the status query derives with it and the sweep (tasks/sweep.py) stores
with it.

Today's date is passed in (one date, or `LocalDates`: one per time zone, derived once from the clock);
nothing here reads the clock.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, cast, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from models.store import STATUSES, Milestone, Organisation, PlanItem, RoadmapRecord

DATED_OPEN = ("planned", "due", "overdue")


@dataclass(frozen=True)
class StatusFilter:
    roadmap: str | None = None
    org: str | None = None
    party: str | None = None
    overdue_only: bool = False
    include_all: bool = False  # also done and retired
    orgs: tuple[str, ...] | None = None  # only these organisations (a coordinator's municipality); None: any
    status: str | None = None  # only milestones in this status (as of the date)


@dataclass(frozen=True, slots=True)
class StatusRow:
    id: int
    roadmap: str
    item: str
    title: str
    org: str | None
    org_name: str | None
    occurrence: str
    start: date | None
    end: date | None
    status: str
    responsible: list[str]
    result: str | None
    depends_on: list[str]
    done_at: datetime | None
    done_by: str | None
    evidence: str | None
    as_of: date

    @property
    def days_left(self) -> int | None:
        """Days until the window ends (negative: days late); None without a date."""
        return None if self.end is None else (self.end - self.as_of).days

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "roadmap": self.roadmap, "item": self.item, "title": self.title, "org": self.org,
            "org_name": self.org_name, "occurrence": self.occurrence or None,
            "start": self.start.isoformat() if self.start else None, "end": self.end.isoformat() if self.end else None,
            "status": self.status, "days_left": self.days_left, "responsible": self.responsible,
            "result": self.result, "depends_on": self.depends_on,
            "done_at": self.done_at.isoformat() if self.done_at else None, "done_by": self.done_by,
            "evidence": self.evidence,
        }  # fmt: skip


class LocalDates(dict[str, date]):
    """Today's date in each time zone, derived once from one instant; `fallback` (the date in UTC at that
    instant) stands for a zone not among them."""

    def __init__(self, dates: dict[str, date], *, fallback: date) -> None:
        super().__init__(dates)
        self.fallback = fallback


def local_dates(session: Session, *, now: datetime) -> LocalDates:
    """Today's date in every time zone the store's milestones use."""
    zones = session.execute(select(col(Milestone.timezone)).distinct()).scalars().all()
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    return LocalDates(
        {zone: moment.astimezone(ZoneInfo(zone)).date() for zone in zones}, fallback=moment.astimezone(UTC).date()
    )


def _fallback(as_of: dict[str, date]) -> date:
    """The date for a zone the dates do not name: LocalDates says; a plain mapping gives its earliest date."""
    if isinstance(as_of, LocalDates):
        return as_of.fallback
    if not as_of:
        raise ValueError("as_of: no date for any time zone (pass local_dates(session, now=...))")
    return min(as_of.values())


class FilterError(Exception):
    """A filter that names nothing the store holds (a roadmap, an organisation, a party, a milestone); the message
    says what it holds instead."""


def check_filters(
    session: Session, *, roadmap: str | None = None, org: str | None = None, party: str | None = None,
    milestone: int | None = None,
) -> None:  # fmt: skip
    """Refuse (FilterError) a filter that can match nothing, so that a typo is not read as «nothing to show»."""
    if roadmap is not None:
        held = list(session.execute(select(col(RoadmapRecord.id)).order_by(col(RoadmapRecord.id))).scalars())
        if roadmap not in held:
            raise FilterError(f"--roadmap: no roadmap «{roadmap}» in the store (it holds: {', '.join(held) or 'none'})")
    if org is not None:
        known = session.execute(select(col(Organisation.id)).where(col(Organisation.id) == org)).first() or (
            session.execute(select(col(Milestone.id)).where(col(Milestone.org_id) == org).limit(1)).first()
        )
        if not known:
            ids = list(session.execute(select(col(Organisation.id))).scalars())
            near = difflib.get_close_matches(org, ids, n=3, cutoff=0.6)
            hint = f"closest: {', '.join(near)}" if near else "see roadmap orgs list"
            raise FilterError(f"--org: no organisation «{org}» in the registry or the milestones ({hint})")
    if party is not None:
        query = select(col(PlanItem.responsible))
        if roadmap is not None:
            query = query.where(col(PlanItem.roadmap_id) == roadmap)
        parties = sorted({p for responsible in session.execute(query).scalars() for p in responsible or []})
        if party not in parties:
            raise FilterError(f"--party: no milestone names party «{party}» (parties of the store's roadmaps: "
                              f"{', '.join(parties) or 'none'})")  # fmt: skip
    if milestone is not None and session.get(Milestone, milestone) is None:
        raise FilterError(f"--milestone: no milestone {milestone} in the store (see roadmap status)")


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _in_zone(moment: datetime | None, zone: str) -> datetime | None:
    """A stored (UTC) time as the milestone's local time, so its date is the one the organisation saw."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(_zone(zone))


def _today(as_of: date | dict[str, date]) -> ColumnElement[Any]:
    if isinstance(as_of, date):
        return literal(as_of)
    if not as_of:
        return literal(_fallback(as_of))
    return case(
        *((col(Milestone.timezone) == zone, literal(d)) for zone, d in as_of.items()),
        else_=literal(min(as_of.values())),
    )


# -- the status rule: the status query derives with it, the sweep stores with it --------------------------


def window_passed(today: date | ColumnElement[Any]) -> ColumnElement[bool]:
    """An open dated milestone is overdue: its window ended before `today`."""
    return and_(col(Milestone.window_end).is_not(None), col(Milestone.window_end) < today)


def window_opened(today: date | ColumnElement[Any]) -> ColumnElement[bool]:
    """An open dated milestone that is not overdue is due: its window has opened (or has no start)."""
    return or_(col(Milestone.window_start).is_(None), col(Milestone.window_start) <= today)


def effective_status(as_of: date | dict[str, date]) -> ColumnElement[str]:
    """The status as of a date (one date, or one per time zone) as a SQL expression."""
    today = _today(as_of)
    return case(
        (
            col(Milestone.status).in_(DATED_OPEN),
            case((window_passed(today), "overdue"), (window_opened(today), "due"), else_="planned"),
        ),
        else_=col(Milestone.status),
    )


def _filters(f: StatusFilter, status: ColumnElement[str]) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.roadmap:
        where.append(col(Milestone.roadmap_id) == f.roadmap)
    if f.org:
        where.append(col(Milestone.org_id) == f.org)
    if f.party:
        # responsible is a JSON list of party ids; its text form contains the quoted id
        where.append(cast(col(Milestone.responsible), String).like(f'%"{f.party}"%'))
    if f.orgs is not None:
        where.append(col(Milestone.org_id).in_(f.orgs))
    if f.status:
        where.append(status == f.status)
    elif f.overdue_only:
        where.append(status == "overdue")
    elif not f.include_all:
        where.append(status.not_in(("done", "retired")))
    return where


def status_totals(session: Session, *, as_of: date | dict[str, date], f: StatusFilter) -> dict[str, int]:
    """Counts by status only (filters apply, --all aside): one GROUP BY, what a listing page heads with."""
    status = effective_status(as_of)
    where = _filters(replace(f, overdue_only=False, include_all=True, status=None), status)
    totals = dict.fromkeys(STATUSES, 0)
    for st, n in session.execute(select(status, func.count()).where(*where).group_by(status)):
        totals[st] = totals.get(st, 0) + n
    return totals


def status_counts(session: Session, *, as_of: date | dict[str, date], f: StatusFilter) -> dict[str, Any]:
    """Counts by status: in all, per roadmap and per organisation (filters apply, --all aside)."""
    status = effective_status(as_of)
    counting = replace(f, overdue_only=False, include_all=True, status=None)
    where = _filters(counting, status)
    query = (
        select(col(Milestone.roadmap_id), col(Milestone.org_id), status.label("status"), func.count())
        .where(*where)
        .group_by(col(Milestone.roadmap_id), col(Milestone.org_id), status)
    )
    totals = dict.fromkeys(STATUSES, 0)
    per_roadmap: dict[str, dict[str, int]] = {}
    per_org: dict[str, dict[str, dict[str, int]]] = {}
    for roadmap_id, org_id, st, n in session.execute(query):
        totals[st] = totals.get(st, 0) + n
        per_roadmap.setdefault(roadmap_id, dict.fromkeys(STATUSES, 0))[st] += n
        per_org.setdefault(roadmap_id, {}).setdefault(org_id or "", dict.fromkeys(STATUSES, 0))[st] += n
    return {"counts": totals, "roadmaps": per_roadmap, "organisations": per_org}


def status_rows(
    session: Session,
    *,
    as_of: date | dict[str, date],
    f: StatusFilter,
    batch: int = 5000,
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[StatusRow]:
    """The milestones matching the filter, nearest deadline first, streamed in batches.

    Item texts and organisation names repeat across thousands of milestones, so they are read once
    and looked up; each distinct responsible list is decoded once.
    """
    status = effective_status(as_of)
    items = {
        (r.roadmap_id, r.number): r
        for r in session.execute(
            select(
                col(PlanItem.roadmap_id),
                col(PlanItem.number),
                col(PlanItem.title),
                col(PlanItem.result),
                col(PlanItem.depends_on),
            )
        )
    }
    names = {org_id: name for org_id, name in session.execute(select(col(Organisation.id), col(Organisation.name)))}
    query = (
        select(
            col(Milestone.id), col(Milestone.roadmap_id), col(Milestone.item_number), col(Milestone.org_id),
            col(Milestone.occurrence), col(Milestone.window_start), col(Milestone.window_end), status.label("status"),
            cast(col(Milestone.responsible), String).label("responsible"), col(Milestone.done_at),
            col(Milestone.done_by), col(Milestone.evidence), col(Milestone.timezone),
        )
        .join(PlanItem, and_(col(PlanItem.roadmap_id) == Milestone.roadmap_id,
                             col(PlanItem.number) == Milestone.item_number))
        .where(*_filters(f, status))
        .order_by(
            col(Milestone.window_end).is_(None), col(Milestone.window_end), col(Milestone.roadmap_id),
            col(PlanItem.position), col(Milestone.org_id), col(Milestone.occurrence),
        )
    )  # fmt: skip
    if limit:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    decode = lru_cache(maxsize=4096)(json.loads)
    for row in session.execute(query.execution_options(yield_per=batch)):
        day = as_of if isinstance(as_of, date) else as_of.get(row.timezone) or _fallback(as_of)
        item = items[(row.roadmap_id, row.item_number)]
        yield StatusRow(
            id=row.id, roadmap=row.roadmap_id, item=row.item_number, title=item.title, org=row.org_id or None,
            org_name=names.get(row.org_id), occurrence=row.occurrence, start=row.window_start, end=row.window_end,
            status=row.status, responsible=list(decode(row.responsible)), result=item.result,
            depends_on=list(item.depends_on), done_at=_in_zone(row.done_at, row.timezone), done_by=row.done_by,
            evidence=row.evidence,
            as_of=day,
        )  # fmt: skip
