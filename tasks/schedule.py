"""Giving a date to a milestone that waits for one (`roadmap schedule`): one at a time or from CSV, audited.

An item the source leaves without a date («по отдельному графику», «в соответствии со сроками …»)
waits for one in each organisation it fans out to, and the sweep reminds every 30 days that it does.
Scheduling gives one such milestone its window without amending the plan: the wording is read by the
deadline grammar against the roadmap's period, must be one window inside the period (and inside the
item's own bounds where the plan gives them, such as «в течение 2022 года (при необходимости)»), and
is recorded on the milestone with who set it and the words used, and as an audit event
(`milestone.scheduled`). The milestone becomes `planned` and the sweep's usual reminders follow its
new deadline. A scheduled milestone can be scheduled again (the event keeps the window it had). A
re-sync of the same plan keeps the window; an amendment that gives the item a date of its own
replaces it (the plan wins). Who may schedule: as for completing (tasks/complete.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from audit.chain import ActorLike, record_event
from audit.replay import state_set
from models.deadline import DeadlineError, Period, parse_deadline
from models.plan import Roadmap
from models.ru import format_window
from models.store import Milestone
from tasks.complete import CompletionError, check_allowed
from tasks.expand import CYCLE_PREFIX
from tasks.milestone_files import apply_all, read_milestone_rows, refusal

SCHEDULE_COLUMNS = ("organisation", "item", "occurrence", "window")
SCHEDULE_OPTIONAL = ("note",)


class ScheduleError(Exception):
    """A refusal to schedule; the message says why and what to do."""


@dataclass(frozen=True)
class ScheduleRequest:
    milestone_id: int
    text: str
    by: str
    note: str | None = None


def _bounds(roadmap: Roadmap, milestone: Milestone) -> tuple[Period, str]:
    """Where the milestone's window may lie, and how to name that: the item's own bounds, else the period.

    A cycle step's milestone lies in its academic year (its occurrence, e.g. «2020/2021»).
    """
    period = roadmap.period.as_context()
    whole = f"the roadmap's period ({format_window(period.start, period.end)})"
    if milestone.item_number.startswith(CYCLE_PREFIX) and milestone.occurrence[:4].isdigit():
        year = Period.academic_year(int(milestone.occurrence[:4]))
        return year, f"its academic year {milestone.occurrence[:9]} ({format_window(year.start, year.end)})"
    try:
        deadline = roadmap.item(milestone.item_number).deadline
    except KeyError:
        return period, whole
    if deadline.end is not None and deadline.start is not None:
        bounds = Period(deadline.start, deadline.end)
        return bounds, f"the plan's bounds for item {milestone.item_number} ({format_window(bounds.start, bounds.end)})"
    return period, whole


def read_window(text: str, roadmap: Roadmap, milestone: Milestone) -> tuple[date | None, date]:
    """The one window the wording names, inside the milestone's bounds; ScheduleError saying what is wrong."""
    bounds, named = _bounds(roadmap, milestone)
    wording = " ".join(text.split())
    if not wording:
        raise ScheduleError(
            "--window: expected the window in words, such as «с 1 по 15 октября 2020 г.», found nothing"
        )
    try:
        deadline = parse_deadline(wording, period=bounds)
    except DeadlineError as exc:
        raise ScheduleError(f"--window: {exc.short}") from None
    if deadline.kind != "window" or deadline.end is None:
        year = roadmap.period.start.year
        raise ScheduleError(f"--window: expected one window such as «с 1 по 15 октября {year} г.» or "
                            f"«до 15.10.{year}», found «{wording}» ({deadline.kind})")  # fmt: skip
    start, end = deadline.start, deadline.end
    if end > bounds.end or end < bounds.start or (start is not None and start < bounds.start):
        raise ScheduleError(f"--window: «{wording}» ({format_window(start, end)}) lies outside {named}")
    return start, end


def _label(milestone: Milestone) -> str:
    org = f" for {milestone.org_id}" if milestone.org_id else ""
    occurrence = f" ({milestone.occurrence})" if milestone.occurrence else ""
    return f"milestone {milestone.id} ({milestone.roadmap_id} item {milestone.item_number}{occurrence}{org})"


