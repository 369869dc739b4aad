"""The daily sweep's decision: move statuses and queue exactly the reminders that are due.

For one roadmap, per time zone (the date is each milestone's local date):
- statuses move in two set-based UPDATEs (planned -> due when the window opens, -> overdue after it ends);
- on a working day of the production calendar, the open milestones near or past their deadline are
  read in one pass and each gets at most one reminder of each kind that is due:
  `before` (thresholds such as 14, 7, 3, 1 days; a threshold on a day off falls on the working day
  before), `check-in` for continuous items, `lapse` the first working day after the window ends,
  `overdue` every N days after, `escalation` to the party above every M days late, `waiting` every K
  days (30 by default) for items without a date, counted from the day the last one was due,
  `moved` after an amendment moved a deadline or changed the party, and `feedback` when the
  mentorship pairs' meetings lack feedback (decided in mentorship/reminders.py);
- each reminder is written to the outbox once per recipient under a key (milestone, kind, stage,
  scheduled date), so a second sweep the same day, or a sweep after a crash, queues nothing twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, and_, func, not_, or_, select, update
from sqlmodel import Session, col

from audit.chain import ActorLike, as_utc, record_event
from mentorship.reminders import KIND as FEEDBACK
from mentorship.reminders import missing_feedback
from models.calendar import ProductionCalendar
from models.plan import Item, Party, Roadmap
from models.store import DeadlineChange, Milestone, Organisation, OutboxMessage
from outbox.queue import NO_CONTACT, queue
from service.timings import phase
from tasks.registry import Address, contacts_for
from tasks.status import window_opened, window_passed

OPEN = ("planned", "due", "overdue")
QUEUE_BATCH = 2000  # reminders turned into outbox rows and queued at a time


@dataclass
class Reminder:
    """A reminder decided for one milestone, before recipients are resolved."""

    milestone_id: int
    kind: str
    stage: int
    due_on: date
    parties: list[tuple[str, str]]  # (party id, org id or "")
    entry: dict[str, Any]

    @property
    def key(self) -> str:
        return f"m{self.milestone_id}:{self.kind}:{self.stage}:{self.due_on.isoformat()}"


@dataclass
class DecideReport:
    roadmap_id: str
    dates: dict[str, str] = field(default_factory=dict)
    skipped_zones: list[str] = field(default_factory=list)
    to_due: int = 0
    to_overdue: int = 0
    queued: Counter[str] = field(default_factory=Counter)
    no_contact: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # what was (or, in a dry run, would be) queued

    @classmethod
    def merged(cls, parts: list[DecideReport]) -> DecideReport:
        """One report of a roadmap from the reports of its zones (decided apart, in parallel)."""
        out = cls(parts[0].roadmap_id)
        for part in parts:
            out.dates |= part.dates
            out.skipped_zones += part.skipped_zones
            out.to_due += part.to_due
            out.to_overdue += part.to_overdue
            out.queued += part.queued
            out.no_contact = sorted(set(out.no_contact) | set(part.no_contact))
            out.rows += part.rows
        out.skipped_zones.sort()
        return out

    def lines(self) -> list[str]:
        zones = ", ".join(f"{z} {d}" for z, d in sorted(self.dates.items()))
        out = [f"{self.roadmap_id}: as of {zones}"]
        if self.skipped_zones:
            out.append(f"  not a working day in {', '.join(self.skipped_zones)}: no reminders there today")
        out.append(f"  statuses: {self.to_due} now due, {self.to_overdue} now overdue")
        queued = ", ".join(f"{k} {n}" for k, n in sorted(self.queued.items())) or "none"
        out.append(f"  reminders queued: {queued}")
        for missing in self.no_contact:
            out.append(f"  no contact in the registry for {missing}: reminder kept in the outbox as {NO_CONTACT}")
        return out


class _Recipients:
    """Resolves (party, organisation) to addresses, once per pair per sweep."""

    def __init__(self, session: Session, roadmap: Roadmap) -> None:
        self.session, self.roadmap = session, roadmap
        self.cache: dict[tuple[str, str], list[Address]] = {}
        self.orgs: dict[str, Organisation] = {}  # organisations read ahead in bulk (contacts_for then reads none)

    def __call__(self, party: str, org: str) -> list[Address]:
        key = (party, org)
        if key not in self.cache:
            try:
                self.cache[key] = contacts_for(self.session, roadmap=self.roadmap, party_id=party, org_id=org or None)
            except (KeyError, ValueError):
                self.cache[key] = []
        return self.cache[key]


def escalation_target(roadmap: Roadmap, party_id: str, level: int) -> str | None:
    """The party `level` steps above `party_id` (the top of its chain, else the operator, when shorter)."""
    return _escalation_target(_parties_of(roadmap), roadmap.reminders.operator, party_id, level)


def _parties_of(roadmap: Roadmap) -> dict[str, Party]:
    return {p.id: p for p in roadmap.parties}


def _escalation_target(parties: dict[str, Party], operator: str | None, party_id: str, level: int) -> str | None:
    current, seen = party_id, {party_id}
    for _ in range(level):
        up = parties[current].escalates_to if current in parties else None
        if up is None or up in seen:
            break
        current = up
        seen.add(up)
    if current == party_id:
        return operator if operator and operator != party_id else None
    return current


def roadmap_zones(session: Session, roadmap_id: str, timezones: Iterable[str] | None = None) -> list[str]:
    """The time zones the roadmap's milestones are in (of `timezones`, when given): its sweep's partitions."""
    zones = set(
        session.execute(select(col(Milestone.timezone)).where(col(Milestone.roadmap_id) == roadmap_id).distinct())
        .scalars()
    )  # fmt: skip
    return sorted(zones & set(timezones) if timezones is not None else zones)


def decide_reminders(
    session: Session,
    *,
    roadmap: Roadmap,
    today: dict[str, date] | date,
    calendar: ProductionCalendar,
    now: datetime,
    dry_run: bool = False,
    timezones: Iterable[str] | None = None,
    actor: ActorLike = "sweep",
) -> DecideReport:
    """Move statuses and queue the reminders due today for one roadmap (see the module docstring).

    The steps: per zone, move the statuses and decide the reminders (`_zone_reminders`) → resolve each
    reminder's parties to addresses, one outbox row per recipient (`_outbox_rows`) → keep the rows the outbox
    does not hold yet and queue them, a batch of reminders at a time (`_queue_new`) → record what was decided.
    """
    report = DecideReport(roadmap.id)
    names = {p.id: p.name for p in roadmap.parties}
    reminders: list[Reminder] = []
    for zone in roadmap_zones(session, roadmap.id, timezones):
        day = today if isinstance(today, date) else today[zone]
        reminders += _zone_reminders(session, roadmap, zone, day, calendar, names, report, now=now, dry_run=dry_run)
    # the outbox rows (one per recipient, with their payloads: most of the decision's memory) are built and
    # queued a batch of reminders at a time, so memory follows the batch rather than the day's whole queue
    missing: set[str] = set()
    seen: set[tuple[str, str]] = set()
    new = 0
    while reminders:
        batch, reminders = reminders[:QUEUE_BATCH], reminders[QUEUE_BATCH:]
        rows, lacking = _outbox_rows(session, roadmap, batch, now=now)
        missing |= lacking
        new += _queue_new(session, report, rows, seen, dry_run=dry_run)
    report.no_contact = sorted(missing)
    if not dry_run and (new or report.to_due or report.to_overdue):
        record_event(
            session, actor=actor, action="sweep.decided", subject=f"roadmap/{roadmap.id}", timezone=roadmap.timezone,
            at=now, payload={"dates": report.dates, "to_due": report.to_due, "to_overdue": report.to_overdue,
                             "queued": dict(report.queued), "no_contact": report.no_contact},
        )  # fmt: skip
    return report


def _zone_reminders(
    session: Session, roadmap: Roadmap, zone: str, day: date, calendar: ProductionCalendar, names: dict[str, str],
    report: DecideReport, *, now: datetime, dry_run: bool,
) -> list[Reminder]:  # fmt: skip
    """One zone's day: statuses moved, then (on a working day) the reminders of the milestones, the pairs'
    missing feedback and the amendments' moved deadlines."""
    report.dates[zone] = day.isoformat()
    _move_statuses(session, roadmap.id, zone, day, report, dry_run=dry_run)
    if not calendar.is_working_day(day):
        report.skipped_zones.append(zone)
        return []
    items = {item.number: item for item in roadmap.items}
    out = _decide_zone(session, roadmap, zone, day, calendar, items, names)
    # mentorship cycle (issue 17): feedback missing after the pairs' meetings, one reminder per organisation
    for fb in missing_feedback(session, roadmap=roadmap, zone=zone, day=day):
        entry = _entry(roadmap, fb.milestone, FEEDBACK, names) | {"note": fb.note}
        assert fb.milestone.id is not None
        out.append(Reminder(fb.milestone.id, FEEDBACK, 0, day, fb.parties, entry))
    if not dry_run:
        out += _moved_notices(session, roadmap, zone, day, names, now)
    return out


