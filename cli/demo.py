"""`roadmap demo`: the whole product in one command, on the embedded defaults."""

from __future__ import annotations

import hashlib
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.runner import quiet_prefect, run_flow
from cli.store import _parse_date
from models.db import open_store, session_scope
from notifications.mailsink import MailSink
from tasks.registry import decode_csv, load_orgs, load_parties, parse_orgs_csv, parse_parties_csv

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "roadmaps" / "sechenovsky-2020.yaml"
ORGS = ROOT / "roadmaps" / "registry" / "sechenovsky-orgs.csv"
PARTIES = ROOT / "roadmaps" / "registry" / "sechenovsky-parties.csv"


def demo(
    as_of: Annotated[str, typer.Option("--as-of", help="the day to sweep as of")] = "2020-05-25",
    db: Annotated[
        str | None, typer.Option("--db", help="store URL (default: a new SQLite file in a temp folder)")
    ] = None,
    print_only: Annotated[bool, typer.Option("--print", help="print the digests instead of delivering them")] = False,
) -> None:
    """Load the sample registry, sync the Sechenovsky roadmap, sweep, deliver to a local mail sink, show the result.

    The mail sink is an SMTP server on 127.0.0.1 that this command starts and stops; channels other
    than e-mail (the sample has an ntfy contact) are recorded, never sent. The store is kept so that
    `roadmap status --db …` and `roadmap outbox --db …` can look at it afterwards.

    Example: roadmap demo --as-of 2020-09-10
    """
    day = _parse_date(as_of, "--as-of")
    assert day is not None
    folder = None if db else Path(tempfile.mkdtemp(prefix="roadmap-demo-"))
    url = db or f"sqlite:///{folder / 'store.db'}"  # type: ignore[operator]
    quiet_prefect()
    from flows.sweep import sweep
    from flows.sync import sync_roadmap

    typer.echo(f"store: {url}")
    _load_registry(url, day)
    typer.echo(f"registry: {ORGS.name} and {PARTIES.name} loaded (sample data)")
    synced = run_flow(sync_roadmap, plan=str(PLAN), db=url, note="demo", actor="demo")
    for line in synced["lines"]:
        typer.echo(line)
    now = datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=6)
    if print_only:
        result = run_flow(sweep, as_of=day, db=url, dry_run=True, now=now)
        _echo_lines(result["lines"])
        for recipient, subject, text in result["digests"]:
            typer.echo(f"\n--- to {recipient}: {subject}\n{text}")
        return
    with MailSink() as sink:
        result = run_flow(sweep, as_of=day, db=url, smtp_url=sink.url("roadmap-demo@example.org"), now=now,
                          external="record")  # fmt: skip
        received = sink.received
    _echo_lines(result["lines"])
    typer.echo(f"\nmail sink on 127.0.0.1:{sink.port} received {len(received)} digests:")
    for message in received:
        typer.echo(f"  to {', '.join(message.recipients)}: {message.subject}")
    for recipient, subject, _text in result["recorded"]:
        from models.addresses import mask_url

        typer.echo(f"  recorded, not sent (not e-mail): {mask_url(recipient)}: {subject}")
    heads = sorted((m for m in received if any("head" in r for r in m.recipients)), key=lambda m: m.recipients)
    if heads or received:
        shown = (heads or received)[0]
        typer.echo(f"\nthe digest to {', '.join(shown.recipients)} (plain-text part):\n")
        typer.echo(shown.part("plain"))
    typer.echo("look further:")
    typer.echo(f"  roadmap status --db {url} --as-of {day.isoformat()}")
    typer.echo(f"  roadmap outbox --db {url} --state all")


def _echo_lines(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line)


def _load_registry(url: str, day: date) -> None:
    engine = open_store(url)
    now = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    try:
        for path, parse, load in ((ORGS, parse_orgs_csv, load_orgs), (PARTIES, parse_parties_csv, load_parties)):
            data = path.read_bytes()
            rows = parse(decode_csv(data, source=str(path)), source=str(path))
            with session_scope(engine) as session:
                load(session, rows, actor="demo", now=now, source=str(path), sha256=hashlib.sha256(data).hexdigest())  # type: ignore[operator]
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command()(demo)
