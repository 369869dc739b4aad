"""Store commands: sync a plan, diff two plans, show status, show where the store is."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import click
import typer

from cli.errors import fail as _fail
from cli.runner import actor, quiet_prefect, run_audited_flow, settled_imports, store_url
from models.settings import SettingsError, get_settings
from operations.context import Clock, Context

if TYPE_CHECKING:
    from operations.status import StatusView
    from tasks.status import StatusRow


DbOption = Annotated[
    str | None, typer.Option("--db", help="store URL (any SQLAlchemy URL); default ROADMAP_DB or the default file")
]


def _url(db: str | None) -> str:
    try:
        return store_url(db)
    except SettingsError as exc:
        raise _fail(f"error: {exc}") from None


def _engine(db: str | None, *, readonly: bool = False):  # type: ignore[no-untyped-def]
    """The store opened for a command; `readonly` for commands that only read (they work on a read-only store)."""
    from models.db import StoreError, open_store

    url = _url(db)
    try:
        return open_store(url, readonly=readonly)
    except StoreError as exc:
        raise _fail(f"error: {exc}") from None


@contextmanager
def cli_context(db: str | None, *, readonly: bool = False, by: str | None = None) -> Iterator[Context]:
    """What a command's operation runs with: the store (--db), who acts (--by, ROADMAP_ACTOR or the OS user),
    the clock read once now, and the settings; the store is closed when the command is done."""
    engine = _engine(db, readonly=readonly)
    try:
        try:
            ctx = Context(engine=engine, actor=actor(by), clock=Clock(), settings=get_settings())
        except SettingsError as exc:
            raise _fail(f"error: {exc}") from None
        yield ctx
    finally:
        engine.dispose()


def sync(
    plan: Annotated[Path, typer.Argument(help="the plan file (YAML)")],
    db: DbOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would change; write nothing")] = False,
    note: Annotated[str | None, typer.Option("--note", help="why this version (the amendment's note)")] = None,
    by: Annotated[str | None, typer.Option("--by", help="who loads it (default ROADMAP_ACTOR or the OS user)")] = None,
    format: Annotated[Literal["text", "json"], typer.Option("--format", help="text or json")] = "text",
    allow_empty: Annotated[
        bool, typer.Option("--allow-empty", help="store the plan even if an item reaches no organisation (warns)")
    ] = False,
) -> None:
    """Sync a plan into the store: store its version, fan its items out to organisations, migrate milestones.

    Running it twice on the same file changes nothing and says so. A changed plan is an amendment:
    open milestones are re-planned, done ones stay done, removed items' milestones are retired.
    A per-organisation item that would reach no organisation of the registry (the territory matches
    none, or has none of its kinds) refuses the sync (exit 2), naming the territory, the items and
    the registry's closest names; --allow-empty stores it anyway with a warning on stderr.
    Runs the sync-roadmap Prefect flow once (ephemeral API).

    Example: roadmap sync roadmaps/sechenovsky-2020.yaml --note "приказ № 45 от 01.09.2020"
    """
    from models.db import StoreError
    from models.loader import PlanError, load_plan, plan_cache
    from tasks.sync import SyncRefused

    try:
        load_plan(plan, plan_cache())  # refuse a bad plan here, with its located errors, before starting Prefect
    except PlanError as exc:
        raise _fail(str(exc)) from None
    url = _url(db)
    if not dry_run:
        _engine(db).dispose()  # a store this user may not write is refused here, before Prefect starts
    quiet_prefect()
    from flows.sync import sync_roadmap

    try:
        result = run_audited_flow(sync_roadmap, plan=str(plan), db=url, dry_run=dry_run, note=note,
                                  actor=actor(by), allow_empty=allow_empty)  # fmt: skip
    except (StoreError, SyncRefused) as exc:
        raise _fail("\n".join(f"error: {line}" for line in str(exc).splitlines())) from None
    for warning in result["report"].warnings:
        typer.echo(f"WARNING: {warning}", err=True)
    if format == "json":
        typer.echo(json.dumps(result["report"].as_json(), ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo("\n".join(result["lines"]))


def diff(
    old: Annotated[Path, typer.Argument(help="the earlier plan")],
    new: Annotated[Path, typer.Argument(help="the amended plan")],
    format: Annotated[Literal["text", "json"], typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Print the difference between two versions of a plan, item by item; the store is not touched.

    Reports items added, removed, with a changed deadline, responsible party, title (renamed),
    section (moved), result, scope or dependencies. Exit 0 either way.

    Example: roadmap diff roadmaps/sechenovsky-2020.yaml amended/sechenovsky-2020.yaml
    """
    from models.loader import PlanError, load_plan
    from models.plan_diff import diff_plans

    try:
        a, b = load_plan(old), load_plan(new)
    except PlanError as exc:
        raise _fail(str(exc)) from None
    result = diff_plans(a, b)
    if format == "json":
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo("\n".join(result.lines()))


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option}: expected a date YYYY-MM-DD, found «{value}»") from None


