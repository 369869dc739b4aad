"""Sync a plan into the store: store the version, expand it, and migrate the milestones in bulk.

`sync_plan` runs inside the caller's transaction and either writes everything or nothing. It is
idempotent: the same plan against the same registry changes nothing and says so. An amended plan
re-plans the open milestones; done milestones stay done with their evidence; milestones that the plan
or the registry no longer call for are retired, never deleted.

Nothing silent: a sync in which a per-organisation item would reach no organisation (the plan's
territory matches none of the registry, or has none of the item's kinds) is refused with
`SyncRefused`, naming the territory, the items and the registry's closest names, unless
`allow_empty` (then the same words are the report's warnings). `fan_out_registry` re-syncs the
stored plans a registry load touches, so an organisation loaded after a sync gets its milestones.
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
from models.loader import PlanError, parse_plan, parse_stored_plan, plan_cache, remember_plan
from models.plan import ORG_KINDS, Roadmap, number_key
from models.plan_diff import PlanDiff, diff_plans
from models.store import (
    DeadlineChange,
    Milestone,
    Organisation,
    PlanItem,
    RoadmapRecord,
    RoadmapVersion,
)
from models.territory import closest
from tasks.expand import CYCLE_PREFIX, OrgRef, PlannedMilestone, cycle_number, expand, in_territory
from tasks.registry import LoadReport

WAITING = "waiting-for-date"
ALLOW_EMPTY = ", or sync with --allow-empty to store the plan anyway"  # the refusal's last way out


class SyncRefused(Exception):
    """A sync that would reach no organisation; the message names the territory, the items and the closest
    names of the registry, and the ways out (one problem a line)."""


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
    warnings: list[str] = field(default_factory=list)  # what --allow-empty let through

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
        out += [f"  WARNING: {warning}" for warning in self.warnings]
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


def _active_orgs(session: Session) -> list[OrgRef]:
    query = select(
        col(Organisation.id), col(Organisation.kind), col(Organisation.region), col(Organisation.municipality),
        col(Organisation.timezone), col(Organisation.oktmo),
    ).where(col(Organisation.active).is_(True))  # fmt: skip
    return [OrgRef(*row) for row in session.execute(query.order_by(col(Organisation.id)))]


def territory_orgs(session: Session, roadmap: Roadmap) -> list[OrgRef]:
    """The active organisations of the registry in the roadmap's territory (by ОКТМО, or by name in any of its
    official spellings: models/territory.py). Matching is done here rather than in SQL because one place has
    many spellings; a registry holds 10^4-10^5 organisations, read once per sync."""
    return [org for org in _active_orgs(session) if in_territory(roadmap, org)]


def territory_name(roadmap: Roadmap) -> str:
    t = roadmap.territory
    return f"{t.municipality}, {t.region}" if t.municipality else t.region


def per_organisation_items(roadmap: Roadmap) -> list[tuple[str, tuple[str, ...]]]:
    """(number, kinds of organisation) of every item and cycle step that fans out to organisations."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for item in roadmap.items:
        if item.scope != "roadmap":
            out.append((item.number, tuple(item.scope.per_organisation)))
    if roadmap.cycle is not None and roadmap.cycle.scope != "roadmap":
        kinds = tuple(roadmap.cycle.scope.per_organisation)
        out += [(cycle_number(step), kinds) for step in roadmap.cycle.steps]
    return out


def reach_problems(session: Session, roadmap: Roadmap, orgs: list[OrgRef]) -> list[str]:
    """Why a per-organisation item of the plan would reach no organisation of the registry (one line each)."""
    items = per_organisation_items(roadmap)
    if not items:
        return []
    territory = territory_name(roadmap)
    if not orgs:
        numbers = [number for number, _kinds in items]
        shown = ", ".join(numbers[:8]) + (", …" if len(numbers) > 8 else "")
        return [f"{roadmap.id}: the plan's territory «{territory}» matches no organisation of the registry, so "
                f"{len(numbers)} per-organisation items ({shown}) would reach no one; {_nearest(session, roadmap)}; "
                "correct the plan's territory or the registry (or give both the ОКТМО code), load the registry "
                f"with `roadmap orgs load FILE.csv`{ALLOW_EMPTY}"]  # fmt: skip
    have = Counter(org.kind for org in orgs)
    has = ", ".join(f"{kind} {have[kind]}" for kind in sorted(have, key=_kind_order))
    out = []
    for number, kinds in items:
        if not any(have[kind] for kind in kinds):
            wanted = "/".join(kinds)
            out.append(f"{roadmap.id}: item {number} is for each {wanted} of «{territory}», and the registry has no "
                       f"active {wanted} there (it has {has}): load them with `roadmap orgs load FILE.csv`"
                       f"{ALLOW_EMPTY}")  # fmt: skip
    return out


