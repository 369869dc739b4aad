"""`roadmap schedule`: give a milestone that waits for a date its window (a thin face over tasks.schedule)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.audit import bulk_file
from cli.errors import refuse
from cli.store import DbOption, _fail, cli_context
from operations.context import Actor


def schedule(
    milestone: Annotated[int | None, typer.Argument(help="the milestone id (as reminders and status show it)")] = None,
    window: Annotated[
        str | None, typer.Option("--window", help="the window in words: «с 1 по 15 октября 2021 г.», «до 15.10.2021»")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="the party setting the date (default ROADMAP_ACTOR or operator)")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="why, or on what basis (e.g. «график УО № 3»)")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="schedule in bulk from a CSV file")] = None,
    roadmap: Annotated[str | None, typer.Option("--roadmap", help="the roadmap of the --csv rows")] = None,
    db: DbOption = None,
) -> None:
    """Give a milestone that waits for a date («по отдельному графику», …) its window, without amending the plan.

    The window is read like a plan's deadline and must be one window inside the roadmap's period (or
    the item's own bounds). The milestone becomes planned and the usual reminders follow; the change
    is an audit event. Only a responsible party, one above it, or the operator may schedule; a
    milestone dated by the plan is changed by amending the plan instead. The CSV has the header
    organisation,item,occurrence,window (optional note) and is refused whole, each bad line named.

    Example: roadmap schedule 42 --window "с 1 по 15 октября 2021 г." --by uo
    """
    from models.ru import format_window
    from operations.milestones import NotFound, ScheduleError, schedule_from_csv, schedule_with_previous

    who = Actor.party_from_cli(by)
    with cli_context(db) as ctx:
        try:
            if csv_file is not None:
                roadmap_id, text = bulk_file(csv_file, roadmap)
                count = schedule_from_csv(ctx, roadmap_id=roadmap_id, text=text, source=str(csv_file), by=who)
                typer.echo(f"{csv_file}: {count} milestones scheduled")
                return
            if milestone is None or window is None:
                raise _fail("give a MILESTONE id and --window (or --csv FILE --roadmap ID)")
            done, was = schedule_with_previous(ctx, milestone_id=milestone, window=window, by=who, note=note)
        except (ScheduleError, NotFound) as exc:
            raise refuse(str(exc)) from None
    before = f"it was {format_window(*was)}" if was else "it was waiting for a date"
    org = f" for {done.org_id}" if done.org_id else ""
    typer.echo(f"milestone {milestone} ({done.roadmap_id} item {done.item_number}{org}) scheduled: "
               f"{format_window(done.window_start, done.window_end)} ({before}); reminders now follow its "
               "deadline")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command()(schedule)
