"""Monitoring snapshots: record a run's results (append-only), summarise them, read them back for reports.

`take_snapshot` evaluates a roadmap for a year (monitoring/evaluate.py) and writes a `monitoring_snapshot`
row (plan version, the loads whose figures it used, a JSON summary) with one `monitoring_result` row per
measure, level and scope, and one audit event (`monitoring.snapshot`). Snapshots are never updated or
deleted: a re-run after corrected figures is a new snapshot, and the earlier one still says what was
known then. `SnapshotView` is what a report reads: a snapshot with its results, needing neither the plan
nor the current figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import Session, col

from audit.chain import ActorLike, identify, record_event
from models.plan import Roadmap
from models.store import MonitoringResult, MonitoringSnapshot
from monitoring.evaluate import evaluate, monitoring_year, require_measures, stored_plan
from monitoring.measures import measure_address, ru_number
from monitoring.view import ResultLine

HEADLINE_VERDICTS = ("met", "within", "missed", "no-data", "no-target")


# -- the snapshot ----------------------------------------------------------------------------------


@dataclass
class SnapshotReport:
    """What one monitoring run recorded; `summary` is also stored on the snapshot."""

    snapshot_id: int
    summary: dict[str, Any]
    rows: list[dict[str, Any]]

    def lines(self) -> list[str]:
        return summary_lines(self.summary)


def take_snapshot(
    session: Session, *, roadmap_id: str, year: int | None, now: datetime, actor: ActorLike
) -> SnapshotReport:
    """Evaluate the roadmap for the year and record a new snapshot with its results and one audit event."""
    plan, version = stored_plan(session, roadmap_id)
    require_measures(session, plan, version)
    year = monitoring_year(plan, year, now)
    rows, load_ids = evaluate(session, plan, year)
    snapshot = MonitoringSnapshot(roadmap_id=plan.id, year=year, taken_at=now, taken_by=identify(actor)[0],
                                  plan_version=version, load_ids=load_ids, summary={})  # fmt: skip
    session.add(snapshot)
    session.flush()
    assert snapshot.id is not None
    if rows:
        session.execute(insert(MonitoringResult), [{**r, "snapshot_id": snapshot.id} for r in rows])
    runs = session.execute(
        select(func.count()).select_from(MonitoringSnapshot)
        .where(col(MonitoringSnapshot.roadmap_id) == plan.id, col(MonitoringSnapshot.year) == year)
    ).scalar_one()  # fmt: skip
    summary = summarise(plan, snapshot, rows, run=runs)
    snapshot.summary = summary
    session.add(snapshot)
    record_event(
        session, actor=actor, action="monitoring.snapshot", subject=f"roadmap/{plan.id}", timezone=plan.timezone,
        at=now, payload={"snapshot_id": snapshot.id, "year": year, "plan_version": version, "load_ids": load_ids,
                         "counts": summary["counts"], "differences": len(summary["differences"])},
    )  # fmt: skip
    return SnapshotReport(snapshot.id, summary, rows)


def _address(row: dict[str, Any]) -> str:
    return measure_address(row["kind"], row["key"])


def summarise(plan: Roadmap, snapshot: MonitoringSnapshot, rows: list[dict[str, Any]], *, run: int) -> dict[str, Any]:
    """The headline of a snapshot (JSON): the territory's verdicts, criteria scores and where figures differ."""
    top = [r for r in rows if r["level"] == plan.level]
    counts = Counter(r["verdict"] for r in top if r["kind"] != "criterion")
    keep = ("kind", "key", "name", "unit", "target", "actual", "computed", "submitted", "basis", "verdict",
            "verdict_text", "deviation", "score")  # fmt: skip
    return {
        "snapshot_id": snapshot.id, "roadmap": plan.id, "title": plan.title, "year": snapshot.year, "run": run,
        "taken_at": snapshot.taken_at.isoformat(), "taken_by": snapshot.taken_by,
        "plan_version": snapshot.plan_version, "load_ids": list(snapshot.load_ids), "level": plan.level,
        "territory": plan.territory.municipality or plan.territory.region,
        "counts": {v: counts.get(v, 0) for v in HEADLINE_VERDICTS},
        "headline": [{"address": _address(r), **{k: r[k] for k in keep}, "differs": bool(r["detail"].get("differs"))}
                     for r in top],
        "differences": [{"address": _address(r), "level": r["level"], "scope": r["scope"],
                         "submitted": r["submitted"], "computed": r["computed"]}
                        for r in rows if r["detail"].get("differs")],
    }  # fmt: skip


