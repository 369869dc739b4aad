"""Mentorship cycle commands (issue 17): `roadmap participants|pairs|meetings|feedback|reflection …`.

A thin face over operations/mentorship.py: parse, call one operation, print. Exit codes: 0 success; 2 a
refused file (every problem as FILE:LINE: COLUMN: MESSAGE, nothing written) or a refusal (no participants,
no proposal, a party that may not complete the step). Participants appear by pseudonymous id only.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer

from cli.registry import ByOption, DbOption, DryRunOption, FormatOption, _fail, _group, _print, _read, _refuse
from cli.runner import quiet_prefect, run_flow, store_url
from cli.store import cli_context
from mentorship.vocabulary import DEFAULT_MAX_MENTEES
from models.settings import SettingsError
from operations.context import Actor

T = TypeVar("T")

participants_app = _group("The bases of mentees and mentors per organisation and academic year (pseudonymous ids).")
pairs_app = _group("Mentor-mentee pairs and groups: propose them (an exact assignment, explained), accept, list.")
meetings_app = _group("The pairs' meetings (знакомство, пробная, планирование, совместная работа, итоговая).")
feedback_app = _group("Feedback after each meeting: satisfied yes/no, a score 1-5, a comment.")
reflection_app = _group("Personal and group reflection, which closes a pair.")

OrgOption = Annotated[str, typer.Option("--org", help="the organisation id of the registry")]
YearOption = Annotated[int, typer.Option("--year", help="the academic year's first year: 2020 for 2020/2021")]
PartyOption = Annotated[
    str | None, typer.Option("--by", help="the party completing the roadmap step (default ROADMAP_ACTOR or operator)")
]
TzOption = Annotated[str, typer.Option("--tz", help="the time zone whose date is today (IANA name)")]


def _run(call: Callable[[], T], file: Path | None = None) -> T:
    """Call one operation; a refusal becomes its message on stderr and exit 2."""
    from mentorship.pairs import MentorshipError
    from models.db import StoreError
    from tasks.complete import CompletionError
    from tasks.registry import RegistryError

    try:
        return call()
    except RegistryError as exc:
        if file is None:
            for issue in exc.issues:
                typer.echo(str(issue), err=True)
            raise _fail(f"{len(exc.issues)} problems; nothing was accepted") from None
        raise _refuse(file, exc) from None
    except (MentorshipError, CompletionError) as exc:
        raise _fail(f"error: {exc}") from None
    except (StoreError, SettingsError) as exc:
        raise _fail(f"error: {exc}") from None


def _party(by: str | None) -> str:
    return Actor.party_from_cli(by)


@participants_app.command("load")
def participants_load(
    file: Annotated[Path, typer.Argument(help="the CSV file (UTF-8, ',' or ';' between cells)")],
    db: DbOption = None,
    dry_run: DryRunOption = False,
    by: ByOption = None,
) -> None:
    """Load mentees and mentors from CSV: add new ids, update changed rows, never delete.

    Header: id,org,year,role,category,age_band,tags,forms, optionally max_mentees,employer,active.
    `id` is a pseudonymous id with a digit (S-0042), never a name; `role` mentor or mentee; `category`
    обучающийся, молодой специалист, педагог, студент, представитель предприятия; `tags` requests or
    competences and `forms` wanted forms and formats, '|' between them. A file with any bad row is
    refused whole, each problem as FILE:LINE: COLUMN: MESSAGE (exit 2).

    Example: roadmap participants load participants-2020.csv
    """
    from operations import mentorship as ops

    text, _digest = _read(file)
    with cli_context(db, by=by) as ctx:
        report = _run(lambda: ops.load_participants(ctx, text=text, source=str(file), dry_run=dry_run), file)
    typer.echo("\n".join(report.lines()))


PARTICIPANT_COLUMNS = ("id", "org", "year", "role", "category", "age_band", "tags", "forms", "max_mentees",
                       "employer", "active")  # fmt: skip


@participants_app.command("list")
def participants_list(
    org: Annotated[str | None, typer.Option("--org", help="only this organisation")] = None,
    year: Annotated[int | None, typer.Option("--year", help="only this academic year (its first year)")] = None,
    format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """List the bases by organisation, year, role and id; CSV has the load header, so it loads back.

    Example: roadmap participants list --org sech-oo-01 --year 2020 --format csv
    """
    from operations import mentorship as ops

    with cli_context(db) as ctx:
        rows = _run(lambda: ops.participants(ctx, org=org, year=year))
    _print(rows, PARTICIPANT_COLUMNS, format, empty="(no participants match)")


@pairs_app.command("propose")
def pairs_propose(
    org: OrgOption,
    year: YearOption,
    max_mentees: Annotated[
        int, typer.Option("--max-mentees", help="at most this many mentees per mentor")
    ] = DEFAULT_MAX_MENTEES,
    format: Annotated[Literal["table", "json", "csv"], typer.Option("--format", help="table, json or csv")] = "table",
    db: DbOption = None,
    by: ByOption = None,
) -> None:
    """Propose pairs and groups for the organisation's mentees still without a mentor (runs the form-pairs flow).

    Matching is an exact assignment (most mentees matched, then most requests met, then smallest groups)
    within the forms both sides accept and each mentor's limit; every proposal says which request met
    which competence, and every mentee left out says why. The proposal is kept: `roadmap pairs accept`
    takes it as it is, or the CSV of it as edited. JSON: {"proposal", "pairs": [{"mentor", "mentees",
    "form", "format", "fit", "reasons"}], "unmatched": [{"mentee", "reason"}], "summary"}.

    Example: roadmap pairs propose --org sech-oo-01 --year 2020 --max-mentees 3 --format json
    """
    try:
        url = store_url(db)
        who = Actor.from_cli(by)
    except SettingsError as exc:
        raise _fail(f"error: {exc}") from None
    quiet_prefect()
    from flows.pairs import form_pairs

    proposal = _run(lambda: run_flow(form_pairs, org=org, year=year, max_mentees=max_mentees, db=url,
                                     actor=who.name, via="cli"))  # fmt: skip
    if format == "json":
        typer.echo(json.dumps(proposal, ensure_ascii=False, indent=2))
    elif format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["mentor", "mentee", "form", "format", "met", "open"])
        for group in proposal["pairs"]:
            for reason in group["reasons"]:
                writer.writerow([group["mentor"], reason["mentee"], group["form"], group["format"],
                                 "|".join(reason["met"]), "|".join(reason["open"])])  # fmt: skip
    else:
        typer.echo("\n".join(proposal_lines(proposal)))


def proposal_lines(proposal: dict[str, Any]) -> list[str]:
    s = proposal["summary"]
    out = [f"proposal {proposal['proposal']} for {proposal['org']}, {proposal['academic_year']}: {s['matched']} of "
           f"{s['mentees']} mentees in {s['groups']} pairs and groups with {s['mentors_used']} of {s['mentors']} "
           f"mentors (at most {proposal['max_mentees']} each); total fit {s['total_fit']}"]  # fmt: skip
    for group in proposal["pairs"]:
        out.append(f"  {group['mentor']} — {', '.join(group['mentees'])} ({group['form']}, {group['format']})")
        out += [f"      {r['mentee']}: {r['text']}" for r in group["reasons"]]
    if proposal["unmatched"]:
        out.append(f"  without a mentor ({len(proposal['unmatched'])}):")
        out += [f"      {u['mentee']}: {u['reason']}" for u in proposal["unmatched"]]
    out.append(f"accept it: roadmap pairs accept --org {proposal['org']} --year {proposal['year']} "
               f"--proposal {proposal['proposal']}")  # fmt: skip
    return out


@pairs_app.command("accept")
def pairs_accept(
    org: OrgOption,
    year: YearOption,
    proposal: Annotated[
        int | None, typer.Option("--proposal", help="the proposal to accept (default the latest)")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="the edited list: a CSV with mentor,mentee,form (as propose prints)")
    ] = None,
    max_mentees: Annotated[
        int | None, typer.Option("--max-mentees", help="the limit for an edited list (default the proposal's)")
    ] = None,
    by: PartyOption = None,
    db: DbOption = None,
) -> None:
    """Accept the proposal, or the curator's edited list, and complete the roadmap's pair-formation step.

    Every pair is checked as proposals are (forms, requests met, each mentor's limit, one pair per
    mentee); a list with any bad row is refused whole. The accepted pairs complete the organisation's
    open milestones «формирование наставнических пар или групп» of that academic year (as `roadmap
    complete` does, by --by), the pair list attached as the result document; the audit trail records both.

    Example: roadmap pairs accept --org sech-oo-01 --year 2020 --proposal 1 --by oo_curator
    """
    from operations import mentorship as ops

    text = _read(file)[0] if file is not None else None
    with cli_context(db) as ctx:
        report = _run(lambda: ops.accept_pairs(ctx, org=org, year=year, by=_party(by), proposal_id=proposal,
                                               text=text, source=str(file) if file else None,
                                               max_mentees=max_mentees), file)  # fmt: skip
    typer.echo("\n".join(report.lines()))


@pairs_app.command("list")
def pairs_list(org: OrgOption, year: YearOption, format: FormatOption = "table", db: DbOption = None) -> None:
    """List the organisation's pairs and groups of the academic year, one row per mentee: the numbers that
    meetings, feedback and reflection files name.

    Example: roadmap pairs list --org sech-oo-01 --year 2020
    """
    from mentorship.vocabulary import academic_year
    from operations import mentorship as ops

    with cli_context(db) as ctx:
        rows = _run(lambda: ops.pairs(ctx, org=org, year=year))
    _print(rows, ("pair", "mentor", "mentee", "form", "format", "state", "accepted_at"), format,
           empty=f"(no pairs of {org} for {academic_year(year)}: roadmap pairs propose, then accept)")  # fmt: skip


@meetings_app.command("load")
def meetings_load(
    file: Annotated[Path, typer.Argument(help="the CSV file")], db: DbOption = None, by: ByOption = None
) -> None:
    """Record the pairs' meetings: org,pair,number,kind,date (a date ahead is a planned meeting).

    `kind` знакомство, пробная, планирование, совместная работа or итоговая; a meeting without feedback
    moves when loaded again with another date. Refused whole on any bad row (exit 2).

    Example: roadmap meetings load meetings.csv
    """
    from operations import mentorship as ops

    text = _read(file)[0]
    with cli_context(db, by=by) as ctx:
        report = _run(lambda: ops.record_meetings(ctx, text=text, source=str(file)), file)
    typer.echo("\n".join(report.lines()))


@feedback_app.command("load")
def feedback_load(
    file: Annotated[Path, typer.Argument(help="the CSV file")],
    tz: TzOption = "Europe/Moscow",
    db: DbOption = None,
    by: ByOption = None,
) -> None:
    """Record feedback after meetings: org,pair,meeting,participant,satisfied,score[,comment].

    `participant` a member of the pair (its mentor or a mentee) by pseudonymous id; `satisfied` да or
    нет; `score` 1-5. Only for a meeting that took place; never changed once given. Missing feedback is
    reminded to the curator by the daily sweep. Refused whole on any bad row (exit 2).

    Example: roadmap feedback load feedback.csv
    """
    from operations import mentorship as ops

    text = _read(file)[0]
    with cli_context(db, by=by) as ctx:
        report = _run(lambda: ops.record_feedback(ctx, text=text, source=str(file), timezone=tz), file)
    typer.echo("\n".join(report.lines()))


@reflection_app.command("load")
def reflection_load(
    file: Annotated[Path, typer.Argument(help="the CSV file")],
    by: PartyOption = None,
    tz: TzOption = "Europe/Moscow",
    db: DbOption = None,
) -> None:
    """Record reflection: org,pair,participant,kind,date,satisfied,score[,comment]; kind personal or group.

    A pair closes when its group reflection and every member's personal one are in; when every pair of
    an organisation's academic year has closed, its roadmap step «завершение наставничества» is
    completed (by --by). Refused whole on any bad row (exit 2).

    Example: roadmap reflection load reflection.csv --by oo_curator
    """
    from operations import mentorship as ops

    text = _read(file)[0]
    with cli_context(db) as ctx:
        report = _run(lambda: ops.record_reflection(ctx, text=text, source=str(file), by=_party(by), timezone=tz),
                      file)  # fmt: skip
    typer.echo("\n".join(report.lines()))


def register(app: typer.Typer) -> None:
    """Add the mentorship cycle's command groups to the application."""
    app.add_typer(participants_app, name="participants")
    app.add_typer(pairs_app, name="pairs")
    app.add_typer(meetings_app, name="meetings")
    app.add_typer(feedback_app, name="feedback")
    app.add_typer(reflection_app, name="reflection")
