"""Completion and audit commands: complete and reopen (each with its receipt), audit log; the chain's other
commands are in cli/audit_chain.py."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from cli.audit_chain import audit_app
from cli.errors import refuse
from cli.store import DbOption, _fail, _parse_date, cli_context
from operations.context import Actor, Context


def bulk_file(csv_file: Path, roadmap: str | None) -> tuple[str, str]:
    """The roadmap id and the text of a --csv file of milestone rows; a refusal (exit 2) for a missing --roadmap,
    a missing or unreadable file, or one that is not UTF-8 (naming the line)."""
    from tasks.registry import RegistryError, decode_csv

    if roadmap is None:
        raise _fail("--csv needs --roadmap ID (the roadmap whose milestones the rows name)")
    try:
        data = csv_file.read_bytes()
    except FileNotFoundError:
        raise _fail(f"{csv_file}: no such file") from None
    except IsADirectoryError:
        raise _fail(f"{csv_file}: is a folder; expected a CSV file") from None
    except OSError as exc:
        raise _fail(f"{csv_file}: cannot be read ({exc.strerror})") from None
    try:
        return roadmap, decode_csv(data, source=str(csv_file))
    except RegistryError as exc:
        raise _fail("\n".join(map(str, exc.issues))) from None


def _parse_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"--at: expected a date and time YYYY-MM-DDTHH:MM (or a date), found «{value}»") from None


def complete(
    milestone: Annotated[int | None, typer.Argument(help="the milestone id (as reminders and status show it)")] = None,
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="the result document: приказ № …, отчёт, …")
    ] = None,
    doc_number: Annotated[str | None, typer.Option("--doc-number", help="the document's number")] = None,
    doc_date: Annotated[str | None, typer.Option("--doc-date", help="the document's date YYYY-MM-DD")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="attach the document (stored by content hash)")] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="the party completing it (default ROADMAP_ACTOR or operator)")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="when it was done (default now)")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="complete in bulk from a CSV file")] = None,
    roadmap: Annotated[str | None, typer.Option("--roadmap", help="the roadmap of the --csv rows")] = None,
    db: DbOption = None,
) -> None:
    """Record a milestone as done with its evidence (or many, from a CSV); every completion is audited.

    Only a party responsible for it, a party above one in the escalation chain, or the operator may
    complete it; completing a done or retired milestone is refused with the reason. The CSV has the
    header organisation,item,occurrence,evidence,date,by (optional doc_number,doc_date) and is
    refused whole, each bad line named.

    Example: roadmap complete 42 --evidence "Приказ ОО № 15 от 25.05.2020" --by oo_head
    """
    from operations import audit as audit_ops
    from operations.milestones import CompletionError, NotFound, complete_from_csv, complete_milestone

    who = Actor.party_from_cli(by)
    with cli_context(db) as ctx:
        start = audit_ops.chain_length(ctx)
        try:
            if csv_file is not None:
                roadmap_id, text = bulk_file(csv_file, roadmap)
                count = complete_from_csv(ctx, roadmap_id=roadmap_id, text=text, source=str(csv_file))
                typer.echo(f"{csv_file}: {count} milestones recorded as done")
                _receipts(ctx, start, "milestone.completed")
                return
            if milestone is None or evidence is None:
                raise _fail("give a MILESTONE id and --evidence (or --csv FILE --roadmap ID)")
            done = complete_milestone(ctx, milestone_id=milestone, evidence=evidence, by=who, at=_parse_at(at),
                                      doc_number=doc_number, doc_date=_parse_date(doc_date, "--doc-date"),
                                      file=file)  # fmt: skip
        except (CompletionError, NotFound) as exc:
            raise refuse(str(exc)) from None
        suffix = f", late by {done.late_days} days" if done.late_days > 0 else ""
        typer.echo(f"milestone {milestone} ({done.roadmap_id} item {done.item}"
                   f"{' for ' + done.org_id if done.org_id else ''}) done by {who}{suffix}")  # fmt: skip
        _receipts(ctx, start, "milestone.completed")


def reopen(
    milestone: Annotated[int, typer.Argument(help="the milestone id")],
    reason: Annotated[str, typer.Option("--reason", help="why the completion is corrected")],
    by: Annotated[str | None, typer.Option("--by", help="who reopens it (default ROADMAP_ACTOR or operator)")] = None,
    db: DbOption = None,
) -> None:
    """Reopen a done milestone to correct it; the earlier completion stays in the history.

    Example: roadmap reopen 42 --reason "приложен не тот приказ"
    """
    from operations import audit as audit_ops
    from operations.milestones import CompletionError, NotFound, reopen_milestone

    with cli_context(db) as ctx:
        start = audit_ops.chain_length(ctx)
        try:
            reopen_milestone(ctx, milestone_id=milestone, reason=reason, by=Actor.party_from_cli(by, ctx.settings))
        except (CompletionError, NotFound) as exc:
            raise refuse(str(exc)) from None
        typer.echo(f"milestone {milestone} reopened: {reason}")
        _receipts(ctx, start, "milestone.reopened")


@audit_app.command("log")
def log(
    roadmap: Annotated[str | None, typer.Option("--roadmap", help="only this roadmap")] = None,
    org: Annotated[str | None, typer.Option("--org", help="only events about this organisation")] = None,
    milestone: Annotated[int | None, typer.Option("--milestone", help="only this milestone")] = None,
    since: Annotated[str | None, typer.Option("--since", help="from this date")] = None,
    until: Annotated[str | None, typer.Option("--until", help="up to this date (inclusive)")] = None,
    format: Annotated[Literal["table", "json", "csv"], typer.Option("--format", help="table, json or csv")] = "table",
    show_contacts: Annotated[
        bool, typer.Option("--show-contacts", help="print e-mail addresses and URLs in full (masked by default)")
    ] = False,
    db: DbOption = None,
) -> None:
    """Show the history: who did what (and how they were identified: via, detail), when, to what, with the payload.

    E-mail addresses and notification URLs in the payloads (whom a reminder went to) are masked
    (s***@example.org, ntfy://host/***) unless the operator gives --show-contacts; the payload is
    hashed as stored, so recomputing a hash from an export needs --show-contacts.

    Example: roadmap audit log --roadmap sechenovsky-2020 --format csv
    """
    from models.addresses import mask_contacts
    from operations import audit as audit_ops
    from tasks.status import FilterError

    start, end = _parse_date(since, "--since"), _parse_date(until, "--until")
    with cli_context(db, readonly=True) as ctx:
        try:
            events = audit_ops.audit_log(ctx, roadmap=roadmap, org=org, milestone=milestone, since=start, until=end)
        except FilterError as exc:
            raise _fail(f"error: {exc}") from None
    rows = [
        {"seq": e.seq, "at_utc": e.at_utc.isoformat(), "at_local": e.at_local, "actor": e.actor, "action": e.action,
         "subject": e.subject, "payload": e.payload if show_contacts else mask_contacts(e.payload), "hash": e.hash,
         "via": e.actor_via, "detail": e.actor_detail}
        for e in events
    ]  # fmt: skip
    if format == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["seq", "at_utc", "at_local", "actor", "action", "subject", "payload", "hash", "via", "detail"])
        for r in rows:
            payload = json.dumps(r["payload"], ensure_ascii=False)
            writer.writerow([*(r[k] for k in ("seq", "at_utc", "at_local", "actor", "action", "subject")),
                             payload, r["hash"], r["via"], r["detail"]])  # fmt: skip
    else:
        for r in rows:
            typer.echo(f"{r['seq']:>6}  {r['at_local']}  {r['actor']:<12} {r['action']:<22} {r['subject']}")
        if not rows:
            typer.echo("(no events match)")


def _receipts(ctx: Context, start: int, action: str) -> None:
    """Print the receipt of each event the command recorded (signed first when a key is configured)."""
    from operations import audit as audit_ops

    found = audit_ops.receipts_since(ctx, since=start, action=action)
    if len(found.receipts) == 1:
        for line in found.receipts[0][1].lines():
            typer.echo(line)
    elif found.receipts:
        typer.echo(f"receipts ({len(found.receipts)}; prove one with: roadmap audit prove EVENT:HASH):")
        for subject, receipt in found.receipts:
            signed = (
                f" (signed in the checkpoint of event {receipt.checkpoint_size})" if receipt.checkpoint_size else ""
            )
            typer.echo(f"  {subject}: {receipt.token}{signed}")
    if found.warning:
        typer.echo(found.warning, err=True)


def register(app: typer.Typer) -> None:
    app.command()(complete)
    app.command()(reopen)
    app.add_typer(audit_app, name="audit")
