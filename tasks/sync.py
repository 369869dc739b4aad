"""Sync a plan into the store: store the version, expand it, and migrate the milestones in bulk.

`sync_plan` runs inside the caller's transaction and either writes everything or nothing. It is
idempotent: the same plan against the same registry changes nothing and says so. An amended plan
re-plans the open milestones; done milestones stay done with their evidence; milestones that the plan
or the registry no longer call for are retired, never deleted.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from audit.chain import ActorLike, NewEvent, append_events, identify, paused_gc
from audit.replay import milestone_event
from models.loader import PlanError, parse_plan
from models.plan import Roadmap, number_key
from models.plan_diff import PlanDiff, diff_plans
from models.store import (
    DeadlineChange,
    Milestone,
    Organisation,
    PlanItem,
    RoadmapRecord,
    RoadmapVersion,
)
from tasks.expand import CYCLE_PREFIX, OrgRef, PlannedMilestone, expand

WAITING = "waiting-for-date"


@dataclass
class SyncReport:
    """What a sync did (or, in a dry run, would do)."""

    roadmap_id: str
    version: int
    new_version: bool
    content_hash: str
    dry_run: bool
    note: str | None = None
    diff: PlanDiff | None = None
    added: int = 0
    updated: int = 0
    moved: int = 0
    reassigned: int = 0
    retired: int = 0
    reactivated: int = 0
    unchanged: int = 0
    done_kept: int = 0
    total: int = 0
    waiting_items: list[str] = field(default_factory=list)
    moved_parties: dict[str, int] = field(default_factory=dict)
    retired_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.new_version or any((self.added, self.updated, self.retired, self.reactivated))

    def lines(self) -> list[str]:
        verb = "would store" if self.dry_run else "stored"
        if self.new_version:
            amend = f" (amendment: «{self.note}»)" if self.note and self.version > 1 else ""
            head = f"{self.roadmap_id}: version {self.version} {verb}{amend}"
        else:
            head = f"{self.roadmap_id}: plan unchanged (version {self.version})"
        out = [head + (" — dry run, nothing written" if self.dry_run else "")]
        if self.diff is not None:
            out.append("  changes in the plan:")
            out += [f"    {line}" for line in self.diff.lines()]
        if not self.changed:
            out.append(f"  nothing to change: {self.total} milestones already match the plan and the registry")
        else:
            out.append(
                f"  milestones: {self.added} added, {self.updated} updated ({self.moved} windows moved, "
                f"{self.reassigned} re-assigned), {self.retired} retired, {self.reactivated} reactivated, "
                f"{self.unchanged} unchanged, {self.done_kept} done kept; {self.total} in all"
            )
        for reason, n in sorted(self.retired_reasons.items()):
            out.append(f"  retired {n}: {reason}")
        if self.waiting_items:
            out.append(f"  waiting for a date: items {', '.join(self.waiting_items)}")
        if self.moved_parties:
            parties = ", ".join(f"{p} ({n})" for p, n in sorted(self.moved_parties.items()))
            out.append(f"  deadlines moved for: {parties}")
        return out

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "diff"}
        data["diff"] = self.diff.as_json() if self.diff else None
        data["changed"] = self.changed
        return data


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def territory_orgs(session: Session, roadmap: Roadmap) -> list[OrgRef]:
    """The active organisations of the registry in the roadmap's territory."""
    query = select(
        col(Organisation.id),
        col(Organisation.kind),
        col(Organisation.region),
        col(Organisation.municipality),
        col(Organisation.timezone),
    ).where(col(Organisation.active).is_(True), col(Organisation.region) == roadmap.territory.region)
    if roadmap.territory.municipality is not None:
        query = query.where(col(Organisation.municipality) == roadmap.territory.municipality)
    return [OrgRef(*row) for row in session.execute(query.order_by(col(Organisation.id)))]


def _previous(session: Session, roadmap_id: str) -> RoadmapVersion | None:
    return (
        session.execute(
            select(RoadmapVersion)
            .where(col(RoadmapVersion.roadmap_id) == roadmap_id)
            .order_by(col(RoadmapVersion.version).desc())
        )
        .scalars()
        .first()
    )


