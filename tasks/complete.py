"""Recording milestones as done, with evidence, and reopening them: each change audited.

Only a party responsible for the milestone, a party above one of them in the escalation chain, or
the operator may complete it. Completing a done or retired milestone is refused with the reason. Two
people completing the same milestone at once: the update is conditional on the milestone still being
open, so exactly one wins and the other is told who did it first; nothing is lost either way.
An attached file is stored once by its content hash (never in the database) with its name and size.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlmodel import Session, col

from audit.chain import ActorLike, as_utc, record_event
from audit.replay import completion_values, state_set
from models.plan import Roadmap
from models.settings import private_folder
from models.store import Completion, Milestone
from tasks.milestone_files import apply_all, read_milestone_rows, refusal

OPERATOR = "operator"
CLOCK_SKEW = timedelta(minutes=5)  # a clock a little ahead of the server's is no completion "in the future"


class CompletionError(Exception):
    """A refusal to complete or reopen; the message says why and what to do."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    name: str
    size: int


@dataclass(frozen=True)
class CompletionRequest:
    milestone_id: int
    evidence: str
    by: str
    at: datetime | None = None
    doc_number: str | None = None
    doc_date: date | None = None
    file: Path | None = None


def store_file(path: Path, files_dir: Path) -> StoredFile:
    """Copy the file into the store's files folder under its SHA-256 (once, whatever its name)."""
    if not path.is_file():
        raise CompletionError(f"{path}: no such file")
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    sha = digest.hexdigest()
    target = files_dir / sha[:2] / sha
    if not target.exists():
        private_folder(files_dir)
        private_folder(target.parent)
        partial = target.with_suffix(".part")
        shutil.copyfile(path, partial)
        partial.replace(target)  # atomic: a crash never leaves a half-copied file under the hash
    return StoredFile(sha, path.name, path.stat().st_size)


def allowed_parties(roadmap: Roadmap, responsible: list[str]) -> list[str]:
    """The responsible parties and everyone above them in the escalation chain, in order."""
    parties = {p.id: p for p in roadmap.parties}
    out: list[str] = []
    for party in responsible:
        current: str | None = party
        while current is not None and current not in out:
            out.append(current)
            current = parties[current].escalates_to if current in parties else None
    return out


def check_allowed(roadmap: Roadmap, milestone: Milestone, by: str, *, verb: str = "complete") -> None:
    """Refuse (CompletionError) a party that is neither responsible, above one in the chain, nor the operator."""
    allowed = allowed_parties(roadmap, list(milestone.responsible))
    if by == OPERATOR or by == roadmap.reminders.operator or by in allowed:
        return
    who = ", ".join(milestone.responsible) or "nobody (unassigned)"
    above = [p for p in allowed if p not in milestone.responsible]
    others = f", the parties above them ({', '.join(above)})" if above else ""
    raise CompletionError(
        f"{by} may not {verb} milestone {milestone.id} ({milestone.roadmap_id} item {milestone.item_number}): "
        f"it is for {who}{others} or the operator"
    )


def _local(at: datetime, zone: str) -> datetime:
    return at.replace(tzinfo=ZoneInfo(zone)) if at.tzinfo is None else at


def local_date(moment: datetime, zone: str) -> date:
    """The calendar date of a stored moment in a time zone (stored times are UTC; naive ones are taken as UTC)."""
    return as_utc(moment).astimezone(ZoneInfo(zone)).date()


def _describe_done(milestone: Milestone) -> str:
    when = local_date(milestone.done_at, milestone.timezone).isoformat() if milestone.done_at else "?"
    return f"done on {when} by {milestone.done_by}: {milestone.evidence}"


