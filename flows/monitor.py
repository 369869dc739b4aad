"""Flow: the yearly monitoring (the operator's "how far did we get this year" action, run on a schedule).

One coarse task per roadmap-year evaluates every indicator, item target and criterion at every level
in a few set-based queries and records a snapshot; in the same transaction a second queues the notice
with the headline for the operator and the municipal coordinators (monitoring/notices.py). Then the
snapshot's report is written (HTML and XLSX, one pair of files per snapshot in `report_dir`, default
ROADMAP_DATA_DIR/reports) and published as a markdown artifact, and the notices are sent, the HTML
report attached to each e-mail. A failed send does not fail the run: the rows stay `failed` in the
outbox and the dispatch deployment retries them. `year=None` (the scheduled runs) is the current year in the
roadmap's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from prefect import flow

from flows.audit_steps import CheckpointRefused, audit_finish, audit_start, run_actor, stamp_history
from flows.prefect_tasks import (
    build_monitoring_report_task,
    dispatch_task,
    flow_store,
    publish_monitoring_report,
    publish_monitoring_summary,
    queue_monitoring_notice_task,
    report_folder_task,
    take_snapshot_task,
    write_monitoring_files_task,
)
from models.db import session_scope
from notifications.dispatch import make_notifier
from notifications.notice import MONITORING
from operations.context import Actor
from reports.monitoring import report_file


def _run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return f"monitor {params.get('roadmap')} {params.get('year') or 'this year'}"


@flow(name="monitor", flow_run_name=_run_name)
def monitor(
    roadmap: str,
    year: int | None = None,
    db: str | None = None,
    now: datetime | None = None,
    actor: Actor | str | None = None,
    notify: bool = True,
    smtp_url: str | None = None,
    external: Literal["send", "record"] = "send",
    report_dir: str | None = None,
) -> dict[str, Any]:
    """Compare actual to target for one roadmap and year, record a snapshot, write its report, tell the operator
    and the coordinators.

    Returns {"snapshot_id", "summary", "reports", "notice", "dispatch", "recorded", "lines"}; a later run adds
    a new snapshot (with its own report files and notice) and never changes one. `notify=False` queues and
    sends no notice. `external="record"` keeps every non-e-mail channel from leaving the machine, as in the
    sweep.
    """
    settings, engine = flow_store(db)
    now = now or datetime.now(UTC)
    who = run_actor(actor, default="monitor")
    folder = Path(report_dir) if report_dir else settings.data_dir / "reports"
    try:
        report_folder_task(folder)  # before the snapshot: never a snapshot whose report cannot be written
        start = audit_start(engine, actor=who, now=now)
        # the history the snapshot is computed from is signed first, so the notice carries a checkpoint of it
        audit_finish(engine, since=0, actor=who, now=now)
        with session_scope(engine) as session:
            report = take_snapshot_task(session, roadmap_id=roadmap, year=year, now=now, actor=who)
            html = report_file(folder, roadmap_id=roadmap, year=report.summary["year"], snapshot_id=report.snapshot_id,
                               fmt="html")  # fmt: skip
            notice = (queue_monitoring_notice_task(session, roadmap_id=roadmap, report=report, now=now, actor=who,
                                                   report_path=str(html)) if notify else None)  # fmt: skip
        publish_monitoring_summary(report.summary)
        with session_scope(engine, readonly=True) as session:
            view = build_monitoring_report_task(session, roadmap_id=roadmap, snapshot_id=report.snapshot_id)
        stamp_history(engine, view, actor=who, now=now)
        paths = write_monitoring_files_task(view, folder=folder)
        publish_monitoring_report(view, str(paths[0]))
        out: dict[str, Any] = {"snapshot_id": report.snapshot_id, "summary": report.summary, "notice": notice,
                               "reports": [str(p) for p in paths], "dispatch": None, "recorded": [],
                               "lines": [*report.lines(), f"report: {', '.join(map(str, paths))}"]}  # fmt: skip
        if notice is None:
            out["lines"].append("notice: not queued (notify is off)")
        else:
            notifier, recorder = make_notifier(smtp_url or settings.smtp_url, external=external)
            # only the notices: reminders keep to the sweep's working days and hours
            sent = dispatch_task(engine, notifier=notifier, now=now, roadmaps=[roadmap], families=[MONITORING],
                                 actor=who)  # fmt: skip
            out.update(dispatch=sent, recorded=recorder.sent, lines=out["lines"] + notice.lines() + sent.lines())
        signed, signing = audit_finish(engine, since=start, actor=who, now=now)
        out.update(checkpoint=signed, lines=out["lines"] + ([signing] if signing else []))
        if signing and signed is None:
            raise CheckpointRefused(signing, out)
        return out
    finally:
        engine.dispose()