_MILESTONE_COLUMNS = (
    col(Milestone.id), col(Milestone.item_number), col(Milestone.org_id), col(Milestone.occurrence),
    col(Milestone.kind), col(Milestone.window_start), col(Milestone.window_end), col(Milestone.timezone),
    col(Milestone.status), col(Milestone.responsible), col(Milestone.done_at),
)  # fmt: skip


@paused_gc()  # a region's 10^5 milestones and their events are built in memory at once (see audit.chain)
def sync_plan(
    session: Session,
    *,
    roadmap: Roadmap,
    yaml_text: str,
    source_path: str | None,
    actor: ActorLike,
    now: datetime,
    note: str | None = None,
    dry_run: bool = False,
) -> SyncReport:
    """Store the plan's version (if new) and bring its milestones in line with the plan and the registry."""
    digest = content_hash(yaml_text)
    previous = _previous(session, roadmap.id)
    new_version = previous is None or previous.content_hash != digest
    version = (previous.version + 1 if previous else 1) if new_version else previous.version  # type: ignore[union-attr]
    report = SyncReport(roadmap.id, version, new_version, digest, dry_run, note=note)
    if new_version and previous is not None:
        try:
            report.diff = diff_plans(
                parse_plan(previous.yaml_text, f"{roadmap.id} version {previous.version}"), roadmap
            )
        except PlanError:
            report.diff = PlanDiff(header=[f"version {previous.version} no longer validates; item diff unavailable"])

    planned = expand(roadmap, territory_orgs(session, roadmap))
    existing = {(r.item_number, r.org_id, r.occurrence): r for r in session.execute(
        select(*_MILESTONE_COLUMNS).where(col(Milestone.roadmap_id) == roadmap.id))}  # fmt: skip
    plan_numbers = {item.number for item in roadmap.items} | {
        f"{CYCLE_PREFIX}{s.number}" for s in (roadmap.cycle.steps if roadmap.cycle else [])
    }

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    changed: list[tuple[str, Any, dict[str, Any]]] = []  # (event action, the row before, what was set)
    changes: list[dict[str, Any]] = []
    moved_parties: Counter[str] = Counter()
    for m in planned:
        row = existing.get(m.key)
        status = WAITING if m.waiting else "planned"
        if row is None:
            inserts.append(_new_row(roadmap.id, m, status, version))
            report.added += 1
            continue
        if row.status == "done":
            report.done_kept += 1
            continue
        if row.status == "retired":
            updates.append(_changed_row(row.id, m, "done" if row.done_at else status, version)
                           | {"retired_version": None, "retired_reason": None})  # fmt: skip
            changed.append(("milestone.reactivated", row, updates[-1]))
            report.reactivated += 1
            continue
        window_moved = (row.window_start, row.window_end) != (m.window_start, m.window_end)
        reassigned = list(row.responsible) != list(m.responsible)
        if window_moved or reassigned or row.kind != m.kind or row.timezone != m.timezone:
            # a moved window or a change between dated and waiting re-plans the status (the sweep
            # re-derives due/overdue); otherwise the status the sweep gave stays
            replan = window_moved or (row.status == WAITING) != m.waiting
            updates.append(_changed_row(row.id, m, status if replan else row.status, version))
            action = "moved" if window_moved else "reassigned" if reassigned else "replanned"
            changed.append((f"milestone.{action}", row, updates[-1]))
            report.updated += 1
            if window_moved or reassigned:
                report.moved += window_moved
                report.reassigned += reassigned
                changes.append({
                    "milestone_id": row.id, "version": version, "old_start": row.window_start,
                    "old_end": row.window_end, "new_start": m.window_start, "new_end": m.window_end,
                    "old_responsible": list(row.responsible), "new_responsible": list(m.responsible),
                    "changed_at": now, "notified_at": None,
                })  # fmt: skip
                moved_parties.update(m.responsible)
        else:
            report.unchanged += 1

    wanted = {m.key for m in planned}
    retire_reasons: Counter[str] = Counter()
    for key, row in existing.items():
        if key in wanted or row.status == "retired":
            continue
        reason = (
            f"item {row.item_number} is not in version {version}"
            if row.item_number not in plan_numbers
            else "no longer called for (organisation left the registry or scope, or the occurrence moved)"
        )
        retire_reasons[reason] += 1
        updates.append({"id": row.id, "status": "retired", "retired_version": version, "retired_reason": reason,
                        "updated_version": version})  # fmt: skip
        changed.append(("milestone.retired", row, updates[-1]))
    report.retired = sum(retire_reasons.values())
    report.retired_reasons = dict(retire_reasons)
    report.moved_parties = dict(moved_parties)
    report.waiting_items = sorted({m.item_number for m in planned if m.waiting}, key=number_key)
    report.total = len(planned)  # retired milestones are history, not current work

    if dry_run or not report.changed:
        return report
    _write(session, roadmap, report, yaml_text=yaml_text, source_path=source_path, actor=actor, now=now)
    if inserts:
        session.execute(insert(Milestone), inserts)
    if updates:
        session.execute(update(Milestone), updates)
    if changes:
        session.execute(insert(DeadlineChange), changes)
    events = _roadmap_events(roadmap, report)
    events += [_created(roadmap.id, milestone_id, row) for milestone_id, row in _with_ids(session, roadmap.id, inserts)]
    events += [_changed(roadmap.id, action, row, values) for action, row, values in changed]
    append_events(session, events, actor=actor, at=now)
    return report


