"""Flow: sync a roadmap plan into the store (the operator's "load / amend a roadmap" action)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow

from models.db import open_store, session_scope
from models.settings import get_settings
from tasks.prefect_tasks import load_plan_file, publish_sync_summary, sync_plan_task


@flow(name="sync-roadmap", flow_run_name="sync {plan}")
def sync_roadmap(
    plan: str,
    db: str | None = None,
    dry_run: bool = False,
    note: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
    allow_empty: bool = False,
) -> dict[str, Any]:
    """Validate the plan, store its version and bring its milestones in line with it and the registry.

    Fails (tasks.sync.SyncRefused) when a per-organisation item would reach no organisation, unless
    `allow_empty`, which stores the plan with the problems as the report's warnings.
    """
    roadmap, text = load_plan_file(plan)
    settings = get_settings()
    engine = open_store(db or settings.db_url)
    try:
        with session_scope(engine) as session:
            report = sync_plan_task(
                session,
                roadmap=roadmap,
                yaml_text=text,
                source_path=plan,
                actor=actor or settings.actor or "operator",
                now=now or datetime.now(UTC),
                note=note,
                dry_run=dry_run,
                allow_empty=allow_empty,
            )
    finally:
        engine.dispose()
    publish_sync_summary(report)
    return {"report": report, "lines": report.lines()}
