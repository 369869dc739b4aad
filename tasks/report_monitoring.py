"""The monitoring report: one snapshot's verdicts per level, the trend over the plan's years, who is behind,
who has not submitted, and the criteria on their scales.

`build_monitoring_report` reads one snapshot (the latest of a roadmap and year, or one by id) and what
the report needs around it, and returns the view (`monitoring.view.MonitoringReport`), which
tasks/render_monitoring.py renders as HTML, XLSX or Markdown. Nothing here reads the clock.

- **Trend.** For every measure with targets, each year of the plan: the target of the snapshot's plan
  version, and the actual figure of the latest snapshot of that year; a year before the report's with
  no snapshot is evaluated from the current figures and marked so («по текущим данным»); later years
  show the target only.
- **Furthest behind.** Municipalities and organisations with the most shortfalls: a share below its
  target at their level, or an item they have not done (the done milestones counted by the monitoring).
  Ties go to the larger sum of percentage points behind.
- **Missing submissions.** A measure's figures are expected from the lowest level that has ever
  submitted them for the roadmap (any year, superseded or not): every organisation the roadmap is
  fanned out to, or every municipality of the territory. An organisation whose УО gave its
  municipality's figure is not missing; a measure nobody below the territory ever submitted (or that
  is computed from milestones only) expects nothing from below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import and_, func, select
from sqlmodel import Session, col

from models.loader import parse_plan
from models.plan import Roadmap
from models.store import (
    IndicatorLoad,
    IndicatorValue,
    Milestone,
    MonitoringResult,
    MonitoringSnapshot,
    Organisation,
    RoadmapRecord,
    RoadmapVersion,
)
from monitoring.evaluate import evaluate
from monitoring.measures import Measure, measure_address, measures, valid_years
from monitoring.snapshots import SnapshotView, snapshot_view
from monitoring.view import (
    Laggard,
    Measured,
    MissingSubmission,
    MonitoringReport,
    ResultLine,
    Trend,
    TrendPoint,
    deviation_text,
    figure,
)
from tasks.report_audit import ReportError

HEADLINE = ("met", "within", "missed", "no-data", "no-target")
SHORT_PREFIX = {"indicator": "", "item": "", "criterion": "Кр. "}


# -- building the view -----------------------------------------------------------------------------


def _check_roadmap(session: Session, roadmap_id: str) -> RoadmapRecord:
    record = session.get(RoadmapRecord, roadmap_id)
    if record is None:
        known = session.execute(select(col(RoadmapRecord.id)).order_by(col(RoadmapRecord.id))).scalars().all()
        holds = f"the store holds: {', '.join(known)}" if known else "the store holds none: load one with roadmap sync"
        raise ReportError(f"--roadmap: unknown roadmap «{roadmap_id}»; {holds}")
    return record


def _snapshot(session: Session, roadmap_id: str, year: int | None, snapshot_id: int | None) -> SnapshotView:
    view = snapshot_view(session, snapshot_id=snapshot_id, roadmap_id=roadmap_id, year=year)
    if view is not None:
        return view
    taken: dict[int, list[int]] = defaultdict(list)
    for y, i in session.execute(
        select(col(MonitoringSnapshot.year), col(MonitoringSnapshot.id))
        .where(col(MonitoringSnapshot.roadmap_id) == roadmap_id)
        .order_by(col(MonitoringSnapshot.year), col(MonitoringSnapshot.id))
    ):  # fmt: skip
        taken[y].append(i)
    held = "; ".join(f"{y}: {', '.join(map(str, ids))}" for y, ids in taken.items())
    held = f"its snapshots by year: {held}" if taken else "it has no snapshot yet"
    if snapshot_id is not None:
        what = f"--snapshot: no snapshot {snapshot_id} of {roadmap_id}" + (f" for {year}" if year else "")
        raise ReportError(f"{what}; {held}")
    raise ReportError(f"no monitoring snapshot of {roadmap_id} for {year} ({held}): run "
                      f"`roadmap monitor --roadmap {roadmap_id} --year {year}` first")  # fmt: skip


def _plan_of(session: Session, roadmap_id: str, version: int) -> Roadmap:
    text = session.execute(
        select(col(RoadmapVersion.yaml_text))
        .where(col(RoadmapVersion.roadmap_id) == roadmap_id, col(RoadmapVersion.version) == version)
    ).scalar_one()  # fmt: skip
    return parse_plan(text, f"{roadmap_id} version {version} (stored)")


def _orgs(session: Session, region: str) -> dict[str, tuple[str, str, str, bool]]:
    """Every organisation of the territory's region: id -> (name, municipality, kind, active)."""
    o = Organisation
    query = select(col(o.id), col(o.name), col(o.municipality), col(o.kind), col(o.active)).where(
        col(o.region) == region
    )
    return {row[0]: (row[1], row[2], row[3], bool(row[4])) for row in session.execute(query)}


