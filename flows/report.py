"""Flow: the audit report (the operator's "show the auditor what was done" action).

Builds the report of one roadmap (optionally one organisation) as of a date, writes it as HTML, XLSX
or Markdown, and publishes the same summary as a Prefect markdown artifact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from prefect import flow

from models.db import open_store, session_scope
from models.settings import get_settings
from tasks.prefect_tasks import (
    build_audit_report_task,
    publish_audit_summary,
    roadmap_today_task,
    write_audit_report_task,
)
from tasks.report_audit import Format, summary_lines


def _run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    org = params.get("org")
    return (
        f"audit report {params.get('roadmap')}"
        + (f" / {org}" if org else "")
        + (f" as of {params['as_of']}" if params.get("as_of") else "")
    )


@flow(name="report-audit", flow_run_name=_run_name, validate_parameters=False)
def report_audit(
    roadmap: str,
    output: str,
    format: Format = "html",
    org: str | None = None,
    as_of: date | None = None,
    db: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Build the audit report, write it to `output` atomically and publish its summary as an artifact.

    Without `as_of` the report is as of today in the roadmap's time zone (`now`, default the clock).
    """
    engine = open_store(db or get_settings().db_url)
    try:
        with session_scope(engine, readonly=True) as session:
            day = as_of or roadmap_today_task(session, roadmap_id=roadmap, now=now or datetime.now(UTC))
            report = build_audit_report_task(session, roadmap_id=roadmap, org_id=org, as_of=day)
    finally:
        engine.dispose()
    path = write_audit_report_task(report, fmt=format, path=output)
    publish_audit_summary(report, str(path))
    return {"report": report, "path": str(path), "lines": summary_lines(report)}
