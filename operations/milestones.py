"""Operations on milestones: list what an actor may see, show one with its history, complete, reopen.

Every face calls these (the CLI, the web pages, the JSON API); each takes a Context and owns its
transaction. Permission (who may complete what) is the completion rule of tasks/complete.py: a party
responsible for the milestone, a party above one in the escalation chain, or the operator.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from models.plan import Roadmap
from models.store import AuditEvent, Completion, Milestone, Organisation, PlanItem, RoadmapRecord
from operations.context import Context

# the reading views live in operations.status (a status read imports no plan language, completion or sweep)
from operations.status import MilestonePage as MilestonePage
from operations.status import StatusView as StatusView
from operations.status import list_milestones as list_milestones
from operations.status import status_view as status_view
from operations.status import stream_milestones as stream_milestones
from tasks.complete import (
    CompletionError,
    CompletionRequest,
    complete_many,
    local_date,
    parse_completions_csv,
    store_file,
)
from tasks.complete import complete as complete_in_session
from tasks.complete import reopen as reopen_in_session
from tasks.schedule import ScheduleError, ScheduleRequest, parse_schedule_csv, schedule_many
from tasks.schedule import schedule as schedule_in_session
from tasks.sweep import active_roadmaps


class NotFound(Exception):
    """No such object (or none the actor may see); the message names it."""


def plan_of(session: Session, roadmap_id: str) -> tuple[Roadmap, int]:
    """The current plan of a roadmap and its version number."""
    plans = active_roadmaps(session, [roadmap_id])
    record = session.get(RoadmapRecord, roadmap_id)
    if not plans or record is None:
        raise NotFound(f"no roadmap «{roadmap_id}» in the store (sync it first: roadmap sync PLAN)")
    return plans[0], record.current_version


@dataclass
class HistoryLine:
    seq: int
    at_local: str
    actor: str
    action: str
    payload: dict[str, Any]


@dataclass
class MilestoneView:
    milestone: Milestone
    item: PlanItem
    plan: Roadmap
    org: Organisation | None
    completions: list[Completion]
    history: list[HistoryLine]
    responsible_names: list[str] = field(default_factory=list)


def milestone_view(ctx: Context, milestone_id: int) -> MilestoneView:
    """One milestone with its item, organisation, completions and audit history."""
    with ctx.reading() as session:
        milestone = session.get(Milestone, milestone_id)
        if milestone is None:
            raise NotFound(f"no milestone {milestone_id} in the store")
        item = session.execute(
            select(PlanItem).where(col(PlanItem.roadmap_id) == milestone.roadmap_id,
                                   col(PlanItem.number) == milestone.item_number)
        ).scalars().one()  # fmt: skip
        plan, _version = plan_of(session, milestone.roadmap_id)
        org = session.get(Organisation, milestone.org_id) if milestone.org_id else None
        completions = list(
            session.execute(
                select(Completion).where(col(Completion.milestone_id) == milestone_id).order_by(col(Completion.id))
            ).scalars()
        )
        mine = col(AuditEvent.subject) == f"milestone/{milestone_id}"
        events = session.execute(select(AuditEvent).where(mine).order_by(col(AuditEvent.seq))).scalars()
        history = [HistoryLine(e.seq or 0, e.at_local, e.actor, e.action, dict(e.payload)) for e in events]
    names = {p.id: p.name for p in plan.parties}
    return MilestoneView(milestone, item, plan, org, completions, history,
                         [names.get(p, p) for p in milestone.responsible])  # fmt: skip


@dataclass(frozen=True)
class Receipt:
    """What a completion returns: the milestone, who and when, and the audit event that records it."""

    milestone_id: int
    roadmap_id: str
    item: str
    org_id: str
    by: str
    done_at: datetime
    late_days: int
    event_seq: int
    event_hash: str
    checkpoint_size: int | None = None  # the signed checkpoint covering the event, when a key signs
    checkpoint_at: datetime | None = None
    warning: str = ""  # recorded but not signed (a key that cannot be used)

    @property
    def token(self) -> str:
        """What `roadmap audit prove` takes: EVENT:HASH."""
        return f"{self.event_seq}:{self.event_hash}"


def complete_milestone(
    ctx: Context,
    *,
    milestone_id: int,
    evidence: str,
    by: str,
    at: datetime | None = None,
    doc_number: str | None = None,
    doc_date: date | None = None,
    file: Path | None = None,
    file_name: str | None = None,
) -> Receipt:
    """Record a milestone done as party `by` (the actor is who recorded it); CompletionError or NotFound refuse.

    `file` is stored by its content hash under the data folder before the transaction; `file_name` is
    the name to keep when the file was uploaded under a temporary one.
    """
    stored = store_file(file, ctx.settings.data_dir / "files") if file else None
    if stored is not None and file_name:
        from tasks.complete import StoredFile

        stored = StoredFile(stored.sha256, Path(file_name).name, stored.size)
    request = CompletionRequest(milestone_id, evidence, by, at, doc_number, doc_date)
    with ctx.transaction() as session:
        row = session.get(Milestone, milestone_id)
        if row is None:
            raise NotFound(f"no milestone {milestone_id} in the store (see roadmap status)")
        plan, version = plan_of(session, row.roadmap_id)
        done = complete_in_session(session, roadmap=plan, request=request, now=ctx.now, recorded_by=ctx.actor,
                                   stored=stored, version=version)  # fmt: skip
        event = session.execute(
            select(AuditEvent).where(col(AuditEvent.subject) == f"milestone/{milestone_id}",
                                     col(AuditEvent.action) == "milestone.completed")
            .order_by(col(AuditEvent.seq).desc()).limit(1)
        ).scalars().one()  # fmt: skip
        late = (local_date(done.done_at, row.timezone) - row.window_end).days if row.window_end else 0
        receipt = Receipt(milestone_id, row.roadmap_id, row.item_number, row.org_id, by, done.done_at, max(late, 0),
                          event.seq or 0, event.hash)  # fmt: skip
    # signed right away when a key is configured, so the receipt names its checkpoint
    from operations.audit import receipts_since

    signed = receipts_since(ctx, since=receipt.event_seq - 1, action="milestone.completed")
    mine = next((r for _subject, r in signed.receipts if r.seq == receipt.event_seq), None)
    return replace(receipt, checkpoint_size=mine.checkpoint_size if mine else None,
                   checkpoint_at=mine.checkpoint_at if mine else None, warning=signed.warning)  # fmt: skip


def reopen_milestone(ctx: Context, *, milestone_id: int, reason: str, by: str) -> Milestone:
    with ctx.transaction() as session:
        row = session.get(Milestone, milestone_id)
        if row is None:
            raise NotFound(f"no milestone {milestone_id} in the store")
        plan, _ = plan_of(session, row.roadmap_id)
        return reopen_in_session(session, roadmap=plan, milestone_id=milestone_id, reason=reason, by=by, now=ctx.now,
                                 recorded_by=ctx.actor)  # fmt: skip


def schedule_milestone(ctx: Context, *, milestone_id: int, window: str, by: str, note: str | None = None) -> Milestone:
    """Give a milestone that waits for a date its window (read like a plan's deadline), as party `by`.

    ScheduleError or NotFound refuse; the change is an audit event and the usual reminders follow.
    """
    milestone, _was = schedule_with_previous(ctx, milestone_id=milestone_id, window=window, by=by, note=note)
    return milestone


def schedule_with_previous(
    ctx: Context, *, milestone_id: int, window: str, by: str, note: str | None = None
) -> tuple[Milestone, tuple[date | None, date | None] | None]:
    """schedule_milestone, also giving the window the milestone had before (None when it waited for a date)."""
    with ctx.transaction() as session:
        row = session.get(Milestone, milestone_id)
        if row is None:
            raise NotFound(f"no milestone {milestone_id} in the store (see roadmap status)")
        plan, _ = plan_of(session, row.roadmap_id)
        return schedule_in_session(
            session, roadmap=plan, request=ScheduleRequest(milestone_id, window, by, note), now=ctx.now,
            recorded_by=ctx.actor,
        )  # fmt: skip


def schedule_from_csv(ctx: Context, *, roadmap_id: str, text: str, source: str, by: str) -> int:
    """Schedule every row of a CSV (organisation,item,occurrence,window[,note]) as party `by`, in one transaction;
    ScheduleError naming each bad line refuses the whole file, NotFound an unknown roadmap."""
    with ctx.transaction() as session:
        plan, _version = plan_of(session, roadmap_id)
        rows = parse_schedule_csv(session, text, source=source, roadmap=plan, by=by)
        return schedule_many(session, roadmap=plan, rows=rows, source=source, now=ctx.now, recorded_by=ctx.actor)


def complete_from_csv(ctx: Context, *, roadmap_id: str, text: str, source: str) -> int:
    """Record every row of a CSV (organisation,item,occurrence,evidence,date,by[,doc_number,doc_date]) as done, in
    one transaction; CompletionError naming each bad line refuses the whole file, NotFound an unknown roadmap."""
    with ctx.transaction() as session:
        plan, version = plan_of(session, roadmap_id)
        rows = parse_completions_csv(session, text, source=source, roadmap=plan)
        return complete_many(session, roadmap=plan, rows=rows, source=source, now=ctx.now, recorded_by=ctx.actor,
                             version=version)  # fmt: skip


def organisations_of(ctx: Context, municipality: str) -> tuple[str, ...]:
    with ctx.reading() as session:
        return tuple(
            session.execute(
                select(col(Organisation.id)).where(col(Organisation.municipality) == municipality)
            ).scalars()
        )


def count_milestones(ctx: Context) -> int:
    with ctx.reading() as session:
        return int(session.execute(select(func.count()).select_from(Milestone)).scalar_one())


__all__ = [
    "CompletionError", "NotFound", "Receipt", "ScheduleError", "complete_milestone", "list_milestones",
    "milestone_view", "schedule_milestone", "schedule_with_previous", "schedule_from_csv", "complete_from_csv",
    "reopen_milestone",
]  # fmt: skip