def _measured(m: Measure, criterion_numbers: dict[str, str]) -> Measured:
    short = m.key if m.kind != "criterion" else SHORT_PREFIX["criterion"] + criterion_numbers.get(m.key, m.key)
    return Measured(m.address, m.kind, m.name, m.unit, short)


def _trends(session: Session, plan: Roadmap, snapshot: SnapshotView, lines: list[ResultLine]) -> list[Trend]:
    """Each measure with targets over the plan's years (see the module docstring)."""
    with_targets = [m for m in measures(plan) if m.targets and m.kind != "criterion"]
    if not with_targets:
        return []
    years = sorted(set(valid_years(plan)) | {y for m in with_targets for y in m.targets})
    latest = dict(
        session.execute(
            select(col(MonitoringSnapshot.year), func.max(col(MonitoringSnapshot.id)))
            .where(col(MonitoringSnapshot.roadmap_id) == plan.id, col(MonitoringSnapshot.year).in_(years))
            .group_by(col(MonitoringSnapshot.year))
        ).tuples().all()
    )  # fmt: skip
    latest[snapshot.year] = snapshot.id
    recorded: dict[tuple[int, str], tuple[float | None, str, int]] = {}
    others = [i for y, i in latest.items() if y != snapshot.year]
    if others:
        mr = MonitoringResult
        query = (
            select(col(mr.snapshot_id), col(mr.kind), col(mr.key), col(mr.actual), col(mr.verdict_text),
                   col(MonitoringSnapshot.year))
            .join(MonitoringSnapshot, col(MonitoringSnapshot.id) == col(mr.snapshot_id))
            .where(col(mr.snapshot_id).in_(others), col(mr.level) == plan.level)
        )  # fmt: skip
        for sid, kind, key, actual, verdict_text, year in session.execute(query):
            recorded[(year, measure_address(kind, key))] = (actual, verdict_text, sid)
    for line in lines:
        recorded[(snapshot.year, line.address)] = (line.actual, line.verdict_text, snapshot.id)
    live: dict[tuple[int, str], tuple[float | None, str]] = {}
    for year in years:
        if year < snapshot.year and year not in latest:
            rows, _ = evaluate(session, plan, year)
            for r in rows:
                if r["level"] == plan.level:
                    live[(year, measure_address(r["kind"], r["key"]))] = (r["actual"], r["verdict_text"])
    out = []
    for m in with_targets:
        points = []
        for year in years:
            target = m.targets.get(year)
            if (year, m.address) in recorded:
                actual, verdict_text, sid = recorded[(year, m.address)]
                points.append(TrendPoint(year, target, actual, "snapshot", sid, verdict_text))
            elif (year, m.address) in live:
                actual, verdict_text = live[(year, m.address)]
                points.append(TrendPoint(year, target, actual, "live", None, verdict_text))
            else:
                points.append(TrendPoint(year, target, None, ""))
        out.append(Trend(m.address, m.name, m.unit, tuple(points)))
    return out


