"""The plain functions wrapped as Prefect tasks (coarse: one per roadmap, never one per milestone), beside the
flows that use them, and what every flow opens: its settings and store (`flow_store`). A flow sends through
`notifications.dispatch.make_notifier`, the one notifier factory.

(Not named flows/tasks.py: Prefect puts a deployment's entrypoint folder on sys.path, where such a module would
shadow the tasks package.) Sessions are passed in by the flow, so results are never cached across runs (NO_CACHE)
and nothing here is hashed or persisted by Prefect.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine
from sqlmodel import Session

from audit.chain import ActorLike
from models.db import open_store, session_scope
from models.loader import load_plan_text, plan_cache
from models.plan import Roadmap
from models.settings import Settings, get_settings
from monitoring.evaluate import stored_plan
from monitoring.notices import NoticeReport, queue_monitoring_notice
from monitoring.snapshots import SnapshotReport, take_snapshot
from monitoring.snapshots import summary_markdown as monitoring_markdown
from outbox.send import check_can_send, dispatch
from reports import monitoring as monitoring_report
from reports.execution import (
    ExecutionReport,
    artifact_key,
    build_execution_report,
    render_markdown,
    roadmap_today,
    write_report,
)
from tasks.status import local_dates
from tasks.sweep import active_roadmaps
from tasks.sync import SyncReport, summary_markdown, sync_plan


def flow_store(db: str | None) -> tuple[Settings, Engine]:
    """The settings and the store a flow runs on: the `db` parameter, else the configured store (ROADMAP_DB).

    The caller disposes of the engine when the run ends.
    """
    settings = get_settings()
    return settings, open_store(db or settings.db_url)


@task(name="load-plan", cache_policy=NO_CACHE)
def load_plan_file(path: str) -> tuple[Roadmap, str]:
    """Validate the plan file and return it with its text as loaded."""
    return load_plan_text(path, plan_cache())  # parsed once: the CLI validated it through the same cache


sync_plan_task = task(name="sync-plan", cache_policy=NO_CACHE)(sync_plan)


@task(name="publish-sync-summary", cache_policy=NO_CACHE)
def publish_sync_summary(report: SyncReport) -> None:
    create_markdown_artifact(
        key=f"sync-{report.roadmap_id}".lower().replace("_", "-"),
        markdown=summary_markdown(report),
        description=f"Sync of {report.roadmap_id}",
    )


# -- the sweep ---------------------------------------------------------------------------------------


# Sending is retried inside the outbox (per recipient, with backoff, across runs); the task retry
# covers what would stop the whole batch, such as the store being briefly unreachable.
dispatch_task = task(name="dispatch-outbox", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])(dispatch)


check_can_send_task = task(name="check-can-send", cache_policy=NO_CACHE)(check_can_send)


@task(name="publish-sweep-summary", cache_policy=NO_CACHE)
def publish_sweep_summary(markdown: str) -> None:
    create_markdown_artifact(key="sweep", markdown=markdown, description="What the sweep decided and sent")


@task(name="publish-dispatch-summary", cache_policy=NO_CACHE)
def publish_dispatch_summary(markdown: str) -> None:
    create_markdown_artifact(key="dispatch", markdown=markdown, description="What the dispatch run sent")


@task(name="load-roadmaps", cache_policy=NO_CACHE)
def load_roadmaps(engine: Engine, only: list[str] | None = None) -> list[Roadmap]:
    """The current version of every active roadmap in the store."""
    with session_scope(engine) as session:
        return active_roadmaps(session, only)


@task(name="local-dates", cache_policy=NO_CACHE)
def local_dates_task(engine: Engine, now: datetime) -> dict[str, date]:
    """Today's date in every time zone the store's milestones use."""
    with session_scope(engine) as session:
        return local_dates(session, now=now)


# -- the execution report ------------------------------------------------------------------------------

build_execution_report_task = task(name="build-audit-report", cache_policy=NO_CACHE)(build_execution_report)
write_execution_report_task = task(name="write-audit-report", cache_policy=NO_CACHE)(write_report)
roadmap_today_task = task(name="roadmap-today", cache_policy=NO_CACHE)(roadmap_today)
ARTIFACT_ROWS = 50  # the artifact is a summary to glance at; the file holds every row


@task(name="publish-audit-summary", cache_policy=NO_CACHE)
def publish_execution_summary(report: ExecutionReport, path: str | None = None) -> None:
    """The report's summary and its first rows as a Prefect markdown artifact."""
    create_markdown_artifact(
        key=artifact_key(report),
        markdown=render_markdown(report, limit=ARTIFACT_ROWS, full_report=path),
        description=f"Audit report of {report.roadmap_id} as of {report.as_of.isoformat()}",
    )


# -- the yearly monitoring -----------------------------------------------------------------------------

take_snapshot_task = task(name="take-monitoring-snapshot", cache_policy=NO_CACHE)(take_snapshot)


@task(name="publish-monitoring-summary", cache_policy=NO_CACHE)
def publish_monitoring_summary(summary: dict[str, Any]) -> None:
    create_markdown_artifact(
        key=f"monitor-{summary['roadmap']}-{summary['year']}".lower().replace("_", "-"),
        markdown=monitoring_markdown(summary),
        description=f"Monitoring of {summary['roadmap']} for {summary['year']}",
    )


@task(name="queue-monitoring-notice", cache_policy=NO_CACHE)
def queue_monitoring_notice_task(
    session: Session,
    *,
    roadmap_id: str,
    report: SnapshotReport,
    now: datetime,
    actor: ActorLike,
    report_path: str = "",
) -> NoticeReport:
    """Queue the snapshot's notice for the operator and the municipal coordinators, in the snapshot's transaction."""
    plan, _version = stored_plan(session, roadmap_id)
    return queue_monitoring_notice(session, plan=plan, report=report, now=now, actor=actor, report_path=report_path)


# -- the monitoring report -----------------------------------------------------------------------------

build_monitoring_report_task = task(name="build-monitoring-report", cache_policy=NO_CACHE)(
    monitoring_report.build_monitoring_report
)
write_monitoring_report_task = task(name="write-monitoring-report", cache_policy=NO_CACHE)(
    monitoring_report.write_report
)
write_monitoring_files_task = task(name="write-monitoring-files", cache_policy=NO_CACHE)(monitoring_report.write_files)
report_folder_task = task(name="report-folder", cache_policy=NO_CACHE)(monitoring_report.report_folder)


@task(name="publish-monitoring-report", cache_policy=NO_CACHE)
def publish_monitoring_report(report: monitoring_report.MonitoringReport, path: str | None = None) -> None:
    """The report's headline tables and its first rows per level as a Prefect markdown artifact."""
    create_markdown_artifact(
        key=monitoring_report.artifact_key(report),
        markdown=monitoring_report.render_markdown(report, limit=ARTIFACT_ROWS, full_report=path),
        description=f"Monitoring report of {report.roadmap_id} for {report.year} (snapshot {report.snapshot_id})",
    )
