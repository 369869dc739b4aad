"""Reports for the pages: the execution and monitoring reports as downloads, the board's plan-against-actual
timeline and the latest monitoring snapshot's trend charts.

The downloads are the same files `roadmap report execution|monitoring` writes (same builders, same
renderers), stamped with the history they were built against from the auditor page's kept verification
(a full verification reads every event; see operations.audit_view). The board's pictures are computed
from grouped queries and kept while the audit chain's head, the day and the scope stay the same: any
recorded change moves the head, so a kept picture is never stale.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlmodel import col

from audit.chain import head
from audit.verify import Provenance
from models.store import Milestone, MonitoringSnapshot, Organisation, PlanItem, RoadmapRecord
from monitoring.view import MonitoringReport
from operations.audit import stamp
from operations.audit_view import verified
from operations.context import Context
from reports import monitoring as monitoring_report
from reports.execution import build_execution_report, render, roadmap_today, timeline_svg
from reports.execution_view import ExecutionReport, Span, build_timeline, judge
from reports.files import Format, ReportError
from reports.monitoring import build_monitoring_report
from tasks.status import effective_status

MEDIA_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
}
FORMATS: tuple[Format, ...] = ("html", "xlsx", "md")
ReportKind = Literal["execution", "monitoring"]


@dataclass(frozen=True)
class Download:
    filename: str  # ASCII: roadmap ids, dates and numbers only
    media_type: str
    data: bytes


def _stamp(ctx: Context, report: ExecutionReport | MonitoringReport) -> None:
    found, _at = verified(ctx)
    provenance = Provenance.of(found)
    report.history, report.history_ok = provenance.text(report.timezone), provenance.ok


def execution_download(ctx: Context, *, roadmap_id: str, org_id: str | None, fmt: Format,
                       as_of: date | None = None) -> Download:  # fmt: skip
    """The execution report of a roadmap (or of one organisation in it) as of today in the roadmap's zone.

    ReportError (naming the known roadmaps or organisations) when the scope is unknown."""
    with ctx.reading() as session:
        day = as_of or roadmap_today(session, roadmap_id=roadmap_id, now=ctx.now)
        report = build_execution_report(session, roadmap_id=roadmap_id, org_id=org_id, as_of=day)
    _stamp(ctx, report)
    name = f"execution-{roadmap_id}{f'-{org_id}' if org_id else ''}-{day.isoformat()}.{fmt}"
    return Download(name, MEDIA_TYPES[fmt], render(report, fmt))


def monitoring_download(ctx: Context, *, roadmap_id: str, year: int | None, snapshot_id: int | None,
                        fmt: Format) -> Download:  # fmt: skip
    """The monitoring report of a year's latest snapshot (or of one snapshot); ReportError when there is none."""
    with ctx.reading() as session:
        report = build_monitoring_report(session, roadmap_id=roadmap_id, year=year, snapshot_id=snapshot_id)
    _stamp(ctx, report)
    name = f"monitoring-{roadmap_id}-{report.year}-snapshot-{report.snapshot_id}.{fmt}"
    return Download(name, MEDIA_TYPES[fmt], monitoring_report.render(report, fmt))


def execution_report(ctx: Context, *, roadmap_id: str, org_id: str | None, as_of: date | None = None
                     ) -> tuple[ExecutionReport, Provenance]:  # fmt: skip
    """The execution report of a roadmap (of one organisation) as of `as_of` (default: today in the roadmap's
    zone), stamped with the history verified now; ReportError when the scope is unknown, AuditKeyError or
    CheckpointError when the verification cannot be done."""
    with ctx.reading() as session:
        day = as_of or roadmap_today(session, roadmap_id=roadmap_id, now=ctx.now)
        report = build_execution_report(session, roadmap_id=roadmap_id, org_id=org_id, as_of=day)
    return report, stamp(ctx, report)


def monitoring_report_of(ctx: Context, *, roadmap_id: str, year: int | None, snapshot_id: int | None
                         ) -> tuple[MonitoringReport, Provenance]:  # fmt: skip
    """The monitoring report of a year's latest snapshot (or of one snapshot), stamped with the history verified
    now; ReportError when there is none."""
    with ctx.reading() as session:
        report = build_monitoring_report(session, roadmap_id=roadmap_id, year=year, snapshot_id=snapshot_id)
    return report, stamp(ctx, report)


@dataclass(frozen=True)
class ReportLinks:
    """What the auditor's page offers per roadmap: the execution report, and each monitored year's report."""

    roadmap_id: str
    title: str
    years: tuple[int, ...]


