"""The `roadmap` command: a thin face over the plan language (and later the store and the flows).

Exit codes: 0 success; 1 the audit chain is broken (audit verify), or an unexpected internal error; 2 a
refusal: bad input (an invalid plan, an unreadable deadline phrase, a wrong option) with a message naming
the file, line and field, or a request that would do nothing or cannot be done, with what exists instead.

Every command imports the modules it works with inside its function, when it runs: importing the command line
loads typer and the settings only, so `roadmap --help` and a light command such as `roadmap status` do not pay for
Prefect, the store's migrations, the plan language, the report writers or the mentorship matching (issue 15;
tests/test_status_imports.py holds it). A module-level import in cli/ is for what a command's signature or help
text needs.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from cli import audit, demo, render, schedule, serve, store, sweep
from cli import importing as import_command
from cli import mentorship as mentorship_commands
from cli import web as web_command
from cli.errors import EXIT_INVALID, fail
from cli.monitor import register as register_monitoring
from cli.registry import orgs_app, parties_app
from cli.report import report_app

if TYPE_CHECKING:
    from models.deadline import Period


app = typer.Typer(
    name="roadmap",
    help=(
        "Roadmap engine for the target model of mentorship (ЦМН): validate roadmap plans, read deadlines, "
        "sync plans into the store, show where every milestone stands.\n\n"
        "The store is ROADMAP_DB or --db (any SQLAlchemy URL), by default a SQLite file (see `roadmap info`).\n\n"
        "Exit codes: 0 ok; 1 audit chain broken (roadmap audit verify) or an internal error; 2 invalid input or "
        "a refusal of a request that would do nothing or cannot be done (the message names the file, line and "
        "field, or what exists instead)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="plan files or folders of *.yaml plans")],
    summary: Annotated[bool, typer.Option("--summary", help="print a summary of each valid plan")] = False,
) -> None:
    """Validate roadmap plans: every error as FILE:LINE:COLUMN: FIELD: MESSAGE; exit 2 if any is invalid.

    Example: roadmap validate roadmaps/
    """
    from models.loader import PlanError, find_plans, load_plan

    files = list(find_plans(paths))
    if not files:
        raise fail(f"no plan files (*.yaml, *.yml) found in: {', '.join(map(str, paths))}")
    invalid = 0
    for file in files:
        try:
            roadmap = load_plan(file)
        except PlanError as exc:
            invalid += 1
            for issue in exc.issues:
                typer.echo(str(issue), err=True)
            continue
        if summary:
            typer.echo(render.plan_summary(roadmap, file))
        else:
            review = roadmap.review_count
            # a draft from `roadmap import` is valid but not yet checked: say so on every validation
            to_review = f", {review} review notes left (a draft: check and delete them)" if review else ""
            typer.echo(
                f"ok {file}: {roadmap.id}, {len(roadmap.items)} items, {len(roadmap.indicators)} indicators{to_review}"
            )
    valid = len(files) - invalid
    typer.echo(f"{valid} valid, {invalid} invalid", err=bool(invalid))
    if invalid:
        raise typer.Exit(EXIT_INVALID)


@app.command()
def show(
    plan: Annotated[Path, typer.Argument(help="the plan file")],
    format: Annotated[Literal["text", "json"], typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Show a plan: sections, items with parsed windows, parties, indicators.

    The JSON form is a stable interface: {"id", "title", "timezone", "period": {"start", "end"},
    "items": [{"number", "title", "section", "deadline": {"text", "kind", "start", "end",
    "recurrence"}, "responsible", "result", "scope"}], "indicators": [{"name", "targets"}]}.

    Example: roadmap show roadmaps/sechenovsky-2020.yaml --format json
    """
    from models.loader import PlanError, load_plan

    try:
        roadmap = load_plan(plan)
    except PlanError as exc:
        raise fail(str(exc)) from None
    if format == "json":
        typer.echo(json.dumps(render.plan_json(roadmap), ensure_ascii=False, indent=2))
    else:
        typer.echo(render.plan_text(roadmap))


def _period_option(value: str | None) -> Period | None:
    from models.deadline import Period

    if value is None:
        return None
    text = value.strip()
    try:
        if "-" in text and len(text) == 9:
            first, last = (int(p) for p in text.split("-"))
        elif text.isdigit() and len(text) == 4:
            first = last = int(text)
        elif ".." in text:
            a, b = text.split("..")
            return Period(date.fromisoformat(a), date.fromisoformat(b))
        else:
            raise ValueError
        if last < first:
            raise ValueError
    except ValueError:
        raise fail(
            f"--period: expected YEAR, YEAR-YEAR (e.g. 2020-2024) or START..END dates, found «{value}»"
        ) from None
    return Period(date(first, 1, 1), date(last, 12, 31))


@app.command()
def when(
    phrase: Annotated[str, typer.Argument(help="the deadline wording, e.g. «ежегодно к 1 ноября»")],
    period: Annotated[
        str | None, typer.Option("--period", help="the roadmap period: YEAR, YEAR-YEAR or START..END")
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA time zone of the roadmap")] = None,
) -> None:
    """Read a deadline phrase and print it as JSON: {"text", "kind", "start", "end", "recurrence", "windows"}.

    kind is one of window, yearly, continuous, on_demand, separate_schedule, external, alternatives,
    windows. Exit 2 with the accepted forms when the phrase cannot be read.

    Example: roadmap when "ежегодно к 1 ноября" --period 2021-2024
    """
    from models.deadline import DeadlineError, parse_deadline

    context = _period_option(period)
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise fail(f"--tz: unknown IANA time zone «{tz}» (e.g. Europe/Moscow, Asia/Tomsk)") from None
    try:
        deadline = parse_deadline(phrase, period=context)
    except DeadlineError as exc:
        typer.echo(f"error: {exc.short}", err=True)
        typer.echo("accepted forms:", err=True)
        for form in render.accepted_forms():
            typer.echo(f"  - {form}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    data = deadline.as_json()
    if tz is not None:
        data["timezone"] = tz
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def schema() -> None:
    """Print the JSON Schema of a roadmap plan (the same file ships as models/roadmap.schema.json).

    Example: roadmap schema > roadmap.schema.json
    """
    from models.schema import plan_schema

    typer.echo(json.dumps(plan_schema(), ensure_ascii=False, indent=2))


store.register(app)
sweep.register(app)
serve.register(app)
web_command.register(app)
demo.register(app)
audit.register(app)
schedule.register(app)
register_monitoring(app)
import_command.register(app)
mentorship_commands.register(app)  # issue 17: participants, pairs, meetings, feedback, reflection
app.add_typer(report_app, name="report")
app.add_typer(orgs_app, name="orgs")
app.add_typer(parties_app, name="parties")


def main() -> None:  # pragma: no cover - console entry point wrapper
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
