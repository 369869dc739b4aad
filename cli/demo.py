"""`roadmap demo`: the whole product in one command, on the embedded defaults."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.runner import quiet_prefect, run_flow
from cli.store import _parse_date, _url
from models.settings import get_settings
from operations.context import Actor, Clock, Context

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "roadmaps" / "sechenovsky-2020.yaml"
ORGS = ROOT / "roadmaps" / "registry" / "sechenovsky-orgs.csv"
PARTIES = ROOT / "roadmaps" / "registry" / "sechenovsky-parties.csv"
FIGURES = ROOT / "roadmaps" / "registry" / "sechenovsky-indicators.csv"
DEMO_USERS = (
    ("operator@example.org", "operator", None),
    ("sech-oo-01-curator@example.org", "curator", "sech-oo-01"),
    ("auditor@example.org", "auditor", None),
)


def demo(
    as_of: Annotated[str, typer.Option("--as-of", help="the day to sweep as of")] = "2020-05-25",
    db: Annotated[
        str | None, typer.Option("--db", help="store URL (default: a new SQLite file in a temp folder)")
    ] = None,
    print_only: Annotated[bool, typer.Option("--print", help="print the digests instead of delivering them")] = False,
    web: Annotated[
        bool, typer.Option("--web", help="then serve the web pages, with ready-made sign-ins (Ctrl-C stops)")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="port of the web pages with --web")] = 8000,
) -> None:
    """Load the sample registry, sync the Sechenovsky roadmap, sweep, deliver to a local mail sink, show the result;
    then load the sample figures and run the 2020 monitoring, whose notice (report attached) goes to the sink too.

    The mail sink is an SMTP server on 127.0.0.1 that this command starts and stops; channels other
    than e-mail (the sample has an ntfy contact) are recorded, never sent. The store and the report
    files (in a new temporary folder, or beside a SQLite file given with --db) are kept so that
    `roadmap status --db …`, `roadmap outbox --db …` and a browser can look at them afterwards.

    With --web the digests link to the pages, and the command ends by serving them on 127.0.0.1:PORT,
    printing one-time sign-in links for the sample operator and a sample school's curator.

    Example: roadmap demo --as-of 2020-09-10
    """
    from models.db import sqlite_path
    from notifications.mailsink import MailSink

    day = _parse_date(as_of, "--as-of")
    assert day is not None
    if db is not None:
        _url(db)  # an unsupported database is refused here, before anything starts
    # the store and the report files together: beside a SQLite file given with --db, else in a new folder
    given = sqlite_path(db) if db else None
    folder = given.resolve().parent if given is not None else Path(tempfile.mkdtemp(prefix="roadmap-demo-"))
    url = db or f"sqlite:///{folder / 'store.db'}"
    if web:
        # the digests link to the pages the command serves at the end
        os.environ["ROADMAP_WEB_URL"] = f"http://127.0.0.1:{port}"
        os.environ.setdefault("ROADMAP_DATA_DIR", str(folder))
        get_settings.cache_clear()
    quiet_prefect()
    from flows.monitor import monitor
    from flows.sweep import sweep
    from flows.sync import sync_roadmap

    typer.echo(f"store: {url}")
    _load_registry(url, day)
    typer.echo(f"registry: {ORGS.name} and {PARTIES.name} loaded (sample data)")
    who = Actor.from_cli("demo")
    synced = run_flow(sync_roadmap, plan=str(PLAN), db=url, note="demo", actor=who)
    for line in synced["lines"]:
        typer.echo(line)
    now = datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=6)
    if print_only:
        result = run_flow(sweep, as_of=day, db=url, dry_run=True, now=now, actor=who)
        _echo_lines(result["lines"])
        for recipient, subject, text in result["digests"]:
            typer.echo(f"\n--- to {recipient}: {subject}\n{text}")
        _load_figures(url, now)
        monitored = run_flow(monitor, roadmap="sechenovsky-2020", year=2020, db=url, now=now, actor=who,
                             notify=False, report_dir=str(folder / "reports"))  # fmt: skip
        typer.echo("\nmonitoring of 2020 (sample figures):")
        _echo_lines(monitored["lines"])
        return
    with MailSink() as sink:
        result = run_flow(sweep, as_of=day, db=url, smtp_url=sink.url("roadmap-demo@example.org"), now=now,
                          external="record", actor=who)  # fmt: skip
        received = sink.received
    # the flow counts a recorded message as delivered; the demo says what actually left the program
    _echo_lines([line for report in result["decided"] for line in report.lines()])
    _echo_lines(_delivered(len(received), "e-mails (digests)", result["recorded"], result["dispatch"]))
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

    _load_figures(url, now)
    typer.echo(f"monitoring: {FIGURES.name} loaded (sample data)")
    with MailSink() as sink:
        monitored = run_flow(monitor, roadmap="sechenovsky-2020", year=2020, db=url, now=now, actor=who,
                             smtp_url=sink.url("roadmap-demo@example.org"), external="record",
                             report_dir=str(folder / "reports"))  # fmt: skip
        notices = sink.received
    sent = monitored["dispatch"]
    summary = _delivered(len(notices), "e-mails (monitoring notices)", monitored["recorded"], sent) if sent else []
    _echo_lines([line for line in monitored["lines"] if not line.startswith(("sent ", "  failed"))] + summary)
    typer.echo(f"\nmail sink on 127.0.0.1:{sink.port} received {len(notices)} monitoring notices:")
    for message in notices:
        files = ", ".join(filter(None, (a.get_filename() for a in message.message.iter_attachments())))
        typer.echo(f"  to {', '.join(message.recipients)}: {message.subject}" + (f" [attached: {files}]" if files
                                                                                   else ""))  # fmt: skip
    users = _demo_users(url, now)
    typer.echo("\nlook further:")
    typer.echo(f"  roadmap status --db {url} --as-of {day.isoformat()}")
    typer.echo(f"  roadmap outbox --db {url} --state all")
    typer.echo(f"  the monitoring report in a browser: {monitored['reports'][0]}")
    if not web:
        typer.echo(f"  the web pages: roadmap demo --web (or: roadmap web --db {url}, then")
        typer.echo(f"    roadmap users link {users[0]} --db {url} prints a one-time sign-in link)")
        return
    _serve_pages(url, port, users)


def _demo_users(url: str, now: datetime) -> list[str]:
    """The sample operator, a school's curator (the address its digest went to) and an auditor, as users."""
    from operations.users import add_user

    with _demo_context(url, now) as ctx:
        for email, role, org in DEMO_USERS:
            add_user(ctx, email=email, role=role, org_id=org)
    return [email for email, _role, _org in DEMO_USERS]