def schedule(
    session: Session, *, roadmap: Roadmap, request: ScheduleRequest, now: datetime, recorded_by: ActorLike
) -> tuple[Milestone, tuple[date | None, date | None] | None]:
    """Give the milestone its window in the caller's transaction, audited; the window it had before (None: none).

    Raises ScheduleError for a milestone that is not waiting for a date (nor scheduled before), done or
    retired, for a wording that is not one window inside its bounds, and for a party that may not.
    """
    milestone = session.get(Milestone, request.milestone_id)
    if milestone is None or milestone.roadmap_id != roadmap.id:
        raise ScheduleError(f"no milestone {request.milestone_id} in roadmap {roadmap.id}")
    if milestone.status in ("done", "retired"):
        raise ScheduleError(f"{_label(milestone)} is {milestone.status}: there is nothing to schedule")
    if milestone.status != "waiting-for-date" and milestone.scheduled_at is None:
        window = format_window(milestone.window_start, milestone.window_end)
        raise ScheduleError(f"{_label(milestone)} has its dates from the plan ({window}): change them by amending "
                            "the plan (roadmap sync)")  # fmt: skip
    try:
        check_allowed(roadmap, milestone, request.by, verb="schedule")
    except CompletionError as exc:
        raise ScheduleError(str(exc)) from None
    start, end = read_window(request.text, roadmap, milestone)
    was = (milestone.window_start, milestone.window_end) if milestone.scheduled_at is not None else None
    milestone.window_start, milestone.window_end = start, end
    milestone.status, milestone.kind = "planned", "window"
    milestone.scheduled_at, milestone.scheduled_by = now, request.by
    milestone.schedule_text = " ".join(request.text.split())
    session.add(milestone)
    session.flush()
    record_event(
        session, actor=recorded_by, action="milestone.scheduled", subject=f"milestone/{milestone.id}",
        timezone=milestone.timezone, at=now,
        payload={"roadmap": roadmap.id, "item": milestone.item_number, "org": milestone.org_id or None,
                 "occurrence": milestone.occurrence or None, "by": request.by, "text": milestone.schedule_text,
                 "start": start.isoformat() if start else None, "end": end.isoformat(),
                 "was": {"start": was[0].isoformat() if was[0] else None,
                         "end": was[1].isoformat() if was[1] else None} if was else None,
                 "note": request.note,
                 # what the milestone's row now says, for the replay that `roadmap audit verify` compares
                 "set": state_set({"window_start": start, "window_end": end, "status": "planned", "kind": "window",
                                   "scheduled_at": now, "scheduled_by": request.by,
                                   "schedule_text": milestone.schedule_text})},
    )  # fmt: skip
    return milestone, was


def parse_schedule_csv(
    session: Session, text: str, *, source: str, roadmap: Roadmap, by: str
) -> list[tuple[int, ScheduleRequest]]:
    """Rows of `organisation,item,occurrence,window[,note]`, each resolved to its milestone; every bad line is
    named (an unknown milestone, a duplicate of an earlier line, a window that cannot be read) and the whole
    file refused."""
    rows, problems = read_milestone_rows(session, text, source=source, roadmap=roadmap, columns=SCHEDULE_COLUMNS,
                                         optional=SCHEDULE_OPTIONAL)  # fmt: skip
    out: list[tuple[int, ScheduleRequest]] = []
    for row in rows:
        try:
            read_window(row.cells["window"], roadmap, row.milestone)
        except ScheduleError as exc:
            problems.append(f"{source}:{row.line}: window: {str(exc).removeprefix('--window: ')}")
            continue
        assert row.milestone.id is not None
        out.append((row.line, ScheduleRequest(row.milestone.id, row.cells["window"], by,
                                              row.cells.get("note") or None)))  # fmt: skip
    if problems:
        raise ScheduleError(refusal(source, problems, "scheduled"))
    return out


def schedule_many(
    session: Session, *, roadmap: Roadmap, rows: list[tuple[int, ScheduleRequest]], source: str, now: datetime,
    recorded_by: ActorLike,
) -> int:  # fmt: skip
    """Schedule every row in the caller's transaction; any refusal refuses the whole file, each line named."""

    def one(request: ScheduleRequest) -> None:
        schedule(session, roadmap=roadmap, request=request, now=now, recorded_by=recorded_by)

    return apply_all(session, rows, one, source=source, error=ScheduleError, what="scheduled")