def status(
    roadmap: Annotated[str | None, typer.Option("--roadmap", help="only this roadmap id")] = None,
    org: Annotated[str | None, typer.Option("--org", help="only this organisation id")] = None,
    party: Annotated[str | None, typer.Option("--party", help="only milestones this party is responsible for")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only overdue milestones")] = False,
    all_: Annotated[bool, typer.Option("--all", help="also done and retired milestones")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="the date to judge by (default: today locally)")] = None,
    format: Annotated[Literal["table", "json", "csv"], typer.Option("--format", help="table, json or csv")] = "table",
    limit: Annotated[
        int | None,
        typer.Option("--limit", help="list at most N milestones, nearest first (table default 200; 0 = all)"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Counts by status per roadmap and organisation, and the open milestones with days left or late.

    Each milestone is judged by the date in its own time zone (or --as-of). JSON is a stable
    interface: {"as_of", "counts": {STATUS: n}, "milestones": [{"id", "roadmap", "item", "org",
    "occurrence", "start", "end", "status", "responsible", "done_at", "evidence", ...}]}. Table output
    goes through a pager on a terminal; JSON and CSV stream.

    Example: roadmap status --roadmap sechenovsky-2020 --overdue --as-of 2020-07-01
    """
    with (
        settled_imports()
    ):  # the store's tables and the status queries, and nothing else (tests/test_status_imports.py)
        import models.db  # noqa: F401  (opened by cli_context below)
        from operations.status import status_view
        from tasks.status import FilterError, StatusFilter

    day = _parse_date(as_of, "--as-of")
    f = StatusFilter(roadmap=roadmap, org=org, party=party, overdue_only=overdue, include_all=all_)
    cap = (TABLE_LIMIT if format == "table" else 0) if limit is None else limit
    with cli_context(db, readonly=True) as ctx:
        try:
            with status_view(ctx, f=f, as_of=day, limit=cap or None) as view:
                _print_status(view, day, format, cap)
        except FilterError as exc:
            raise _fail(f"error: {exc}") from None


def _print_status(view: StatusView, day: date | None, format: str, cap: int) -> None:
    when = view.as_of
    label = (day or max(when.values(), default=date.today())).isoformat() if isinstance(when, dict) else day
    if format == "json":
        _write_json(label, view.counts, view.rows)
    elif format == "csv":
        _write_csv(view.rows)
    else:
        lines = _table(label, view.counts, view.rows, cap)
        if sys.stdout.isatty():
            click.echo_via_pager(line + "\n" for line in lines)
        else:
            for line in lines:
                typer.echo(line)


def _write_json(as_of: object, counts: dict[str, object], rows: Iterable[StatusRow]) -> None:
    out = sys.stdout
    head = {"as_of": str(as_of), "counts": counts["counts"], "roadmaps": counts["roadmaps"]}
    # the milestones stream one per line after the small head, so a region's status never sits in memory
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "milestones": [')
    for i, row in enumerate(rows):
        out.write(("," if i else "") + "\n  " + json.dumps(row.as_json(), ensure_ascii=False))
    out.write("\n]}\n")


CSV_COLUMNS = ("id", "roadmap", "item", "title", "org", "org_name", "occurrence", "start", "end", "status",
               "days_left", "responsible", "result", "done_at", "done_by", "evidence")  # fmt: skip


def _write_csv(rows: Iterable[StatusRow]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        data = row.as_json()
        data["responsible"] = " ".join(row.responsible)
        writer.writerow(["" if data[c] is None else data[c] for c in CSV_COLUMNS])


TABLE_LIMIT = 200


def _table(as_of: object, counts: dict[str, object], rows: Iterable[StatusRow], cap: int) -> Iterator[str]:
    from models.store import STATUSES

    totals = counts["counts"]
    assert isinstance(totals, dict)
    yield f"as of {as_of}: " + ", ".join(f"{s} {totals.get(s, 0)}" for s in STATUSES)
    per_roadmap = counts["roadmaps"]
    per_org = counts["organisations"]
    assert isinstance(per_roadmap, dict) and isinstance(per_org, dict)
    for roadmap_id, c in sorted(per_roadmap.items()):
        yield f"{roadmap_id}: " + ", ".join(f"{s} {n}" for s, n in c.items() if n)
        for org_id, oc in sorted(per_org.get(roadmap_id, {}).items()):
            yield f"  {org_id or '(roadmap)'}: " + ", ".join(f"{s} {n}" for s, n in oc.items() if n)
    yield ""
    yield f"{'id':>6}  {'status':<16} {'window':<23} {'left':>5}  {'roadmap/item':<24} {'org':<14} responsible"
    shown = 0
    for row in rows:
        shown += 1
        window = f"{row.start or '…'}..{row.end or '…'}" if row.end or row.start else "no date yet"
        left = "" if row.days_left is None or row.status in ("done", "retired") else str(row.days_left)
        ref = f"{row.roadmap}/{row.item}" + (f" {row.occurrence}" if row.occurrence else "")
        yield (
            f"{row.id:>6}  {row.status:<16} {window:<23} {left:>5}  {ref:<24} {row.org or '—':<14} "
            f"{', '.join(row.responsible) or 'unassigned'}"
        )
        detail = f"        {_clip(row.title, 90)}"
        if row.result:
            detail += f" → {_clip(row.result, 60)}"
        if row.depends_on:
            detail += f" (after {', '.join(row.depends_on)})"
        if row.evidence:
            detail += f" [done {row.done_at:%Y-%m-%d} by {row.done_by}: {row.evidence}]" if row.done_at else ""
        yield detail
    if not shown:
        yield "(no milestones match)"
    listed = sum(n for s, n in totals.items() if s not in ("done", "retired"))
    if cap and shown == cap and listed > cap:
        yield f"… {listed - cap} more open milestones: --limit 0 lists them all, --format csv or json streams them"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def info(db: DbOption = None) -> None:
    """Show where the store is, its schema revision and what it holds.

    Example: roadmap info
    """
    from models.db import describe
    from operations.store import store_summary

    url = _url(db)
    from models.migrations import current_revision

    with cli_context(db, readonly=True) as ctx:
        held = store_summary(ctx)
        revision = current_revision(ctx.engine)
    typer.echo(f"store: {describe(url)}")
    typer.echo(f"schema revision: {revision}")
    typer.echo(f"organisations: {held.organisations}; milestones: {held.milestones}")
    for roadmap_id, version in held.roadmaps:
        typer.echo(f"roadmap {roadmap_id}: version {version}")


def register(app: typer.Typer) -> None:
    app.command()(sync)
    app.command()(diff)
    app.command()(status)
    app.command()(info)