def _with_ids(session: Session, roadmap_id: str, inserts: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """The inserted rows with the ids the store gave them, found by their key in one query (RETURNING from a
    bulk insert comes back row by row on SQLite)."""
    if not inserts:
        return []
    version = inserts[0]["created_version"]
    ids = {(item, org, occurrence): milestone_id for milestone_id, item, org, occurrence in session.execute(
        select(col(Milestone.id), col(Milestone.item_number), col(Milestone.org_id), col(Milestone.occurrence))
        .where(col(Milestone.roadmap_id) == roadmap_id, col(Milestone.created_version) == version))}  # fmt: skip
    return [(ids[(r["item_number"], r["org_id"], r["occurrence"])], r) for r in inserts]


def _created(roadmap_id: str, milestone_id: int, row: dict[str, Any]) -> NewEvent:
    return milestone_event("milestone.created", milestone_id, roadmap=roadmap_id, item=row["item_number"],
                           org=row["org_id"], values=row, timezone=row["timezone"])  # fmt: skip


def _changed(roadmap_id: str, action: str, row: Any, values: dict[str, Any]) -> NewEvent:
    """A milestone re-planned, re-assigned, retired or reactivated by a sync: what it set, and what it was."""
    was = {}
    if action in ("milestone.moved", "milestone.reassigned"):
        was = {"was": {"window_start": row.window_start, "window_end": row.window_end,
                       "responsible": list(row.responsible)}}  # fmt: skip
    values = {k: v for k, v in values.items() if k != "id"}
    return milestone_event(action, row.id, roadmap=roadmap_id, item=row.item_number, org=row.org_id, values=values,
                           timezone=values.get("timezone") or row.timezone, extra=was)  # fmt: skip


def _new_row(roadmap_id: str, m: PlannedMilestone, status: str, version: int) -> dict[str, Any]:
    return {
        "roadmap_id": roadmap_id, "item_number": m.item_number, "org_id": m.org_id, "occurrence": m.occurrence,
        "kind": m.kind, "window_start": m.window_start, "window_end": m.window_end, "timezone": m.timezone,
        "status": status, "responsible": list(m.responsible), "created_version": version, "updated_version": version,
    }  # fmt: skip


def _changed_row(milestone_id: int, m: PlannedMilestone, status: str, version: int) -> dict[str, Any]:
    return {
        "id": milestone_id, "kind": m.kind, "window_start": m.window_start, "window_end": m.window_end,
        "timezone": m.timezone, "status": status, "responsible": list(m.responsible), "updated_version": version,
    }  # fmt: skip


def _write(
    session: Session,
    roadmap: Roadmap,
    report: SyncReport,
    *,
    yaml_text: str,
    source_path: str | None,
    actor: ActorLike,
    now: datetime,
) -> None:
    """The roadmap record, the new version (if any) and the current item definitions."""
    record = session.get(RoadmapRecord, roadmap.id)
    if record is None:
        record = RoadmapRecord(id=roadmap.id, title=roadmap.title, level=roadmap.level, region=roadmap.territory.region,
                               municipality=roadmap.territory.municipality, timezone=roadmap.timezone,
                               current_version=report.version, created_at=now, updated_at=now)  # fmt: skip
    record.title, record.level, record.timezone = roadmap.title, roadmap.level, roadmap.timezone
    record.region, record.municipality = roadmap.territory.region, roadmap.territory.municipality
    record.current_version, record.updated_at = report.version, now
    session.add(record)
    session.flush()
    if report.new_version:
        by = identify(actor)[0]
        session.add(RoadmapVersion(roadmap_id=roadmap.id, version=report.version, content_hash=report.content_hash,
                                   yaml_text=yaml_text, source_path=source_path, loaded_at=now, loaded_by=by,
                                   note=report.note, diff=report.diff.as_json() if report.diff else None))  # fmt: skip
    _write_items(session, roadmap, report.version)


def _write_items(session: Session, roadmap: Roadmap, version: int) -> None:
    current: dict[str, PlanItem] = {p.number: p for p in session.execute(
        select(PlanItem).where(col(PlanItem.roadmap_id) == roadmap.id)).scalars()}  # fmt: skip
    rows: list[dict[str, Any]] = []
    for position, (_, section, item) in enumerate(roadmap.walk_items()):
        rows.append({
            "number": item.number, "section": section.number, "position": position, "title": item.title,
            "result": item.result, "deadline_text": item.deadline.text, "deadline_kind": item.deadline.kind,
            "responsible": item.party_ids, "depends_on": list(item.depends_on),
            "scope": [] if item.scope == "roadmap" else list(item.scope.per_organisation),
        })  # fmt: skip
    if roadmap.cycle is not None:
        scope = [] if roadmap.cycle.scope == "roadmap" else list(roadmap.cycle.scope.per_organisation)
        for k, step in enumerate(roadmap.cycle.steps):
            rows.append({
                "number": f"{CYCLE_PREFIX}{step.number}", "section": "cycle", "position": 10_000 + k,
                "title": step.title, "result": step.result, "deadline_text": step.deadline.text,
                "deadline_kind": step.deadline.kind, "depends_on": [], "scope": scope,
                "responsible": [] if step.responsible == "unassigned" else list(step.responsible),
            })  # fmt: skip
    seen = set()
    for row in rows:
        seen.add(row["number"])
        stored = current.get(row["number"])
        if stored is None:
            session.add(PlanItem(roadmap_id=roadmap.id, version=version, **row))
            continue
        if any(getattr(stored, k) != v for k, v in row.items()) or stored.retired_version is not None:
            for column, value in row.items():
                setattr(stored, column, value)
            stored.version, stored.retired_version = version, None
            session.add(stored)
    for number, stored in current.items():
        if number not in seen and stored.retired_version is None:
            stored.retired_version = version
            session.add(stored)


def _roadmap_events(roadmap: Roadmap, report: SyncReport) -> list[NewEvent]:
    """The version loaded (if new) and the sync's counts; each milestone's change is an event of its own."""
    subject, zone = f"roadmap/{roadmap.id}", roadmap.timezone
    events = []
    if report.new_version:
        events.append(NewEvent(
            "roadmap.version.loaded" if report.version == 1 else "roadmap.amended", subject,
            {"version": report.version, "content_hash": report.content_hash, "note": report.note,
             "diff": report.diff.as_json() if report.diff else None}, zone,
        ))  # fmt: skip
    events.append(NewEvent(
        "roadmap.synced", subject,
        {"version": report.version, "added": report.added, "updated": report.updated, "moved": report.moved,
         "reassigned": report.reassigned, "retired": report.retired, "reactivated": report.reactivated,
         "moved_parties": report.moved_parties, "retired_reasons": report.retired_reasons}, zone,
    ))  # fmt: skip
    return events


def summary_markdown(report: SyncReport) -> str:
    """The sync report as markdown, for the Prefect UI."""
    body = "\n".join(f"    {line}" for line in report.lines())
    return f"## Sync of {report.roadmap_id}, version {report.version}\n\n{body}\n"
