"""Sweep commands: run the daily sweep once, look at the outbox."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import typer

from cli.runner import actor, quiet_prefect, run_audited_flow
from cli.store import DbOption, _fail, _parse_date, _url, cli_context

EXIT_FAILED_SENDS = 1


def _run_sending_flow(flow_fn, **params):  # type: ignore[no-untyped-def]
    """Run the sweep or dispatch flow; a refusal exits 2, failed sends print the result and exit 1."""
    from models.db import StoreError
    from outbox.send import DeliveryFailed, NotConfigured

    try:
        return run_audited_flow(flow_fn, actor=actor(None), **params)
    except (StoreError, NotConfigured) as exc:
        raise _fail(f"error: {exc}") from None
    except DeliveryFailed as exc:
        for line in (exc.result or {}).get("lines", []):
            typer.echo(line)
        typer.echo(f"error: {exc}", err=True)
        typer.echo("see them with: roadmap outbox --state failed; send them now with: roadmap outbox send", err=True)
        raise typer.Exit(EXIT_FAILED_SENDS) from None


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
    twice. When sends fail it exits 1 with a count; they stay queued in `roadmap outbox`, and the
    dispatch deployment (or `roadmap outbox send`) retries them with backoff. A --roadmap or
    --timezone that names nothing in the store is refused (exit 2) with what the store holds.

    Example: roadmap sweep --as-of 2020-05-25 --dry-run
    """
    from operations.sweep import check_scope
    from tasks.sweep import SweepScopeError

    day = _parse_date(as_of, "--as-of")
    url = _url(db)
    with cli_context(db) as op:
        try:
            check_scope(op, roadmaps=roadmap, timezones=timezone)
        except SweepScopeError as exc:
            raise _fail(f"error: {exc}") from None
    quiet_prefect()
    from flows.sweep import sweep as sweep_flow

    result = _run_sending_flow(sweep_flow, as_of=day, db=url, dry_run=dry_run, roadmaps=roadmap, timezones=timezone)
    for line in result["lines"]:
        typer.echo(line)
    if dry_run:
        typer.echo(f"dry run: {len(result['digests'])} digests would be sent; nothing was written")
        for recipient, subject, text in result["digests"]:
            typer.echo(f"\n--- to {recipient}: {subject}\n{text}")


outbox_app = typer.Typer(
    help="The outbox: what was queued, sent and failed; `roadmap outbox send` sends what is due now.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@outbox_app.callback()
def outbox(
    ctx: typer.Context,
    state: Annotated[
        Literal["pending", "failed", "sent", "no-contact", "open", "all"],
        typer.Option("--state", help="pending, failed, sent, no-contact, open (not sent) or all"),
    ] = "open",
    roadmap: Annotated[str | None, typer.Option("--roadmap", help="only this roadmap")] = None,
    limit: Annotated[int, typer.Option("--limit", help="show at most N rows, newest first (0 = all)")] = 100,
    format: Annotated[Literal["table", "json"], typer.Option("--format", help="table or json")] = "table",
    db: DbOption = None,
) -> None:
    """Show the outbox: counts by state, the errors of what failed (grouped), and the messages.

    URLs are masked; a failed send shows when it is tried next. `roadmap outbox send` sends what is
    due now (what the dispatch deployment does every 5 minutes).

    Example: roadmap outbox --state failed
    """
    from operations.outbox import STATES, outbox_overview

    if ctx.invoked_subcommand is not None:
        return
    with cli_context(db, readonly=True) as op:
        overview = outbox_overview(op, state=state, roadmap=roadmap, limit=limit)
    counts, failed, shown = overview["counts"], overview["errors"], overview["messages"]
    if format == "json":
        typer.echo(json.dumps(overview, ensure_ascii=False, indent=2))
        return
    typer.echo("outbox: " + ", ".join(f"{s} {counts.get(s, 0)}" for s in STATES))
    for e in failed:
        when = f"; next try from {e['next_attempt_at'][:16]}" if e["next_attempt_at"] else ""
        typer.echo(f"failed: {e['messages']} × {e['error']} ({e['recipients']} recipients{when})")
    for r in shown:
        when = f"next try {r['next_attempt_at'][:16]}" if r["next_attempt_at"] else (r["sent_at"] or "")[:16]
        typer.echo(f"{r['id']:>6}  {r['state']:<10} {r['kind']:<10} {r['due_on']}  {r['recipient']:<32} "
                   f"attempts {r['attempts']}  {when}")  # fmt: skip
    if not shown:
        typer.echo("(nothing to show)")


@outbox_app.command("send")
def outbox_send(db: DbOption = None) -> None:
    """Send what the outbox holds that is due now: new messages and failed ones whose backoff has passed.

    Runs the dispatch flow once (the dispatch deployment runs it every 5 minutes). Exits 1 with a
    count when sends failed; they stay queued for the next try.

    Example: roadmap outbox send
    """
    url = _url(db)
    quiet_prefect()
    from flows.dispatch import dispatch as dispatch_flow

    result = _run_sending_flow(dispatch_flow, db=url)
    for line in result["lines"]:
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.command()(sweep)
    app.add_typer(outbox_app, name="outbox")
