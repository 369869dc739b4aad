"""Flow: the daily sweep (the operator's "remind everyone of what is due" action, run on a schedule)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine

from audit.chain import ActorLike
from flows.audit_steps import CheckpointRefused, audit_finish, audit_start, run_actor
from flows.prefect_tasks import (
    check_can_send_task,
    dispatch_task,
    flow_store,
    load_roadmaps,
    local_dates_task,
    publish_sweep_summary,
)
from models.calendar import default_calendar
from models.db import session_scope
from models.plan import Roadmap
from notifications.dispatch import make_notifier
from notifications.links import link_maker
from operations.context import Actor
from outbox.messages import dry_run_groups, preview
from outbox.send import DeliveryFailed
from service.timings import mark, phase
from tasks.sweep import DecideReport, check_sweep_scope, decide_reminders, roadmap_zones


def _run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    zones = params.get("timezones")
    return f"sweep as of {params.get('as_of') or 'today'}" + (f" in {', '.join(zones)}" if zones else "")


@task(name="decide-reminders", cache_policy=NO_CACHE)
def decide_partition(
    engine: Engine, plan: Roadmap, zone: str, *, today: date | dict[str, date], now: datetime, dry_run: bool,
    actor: ActorLike,
) -> DecideReport:  # fmt: skip
    """The sweep's decision for one roadmap in one time zone, in a transaction of its own."""
    with session_scope(engine) as session:
        return decide_reminders(session, roadmap=plan, today=today, calendar=default_calendar(), now=now,
                                dry_run=dry_run, timezones=[zone], actor=actor)  # fmt: skip


@flow(name="sweep", flow_run_name=_run_name)
def sweep(
    as_of: date | None = None,
    db: str | None = None,
    dry_run: bool = False,
    roadmaps: list[str] | None = None,
    timezones: list[str] | None = None,
    smtp_url: str | None = None,
    now: datetime | None = None,
    workers: int = 4,
    external: Literal["send", "record"] = "send",
    actor: Actor | str | None = None,
) -> dict[str, Any]:
    """Move statuses, decide the reminders due (one coarse task per roadmap) and send the digests.

    `external="record"` keeps every non-e-mail channel (Telegram, ntfy, webhooks) from leaving the
    machine: those digests are returned under "recorded" instead of being sent (demos, tests).
    Without a usable SMTP server (while the registry has e-mail contacts) it refuses before deciding
    anything. When sends failed, the run ends failed (DeliveryFailed, carrying the result) after
    everything was recorded: the failed digests stay queued for the dispatch runs to retry.
    """
    settings, engine = flow_store(db)
    now = now or datetime.now(UTC)
    smtp = smtp_url or settings.smtp_url
    links = link_maker(settings)  # digests link to the pages when they have an address (ROADMAP_WEB_URL)
    who = run_actor(actor, default="sweep")
    mark("flow-start")
    try:
        with phase("prepare"):
            with session_scope(engine, readonly=True) as session:
                # an unknown roadmap or zone fails the run; a zone without milestones is said in the summary
                scope = check_sweep_scope(session, roadmaps=roadmaps, timezones=timezones, strict=False)
            if not dry_run:
                check_can_send_task(engine, smtp)
            start = audit_start(engine, actor=who, now=now)
            plans = load_roadmaps(engine, roadmaps)
            today = as_of or local_dates_task(engine, now)
            # one task per roadmap and zone (each in its own transaction), merged per roadmap: side by side on
            # PostgreSQL, one after another on SQLite
            with session_scope(engine, readonly=True) as session:
                partitions = [(plan, zone) for plan in plans for zone in roadmap_zones(session, plan.id, timezones)]
        with phase("decide"):
            if engine.dialect.name == "sqlite":
                # one writer at a time: side by side the tasks only wait for each other's locks (a region's
                # decision 1.5-1.8 s one after another, 1.8-2.3 s side by side, measured in one run)
                parts = [decide_partition(engine, plan, zone, today=today, now=now, dry_run=dry_run, actor=who)
                         for plan, zone in partitions]  # fmt: skip
            else:
                futures = [
                    decide_partition.submit(engine, plan, zone, today=today, now=now, dry_run=dry_run, actor=who)
                    for plan, zone in partitions
                ]
                parts = [future.result() for future in futures]
        decided = [DecideReport.merged([p for p in parts if p.roadmap_id == plan.id]) for plan in plans
                   if any(p.roadmap_id == plan.id for p in parts)]  # fmt: skip
        lines = scope + [line for report in decided for line in report.lines()]
        if dry_run:
            digests = preview(engine, dry_run_groups(engine, [r.rows for r in decided], now=now), now, as_of, links)
            return {"decided": decided, "digests": digests, "lines": lines}
        notifier, recorder = make_notifier(smtp, external=external)
        # a zone's run sends its zone's reminders (the dispatch deployment sends everything else that is due)
        with phase("dispatch"):
            sent = dispatch_task(engine, notifier=notifier, now=now, workers=workers, roadmaps=roadmaps,
                                 as_of=as_of, actor=who, link_for=links, timezones=timezones)  # fmt: skip
        lines += sent.lines()
        with phase("finish"):
            signed, signing = audit_finish(engine, since=start, actor=who, now=now)
            lines += [signing] if signing else []
            publish_sweep_summary("## Sweep\n\n" + "\n".join(f"    {line}" for line in lines) + "\n")
        result = {"decided": decided, "dispatch": sent, "lines": lines, "recorded": recorder.sent, "checkpoint": signed}
        if sent.failed:
            raise DeliveryFailed(sent.failure_line(), result)
        if signing and signed is None:
            raise CheckpointRefused(signing, result)
        return result
    finally:
        engine.dispose()
        mark("flow-end")
