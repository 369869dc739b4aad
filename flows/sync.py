"""Flow: sync a roadmap plan into the store (the operator's "load / amend a roadmap" action)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow

from flows.audit_steps import CheckpointRefused, audit_finish, audit_start, run_actor
from flows.prefect_tasks import flow_store, load_plan_file, publish_sync_summary, sync_plan_task
from models.db import session_scope
from operations.context import Actor


@flow(name="sync-roadmap", flow_run_name="sync {plan}")
def sync_roadmap(
    plan: str,
    db: str | None = None,
    dry_run: bool = False,
    note: str | None = None,
    actor: Actor | str | None = None,
    now: datetime | None = None,
    allow_empty: bool = False,
) -> dict[str, Any]:
    """Validate the plan, store its version and bring its milestones in line with it and the registry; sign the
    events it appended when a key is configured (CheckpointRefused, after the sync, when that is refused).

    Fails (tasks.sync.SyncRefused) when a per-organisation item would reach no organisation, unless
    `allow_empty`, which stores the plan with the problems as the report's warnings.
    """
    roadmap, text = load_plan_file(plan)
    settings, engine = flow_store(db)
    now = now or datetime.now(UTC)
    who = run_actor(actor, default="sync")
    try:
        start = audit_start(engine, actor=who, now=now)
        with session_scope(engine) as session:
            report = sync_plan_task(
                session,
                roadmap=roadmap,
                yaml_text=text,
                source_path=plan,
                actor=who,
                now=now,
                note=note,
                dry_run=dry_run,
                allow_empty=allow_empty,
            )
        signed, signing = audit_finish(engine, since=start, actor=who, now=now)
    finally:
        engine.dispose()
    publish_sync_summary(report)
    result = {"report": report, "lines": report.lines() + ([signing] if signing else []), "checkpoint": signed}
    if signing and signed is None:
        raise CheckpointRefused(signing, result)
    return result