def _outbox_rows(
    session: Session, roadmap: Roadmap, reminders: list[Reminder], *, now: datetime
) -> tuple[list[dict[str, Any]], set[str]]:
    """The outbox rows of the reminders (one per recipient), and the parties no contact was found for (their
    rows are kept as NO_CONTACT placeholders rather than dropped)."""
    recipients = _Recipients(session, roadmap)
    org_names = _read_organisations(session, reminders, recipients)
    rows: list[dict[str, Any]] = []
    missing: set[str] = set()
    for reminder in reminders:
        reminder.entry["org_name"] = org_names.get(reminder.entry.pop("org_id", ""), None)
        if not reminder.parties:
            # unassigned in the source and no operator named: keep it visible rather than drop it
            missing.add(f"item {reminder.entry['item']} (unassigned; name reminders.operator in the plan)")
            reminder.parties = [("unassigned", "")]
        for party, org in reminder.parties:
            addresses = recipients(party, org)
            if not addresses:
                missing.add(f"{party}" + (f" at {org}" if org else ""))
                addresses = [Address("email", f"({NO_CONTACT}) {party}" + (f"@{org}" if org else ""), "")]
            for address in addresses:
                rows.append({
                    "key": reminder.key, "recipient": address.target, "party": party,
                    "milestone_id": reminder.milestone_id, "roadmap_id": roadmap.id, "kind": reminder.kind,
                    "stage": reminder.stage, "due_on": reminder.due_on,
                    "payload": reminder.entry | {"addressee": address.name, "timezone": roadmap.timezone,
                                                 "party": party},
                    "state": NO_CONTACT if address.target.startswith(f"({NO_CONTACT})") else "pending",
                    "attempts": 0, "created_at": now,
                })  # fmt: skip
    return rows, missing


