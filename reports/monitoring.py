"""The monitoring report: one snapshot's verdicts per level, the trend over the plan's years, who is behind,
who has not submitted, and the criteria on their scales.

`build_monitoring_report` reads one snapshot (the latest of a roadmap and year, or one by id) and what
the report needs around it, and returns the view (`monitoring.view.MonitoringReport`), which
the functions below render as HTML, XLSX or Markdown (one self-contained HTML page with SVG trend
charts, a workbook with a sheet per table and a line chart per measure, and Markdown, also the Prefect
artifact) and `write_report` writes atomically. Nothing here reads the clock.

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

import io
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment
from sqlalchemy import and_, func, select
from sqlmodel import Session, col

from models.loader import parse_plan
from models.plan import Roadmap
from models.ru import plural, ru_number
from models.settings import private_folder
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
    CHART_COLOURS,
    EMPTY,
    LEVEL_COLUMNS,
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
from notifications.templating import make_environment
from reports.files import Format, Renderings, ReportError
from reports.files import artifact_key as artifact_name

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


# -- rendering and writing (the contract of reports/files.py) ---------------------------------------

BEHIND_LIMIT = 10  # rows of each level in «Отстающие»; the xlsx lists them all


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = make_environment("reports", empty_date=EMPTY)
    env.filters["md"] = _md_cell
    env.globals["colours"] = CHART_COLOURS
    env.globals["plural"] = plural
    env.filters["num"] = lambda v: EMPTY if v is None else ru_number(v)
    return env


def _md_cell(text: object) -> str:
    # a pipe or a line break would end the table's cell or row; markup from the store must not render
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def render_html(report: MonitoringReport) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG charts; no scripts, nothing fetched)."""
    charts = [t.chart() for t in report.trends]
    return _env().get_template("monitoring.html.j2").render(r=report, charts=charts, limit=BEHIND_LIMIT)


def trend_svgs(report: MonitoringReport) -> list[str]:
    """The report's trend charts alone, as inline SVG (the operator's board shows them)."""
    macro = _env().get_template("charts.svg.j2").module.trend  # type: ignore[attr-defined]
    return [str(macro(t.chart(), CHART_COLOURS)) for t in report.trends]


def render_markdown(report: MonitoringReport, *, limit: int | None = None, full_report: str | None = None) -> str:
    """The report in Markdown; `limit` keeps the first rows of the long tables (the Prefect artifact)."""
    rows = report.below if limit is None else report.below[:limit]
    return _env().get_template("monitoring.md.j2").render(
        r=report, rows=rows, more=len(report.below) - len(rows), full_report=full_report,
        behind_limit=BEHIND_LIMIT if limit is not None else None,
    )  # fmt: skip


def _cell(ws: Any, value: Any, *, bold: bool = False, fill: str | None = None, wrap: bool = False) -> Any:
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]

    cell = WriteOnlyCell(ws, value=value)
    if bold:
        cell.font = Font(bold=True)
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)
    if wrap or (isinstance(value, str) and len(value) > 40):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


FILLS = {"met": "C8E6C9", "within": "FFF3C4", "missed": "FFCDD2", "none": "ECEFF1", "info": None}
HEAD_FILL = "DDE5F0"


def _sheet(wb: Any, title: str, header: Iterable[str], rows: Iterable[Iterable[Any]], widths: Iterable[int],
           fills: Iterable[str | None] | None = None) -> Any:  # fmt: skip
    """A sheet with a bold frozen header and filters over its rows; `fills` colours each row's last cells."""
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    heads = list(header)
    table = [list(r) for r in rows]
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{len(table) + 1}"
    ws.append([_cell(ws, h, bold=True, fill=HEAD_FILL, wrap=True) for h in heads])
    for row, fill in zip(table, fills if fills is not None else [None] * len(table), strict=True):
        ws.append([_cell(ws, v, fill=fill if i == len(row) - 1 else None) for i, v in enumerate(row)])
    return ws


