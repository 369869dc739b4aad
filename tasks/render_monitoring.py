"""Rendering the monitoring report: one self-contained HTML page with SVG trend charts, a workbook with a
sheet per table and a line chart per measure, and Markdown (also the Prefect artifact), all from the same
`MonitoringReport` view (tasks/report_monitoring.py builds it); `write_report` writes a rendering atomically.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from models.ru import plural, ru_number
from models.settings import private_folder
from monitoring.view import CHART_COLOURS, EMPTY, LEVEL_COLUMNS, MonitoringReport
from notifications.templating import make_environment
from tasks.report_audit import Format, ReportError, write_file

BEHIND_LIMIT = 10  # rows of each level in «Отстающие»; the xlsx lists them all


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = make_environment(empty_date=EMPTY)
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
    return _env().get_template("report_monitoring.html.j2").render(r=report, charts=charts, limit=BEHIND_LIMIT)


def render_markdown(report: MonitoringReport, *, limit: int | None = None, full_report: str | None = None) -> str:
    """The report in Markdown; `limit` keeps the first rows of the long tables (the Prefect artifact)."""
    rows = report.below if limit is None else report.below[:limit]
    return _env().get_template("report_monitoring.md.j2").render(
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


def render(report: MonitoringReport, fmt: Format) -> bytes:
    """The report in html, xlsx or md, as the bytes of the file."""
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "md":
        return render_markdown(report).encode("utf-8")
    if fmt == "xlsx":
        return render_xlsx(report)
    raise ValueError(f"format must be html, xlsx or md, found «{fmt}»")


def write_report(report: MonitoringReport, *, fmt: Format, path: str | Path) -> Path:
    """Render the report and write it to `path` atomically; returns the path written."""
    return write_file(path, render(report, fmt))


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
    raw = f"monitoring-report-{report.roadmap_id}-{report.year}"
    return "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in raw.lower())
