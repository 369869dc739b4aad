"""Flow: the yearly monitoring (the operator's "how far did we get this year" action, run on a schedule).

One coarse task per roadmap-year evaluates every indicator, item target and criterion at every level
in a few set-based queries and records a snapshot; a second publishes the headline as a markdown
artifact. `year=None` (the scheduled runs) is the current year in the roadmap's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow

from models.db import open_store, session_scope
from models.settings import get_settings
from tasks.prefect_tasks import publish_monitoring_summary, take_snapshot_task


def _run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return f"monitor {params.get('roadmap')} {params.get('year') or 'this year'}"


@flow(name="monitor", flow_run_name=_run_name, validate_parameters=False)
def monitor(
    roadmap: str,
    year: int | None = None,
    db: str | None = None,
    now: datetime | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """Compare actual to target for one roadmap and year, record a snapshot, and return its summary.

    Returns {"snapshot_id", "summary", "lines"}; a later run adds a new snapshot and never changes one.
    """
    settings = get_settings()
    engine = open_store(db or settings.db_url)
    try:
        with session_scope(engine) as session:
            report = take_snapshot_task(
                session, roadmap_id=roadmap, year=year, now=now or datetime.now(UTC),
                actor=actor or settings.actor or "monitor",
            )  # fmt: skip
    finally:
        engine.dispose()
    publish_monitoring_summary(report.summary)
    # TODO(notice): queue a notice with the headline to the operator and the municipal coordinators
    # through the outbox (kind "monitoring") once a digest template for monitoring exists: the
    # reminder digest expects milestone entries and would render these wrongly.
    return {"snapshot_id": report.snapshot_id, "summary": report.summary, "lines": report.lines()}