def _read_organisations(session: Session, reminders: list[Reminder], recipients: _Recipients) -> dict[str, str]:
    """The organisations the reminders name, read in a few queries: their names for the messages, and their rows
    held for the resolver, so resolving each (party, organisation) to its contacts reads no more."""
    org_ids = sorted({p[1] for r in reminders for p in r.parties if p[1]})
    org_names: dict[str, str] = {}
    for chunk in range(0, len(org_ids), 5000):
        batch = org_ids[chunk : chunk + 5000]
        for org in session.execute(select(Organisation).where(col(Organisation.id).in_(batch))).scalars():
            org_names[org.id] = org.name
            recipients.orgs[org.id] = org  # held here: the session's identity map keeps only weak references
    return org_names


def _queue_new(
    session: Session, report: DecideReport, rows: list[dict[str, Any]], seen: set[tuple[str, str]], *, dry_run: bool
) -> int:
    """Queue the rows whose (key, recipient) the outbox does not hold yet (a dry run only previews them); how many."""
    new_rows = _new_rows(session, rows, seen)
    if dry_run:
        report.rows += new_rows  # a dry run previews them; a real run returns a summary only
    report.queued += Counter(r["kind"] for r in new_rows if r["state"] == "pending")
    if not dry_run:
        with phase("queue"):
            queue(session, new_rows)
    return len(new_rows)