def _kind_order(kind: str) -> int:
    return ORG_KINDS.index(kind) if kind in ORG_KINDS else len(ORG_KINDS)


def _nearest(session: Session, roadmap: Roadmap) -> str:
    """The registry's places nearest to the plan's territory in spelling, or what it holds when none is near."""
    places = sorted(set(session.execute(
        select(col(Organisation.municipality), col(Organisation.region)).where(col(Organisation.active).is_(True))
    ).all()))  # fmt: skip
    if not places:
        return "the registry holds no active organisation"
    t = roadmap.territory
    if t.municipality is None:
        regions = sorted({region for _m, region in places})
        near = closest(t.region, regions)
        return (f"closest in the registry: {', '.join(f'«{r}»' for r in near)}" if near else
                f"the registry's regions: {', '.join(f'«{r}»' for r in regions[:5])}")  # fmt: skip
    region_of = {municipality: region for municipality, region in places}
    near = closest(t.municipality, list(region_of))
    if near:
        return "closest in the registry: " + ", ".join(f"«{m}» ({region_of[m]})" for m in near)
    shown = ", ".join(f"«{m}» ({r})" for m, r in places[:5])
    return f"the registry's municipalities: {shown}" + (f" and {len(places) - 5} more" if len(places) > 5 else "")


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
    col(Milestone.status), col(Milestone.responsible), col(Milestone.done_at), col(Milestone.scheduled_at),
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
    allow_empty: bool = False,
    cause: str | None = None,
) -> SyncReport:
    """Store the plan's version (if new) and bring its milestones in line with the plan and the registry.

    The steps: version (and diff against the previous one) → expand (the milestones the plan and the registry
    call for) → reconcile (against the stored ones: what to add, change and retire) → record (rows and events).
    `roadmap` is the plan parsed from `yaml_text` (kept parsed in the data folder's plan cache for the sweeps).
    Raises SyncRefused when a per-organisation item would reach no organisation, unless `allow_empty`.
    `cause` says what started a sync that is not the operator's (a registry load), for the audit event.
    """
    report = _versioned(session, roadmap, yaml_text, note=note, dry_run=dry_run)
    planned = _expanded(session, roadmap, report, allow_empty=allow_empty)
    existing = {(r.item_number, r.org_id, r.occurrence): r for r in session.execute(
        select(*_MILESTONE_COLUMNS).where(col(Milestone.roadmap_id) == roadmap.id))}  # fmt: skip
    work = _reconcile(roadmap, planned, existing, report, now=now)
    if not dry_run:
        remember_plan(yaml_text, roadmap, plan_cache())  # the sweeps read the stored version parsed
    if dry_run or not report.changed:
        return report
    _record(session, roadmap, report, work, yaml_text=yaml_text, source_path=source_path, actor=actor, now=now,
            cause=cause)  # fmt: skip
    return report


def _versioned(session: Session, roadmap: Roadmap, yaml_text: str, *, note: str | None, dry_run: bool) -> SyncReport:
    """The report started with the plan's version: the stored one when the text is unchanged, else the next,
    with the item diff against the previous version."""
    digest = content_hash(yaml_text)
    previous = _previous(session, roadmap.id)
    new_version = previous is None or previous.content_hash != digest
    version = (previous.version + 1 if previous else 1) if new_version else previous.version  # type: ignore[union-attr]
    report = SyncReport(roadmap.id, version, new_version, digest, dry_run, note=note)
    if new_version and previous is not None:
        try:
            report.diff = diff_plans(
                parse_stored_plan(previous.yaml_text, f"{roadmap.id} version {previous.version}", plan_cache()), roadmap
            )
        except PlanError:
            report.diff = PlanDiff(header=[f"version {previous.version} no longer validates; item diff unavailable"])
    return report


def _expanded(session: Session, roadmap: Roadmap, report: SyncReport, *, allow_empty: bool) -> list[PlannedMilestone]:
    """The milestones the plan calls for over the registry's organisations in its territory; SyncRefused when an
    item would reach no organisation (unless `allow_empty`: then a warning)."""
    orgs = territory_orgs(session, roadmap)
    problems = reach_problems(session, roadmap, orgs)
    if problems and not allow_empty:
        raise SyncRefused("\n".join(problems))
    report.warnings = [problem.removesuffix(ALLOW_EMPTY) for problem in problems]
    return expand(roadmap, orgs)


