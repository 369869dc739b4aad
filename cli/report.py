"""Report commands: `roadmap report audit` and `roadmap report monitoring` (HTML, XLSX or Markdown, in Russian)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.store import DbOption, _fail, _parse_date, cli_context

if TYPE_CHECKING:
    from audit.verify import Provenance


report_app = typer.Typer(
    help="Reports for officials and auditors, in Russian: what was done and on what evidence (audit), how far the "
    "year's indicators got (monitoring).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _check_output(path: Path) -> None:
    """Refuse an output path that cannot be written before any work is done (exit 2, saying why)."""
    if path.is_dir():
        raise _fail(f"-o: «{path}» is a folder; name a file in it, for example {path / 'report.html'}")
    folder = path.parent
    if not folder.exists():
        raise _fail(f"-o: cannot write «{path}»: the folder «{folder}» does not exist (create it first)")
    if not folder.is_dir():
        raise _fail(f"-o: cannot write «{path}»: «{folder}» is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _fail(f"-o: cannot write «{path}»: the folder «{folder}» is not writable")


def _warn_unverified(found: Provenance) -> None:
    """A failed verification of the history the report is built against is said here as well."""
    if not found.ok:
        typer.echo("warning: the audit history does not verify; the report says so on its first page "
                   "(see roadmap audit verify)", err=True)  # fmt: skip


@report_app.command("audit")
def audit(
    roadmap: Annotated[str, typer.Option("--roadmap", help="the roadmap id (see roadmap info)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="the file to write (replaced whole, atomically)")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="html, xlsx or md (default: from the file's suffix)")
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="only this organisation id")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="the date to judge by, YYYY-MM-DD (default: today in the roadmap's zone)"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write the execution report of a roadmap (HTML, XLSX or Markdown, in Russian) to a file.

    Every milestone with its window, status, who did it when, on what evidence, how many days late,
    and under which version of the plan; counts in all and per organisation. HTML is one
    self-contained page (a table and an SVG timeline of plan against actual); XLSX has the same rows
    with a frozen header, filters and real dates, and a «Сводка» sheet; Markdown has the summary and
    the table. The file is written whole or not at all. Exit 2 on an unknown roadmap or organisation
    (the known ones are listed), a bad date or an output path that cannot be written.

    Example: roadmap report audit --roadmap sechenovsky-2020 --as-of 2020-09-01 --format xlsx -o audit.xlsx
    """
    from audit.checkpoints import CheckpointError
    from audit.keys import AuditKeyError
    from operations.reports import execution_report
    from reports.execution import summary_lines, write_report
    from reports.files import ReportError, format_for

    _check_output(output)
    try:
        fmt = format_for(output, format)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    day = _parse_date(as_of, "--as-of")
    with cli_context(db, readonly=True) as ctx:
        try:
            report, found = execution_report(ctx, roadmap_id=roadmap, org_id=org, as_of=day)
        except (ReportError, AuditKeyError, CheckpointError) as exc:
            raise _fail(f"error: {exc}") from None
    _warn_unverified(found)
    try:
        path = write_report(report, fmt=fmt, path=output)
    except OSError as exc:
        raise _fail(f"-o: cannot write «{output}»: {exc.strerror or exc}") from None
    typer.echo(f"wrote {path} ({fmt}, {len(report.rows)} milestones)")
    for line in summary_lines(report):
        typer.echo(line)


@report_app.command("monitoring")
def monitoring(
    roadmap: Annotated[str, typer.Option("--roadmap", help="the roadmap id (see roadmap info)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="the file to write (replaced whole, atomically)")],
    year: Annotated[int | None, typer.Option("--year", help="the year monitored (its latest snapshot)")] = None,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="html, xlsx or md (default: from the file's suffix)")
    ] = None,
    snapshot: Annotated[
        int | None, typer.Option("--snapshot", help="an earlier snapshot by id instead of the year's latest")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write the monitoring report of a roadmap for a year (HTML, XLSX or Markdown, in Russian) to a file.

    Reads the year's latest monitoring snapshot (recorded by `roadmap monitor`): the indicators and
    item targets with target, actual, deviation and verdict for the territory and each municipality
    and organisation; the trend over the plan's years as a chart of target against actual; who is
    furthest behind; who has not submitted which figures; the criteria on their scales. HTML is one
    self-contained page with SVG charts; XLSX has a sheet per table and a line chart per measure.
    The file is written whole or not at all. Exit 2 on an unknown roadmap, a year without a snapshot
    (the command that records one is named), a bad option or an output path that cannot be written.

    Example: roadmap report monitoring --roadmap orenburg-2021-2024 --year 2021 -o monitoring-2021.html
    """
    from audit.checkpoints import CheckpointError
    from audit.keys import AuditKeyError
    from operations.reports import monitoring_report_of
    from reports import monitoring as monitoring_report
    from reports.files import ReportError, format_for

    if year is None and snapshot is None:
        raise _fail("--year: say which year's monitoring to report (or --snapshot N for one snapshot)")
    _check_output(output)
    try:
        fmt = format_for(output, format)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    with cli_context(db, readonly=True) as ctx:
        try:
            report, found = monitoring_report_of(ctx, roadmap_id=roadmap, year=year, snapshot_id=snapshot)
        except (ReportError, AuditKeyError, CheckpointError) as exc:
            raise _fail(f"error: {exc}") from None
    _warn_unverified(found)
    try:
        path = monitoring_report.write_report(report, fmt=fmt, path=output)
    except OSError as exc:
        raise _fail(f"-o: cannot write «{output}»: {exc.strerror or exc}") from None
    typer.echo(f"wrote {path} ({fmt}, snapshot {report.snapshot_id})")
    for line in monitoring_report.summary_lines(report):
        typer.echo(line)
