"""Flows: the reports an operator sends on.

`report-audit` ("show the auditor what was done"): one roadmap (optionally one organisation) as of a
date. `report-monitoring` ("send on the year's monitoring"): the latest snapshot of a roadmap and year.
Each writes HTML, XLSX or Markdown atomically and publishes its summary as a Prefect markdown artifact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from prefect import flow

from flows.audit_steps import run_actor, stamp_history
from flows.prefect_tasks import (
    build_execution_report_task,
    build_monitoring_report_task,
    flow_store,
    publish_execution_summary,
    publish_monitoring_report,
    roadmap_today_task,
    write_execution_report_task,
    write_monitoring_report_task,
)
from models.db import session_scope
from reports.execution import summary_lines
from reports.files import Format
from reports.monitoring import summary_lines as monitoring_lines


def _run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    org = params.get("org")
    return (
        f"audit report {params.get('roadmap')}"
        + (f" / {org}" if org else "")
        + (f" as of {params['as_of']}" if params.get("as_of") else "")
    )


@flow(name="report-audit", flow_run_name=_run_name)
def report_audit(
    roadmap: str,
    output: str,
    format: Format = "html",
    org: str | None = None,
    as_of: date | None = None,
    db: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Build the execution report, write it to `output` atomically and publish its summary as an artifact.

    Without `as_of` the report is as of today in the roadmap's time zone (`now`, default the clock).
    """
    engine = flow_store(db)[1]
    try:
        with session_scope(engine, readonly=True) as session:
            day = as_of or roadmap_today_task(session, roadmap_id=roadmap, now=now or datetime.now(UTC))
            report = build_execution_report_task(session, roadmap_id=roadmap, org_id=org, as_of=day)
        stamp_history(engine, report, actor=run_actor(None, default="report"), now=now or datetime.now(UTC))
    finally:
        engine.dispose()
    path = write_execution_report_task(report, fmt=format, path=output)
    publish_execution_summary(report, str(path))
    return {"report": report, "path": str(path), "lines": summary_lines(report)}


def _monitoring_run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    which = f"snapshot {params['snapshot']}" if params.get("snapshot") else str(params.get("year"))
    return f"monitoring report {params.get('roadmap')} {which}"


@flow(name="report-monitoring", flow_run_name=_monitoring_run_name)
def report_monitoring(
    roadmap: str,
    output: str,
    year: int | None = None,
    format: Format = "html",
    snapshot: int | None = None,
    db: str | None = None,
) -> dict[str, Any]:
    """Build the monitoring report of the latest snapshot of `roadmap` for `year` (or of `snapshot`), write it
    to `output` atomically and publish its headline as an artifact. Raises ReportError when there is no
    snapshot (run the monitor flow first)."""
    engine = flow_store(db)[1]
    try:
        with session_scope(engine, readonly=True) as session:
            report = build_monitoring_report_task(session, roadmap_id=roadmap, year=year, snapshot_id=snapshot)
        stamp_history(engine, report, actor=run_actor(None, default="report"), now=datetime.now(UTC))
    finally:
        engine.dispose()
    path = write_monitoring_report_task(report, fmt=format, path=output)
    publish_monitoring_report(report, str(path))
    return {"report": report, "path": str(path), "lines": monitoring_lines(report)}