def _figure(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{ru_number(value)}{' %' if unit == '%' else (' ' + unit if unit else '')}"


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The snapshot's headline as the CLI prints it (figures and verdicts in Russian)."""
    loads = ", ".join(map(str, summary["load_ids"])) or "none"
    c = summary["counts"]
    out = [
        f"{summary['roadmap']}, {summary['year']}: snapshot {summary['snapshot_id']} (run {summary['run']} for "
        f"{summary['year']}), plan version {summary['plan_version']}, figures of loads {loads}",
        f"  {summary['territory']}: выполнено {c['met']}, в пределах допуска {c['within']}, не выполнено "
        f"{c['missed']}, нет данных {c['no-data']}" + (f", без цели {c['no-target']}" if c["no-target"] else ""),
    ]  # fmt: skip
    for h in summary["headline"]:
        name = h["name"] if len(h["name"]) <= 70 else h["name"][:69] + "…"
        if h["kind"] == "criterion":
            out.append(f"  {h['address']}: {h['verdict_text']}")
        else:
            target, actual = _figure(h["target"], h["unit"]), _figure(h["actual"], h["unit"])
            out.append(f"  {h['address']}: цель {target}, факт {actual} — {h['verdict_text']}")
        out.append(f"      {name}")
        if h["differs"]:
            out.append(f"      представлено {_figure(h['submitted'], h['unit'])}, вычислено по отметкам о выполнении "
                       f"{_figure(h['computed'], h['unit'])}: расхождение, оценка по представленному")  # fmt: skip
    lower = [d for d in summary["differences"] if d["level"] != summary["level"]]
    if lower:
        out.append(f"  submitted and computed figures also differ in {len(lower)} municipalities or organisations")
    return out


def summary_markdown(summary: dict[str, Any]) -> str:
    """The headline as markdown, for the Prefect artifact."""
    head = f"## Monitoring of {summary['roadmap']}, {summary['year']} (snapshot {summary['snapshot_id']})\n\n"
    table = ["| measure | target | actual | verdict |", "|---|---|---|---|"]
    for h in summary["headline"]:
        target = "" if h["kind"] == "criterion" else _figure(h["target"], h["unit"])
        table.append(f"| {h['address']} | {target} | {_figure(h['actual'], h['unit'])} | {h['verdict_text']} |")
    return head + "\n".join(summary_lines(summary)[:2]) + "\n\n" + "\n".join(table) + "\n"


# -- the view a report reads -----------------------------------------------------------------------


def result_line(r: MonitoringResult, municipality: str = "") -> ResultLine:
    """A stored result row as the one row type reports read (the municipality is the report's to fill in)."""
    computed = r.detail.get("computed") or {}
    return ResultLine(
        address=measure_address(r.kind, r.key), kind=r.kind, key=r.key, name=r.name, unit=r.unit, level=r.level,
        scope=r.scope, scope_name=r.scope_name, municipality=municipality, target=r.target, actual=r.actual,
        numerator=r.numerator, denominator=r.denominator, computed=r.computed, submitted=r.submitted, basis=r.basis,
        verdict=r.verdict, verdict_text=r.verdict_text, deviation=r.deviation, score=r.score,
        differs=bool(r.detail.get("differs")), done=computed.get("done"), of=computed.get("of"),
        detail=dict(r.detail),
    )  # fmt: skip


@dataclass(frozen=True)
class SnapshotView:
    """A stored snapshot with its results, independent of the plan and of later loads (for reports)."""

    id: int
    roadmap_id: str
    year: int
    taken_at: datetime
    taken_by: str
    plan_version: int
    load_ids: tuple[int, ...]
    summary: dict[str, Any]
    results: tuple[ResultLine, ...]

    def at_level(self, level: str) -> list[ResultLine]:
        return [r for r in self.results if r.level == level]

    def territory(self) -> list[ResultLine]:
        return self.at_level(self.summary["level"])

    def of(self, kind: str, key: str) -> list[ResultLine]:
        return [r for r in self.results if r.kind == kind and r.key == key]


def snapshot_view(
    session: Session, *, snapshot_id: int | None = None, roadmap_id: str | None = None, year: int | None = None
) -> SnapshotView | None:
    """A snapshot by id, or the latest of a roadmap (and year); None when there is none."""
    query = select(MonitoringSnapshot).order_by(col(MonitoringSnapshot.id).desc()).limit(1)
    if snapshot_id is not None:
        query = query.where(col(MonitoringSnapshot.id) == snapshot_id)
    if roadmap_id is not None:
        query = query.where(col(MonitoringSnapshot.roadmap_id) == roadmap_id)
    if year is not None:
        query = query.where(col(MonitoringSnapshot.year) == year)
    snapshot = session.execute(query).scalars().first()
    if snapshot is None:
        return None
    results = session.execute(
        select(MonitoringResult)
        .where(col(MonitoringResult.snapshot_id) == snapshot.id)
        .order_by(col(MonitoringResult.id))
    ).scalars()  # fmt: skip
    return SnapshotView(
        id=snapshot.id or 0, roadmap_id=snapshot.roadmap_id, year=snapshot.year, taken_at=snapshot.taken_at,
        taken_by=snapshot.taken_by, plan_version=snapshot.plan_version, load_ids=tuple(snapshot.load_ids),
        summary=dict(snapshot.summary),
        results=tuple(result_line(r) for r in results),
    )  # fmt: skip


SNAPSHOT_COLUMNS = ("id", "roadmap", "year", "run", "taken_at", "taken_by", "plan_version", "loads", "met", "within",
                    "missed", "no_data")  # fmt: skip


def list_snapshots(session: Session, *, roadmap_id: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """Every snapshot (of a roadmap, of a year), oldest first, with its headline counts: the monitoring's history."""
    query = select(MonitoringSnapshot).order_by(col(MonitoringSnapshot.id))
    if roadmap_id is not None:
        query = query.where(col(MonitoringSnapshot.roadmap_id) == roadmap_id)
    if year is not None:
        query = query.where(col(MonitoringSnapshot.year) == year)
    out = []
    for s in session.execute(query).scalars():
        counts = s.summary.get("counts", {})
        out.append({
            "id": s.id, "roadmap": s.roadmap_id, "year": s.year, "run": s.summary.get("run"),
            "taken_at": s.summary.get("taken_at") or s.taken_at.isoformat(), "taken_by": s.taken_by,
            "plan_version": s.plan_version, "loads": " ".join(map(str, s.load_ids)), "met": counts.get("met", 0),
            "within": counts.get("within", 0), "missed": counts.get("missed", 0), "no_data": counts.get("no-data", 0),
        })  # fmt: skip
    return out