def render_xlsx(report: MonitoringReport) -> bytes:
    """The report as a workbook: «Сводка», «Показатели» (territory), «По уровням», «Динамика» with a line
    chart per measure, «Отстающие», «Не представлено» (frozen headers, filters, numbers as numbers)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.chart import LineChart, Reference  # type: ignore[import-untyped]
    from openpyxl.chart.series import SeriesLabel  # type: ignore[import-untyped]

    wb = Workbook(write_only=True)
    summary = wb.create_sheet("Сводка")
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 90
    summary.append([_cell(summary, "Отчёт о мониторинге реализации дорожной карты", bold=True)])
    for label, value in (
        ("Дорожная карта", f"{report.roadmap_id}: {report.roadmap_title}"), ("Территория", report.territory),
        ("Год", report.year), ("Снимок мониторинга", f"№ {report.snapshot_id} (запуск {report.run} за год)"),
        ("Снимок сделан", f"{report.taken_text}, {report.taken_by}"), ("Версия плана", report.plan_version),
        ("Загрузки сведений", ", ".join(map(str, report.load_ids)) or EMPTY),
        ("Итоги по территории", report.counts_text()),
    ):  # fmt: skip
        summary.append([_cell(summary, label, bold=True), _cell(summary, value)])
    if report.history:
        summary.append(
            [_cell(summary, "Журнал аудита", bold=True), _cell(summary, report.history, bold=not report.history_ok)]
        )
    if report.newer_loads:
        loads = ", ".join(map(str, report.newer_loads))
        note = f"после снимка загружены новые сведения (загрузки {loads}); они в отчёт не вошли"
        summary.append([_cell(summary, "Внимание", bold=True), _cell(summary, note)])

    territory = [(r.address, r.name, r.unit or None, r.target, _num(r.actual) if r.kind != "criterion" else None,
                  _num(r.deviation), r.basis_ru, _num(r.submitted), _num(r.computed), r.verdict_text)
                 for r in report.territory_rows]  # fmt: skip
    _sheet(wb, "Показатели", ("Код", "Показатель", "Ед.", "Цель", "Факт", "Отклонение", "Основание", "Представлено",
                              "Вычислено", "Оценка"), territory, (18, 70, 6, 10, 10, 12, 22, 13, 12, 44),
           [FILLS[r.css] for r in report.territory_rows])  # fmt: skip
    _sheet(wb, "По уровням", LEVEL_COLUMNS, [r.values() for r in report.below],
           (14, 44, 28, 18, 50, 6, 11, 12, 10, 8, 11, 40, 22, 13, 12), None)  # fmt: skip

    trend_sheet = wb.create_sheet("Динамика")
    trend_sheet.column_dimensions["A"].width = 18
    trend_sheet.append([_cell(trend_sheet, v, bold=True, fill=HEAD_FILL) for v in ("Код", "Год", "Цель", "Факт",
                                                                                    "Источник")])  # fmt: skip
    row_no, charts = 2, []
    for t in report.trends:
        first = row_no
        for p in t.points:
            source = f"снимок № {p.snapshot_id}" if p.source == "snapshot" else (
                "по текущим данным" if p.source == "live" else None)  # fmt: skip
            trend_sheet.append([t.address, p.year, p.target, _num(p.actual), source])
            row_no += 1
        charts.append((t, first, row_no - 1))
    for i, (t, first, last) in enumerate(charts):
        chart = LineChart()
        chart.title = f"{t.address}: цель и факт"
        chart.y_axis.title = "%" if t.unit == "%" else t.unit
        chart.height, chart.width = 6.5, 13
        data = Reference(trend_sheet, min_col=3, max_col=4, min_row=first, max_row=last)
        chart.add_data(data, titles_from_data=False)
        chart.set_categories(Reference(trend_sheet, min_col=2, min_row=first, max_row=last))
        chart.series[0].tx = SeriesLabel(v="Цель")
        chart.series[1].tx = SeriesLabel(v="Факт")
        chart.series[0].graphicalProperties.line.solidFill = CHART_COLOURS["target"][1:]
        chart.series[0].graphicalProperties.line.dashStyle = "dash"
        chart.series[1].graphicalProperties.line.solidFill = CHART_COLOURS["actual"][1:]
        trend_sheet.add_chart(chart, f"G{2 + i * 14}")

    _sheet(wb, "Отстающие", ("Уровень", "Муниципалитет / организация", "Муниципалитет", "Отставаний",
                             "Отставание по долям, п.п.", "Где"),
           [(g.level_ru, g.scope_name, g.municipality if g.level == "organisation" else None, g.count,
             round(g.points_behind, 2), g.text) for g in report.laggards], (14, 44, 28, 11, 14, 100))  # fmt: skip
    _sheet(wb, "Не представлено", ("Уровень", "Муниципалитет / организация", "Муниципалитет", "Коды", "Показатели"),
           [(s.level_ru, s.scope_name, s.municipality, ", ".join(s.measures), "; ".join(s.names))
            for s in report.missing], (14, 44, 28, 40, 100))  # fmt: skip
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


RENDERINGS: Renderings[MonitoringReport] = Renderings(render_html, render_markdown, render_xlsx)


def render(report: MonitoringReport, fmt: Format) -> bytes:
    """The report in html, xlsx or md, as the bytes of the file."""
    return RENDERINGS.render(report, fmt)


def write_report(report: MonitoringReport, *, fmt: Format, path: str | Path) -> Path:
    """Render the report and write it to `path` atomically; returns the path written."""
    return RENDERINGS.write(report, fmt=fmt, path=path)


REPORT_FORMATS: tuple[Format, ...] = ("html", "xlsx")  # what the monitor flow writes for each snapshot


def report_file(folder: str | Path, *, roadmap_id: str, year: int, snapshot_id: int, fmt: str) -> Path:
    """Where the monitor flow keeps a snapshot's report: one file per snapshot and format, never replaced."""
    return Path(folder) / f"monitoring-{roadmap_id}-{year}-snapshot-{snapshot_id}.{fmt}"


def report_folder(folder: str | Path) -> Path:
    """The folder for the monitor flow's report files, made if missing; ReportError when it cannot be used.

    Checked before a snapshot is taken, so that a run never records a snapshot it cannot write the report of.
    """
    path = Path(folder)
    try:
        private_folder(path)
    except OSError as exc:
        raise ReportError(f"--report-dir: cannot use «{path}» for the report files: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ReportError(f"--report-dir: cannot write the report files into «{path}»: the folder is not writable")
    return path


def write_files(
    report: MonitoringReport, *, folder: str | Path, formats: Iterable[Format] = REPORT_FORMATS
) -> list[Path]:
    """Write the report in each format into `folder` (made if missing) under `report_file` names."""
    report_folder(folder)
    return [
        write_report(report, fmt=fmt, path=report_file(folder, roadmap_id=report.roadmap_id, year=report.year,
                                                       snapshot_id=report.snapshot_id, fmt=fmt))
        for fmt in formats
    ]  # fmt: skip


def artifact_key(report: MonitoringReport) -> str:
    """A Prefect artifact key (lowercase letters, digits, dashes) naming the roadmap and year."""
    return artifact_name(f"monitoring-report-{report.roadmap_id}-{report.year}")
