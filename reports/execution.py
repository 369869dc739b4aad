"""The execution report: what was done, by whom, when, on what evidence, under which version of the plan.

`build_execution_report` reads one roadmap (optionally one organisation) in one pass and returns the
view (`reports.execution_view.ExecutionReport`); `render_html`, `render_xlsx` and `render_markdown` render that same
view, and `write_report` writes a rendering atomically (a temporary file renamed into place, so a
reader never finds half a report). The report's date is passed in: nothing here reads the clock.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy import and_, select
from sqlmodel import Session, col

from models.ru import plural
from models.store import Milestone, Organisation, PlanItem, RoadmapRecord, RoadmapVersion
from notifications.templating import make_environment
from reports.execution_view import (
    COLUMNS,
    EMPTY,
    STATUS_RU,
    WHOLE_ROADMAP,
    ExecutionReport,
    ExecutionRow,
    Timeline,
    VersionLine,
    build_timeline,
    count_rows,
    judge,
    retired_reason_ru,
)
from reports.files import Format, Renderings, ReportError
from reports.files import artifact_key as artifact_name
from tasks.status import effective_status


def roadmap_today(session: Session, *, roadmap_id: str, now: datetime) -> date:
    """Today's date in the roadmap's time zone (the report's default date)."""
    record = session.get(RoadmapRecord, roadmap_id)
    zone = ZoneInfo(record.timezone) if record else UTC
    return (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(zone).date()


def _check_scope(session: Session, roadmap_id: str, org_id: str | None) -> tuple[RoadmapRecord, str | None]:
    record = session.get(RoadmapRecord, roadmap_id)
    if record is None:
        known = session.execute(select(col(RoadmapRecord.id)).order_by(col(RoadmapRecord.id))).scalars().all()
        holds = f"the store holds: {', '.join(known)}" if known else "the store holds none: load one with roadmap sync"
        raise ReportError(f"--roadmap: unknown roadmap «{roadmap_id}»; {holds}")
    if org_id is None:
        return record, None
    orgs = (
        session.execute(
            select(col(Milestone.org_id))
            .where(col(Milestone.roadmap_id) == roadmap_id, col(Milestone.org_id) != "")
            .distinct()
        )
        .scalars()
        .all()
    )
    if org_id not in orgs:
        listed = ", ".join(sorted(orgs)[:30]) + (f" and {len(orgs) - 30} more" if len(orgs) > 30 else "")
        raise ReportError(
            f"--org: organisation «{org_id}» has no milestones in roadmap {roadmap_id}; "
            f"its organisations: {listed or 'none (the roadmap is not fanned out to organisations)'}"
        )
    org = session.get(Organisation, org_id)
    return record, org.name if org else org_id


def _local_date(moment: datetime | None, zone: str) -> date | None:
    if moment is None:
        return None
    # SQLite hands back naive datetimes; the store writes UTC
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).date()


def build_execution_report(
    session: Session, *, roadmap_id: str, org_id: str | None = None, as_of: date
) -> ExecutionReport:
    """Every milestone of the roadmap (or of one organisation in it) as of a date, with counts and timeline.

    Raises ReportError naming the known roadmaps (or the roadmap's organisations) when the scope is unknown.
    """
    record, org_name = _check_scope(session, roadmap_id, org_id)
    items = {
        r.number: r
        for r in session.execute(
            select(col(PlanItem.number), col(PlanItem.title), col(PlanItem.position)).where(
                col(PlanItem.roadmap_id) == roadmap_id
            )
        )
    }
    names = {org_id: name for org_id, name in session.execute(select(col(Organisation.id), col(Organisation.name)))}
    status = effective_status(as_of)
    query = (
        select(
            col(Milestone.id), col(Milestone.item_number), col(Milestone.org_id), col(Milestone.occurrence),
            col(Milestone.window_start), col(Milestone.window_end), status.label("status"), col(Milestone.done_at),
            col(Milestone.done_by), col(Milestone.evidence), col(Milestone.done_version),
            col(Milestone.updated_version), col(Milestone.retired_version), col(Milestone.retired_reason),
            col(Milestone.timezone),
        )
        .join(PlanItem, and_(col(PlanItem.roadmap_id) == Milestone.roadmap_id,
                             col(PlanItem.number) == Milestone.item_number))
        .where(col(Milestone.roadmap_id) == roadmap_id,
               *([col(Milestone.org_id) == org_id] if org_id is not None else []))
        .order_by(col(Milestone.org_id), col(PlanItem.position), col(Milestone.occurrence), col(Milestone.id))
    )  # fmt: skip
    rows: list[ExecutionRow] = []
    for m in session.execute(query):
        done_on = _local_date(m.done_at, m.timezone)
        outcome, late, note = judge(status=m.status, end=m.window_end, done_on=done_on, as_of=as_of)
        if m.status == "retired":
            version = m.retired_version
            note = f"снято в версии {m.retired_version}: {retired_reason_ru(m.retired_reason)}" + (
                f"; {note}" if note else ""
            )
        elif m.status == "done":
            # a completion recorded before done_version existed falls back to the version that last touched it
            version = m.done_version or m.updated_version
        else:
            version = record.current_version
        rows.append(
            ExecutionRow(
                milestone_id=m.id, roadmap_id=roadmap_id, item=m.item_number, title=items[m.item_number].title,
                org_id=m.org_id, org_name=names.get(m.org_id, m.org_id) if m.org_id else WHOLE_ROADMAP,
                occurrence=m.occurrence, start=m.window_start, end=m.window_end, status=m.status, done_on=done_on,
                done_by=m.done_by, evidence=m.evidence, late_days=late, plan_version=version, outcome=outcome,
                note=note,
            )
        )  # fmt: skip
    # roadmap-level milestones first, then organisations by name; items in plan order within each
    rows.sort(key=lambda r: (r.org_id != "", r.org_name, r.org_id))
    counts, per_org = count_rows(rows)
    versions = [
        VersionLine(v.version, _local_date(v.loaded_at, record.timezone) or as_of, v.loaded_by, v.note)
        for v in session.execute(
            select(
                col(RoadmapVersion.version),
                col(RoadmapVersion.loaded_at),
                col(RoadmapVersion.loaded_by),
                col(RoadmapVersion.note),
            )
            .where(col(RoadmapVersion.roadmap_id) == roadmap_id)
            .order_by(col(RoadmapVersion.version))
        )
    ]
    order = sorted(items.values(), key=lambda r: r.position)
    return ExecutionReport(
        roadmap_id=roadmap_id, roadmap_title=record.title,
        territory=", ".join(filter(None, (record.region, record.municipality))), org_id=org_id, org_name=org_name,
        as_of=as_of, current_version=record.current_version, versions=versions, rows=rows, counts=counts,
        per_org=per_org, timeline=build_timeline(rows, items=[(r.number, r.title) for r in order], as_of=as_of),
        timezone=record.timezone,
    )  # fmt: skip


def summary_lines(report: ExecutionReport) -> list[str]:
    """The operator's summary on the terminal (the CLI's language is English, like `roadmap status`)."""
    c = report.counts
    scope = f"{report.roadmap_id}" + (f" / {report.org_id}" if report.org_id else "")
    return [
        f"{scope} as of {report.as_of.isoformat()}: {c.total} milestones",
        f"  done on time {c.done_on_time}, done late {c.done_late}, overdue {c.overdue}, due {c.due}, "
        f"planned {c.planned}, waiting for a date {c.waiting}, retired {c.retired}",
    ]


# -- rendering ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = make_environment("reports", empty_date=EMPTY)
    env.filters["md"] = _md_cell
    env.globals["status_ru"] = STATUS_RU
    return env


def _md_cell(text: object) -> str:
    # a pipe or a line break inside a cell would end the Markdown table's cell or row
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def render_html(report: ExecutionReport) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG; no scripts, nothing fetched)."""
    return _env().get_template("execution.html.j2").render(r=report, t=report.timeline)


def timeline_svg(timeline: Timeline) -> str:
    """The plan-against-actual picture alone, as inline SVG (the operator's board shows it)."""
    return str(_env().get_template("charts.svg.j2").module.timeline(timeline))  # type: ignore[attr-defined]


def render_markdown(report: ExecutionReport, *, limit: int | None = None, full_report: str | None = None) -> str:
    """The summary and the table in Markdown; `limit` keeps the first rows (the Prefect artifact)."""
    rows = report.rows if limit is None else report.rows[:limit]
    more = len(report.rows) - len(rows)
    more_text = f"{more} {plural(more, 'строка', 'строки', 'строк')}"
    return (
        _env()
        .get_template("execution.md.j2")
        .render(r=report, rows=rows, more=more, more_text=more_text, full_report=full_report)
    )


WIDTHS = {"Мероприятие": 60, "Основание (документ)": 40, "Примечание": 40, "Организация": 36}


def render_xlsx(report: ExecutionReport) -> bytes:
    """The report as a workbook: the milestones (frozen header, filters, real dates) and «Сводка»."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    # write-only mode streams rows to the file, so a region's hundred thousand rows stay cheap
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Вехи")
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE5F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    table = [row.values() for row in report.rows]
    for i, name in enumerate(COLUMNS, start=1):
        longest = max((len(str(row[i - 1])) for row in table if row[i - 1] is not None), default=0)
        fixed = 12 if name.startswith(("Начало", "Окончание", "Дата")) else None
        ws.column_dimensions[get_column_letter(i)].width = fixed or min(
            max(len(name), longest) + 2, WIDTHS.get(name, 24)
        )
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(report.rows) + 1}"
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill, cell.alignment = bold, head_fill, wrap
        header.append(cell)
    ws.append(header)
    for values in table:
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, date):
                cell.number_format = "DD.MM.YYYY"
            elif isinstance(value, str) and len(value) > 30:
                cell.alignment = wrap
            cells.append(cell)
        ws.append(cells)

    summary = wb.create_sheet("Сводка")
    summary.column_dimensions["A"].width = 60
    for letter in "BCDEFGHI":
        summary.column_dimensions[letter].width = 14
    title = WriteOnlyCell(summary, value="Отчёт об исполнении дорожной карты")
    title.font = Font(bold=True, size=13)
    summary.append([title])
    summary.append(["Дорожная карта", f"{report.roadmap_id}: {report.roadmap_title}"])
    summary.append(["Территория", report.territory])
    summary.append(["Организации", report.scope])
    as_of = WriteOnlyCell(summary, value=report.as_of)
    as_of.number_format = "DD.MM.YYYY"
    summary.append(["По состоянию на", as_of])
    summary.append(["Текущая версия плана", report.current_version])
    if report.history:
        history = WriteOnlyCell(summary, value=report.history)
        if not report.history_ok:
            history.font = Font(bold=True, color="B71C1C")
        summary.append(["Журнал аудита", history])
    summary.append([])
    for label, n in report.counts.items():
        summary.append([label, n])
    summary.append([])
    heading = [WriteOnlyCell(summary, value=v) for v in ["Организация", *(label for label, _ in report.counts.items())]]
    for cell in heading:
        cell.font, cell.alignment = bold, wrap
    summary.append(heading)
    for org, counts in report.per_org:
        summary.append([org, *(n for _, n in counts.items())])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


RENDERINGS: Renderings[ExecutionReport] = Renderings(render_html, render_markdown, render_xlsx)


def render(report: ExecutionReport, fmt: Format) -> bytes:
    """The report in one of FORMATS, as the bytes of the file."""
    return RENDERINGS.render(report, fmt)


def write_report(report: ExecutionReport, *, fmt: Format, path: str | Path) -> Path:
    """Render the report and write it to `path` atomically; returns the path written."""
    return RENDERINGS.write(report, fmt=fmt, path=path)


def artifact_key(report: ExecutionReport) -> str:
    """A Prefect artifact key (lowercase letters, digits, dashes) naming the roadmap and organisation."""
    return artifact_name(f"audit-{report.roadmap_id}" + (f"-{report.org_id}" if report.org_id else ""))