def _new_rows(session: Session, rows: list[dict[str, Any]], seen: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """The rows whose (key, recipient) the outbox does not hold yet (nor an earlier batch: `seen`)."""
    if not rows:
        return []
    ids = sorted({r["milestone_id"] for r in rows})
    query = select(col(OutboxMessage.key), col(OutboxMessage.recipient)).where(col(OutboxMessage.milestone_id).in_(ids))
    existing = {(key, recipient) for key, recipient in session.execute(query)}
    out = []
    for row in rows:
        pair = (row["key"], row["recipient"])
        if pair not in existing and pair not in seen:
            seen.add(pair)
            out.append(row)
    return out


def _move_statuses(
    session: Session, roadmap_id: str, zone: str, day: date, report: DecideReport, *, dry_run: bool
) -> None:
    # the status rule of tasks/status.py, stored: a dated open milestone always has a window end (sync and
    # reopen store "waiting-for-date" without one), so "not passed" is "ends today or later"
    here = and_(col(Milestone.roadmap_id) == roadmap_id, col(Milestone.timezone) == zone)
    to_overdue = and_(here, col(Milestone.status).in_(("planned", "due")), window_passed(day))
    to_due = and_(here, col(Milestone.status) == "planned", window_opened(day), not_(window_passed(day)))
    if dry_run:
        report.to_overdue += session.execute(select(func.count()).select_from(Milestone).where(to_overdue)).scalar_one()
        report.to_due += session.execute(select(func.count()).select_from(Milestone).where(to_due)).scalar_one()
        return
    report.to_overdue += session.exec(update(Milestone).where(to_overdue).values(status="overdue")).rowcount
    report.to_due += session.exec(update(Milestone).where(to_due).values(status="due")).rowcount


def _entry(roadmap: Roadmap, row: Any, kind: str, names: dict[str, str]) -> dict[str, Any]:
    # compact: the roadmap's and the item's texts are read when the message is rendered (outbox.messages),
    # not copied into every row (they were most of a region's outbox: 3 KB a row)
    return {
        "kind": kind, "milestone_id": row.id, "roadmap_id": roadmap.id, "item": row.item_number,
        "occurrence": row.occurrence, "org_id": row.org_id,
        "start": row.window_start.isoformat() if row.window_start else None,
        "end": row.window_end.isoformat() if row.window_end else None,
        "responsible": ", ".join(names.get(p, p) for p in row.responsible) or "не назначены",
    }  # fmt: skip


def candidates(roadmap_id: str, zone: str, horizon: date, waiting_since: date | None = None) -> Select[Any]:
    """The milestones of a roadmap in a zone that may need a reminder: open ones ending by `horizon`, and those
    waiting for a date (one pass; ix_milestone_sweep serves it) that were not told so after `waiting_since`
    (a region holds tens of thousands of them, told once a month: reading them all every day was a third of
    the decision)."""
    waiting = col(Milestone.status) == "waiting-for-date"
    if waiting_since is not None:
        told = select(col(OutboxMessage.id)).where(
            col(OutboxMessage.milestone_id) == Milestone.id, col(OutboxMessage.kind) == "waiting",
            col(OutboxMessage.due_on) > waiting_since,
        )  # fmt: skip
        waiting = and_(waiting, not_(told.exists()))
    return select(
        col(Milestone.id), col(Milestone.item_number), col(Milestone.org_id), col(Milestone.occurrence),
        col(Milestone.kind), col(Milestone.window_start), col(Milestone.window_end), col(Milestone.status),
        col(Milestone.responsible),
    ).where(
        col(Milestone.roadmap_id) == roadmap_id, col(Milestone.timezone) == zone,
        or_(
            and_(col(Milestone.status).in_(OPEN), col(Milestone.window_end) <= horizon),
            waiting,
        ),
    )  # fmt: skip


def _decide_zone(
    session: Session,
    roadmap: Roadmap,
    zone: str,
    day: date,
    calendar: ProductionCalendar,
    items: dict[str, Item],
    names: dict[str, str],
) -> list[Reminder]:
    """The reminders of a roadmap's milestones in one zone on a working day: one pass over the candidates."""
    policy = roadmap.reminders
    widest = max([*policy.before_days, *policy.check_in_before_days,
                  *(d for i in items.values() if i.reminders for d in i.reminders.before_days)])  # fmt: skip
    horizon = day + timedelta(days=widest + 10)  # + room for a threshold moved back over a long holiday
    # "waiting for a date" repeats every waiting_every_days from the day it was last due
    waiting_since = day - timedelta(days=policy.waiting_every_days)
    judge = _ZoneDay(
        roadmap, day, calendar, items, names, per_org={p.id for p in roadmap.parties if p.per_organisation},
        last_told=_last_told(session, roadmap.id, zone), waiting_told=_waiting_told(session, roadmap.id, waiting_since),
    )  # fmt: skip
    out: list[Reminder] = []
    query = candidates(roadmap.id, zone, horizon, waiting_since)
    for row in session.execute(query.execution_options(yield_per=5000)):
        parties = [(p, row.org_id if p in judge.per_org else "") for p in (row.responsible or judge.operator)]
        if row.status == "waiting-for-date":
            out += judge.waiting(row, parties)
        elif row.window_end >= day:
            out += judge.ahead(row, parties)
        else:
            out += judge.late(row, parties)
    return out


@dataclass
class _ZoneDay:
    """What one zone's day decides for a candidate milestone, by where its window stands (the policy's rules)."""

    roadmap: Roadmap
    day: date
    calendar: ProductionCalendar
    items: dict[str, Item]
    names: dict[str, str]
    per_org: set[str]
    last_told: dict[tuple[int, str], date]  # (milestone, "late" or "escalation") -> the local day last told
    waiting_told: dict[int, tuple[date, int]]  # milestone -> (the day last told it waits, how many times)

    def __post_init__(self) -> None:
        self.policy = self.roadmap.reminders
        self.operator = [self.policy.operator] if self.policy.operator else []
        self.parties = _parties_of(self.roadmap)

    def entry(self, row: Any, kind: str) -> dict[str, Any]:
        return _entry(self.roadmap, row, kind, self.names)

    def recently(self, milestone_id: int, kind_key: str, every: int) -> bool:
        told_on = self.last_told.get((milestone_id, kind_key))
        return told_on is not None and told_on > self.day - timedelta(days=every)

    def waiting(self, row: Any, parties: list[tuple[str, str]]) -> list[Reminder]:
        """Waiting for a date: told again every waiting_every_days (only those due again are candidates)."""
        last_due, times = self.waiting_told.get(row.id, (None, 0))
        if last_due is not None and (self.day - last_due).days < self.policy.waiting_every_days:
            return []
        return [Reminder(row.id, "waiting", times, self.day, parties, self.entry(row, "waiting"))]

    def ahead(self, row: Any, parties: list[tuple[str, str]]) -> list[Reminder]:
        """Before the window ends: the nearest threshold passed (a threshold on a day off falls on the working
        day before), `check-in` for a continuous item's review."""
        end: date = row.window_end
        item = self.items.get(row.item_number)
        if row.kind == "check-in":
            kind, thresholds = "check-in", self.policy.check_in_before_days
        else:
            kind = "before"
            thresholds = item.reminders.before_days if item and item.reminders else self.policy.before_days
        previous = self.calendar.previous_working_day
        passed = [t for t in thresholds if previous(end - timedelta(days=t)) <= self.day]
        if not passed:
            return []
        t = min(passed)
        return [Reminder(row.id, kind, t, previous(end - timedelta(days=t)), parties, self.entry(row, kind))]

    def late(self, row: Any, parties: list[tuple[str, str]]) -> list[Reminder]:
        """After the window ended: `lapse` the first working day, `overdue` every N days, and `escalation` to the
        party above every M days late (repeats keep their period from the day last told)."""
        policy, end = self.policy, row.window_end
        late = (self.day - end).days
        repeat = late // policy.overdue_every_days
        kind, stage = ("overdue", repeat) if repeat else ("lapse", 0)
        out = []
        if kind == "lapse" or not self.recently(row.id, "late", policy.overdue_every_days):
            due_on = self.calendar.next_working_day(end + timedelta(days=max(1, repeat * policy.overdue_every_days)))
            out.append(Reminder(row.id, kind, stage, due_on, parties, self.entry(row, kind)))
        level = late // policy.escalate_after_days
        if level and not self.recently(row.id, "escalation", policy.escalate_after_days):
            above = set()
            for party, org in parties:
                target = _escalation_target(self.parties, policy.operator, party, level)
                if target and target not in row.responsible:
                    above.add((target, org if target in self.per_org else ""))
            if above:
                entry = self.entry(row, "escalation")
                entry["note"] = f"Просрочено на {late} дн.; ответственные: {entry['responsible']}"
                due = self.calendar.next_working_day(end + timedelta(days=level * policy.escalate_after_days))
                out.append(Reminder(row.id, "escalation", level, due, sorted(above), entry))
        return out


def told_late(roadmap_id: str) -> Select[Any]:
    """When each milestone of a roadmap was last told it is late or escalated (ix_outbox_told serves it)."""
    return (
        select(col(OutboxMessage.milestone_id), col(OutboxMessage.kind), func.max(OutboxMessage.created_at))
        .where(
            col(OutboxMessage.roadmap_id) == roadmap_id,
            col(OutboxMessage.kind).in_(("lapse", "overdue", "escalation")),
        )
        .group_by(col(OutboxMessage.milestone_id), col(OutboxMessage.kind))
    )


def told_waiting(roadmap_id: str, since: date) -> Select[Any]:
    """The milestones waiting for a date that are due to be told again (last told on or before `since`):
    the last day and how many days they were told (ix_outbox_told serves it)."""
    return (
        select(col(OutboxMessage.milestone_id), func.max(OutboxMessage.due_on),
               func.count(func.distinct(OutboxMessage.due_on)))
        .where(col(OutboxMessage.roadmap_id) == roadmap_id, col(OutboxMessage.kind) == "waiting")
        .group_by(col(OutboxMessage.milestone_id))
        .having(func.max(OutboxMessage.due_on) <= since)
    )  # fmt: skip


def _last_told(session: Session, roadmap_id: str, zone: str) -> dict[tuple[int, str], date]:
    """The local day each milestone was last told it is late ("late") or escalated ("escalation"): repeats keep
    their period from that day, so a sweep that catches up after a gap does not send the next stage the day
    after."""
    out: dict[tuple[int, str], date] = {}
    for milestone_id, told_kind, moment in session.execute(told_late(roadmap_id)):
        kind_key = "escalation" if told_kind == "escalation" else "late"
        day_told = as_utc(moment).astimezone(ZoneInfo(zone)).date()
        out[(milestone_id, kind_key)] = max(day_told, out.get((milestone_id, kind_key), day_told))
    return out


def _waiting_told(session: Session, roadmap_id: str, since: date) -> dict[int, tuple[date, int]]:
    """ "Waiting for a date" repeats every waiting_every_days from the day it was last due (not from a fixed
    calendar stage, and never daily): the day and how many were due before give its key."""
    return {m: (last_due, times) for m, last_due, times in session.execute(told_waiting(roadmap_id, since))}


def _moved_notices(
    session: Session,
    roadmap: Roadmap,
    zone: str,
    day: date,
    names: dict[str, str],
    now: datetime,
) -> list[Reminder]:
    """Tell the parties concerned that an amendment moved a deadline or changed who is responsible."""
    query = (
        select(DeadlineChange, Milestone)
        .join(Milestone, col(Milestone.id) == DeadlineChange.milestone_id)
        .where(
            col(Milestone.roadmap_id) == roadmap.id, col(Milestone.timezone) == zone,
            col(DeadlineChange.notified_at).is_(None),
        )
    )  # fmt: skip
    out = []
    per_org = {p.id for p in roadmap.parties if p.per_organisation}
    for change, milestone in session.execute(query):
        if milestone.status in OPEN or milestone.status == "waiting-for-date":
            concerned = list(dict.fromkeys([*change.new_responsible, *change.old_responsible]))
            parties = [(p, milestone.org_id if p in per_org else "") for p in concerned if p in names]
            entry = _entry(roadmap, milestone, "moved", names)
            entry["old_start"] = change.old_start.isoformat() if change.old_start else None
            entry["old_end"] = change.old_end.isoformat() if change.old_end else None
            assert change.id is not None and milestone.id is not None
            out.append(Reminder(milestone.id, "moved", change.id, day, parties, entry))
        change.notified_at = now
        session.add(change)
    return out


class SweepScopeError(Exception):
    """A sweep filter that names nothing the store holds (a roadmap, a time zone); the message lists what it holds."""


def check_sweep_scope(
    session: Session, *, roadmaps: Iterable[str] | None, timezones: Iterable[str] | None, strict: bool = True
) -> list[str]:
    """Refuse a sweep whose filters name nothing: an unknown or inactive roadmap, a zone that is no IANA zone.

    A real zone in which no milestone lies is refused too when `strict` (a command typed by hand);
    otherwise (a scheduled run of a zone's deployment) it is returned as a line to report.
    """
    from models.store import RoadmapRecord

    stored = dict(session.execute(select(col(RoadmapRecord.id), col(RoadmapRecord.active))).tuples().all())
    for roadmap_id in roadmaps or ():
        if roadmap_id not in stored:
            held = ", ".join(sorted(stored)) or "none: sync a plan first with `roadmap sync PLAN`"
            raise SweepScopeError(f"--roadmap: no roadmap «{roadmap_id}» in the store (it holds: {held})")
        if not stored[roadmap_id]:
            active = ", ".join(sorted(k for k, v in stored.items() if v)) or "none"
            raise SweepScopeError(f"--roadmap: roadmap «{roadmap_id}» is inactive (active ones: {active})")
    query = select(col(Milestone.timezone)).distinct()
    if roadmaps:
        query = query.where(col(Milestone.roadmap_id).in_(list(roadmaps)))
    zones = sorted(session.execute(query).scalars())
    held = f"the store's milestones are in {', '.join(zones)}" if zones else "the store holds no milestones yet"
    lines = []
    for zone in timezones or ():
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SweepScopeError(f"--timezone: «{zone}» is not an IANA time zone ({held})") from None
        if zone not in zones:
            if strict:
                raise SweepScopeError(f"--timezone: no milestone of the store is in {zone} ({held})")
            lines.append(f"{zone}: no milestone of the store is in this zone; nothing to sweep there")
    return lines


def active_roadmaps(session: Session, only: Iterable[str] | None = None) -> list[Roadmap]:
    """The current version of every active roadmap in the store (or of the ones named)."""
    from models.store import RoadmapRecord, RoadmapVersion

    query = (
        select(col(RoadmapVersion.yaml_text), col(RoadmapRecord.id))
        .join(
            RoadmapRecord,
            and_(
                col(RoadmapRecord.id) == RoadmapVersion.roadmap_id,
                col(RoadmapRecord.current_version) == RoadmapVersion.version,
            ),
        )  # fmt: skip
        .where(col(RoadmapRecord.active).is_(True))
        .order_by(col(RoadmapRecord.id))
    )
    if only:
        query = query.where(col(RoadmapRecord.id).in_(list(only)))
    return [_stored_plan(text, roadmap_id).model_copy(deep=True) for text, roadmap_id in session.execute(query)]


@lru_cache(maxsize=64)
def _stored_plan(text: str, roadmap_id: str) -> Roadmap:
    """A stored version's plan, parsed once per process and kept parsed in the data folder across processes
    (a page or a sweep reads it often; parsing a region's plan takes ~0.1 s); callers get a deep copy, so
    none can change another's."""
    from models.loader import parse_stored_plan, plan_cache

    return parse_stored_plan(text, f"{roadmap_id} (stored)", plan_cache())