@dataclass
class _Work:
    """What a reconciliation decided to write."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[str, Any, dict[str, Any]]] = field(default_factory=list)  # (event action, row before, set)
    changes: list[dict[str, Any]] = field(default_factory=list)  # deadline changes, for the moved notices


def _reconcile(
    roadmap: Roadmap, planned: list[PlannedMilestone], existing: dict[Any, Any], report: SyncReport, *, now: datetime
) -> _Work:
    """Planned against stored milestones: what to add, change and retire (counted in the report)."""
    version = report.version
    work = _Work()
    moved_parties: Counter[str] = Counter()
    for m in planned:
        _reconcile_one(m, existing.get(m.key), roadmap.id, version, report, work, moved_parties, now=now)
    plan_numbers = {item.number for item in roadmap.items} | {
        f"{CYCLE_PREFIX}{s.number}" for s in (roadmap.cycle.steps if roadmap.cycle else [])
    }
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
        work.updates.append({"id": row.id, "status": "retired", "retired_version": version, "retired_reason": reason,
                             "updated_version": version})  # fmt: skip
        work.changed.append(("milestone.retired", row, work.updates[-1]))
    report.retired = sum(retire_reasons.values())
    report.retired_reasons = dict(retire_reasons)
    report.moved_parties = dict(moved_parties)
    report.waiting_items = sorted({m.item_number for m in planned if m.waiting}, key=number_key)
    report.total = len(planned)  # retired milestones are history, not current work
    return work


def _reconcile_one(
    m: PlannedMilestone, row: Any, roadmap_id: str, version: int, report: SyncReport, work: _Work,
    moved_parties: Counter[str], *, now: datetime,
) -> None:  # fmt: skip
    """One planned milestone against its stored row (None: a new one)."""
    status = WAITING if m.waiting else "planned"
    if row is None:
        work.inserts.append(_new_row(roadmap_id, m, status, version))
        report.added += 1
        return
    if row.status == "done":
        report.done_kept += 1
        return
    if row.status == "retired":
        work.updates.append(_changed_row(row.id, m, "done" if row.done_at else status, version)
                            | {"retired_version": None, "retired_reason": None})  # fmt: skip
        work.changed.append(("milestone.reactivated", row, work.updates[-1]))
        report.reactivated += 1
        return
    if m.waiting and row.scheduled_at is not None:
        # given a date by `roadmap schedule` while the plan still waits for one: the date stands
        if list(row.responsible) != list(m.responsible) or row.timezone != m.timezone:
            work.updates.append({"id": row.id, "responsible": list(m.responsible), "timezone": m.timezone,
                                 "updated_version": version})  # fmt: skip
            report.updated += 1
        else:
            report.unchanged += 1
        return
    window_moved = (row.window_start, row.window_end) != (m.window_start, m.window_end)
    reassigned = list(row.responsible) != list(m.responsible)
    if not (window_moved or reassigned or row.kind != m.kind or row.timezone != m.timezone):
        report.unchanged += 1
        return
    # a moved window or a change between dated and waiting re-plans the status (the sweep
    # re-derives due/overdue); otherwise the status the sweep gave stays
    replan = window_moved or (row.status == WAITING) != m.waiting
    work.updates.append(_changed_row(row.id, m, status if replan else row.status, version))
    action = "moved" if window_moved else "reassigned" if reassigned else "replanned"
    work.changed.append((f"milestone.{action}", row, work.updates[-1]))
    report.updated += 1
    if window_moved or reassigned:
        report.moved += window_moved
        report.reassigned += reassigned
        work.changes.append({
            "milestone_id": row.id, "version": version, "old_start": row.window_start,
            "old_end": row.window_end, "new_start": m.window_start, "new_end": m.window_end,
            "old_responsible": list(row.responsible), "new_responsible": list(m.responsible),
            "changed_at": now, "notified_at": None,
        })  # fmt: skip
        moved_parties.update(m.responsible)


def _record(
    session: Session, roadmap: Roadmap, report: SyncReport, work: _Work, *, yaml_text: str, source_path: str | None,
    actor: ActorLike, now: datetime, cause: str | None,
) -> None:  # fmt: skip
    """Write the version, the milestone rows and the deadline changes, and append the audit events."""
    _write(session, roadmap, report, yaml_text=yaml_text, source_path=source_path, actor=actor, now=now)
    if work.inserts:
        session.execute(insert(Milestone), work.inserts)
    if work.updates:
        session.execute(update(Milestone), work.updates)
    if work.changes:
        session.execute(insert(DeadlineChange), work.changes)
    events = _roadmap_events(roadmap, report, cause)
    events += [_created(roadmap.id, milestone_id, row)
               for milestone_id, row in _with_ids(session, roadmap.id, work.inserts)]  # fmt: skip
    events += [_changed(roadmap.id, action, row, values) for action, row, values in work.changed]
    append_events(session, events, actor=actor, at=now)


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
    # the plan's own window replaces one given by `roadmap schedule` (the audit chain keeps that one)
    return {
        "id": milestone_id, "kind": m.kind, "window_start": m.window_start, "window_end": m.window_end,
        "timezone": m.timezone, "status": status, "responsible": list(m.responsible), "updated_version": version,
        "scheduled_at": None, "scheduled_by": None, "schedule_text": None,
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


def _roadmap_events(roadmap: Roadmap, report: SyncReport, cause: str | None = None) -> list[NewEvent]:
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
         "moved_parties": report.moved_parties, "retired_reasons": report.retired_reasons,
         "warnings": report.warnings, **({"cause": cause} if cause else {})}, zone,
    ))  # fmt: skip
    return events


def summary_markdown(report: SyncReport) -> str:
    """The sync report as markdown, for the Prefect UI."""
    body = "\n".join(f"    {line}" for line in report.lines())
    return f"## Sync of {report.roadmap_id}, version {report.version}\n\n{body}\n"


# -- the registry changed: re-sync the plans it touches ---------------------------------------------


def fan_out_registry(
    session: Session, report: LoadReport, *, actor: str, now: datetime, dry_run: bool = False
) -> list[str]:
    """Bring every stored roadmap that an organisations load touched in line with the registry, in the load's
    transaction (each re-sync audited as `roadmap.synced` with the load as its cause); lines saying what changed.

    A roadmap is touched when an added or changed organisation lies in its territory now, or had milestones
    of it before (it moved away or was made inactive). An added organisation that no roadmap covers is said.
    `dry_run`: the caller has written the load inside a savepoint it rolls back; nothing is written here.
    """
    changed = set(report.added) | set(report.updated)
    if not changed:
        return []
    stored = session.execute(
        select(col(RoadmapVersion.yaml_text), col(RoadmapVersion.source_path), col(RoadmapRecord.id))
        .join(RoadmapRecord, (col(RoadmapRecord.id) == RoadmapVersion.roadmap_id)
              & (col(RoadmapRecord.current_version) == RoadmapVersion.version))
        .where(col(RoadmapRecord.active).is_(True))
        .order_by(col(RoadmapRecord.id))
    ).all()  # fmt: skip
    if not stored:
        return []
    had = set(session.execute(
        select(col(Milestone.roadmap_id)).where(col(Milestone.org_id).in_(sorted(changed))).distinct()
    ).scalars())  # fmt: skip
    orgs = {org.id: org for org in _active_orgs(session) if org.id in changed}
    everyone = {row.id: row for row in session.execute(
        select(col(Organisation.id), col(Organisation.municipality), col(Organisation.region))
        .where(col(Organisation.id).in_(sorted(changed)))
    )}  # fmt: skip
    covered: set[str] = set()
    lines: list[str] = []
    for yaml_text, source_path, roadmap_id in stored:
        try:
            plan = parse_plan(yaml_text, f"{roadmap_id} (stored)")
        except PlanError:
            lines.append(f"{roadmap_id}: its stored plan no longer validates; re-sync it with `roadmap sync PLAN`")
            continue
        mine = sorted(org_id for org_id, org in orgs.items() if in_territory(plan, org))
        covered.update(mine)
        if not mine and roadmap_id not in had:
            continue
        result = sync_plan(session, roadmap=plan, yaml_text=yaml_text, source_path=source_path, actor=actor, now=now,
                           dry_run=dry_run, allow_empty=True, cause=f"registry load {report.source}")  # fmt: skip
        lines.append(_fan_out_line(roadmap_id, result, mine, dry_run))
        lines += [f"WARNING: {warning}" for warning in result.warnings]
    outside: dict[tuple[str, str], list[str]] = {}
    for org_id in sorted(set(report.added) - covered):
        if org_id in orgs:
            place = everyone[org_id]
            outside.setdefault((place.municipality, place.region), []).append(org_id)
    for (municipality, region), ids in sorted(outside.items()):
        lines.append(f"{', '.join(ids)}: in «{municipality}, {region}», which no roadmap of the store covers")
    return lines


def _fan_out_line(roadmap_id: str, result: SyncReport, orgs: list[str], dry_run: bool) -> str:
    who = f" for {', '.join(orgs)}" if orgs else ""
    counts = {"added": result.added, "updated": result.updated, "retired": result.retired,
              "reactivated": result.reactivated}  # fmt: skip
    done = {verb: n for verb, n in counts.items() if n}
    if not done:
        return f"{roadmap_id}: nothing to change{who}"
    if list(done) == ["added"]:
        if dry_run:
            return f"{roadmap_id}: would add {result.added} milestones{who}"
        return f"{roadmap_id}: added {result.added} milestones{who} (fanned out in this load)"
    what = ", ".join(f"{n} {verb}" for verb, n in done.items())
    return f"{roadmap_id}: milestones{who}: {what}" + (" (dry run)" if dry_run else " (in this load)")