def _serve_pages(url: str, port: int, users: list[str]) -> None:
    """Serve the pages on loopback with a one-time sign-in link per sample user printed first."""
    import uvicorn

    from operations.users import sign_in_link
    from web.app import create_app

    base = f"http://127.0.0.1:{port}"
    typer.echo(f"\nweb pages at {base}/ (Ctrl-C stops); one-time sign-in links, valid 20 minutes:")
    with _demo_context(url, datetime.now(UTC)) as ctx:  # the links are valid from now, not from the demo's day
        for (email, role, _org), path in zip(DEMO_USERS, ("/board", "/milestones", "/audit"), strict=True):
            typer.echo(f"  {role:<8} {email}: {base}/auth/link/{sign_in_link(ctx, email=email, next_path=path)}")
    typer.echo(f"  (a new one: roadmap users link EMAIL --db {url})")
    uvicorn.run(create_app(db_url=url), host="127.0.0.1", port=port, log_level="warning")


def _delivered(emails: int, what: str, recorded: list[tuple[str, str, str]], dispatch: Any) -> list[str]:
    """What went out, counted by what arrived: «sent 26 e-mails (digests); 2 ntfy messages recorded, not sent»."""
    schemes = Counter(recipient.split("://", 1)[0] for recipient, _subject, _text in recorded)
    kept = " and ".join(f"{n} {scheme}" for scheme, n in sorted(schemes.items()))
    line = f"sent {emails} {what}"
    if kept:
        line += f"; {kept} {'message' if sum(schemes.values()) == 1 else 'messages'} recorded, not sent"
    out = [line + f"; {dispatch.failed} failed"]
    return out + [f"  failed: {failure}" for failure in dispatch.failures]


def _echo_lines(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line)


def _load_figures(url: str, now: datetime) -> None:
    from operations.monitoring import load_figures
    from tasks.registry import decode_csv

    data = FIGURES.read_bytes()
    with _demo_context(url, now) as ctx:
        load_figures(ctx, text=decode_csv(data, source=str(FIGURES)), source=str(FIGURES),
                     sha256=hashlib.sha256(data).hexdigest())  # fmt: skip


def _load_registry(url: str, day: date) -> None:
    # the organisations first, then the parties: each file parsed, then loaded in its own transaction
    from operations.registry import load_registry
    from tasks.registry import decode_csv, load_orgs, load_parties, parse_orgs_csv, parse_parties_csv

    with _demo_context(url, datetime.combine(day, datetime.min.time(), tzinfo=UTC)) as ctx:
        for path, parse, load in ((ORGS, parse_orgs_csv, load_orgs), (PARTIES, parse_parties_csv, load_parties)):
            data = path.read_bytes()
            rows = parse(decode_csv(data, source=str(path)), source=str(path))
            load_registry(ctx, rows, source=str(path), sha256=hashlib.sha256(data).hexdigest(), load=load)


@contextmanager
def _demo_context(url: str, now: datetime) -> Iterator[Context]:
    """The demo's store at the demo's instant, acted on by «demo» (as the CLI identifies it)."""
    from models.db import open_store

    engine = open_store(url)
    try:
        yield Context(engine, Actor.from_cli("demo"), Clock(now))
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command()(demo)