def report_links(ctx: Context) -> list[ReportLinks]:
    with ctx.reading() as session:
        years: dict[str, set[int]] = {}
        for roadmap_id, year in session.execute(
            select(col(MonitoringSnapshot.roadmap_id), col(MonitoringSnapshot.year)).distinct()
        ):
            years.setdefault(roadmap_id, set()).add(year)
        return [
            ReportLinks(r.id, r.title, tuple(sorted(years.get(r.id, ()))))
            for r in session.execute(
                select(RoadmapRecord).where(col(RoadmapRecord.active)).order_by(col(RoadmapRecord.id))
            ).scalars()
        ]


# -- the board's pictures, kept while nothing changes ----------------------------------------------------

T = TypeVar("T")
_kept: dict[tuple[object, ...], object] = {}
_lock = threading.Lock()
KEPT = 64


def _keep(ctx: Context, key: tuple[object, ...], make: Callable[[], T]) -> T:
    with ctx.reading() as session:
        at_head = head(session)
    full = (ctx.engine.url.render_as_string(hide_password=True), at_head, *key)
    with _lock:
        if full in _kept:
            return _kept[full]  # type: ignore[return-value]
    value = make()
    with _lock:
        if len(_kept) >= KEPT:
            _kept.pop(next(iter(_kept)))
        _kept[full] = value
    return value


def _local(moment: datetime | None, zone: str) -> date | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).date()


def board_timeline(ctx: Context, *, roadmap_id: str, municipality: str | None = None) -> str:
    """The plan-against-actual timeline of a roadmap (of one municipality's organisations), as inline SVG.

    The same picture as the execution report's, from milestones grouped by item, window, status and
    completion moment instead of one row each.
    """
    with ctx.reading() as session:
        as_of = roadmap_today(session, roadmap_id=roadmap_id, now=ctx.now)
    return _keep(ctx, ("timeline", roadmap_id, municipality, as_of),
                 lambda: _timeline(ctx, roadmap_id, municipality, as_of))  # fmt: skip


def _timeline(ctx: Context, roadmap_id: str, municipality: str | None, as_of: date) -> str:
    status = effective_status(as_of)
    where = [col(Milestone.roadmap_id) == roadmap_id]
    if municipality:
        where.append(col(Milestone.org_id).in_(
            select(col(Organisation.id)).where(col(Organisation.municipality) == municipality)))  # fmt: skip
    spans: Counter[tuple[str, date | None, date | None, date | None, str]] = Counter()
    with ctx.reading() as session:
        items = list(session.execute(
            select(col(PlanItem.number), col(PlanItem.title)).where(col(PlanItem.roadmap_id) == roadmap_id)
            .order_by(col(PlanItem.position))).tuples())  # fmt: skip
        grouped = select(col(Milestone.item_number), col(Milestone.window_start), col(Milestone.window_end),
                         status, col(Milestone.done_at), col(Milestone.timezone), func.count()).where(and_(*where)
                         ).group_by(col(Milestone.item_number), col(Milestone.window_start),
                                    col(Milestone.window_end), status, col(Milestone.done_at),
                                    col(Milestone.timezone))  # fmt: skip
        for item, start, end, st, done_at, zone, n in session.execute(grouped):
            done_on = _local(done_at, zone)
            outcome, _late, _note = judge(status=st, end=end, done_on=done_on, as_of=as_of)
            spans[(item, start, end, done_on, outcome)] += n
    rows = [Span(item, start, end, done_on, outcome, n)  # type: ignore[arg-type]
            for (item, start, end, done_on, outcome), n in spans.items()]  # fmt: skip
    return timeline_svg(build_timeline(rows, items=items, as_of=as_of))


@dataclass(frozen=True)
class SnapshotCharts:
    snapshot_id: int
    year: int
    charts: list[str]  # inline SVG, one per measure with targets


def snapshot_charts(ctx: Context, *, roadmap_id: str) -> SnapshotCharts | None:
    """The trend charts of the roadmap's latest monitoring snapshot (None when there is none yet)."""
    with ctx.reading() as session:
        latest = session.execute(
            select(col(MonitoringSnapshot.id), col(MonitoringSnapshot.year))
            .where(col(MonitoringSnapshot.roadmap_id) == roadmap_id)
            .order_by(col(MonitoringSnapshot.year).desc(), col(MonitoringSnapshot.id).desc())
            .limit(1)
        ).first()
    if latest is None:
        return None
    snapshot_id, year = latest

    def make() -> SnapshotCharts:
        with ctx.reading() as session:
            report = build_monitoring_report(session, roadmap_id=roadmap_id, year=None, snapshot_id=snapshot_id)
        return SnapshotCharts(snapshot_id, year, monitoring_report.trend_svgs(report))

    return _keep(ctx, ("charts", roadmap_id, snapshot_id), make)


__all__ = ["FORMATS", "Download", "ReportError", "execution_download", "execution_report", "monitoring_download",
           "monitoring_report_of", "report_links",
           "board_timeline", "snapshot_charts"]  # fmt: skip