def _laggards(below: Iterable[ResultLine]) -> list[Laggard]:
    """Scopes below the territory behind on a share's target or with an item not done: municipalities, then
    organisations, each with the most shortfalls first."""
    found: dict[tuple[str, str], list[ResultLine]] = defaultdict(list)
    heads: dict[tuple[str, str], ResultLine] = {}
    for r in below:
        if r.kind == "criterion":
            continue
        judged_short = r.verdict in ("missed", "within")
        not_done = r.kind == "item" and r.submitted is None and r.done is not None and r.of and r.done < r.of
        if judged_short or not_done:
            found[(r.level, r.scope)].append(r)
            heads[(r.level, r.scope)] = r
    out = []
    for key, rows in found.items():
        short, undone, points = [], [], 0.0
        for r in rows:
            if r.verdict in ("missed", "within"):
                short.append(f"{r.address}: {figure(r.actual, r.unit)} при цели {figure(r.target, r.unit)} "
                             f"({deviation_text(r.deviation, r.unit)})")  # fmt: skip
                points += -(r.deviation or 0.0) if r.unit == "%" else 0.0
            else:
                number = r.address.removeprefix("item:")
                undone.append(number + (f" ({r.done} из {r.of})" if (r.of or 0) > 1 else ""))
        head = heads[key]
        out.append(Laggard(head.level, head.scope, head.scope_name, head.municipality, tuple(short), tuple(undone),
                           points))  # fmt: skip
    out.sort(key=lambda g: (g.level != "municipality", -g.count, -g.points_behind, g.municipality, g.scope_name))
    return out


def _expected_levels(session: Session, roadmap_id: str) -> dict[str, str]:
    """Per measure address, the lowest level that has ever submitted figures for it below the territory."""
    iv = IndicatorValue
    query = (
        select(col(iv.kind), col(iv.key), col(iv.level), col(iv.org_id))
        .where(col(iv.roadmap_id) == roadmap_id, col(iv.org_id) != "")
        .distinct()
    )
    out: dict[str, str] = {}
    for kind, key, level, _org in session.execute(query):
        address = measure_address(kind, key)
        if level == "organisation" or out.get(address) != "organisation":
            out[address] = "organisation" if level == "organisation" else out.get(address, level)
    return out


def _fanned_out(session: Session, roadmap_id: str) -> set[str]:
    query = select(col(Milestone.org_id)).where(
        col(Milestone.roadmap_id) == roadmap_id, col(Milestone.org_id) != "", col(Milestone.status) != "retired"
    )
    return set(session.execute(query.distinct()).scalars())


def _missing(
    plan: Roadmap, report_measures: list[Measured], expected: dict[str, str], lines: list[ResultLine],
    orgs: dict[str, tuple[str, str, str, bool]], fanned: set[str],
) -> list[MissingSubmission]:  # fmt: skip
    """Who was expected to submit what for the year and did not (see the module docstring)."""
    given = {(r.level, r.scope, r.address) for r in lines if r.submitted is not None or r.score is not None}
    by_uo = {(r.scope, r.address) for r in lines if r.level == "municipality" and r.basis == "submitted"}
    regional = plan.level == "region"
    if plan.territory.municipality:
        orgs = {k: v for k, v in orgs.items() if v[1] == plan.territory.municipality}
    schools = sorted((o for o in fanned if o in orgs and orgs[o][2] != "УО" and orgs[o][3]),
                     key=lambda o: (orgs[o][1], orgs[o][0]))  # fmt: skip
    uo_names: dict[str, str] = {}
    for name, municipality, kind, active in orgs.values():
        if kind == "УО" and active:
            uo_names.setdefault(municipality, name)
    municipalities = sorted(set(uo_names) | {orgs[o][1] for o in schools})
    wanted: dict[tuple[str, str], list[Measured]] = defaultdict(list)
    for m in report_measures:
        level = expected.get(m.address)
        if level == "organisation":
            for o in schools:
                if ("organisation", o, m.address) not in given and (orgs[o][1], m.address) not in by_uo:
                    wanted[("organisation", o)].append(m)
        elif level == "municipality" and regional:
            for muni in municipalities:
                if ("municipality", muni, m.address) not in given:
                    wanted[("municipality", muni)].append(m)
    out = []
    for (level, scope), ms in wanted.items():
        if level == "organisation":
            name, municipality = orgs[scope][0], orgs[scope][1]
        else:
            name, municipality = (f"{scope} ({uo_names[scope]})" if scope in uo_names else scope), scope
        out.append(MissingSubmission(level, scope, name, municipality, tuple(m.address for m in ms),
                                     tuple(m.name for m in ms)))  # fmt: skip
    out.sort(key=lambda s: (s.municipality, s.level != "municipality", s.scope_name))
    return out


