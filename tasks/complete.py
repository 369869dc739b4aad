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
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlmodel import Session, col

from audit.chain import ActorLike, record_event
from audit.replay import completion_values, state_set
from models.plan import Roadmap
from models.store import Completion, Milestone

OPERATOR = "operator"


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
        target.parent.mkdir(parents=True, exist_ok=True)
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


def _check(roadmap: Roadmap, milestone: Milestone, by: str) -> None:
    allowed = allowed_parties(roadmap, list(milestone.responsible))
    if by == OPERATOR or by == roadmap.reminders.operator or by in allowed:
        return
    who = ", ".join(milestone.responsible) or "nobody (unassigned)"
    above = [p for p in allowed if p not in milestone.responsible]
    others = f", the parties above them ({', '.join(above)})" if above else ""
    raise CompletionError(
        f"{by} may not complete milestone {milestone.id} ({milestone.roadmap_id} item {milestone.item_number}): "
        f"it is for {who}{others} or the operator"
    )


def _local(at: datetime, zone: str) -> datetime:
    return at.replace(tzinfo=ZoneInfo(zone)) if at.tzinfo is None else at


def _describe_done(milestone: Milestone) -> str:
    when = milestone.done_at.date().isoformat() if milestone.done_at else "?"
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
            f"to correct it: roadmap reopen {milestone.id} --reason «…»"
        )
    _check(roadmap, milestone, request.by)
    done_at = _local(request.at or now, milestone.timezone)
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
    _check(roadmap, milestone, by)
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
    milestone; every bad line is named and the whole file refused."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COMPLETION_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COMPLETION_COLUMNS + COMPLETION_OPTIONAL]
    if missing or unknown:
        raise CompletionError(
            f"{source}:1: header: expected {','.join(COMPLETION_COLUMNS)} (optional: "
            f"{', '.join(COMPLETION_OPTIONAL)}), found {','.join(header) or 'nothing'}"
        )
    keys = {
        (m.org_id, m.item_number, m.occurrence): m.id
        for m in session.execute(select(Milestone).where(col(Milestone.roadmap_id) == roadmap.id)).scalars()
    }
    problems: list[str] = []
    out: list[tuple[int, CompletionRequest]] = []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        key = (row["organisation"], row["item"], row["occurrence"])
        milestone_id = keys.get(key)
        if milestone_id is None:
            problems.append(f"{source}:{line}: no milestone of {roadmap.id} for organisation «{key[0]}», "
                            f"item «{key[1]}», occurrence «{key[2]}»")  # fmt: skip
            continue
        try:
            day = date.fromisoformat(row["date"]) if row["date"] else None
            doc_date = date.fromisoformat(row["doc_date"]) if row.get("doc_date") else None
        except ValueError as exc:
            problems.append(f"{source}:{line}: date: expected YYYY-MM-DD, found «{exc.args[0].split(': ')[-1]}»")
            continue
        if not row["evidence"] or not row["by"]:
            problems.append(f"{source}:{line}: evidence and by are required")
            continue
        at = datetime(day.year, day.month, day.day, 12) if day else None
        out.append((line, CompletionRequest(milestone_id, row["evidence"], row["by"], at,
                                            row.get("doc_number") or None, doc_date)))  # fmt: skip
    if problems:
        raise CompletionError("\n".join(problems + [f"{source}: {len(problems)} problems; nothing was recorded"]))
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
    problems = []
    for line, request in rows:
        try:
            with session.begin_nested():
                complete(session, roadmap=roadmap, request=request, now=now, recorded_by=recorded_by, version=version)
        except CompletionError as exc:
            problems.append(f"{source}:{line}: {exc}")
    if problems:
        raise CompletionError("\n".join(problems + [f"{source}: {len(problems)} refused; nothing was recorded"]))
    return len(rows)
