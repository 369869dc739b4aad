"""Sweep commands: run the daily sweep once, look at the outbox."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import typer
from sqlalchemy import func, select
from sqlmodel import col

from cli.runner import quiet_prefect, run_flow
from cli.store import DbOption, _engine, _fail, _parse_date, _url
from models.addresses import is_email, mask_url
from models.db import StoreError, session_scope
from models.store import OutboxMessage
from tasks.sweep import SweepScopeError, check_sweep_scope

STATES = ("pending", "failed", "sent", "no-contact")


def sweep(
    as_of: Annotated[str | None, typer.Option("--as-of", help="judge by this date (default: today, locally)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the digests it would send; write nothing")] = False,
    roadmap: Annotated[list[str] | None, typer.Option("--roadmap", help="only this roadmap (repeatable)")] = None,
    timezone: Annotated[list[str] | None, typer.Option("--timezone", help="only milestones in this zone")] = None,
    db: DbOption = None,
) -> None:
    """Run the daily sweep once: move statuses, queue the reminders due, send one digest per recipient.

    Reminders go out on working days of the Russian production calendar, by e-mail through
    ROADMAP_SMTP_URL or through each contact's apprise URL. A second sweep the same day sends nothing
    twice; failed sends are retried on later sweeps and stay visible in `roadmap outbox`. A --roadmap
    or --timezone that names nothing in the store is refused (exit 2) with what the store holds.

    Example: roadmap sweep --as-of 2020-05-25 --dry-run
    """
    day = _parse_date(as_of, "--as-of")
    url = _url(db)
    engine = _engine(db)
    try:
        with session_scope(engine, readonly=True) as session:
            check_sweep_scope(session, roadmaps=roadmap, timezones=timezone)
    except SweepScopeError as exc:
        raise _fail(f"error: {exc}") from None
    finally:
        engine.dispose()
    quiet_prefect()
    from flows.sweep import sweep as sweep_flow

    try:
        result = run_flow(sweep_flow, as_of=day, db=url, dry_run=dry_run, roadmaps=roadmap, timezones=timezone)
    except StoreError as exc:
        raise _fail(f"error: {exc}") from None
    for line in result["lines"]:
        typer.echo(line)
    if dry_run:
        typer.echo(f"dry run: {len(result['digests'])} digests would be sent; nothing was written")
        for recipient, subject, text in result["digests"]:
            typer.echo(f"\n--- to {recipient}: {subject}\n{text}")


def outbox(
    state: Annotated[
        Literal["pending", "failed", "sent", "no-contact", "open", "all"],
        typer.Option("--state", help="pending, failed, sent, no-contact, open (not sent) or all"),
    ] = "open",
    roadmap: Annotated[str | None, typer.Option("--roadmap", help="only this roadmap")] = None,
    limit: Annotated[int, typer.Option("--limit", help="show at most N rows, newest first (0 = all)")] = 100,
    format: Annotated[Literal["table", "json"], typer.Option("--format", help="table or json")] = "table",
    db: DbOption = None,
) -> None:
    """Show the outbox: counts by state and the reminders with their attempts and last error.

    URLs are masked; a failed send shows when it is tried next.

    Example: roadmap outbox --state failed
    """
    engine = _engine(db, readonly=True)
    with session_scope(engine, readonly=True) as session:
        counts: dict[str, int] = dict(
            session.execute(select(col(OutboxMessage.state), func.count()).group_by(col(OutboxMessage.state))).all()
        )
        query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc())
        if state == "open":
            query = query.where(col(OutboxMessage.state) != "sent")
        elif state != "all":
            query = query.where(col(OutboxMessage.state) == state)
        if roadmap:
            query = query.where(col(OutboxMessage.roadmap_id) == roadmap)
        if limit:
            query = query.limit(limit)
        rows = session.execute(query).scalars().all()
    engine.dispose()
    shown = [
        {
            "id": r.id, "state": r.state, "kind": r.kind, "key": r.key, "roadmap": r.roadmap_id,
            "recipient": r.recipient if is_email(r.recipient) or r.state == "no-contact" else mask_url(r.recipient),
            "party": r.party, "due_on": r.due_on.isoformat(), "attempts": r.attempts,
            "next_attempt_at": r.next_attempt_at.isoformat() if r.next_attempt_at else None,
            "sent_at": r.sent_at.isoformat() if r.sent_at else None, "last_error": r.last_error,
        }
        for r in rows
    ]  # fmt: skip
    if format == "json":
        typer.echo(json.dumps({"counts": counts, "messages": shown}, ensure_ascii=False, indent=2))
        return
    typer.echo("outbox: " + ", ".join(f"{s} {counts.get(s, 0)}" for s in STATES))
    for r in shown:
        when = f"next try {r['next_attempt_at'][:16]}" if r["next_attempt_at"] else (r["sent_at"] or "")[:16]
        typer.echo(f"{r['id']:>6}  {r['state']:<10} {r['kind']:<10} {r['due_on']}  {r['recipient']:<32} "
                   f"attempts {r['attempts']}  {when}")  # fmt: skip
        if r["last_error"]:
            typer.echo(f"        {r['last_error']}")
    if not shown:
        typer.echo("(nothing to show)")


def register(app: typer.Typer) -> None:
    app.command()(sweep)
    app.command()(outbox)