def _newer_loads(session: Session, snapshot: SnapshotView) -> tuple[int, ...]:
    """Loads of figures for the snapshot's roadmap and year made after it was taken."""
    query = (
        select(col(IndicatorLoad.id), col(IndicatorLoad.loaded_at))
        .join(IndicatorValue, col(IndicatorValue.load_id) == col(IndicatorLoad.id))
        .where(and_(col(IndicatorValue.roadmap_id) == snapshot.roadmap_id, col(IndicatorValue.year) == snapshot.year))
        .distinct()
    )  # fmt: skip
    taken = _utc(snapshot.taken_at)
    return tuple(sorted(i for i, at in session.execute(query) if i not in snapshot.load_ids and _utc(at) > taken))


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the store writes UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_monitoring_report(
    session: Session, *, roadmap_id: str, year: int | None = None, snapshot_id: int | None = None
) -> MonitoringReport:
    """The report of the latest snapshot of a roadmap and year (or of one snapshot by id).

    Raises ReportError naming the fix: an unknown roadmap (the known ones listed), no snapshot yet
    (the `roadmap monitor` command to run), an unknown snapshot id.
    """
    record = _check_roadmap(session, roadmap_id)
    snapshot = _snapshot(session, roadmap_id, year, snapshot_id)
    plan = _plan_of(session, roadmap_id, snapshot.plan_version)
    orgs = _orgs(session, plan.territory.region)

    def municipality(r: ResultLine) -> str:
        if r.level == "organisation":
            return orgs[r.scope][1] if r.scope in orgs else ""
        return r.scope if r.level == "municipality" else ""

    lines = [replace(r, municipality=municipality(r)) for r in snapshot.results]
    numbers = {c.id: c.number or c.id for c in plan.criteria}
    report_measures = [_measured(m, numbers) for m in measures(plan)]
    order = {m.address: i for i, m in enumerate(report_measures)}
    lines.sort(key=lambda r: order.get(r.address, len(order)))
    top = [r for r in lines if r.level == plan.level]
    below = [r for r in lines if r.level != plan.level]
    expected = _expected_levels(session, roadmap_id)
    summary = snapshot.summary
    return MonitoringReport(
        roadmap_id=roadmap_id, roadmap_title=record.title, territory=summary.get("territory", ""), level=plan.level,
        timezone=plan.timezone, year=snapshot.year, snapshot_id=snapshot.id, run=int(summary.get("run", 1)),
        taken_at=_utc(snapshot.taken_at), taken_by=snapshot.taken_by, plan_version=snapshot.plan_version,
        load_ids=snapshot.load_ids, newer_loads=_newer_loads(session, snapshot), measures=report_measures,
        territory_rows=top, municipality_rows=[r for r in below if r.level == "municipality"],
        organisation_rows=[r for r in below if r.level == "organisation"],
        trends=_trends(session, plan, snapshot, top), laggards=_laggards(below),
        missing=_missing(plan, report_measures, expected, lines, orgs, _fanned_out(session, roadmap_id)),
        expected=expected, counts={v: int(summary.get("counts", {}).get(v, 0)) for v in HEADLINE},
    )  # fmt: skip


def summary_lines(report: MonitoringReport) -> list[str]:
    """The operator's summary on the terminal (English, like the other commands)."""
    c = report.counts
    out = [
        f"{report.roadmap_id}, {report.year}: snapshot {report.snapshot_id} (run {report.run}), "
        f"{len(report.judged)} measures with targets, {len(report.criteria)} criteria",
        f"  met {c['met']}, within tolerance {c['within']}, missed {c['missed']}, no data {c['no-data']}"
        + (f", no target {c['no-target']}" if c["no-target"] else ""),
        f"  behind: {sum(g.level == 'municipality' for g in report.laggards)} municipalities, "
        f"{sum(g.level == 'organisation' for g in report.laggards)} organisations; missing submissions: "
        f"{len(report.missing)}",
    ]
    if report.newer_loads:
        loads = ", ".join(map(str, report.newer_loads))
        out.append(f"  note: figures loaded after the snapshot (loads {loads}) are not in it: run roadmap monitor "
                   f"--roadmap {report.roadmap_id} --year {report.year} for a new one")  # fmt: skip
    return out