def complete(
    session: Session,
    *,
    roadmap: Roadmap,
    request: CompletionRequest,
    now: datetime,
    recorded_by: ActorLike,
    stored: StoredFile | None = None,
    version: int,
) -> Completion:
    """Record the milestone done in the caller's transaction, or raise CompletionError."""
    milestone = session.get(Milestone, request.milestone_id)
    if milestone is None or milestone.roadmap_id != roadmap.id:
        raise CompletionError(f"no milestone {request.milestone_id} in roadmap {roadmap.id}")
    if not request.evidence.strip():
        raise CompletionError("--evidence must name the result document (приказ № …, положение, отчёт, …)")
    if milestone.status == "retired":
        raise CompletionError(
            f"milestone {milestone.id} is retired ({milestone.retired_reason or 'no longer in the plan'}): "
            "there is nothing to complete"
        )
    if milestone.status == "done":
        raise CompletionError(
            f"milestone {milestone.id} is already {_describe_done(milestone)}; "
            f"to correct it: roadmap reopen {milestone.id} --reason 'what was wrong'"
        )
    check_allowed(roadmap, milestone, request.by)
    done_at = _local(request.at or now, milestone.timezone)
    if done_at > now + CLOCK_SKEW:
        zone = ZoneInfo(milestone.timezone)
        raise CompletionError(
            f"the completion time {done_at.astimezone(zone):%Y-%m-%d %H:%M} ({milestone.timezone}) is in the future "
            f"(it is now {now.astimezone(zone):%Y-%m-%d %H:%M} there): record a milestone done once it has been done"
        )
    # conditional on still being open: of two people completing at once, exactly one wins
    won = session.exec(
        update(Milestone)
        .where(col(Milestone.id) == milestone.id, col(Milestone.status).not_in(("done", "retired")))
        .values(
            status="done", done_at=done_at, done_by=request.by, evidence=request.evidence.strip(), done_version=version
        )  # fmt: skip
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        session.rollback()
        fresh = session.get(Milestone, request.milestone_id)
        assert fresh is not None
        session.refresh(fresh)
        raise CompletionError(f"milestone {fresh.id} was completed by someone else first: {_describe_done(fresh)}")
    assert milestone.id is not None  # read from the store, so it has its primary key
    completion = Completion(
        milestone_id=milestone.id, done_at=done_at, done_by=request.by, recorded_at=now, recorded_by=_name(recorded_by),
        evidence=request.evidence.strip(), doc_number=request.doc_number, doc_date=request.doc_date,
        file_sha256=stored.sha256 if stored else None, file_name=stored.name if stored else None,
        file_size=stored.size if stored else None, plan_version=version,
    )  # fmt: skip
    session.add(completion)
    session.flush()
    late = (
        (done_at.astimezone(ZoneInfo(milestone.timezone)).date() - milestone.window_end).days
        if milestone.window_end
        else None
    )
    record_event(
        session, actor=recorded_by, action="milestone.completed", subject=f"milestone/{milestone.id}",
        timezone=milestone.timezone, at=now,
        payload={"roadmap": roadmap.id, "item": milestone.item_number, "org": milestone.org_id or None,
                 "occurrence": milestone.occurrence or None, "by": request.by, "done_at": done_at.isoformat(),
                 "evidence": request.evidence.strip(), "doc_number": request.doc_number,
                 "doc_date": request.doc_date.isoformat() if request.doc_date else None,
                 "file": {"sha256": stored.sha256, "name": stored.name, "size": stored.size} if stored else None,
                 "plan_version": version, "late_days": late if late and late > 0 else 0,
                 "milestone": milestone.id, "completion": {"id": completion.id, **completion_values(completion)},
                 "set": state_set({"status": "done", "done_at": done_at, "done_by": request.by,
                                   "evidence": request.evidence.strip(), "done_version": version})},
    )  # fmt: skip
    return completion


def _name(actor: ActorLike) -> str:
    return actor if isinstance(actor, str) else actor.name


def reopen(
    session: Session,
    *,
    roadmap: Roadmap,
    milestone_id: int,
    reason: str,
    by: str,
    now: datetime,
    recorded_by: ActorLike,
) -> Milestone:
    """Put a done milestone back to open (for corrections); its completion is marked, not deleted."""
    milestone = session.get(Milestone, milestone_id)
    if milestone is None or milestone.roadmap_id != roadmap.id:
        raise CompletionError(f"no milestone {milestone_id} in roadmap {roadmap.id}")
    if milestone.status != "done":
        raise CompletionError(f"milestone {milestone_id} is {milestone.status}, not done: there is nothing to reopen")
    if not reason.strip():
        raise CompletionError("--reason must say why the completion is corrected")
    check_allowed(roadmap, milestone, by, verb="reopen")
    last = session.execute(
        select(Completion).where(col(Completion.milestone_id) == milestone_id, col(Completion.reopened_at).is_(None))
        .order_by(col(Completion.id).desc())
    ).scalars().first()  # fmt: skip
    reopened = None
    if last is not None:
        last.reopened_at, last.reopened_by, last.reopen_reason = now, by, reason.strip()
        session.add(last)
        reopened = {"completion": last.id, **state_set({"reopened_at": now, "reopened_by": by,
                                                        "reopen_reason": reason.strip()})}  # fmt: skip
    previous = _describe_done(milestone)
    milestone.status = "planned" if milestone.window_end else "waiting-for-date"
    milestone.done_at = milestone.done_by = milestone.evidence = milestone.done_version = None
    session.add(milestone)
    session.flush()
    record_event(
        session, actor=recorded_by, action="milestone.reopened", subject=f"milestone/{milestone.id}",
        timezone=milestone.timezone, at=now,
        payload={"roadmap": roadmap.id, "item": milestone.item_number, "org": milestone.org_id or None,
                 "by": by, "reason": reason.strip(), "was": previous, "milestone": milestone.id,
                 "reopened": reopened,
                 "set": {"status": milestone.status, "done_at": None, "done_by": None, "evidence": None,
                         "done_version": None}},
    )  # fmt: skip
    return milestone


COMPLETION_COLUMNS = ("organisation", "item", "occurrence", "evidence", "date", "by")
COMPLETION_OPTIONAL = ("doc_number", "doc_date")


def parse_completions_csv(
    session: Session, text: str, *, source: str, roadmap: Roadmap
) -> list[tuple[int, CompletionRequest]]:
    """Rows of `organisation,item,occurrence,evidence,date,by[,doc_number,doc_date]`, each resolved to its
    milestone; every bad line is named (tasks/milestone_files.py) and the whole file refused."""
    rows, problems = read_milestone_rows(session, text, source=source, roadmap=roadmap, columns=COMPLETION_COLUMNS,
                                         optional=COMPLETION_OPTIONAL)  # fmt: skip
    out: list[tuple[int, CompletionRequest]] = []
    for row in rows:
        cells, line = row.cells, row.line
        try:
            day = date.fromisoformat(cells["date"]) if cells["date"] else None
            doc_date = date.fromisoformat(cells["doc_date"]) if cells.get("doc_date") else None
        except ValueError as exc:
            problems.append(f"{source}:{line}: date: expected YYYY-MM-DD, found «{exc.args[0].split(': ')[-1]}»")
            continue
        if not cells["evidence"] or not cells["by"]:
            problems.append(f"{source}:{line}: evidence and by are required")
            continue
        at = datetime(day.year, day.month, day.day, 12) if day else None
        assert row.milestone.id is not None
        out.append((line, CompletionRequest(row.milestone.id, cells["evidence"], cells["by"], at,
                                            cells.get("doc_number") or None, doc_date)))  # fmt: skip
    if problems:
        raise CompletionError(refusal(source, problems, "recorded"))
    return out


def complete_many(
    session: Session,
    *,
    roadmap: Roadmap,
    rows: list[tuple[int, CompletionRequest]],
    source: str,
    now: datetime,
    recorded_by: ActorLike,
    version: int,
) -> int:
    """Complete every row in the caller's transaction; any refusal refuses the whole file, each line named."""

    def one(request: CompletionRequest) -> None:
        milestone = session.get(Milestone, request.milestone_id)
        if request.at is not None and milestone is not None:
            # a row dated today stands for "done today": its noon may still be ahead of the clock
            zone = ZoneInfo(milestone.timezone)
            at = _local(request.at, milestone.timezone)
            if at > now and at.astimezone(zone).date() == now.astimezone(zone).date():
                request = replace(request, at=now)
        complete(session, roadmap=roadmap, request=request, now=now, recorded_by=recorded_by, version=version)

    return apply_all(session, rows, one, source=source, error=CompletionError, what="recorded")
