"""Monitoring commands: `roadmap indicators load|list` and `roadmap monitor` (a thin face over tasks and flows).

Exit codes: 0 success; 2 bad input (a missing or unreadable file, a refused CSV, an unknown roadmap, a
year outside the plan, a bad option), with every problem on stderr and nothing written.
`register(app)` adds the commands to the `roadmap` application.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer

from cli.registry import (
    ByOption,
    DbOption,
    DryRunOption,
    FormatOption,
    _fail,
    _group,
    _print,
    _read,
    _refuse,
)
from cli.runner import actor, quiet_prefect, run_audited_flow, store_url
from cli.store import _engine, cli_context
from models.settings import SettingsError

indicators_app = _group(
    "Submitted figures: indicator values, item counts and criteria answers per year and organisation."
)


@indicators_app.command("load")
def indicators_load(
    file: Annotated[Path, typer.Argument(help="the CSV file (UTF-8, ',' or ';' between cells)")],
    db: DbOption = None,
    dry_run: DryRunOption = False,
    by: ByOption = None,
) -> None:
    """Load submitted figures from CSV; a figure for the same roadmap, indicator, year and org supersedes the last.

    Header: roadmap,indicator,year,org,numerator,denominator,value,source,submitted_by. `indicator` is
    a plan indicator id, item:NUMBER for an item's target or criterion:ID; `org` an organisation of
    the registry (a УО stands for its municipality; empty = the whole territory). A share takes
    numerator and denominator, a count or a criterion's answer takes value; «12,5» is accepted. A
    file with any bad row is refused whole, each problem as FILE:LINE: COLUMN: MESSAGE (exit 2).
    Superseded figures stay in the history.

    Example: roadmap indicators load roadmaps/registry/tomsk-indicators.csv
    """
    from operations.monitoring import load_figures
    from tasks.registry import RegistryError

    text, digest = _read(file)
    with cli_context(db, by=by) as ctx:
        try:
            report = load_figures(ctx, text=text, source=str(file), sha256=digest, dry_run=dry_run)
        except RegistryError as exc:
            raise _refuse(file, exc) from None
    for line in report.lines():
        typer.echo(line)


@indicators_app.command("list")
def indicators_list(
    roadmap: Annotated[str | None, typer.Option("--roadmap", help="only this roadmap id")] = None,
    year: Annotated[int | None, typer.Option("--year", help="only this year")] = None,
    all_: Annotated[bool, typer.Option("--all", help="also superseded figures, with their loads")] = False,
    format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """List the current submitted figures by roadmap, year, indicator and organisation.

    CSV has the load header, so a listing can be corrected and loaded back; JSON is an array of
    {"roadmap", "indicator", "year", "org", "numerator", "denominator", "value", "source",
    "submitted_by"} (with --all also "load", "superseded_at", "superseded_by_load").

    Example: roadmap indicators list --roadmap tomsk-2020-2024 --year 2021 --format csv
    """
    from monitoring.figures import VALUE_COLUMNS
    from operations.monitoring import figures

    with cli_context(db, readonly=True) as ctx:
        rows = figures(ctx, roadmap=roadmap, year=year, include_superseded=all_)
    columns = VALUE_COLUMNS + (("load", "superseded_at", "superseded_by_load") if all_ else ())
    _print(rows, columns, format, empty="(no figures match)")


def monitor(
    roadmap: Annotated[str, typer.Option("--roadmap", help="the roadmap id, e.g. orenburg-2021-2024")],
    year: Annotated[
        int | None, typer.Option("--year", help="the year (default: this year in the roadmap's zone)")
    ] = None,
    db: DbOption = None,
    by: Annotated[str | None, typer.Option("--by", help="who runs it (default ROADMAP_ACTOR or the OS user)")] = None,
    format: Annotated[Literal["text", "json"], typer.Option("--format", help="text or json")] = "text",
    no_notify: Annotated[
        bool, typer.Option("--no-notify", help="queue and send no notice to the operator and the coordinators")
    ] = False,
    report_dir: Annotated[
        Path | None,
        typer.Option("--report-dir", help="where the snapshot's report files go (default ROADMAP_DATA_DIR/reports)"),
    ] = None,
) -> None:
    """Run the yearly monitoring once: actual against target per indicator and level, criteria on their scales.

    Records a new snapshot (earlier ones are kept) and prints its headline: выполнен, в пределах
    допуска, не выполнен на N п.п. / %, нет данных; computed figures (done milestones) beside
    submitted ones where they differ. Writes the snapshot's report, in Russian, as
    monitoring-ID-YEAR-snapshot-N.html and .xlsx (see `roadmap report monitoring`). Then sends the
    headline to the roadmap's operator and the municipal coordinators (the УО of the territory)
    through ROADMAP_SMTP_URL, the HTML report attached, or through their apprise URLs; a failed send
    stays in `roadmap outbox` and the dispatch deployment retries it. Runs the monitor Prefect flow once
    (ephemeral API).

    Example: roadmap monitor --roadmap orenburg-2021-2024 --year 2021
    """
    from models.db import StoreError
    from monitoring.evaluate import MonitoringError
    from reports.files import ReportError

    try:
        url = store_url(db)
        who = actor(by)
    except SettingsError as exc:
        raise _fail(f"error: {exc}") from None
    quiet_prefect()
    from flows.monitor import monitor as monitor_flow

    if report_dir is not None and report_dir.exists() and not report_dir.is_dir():
        raise _fail(f"--report-dir: «{report_dir}» is a file, not a folder")
    _engine(db).dispose()  # a store this user may not write is refused here, before Prefect starts
    try:
        result = run_audited_flow(monitor_flow, roadmap=roadmap, year=year, db=url, actor=who, notify=not no_notify,
                          report_dir=str(report_dir) if report_dir else None)  # fmt: skip
    except (StoreError, MonitoringError) as exc:
        raise _fail(f"error: {exc}") from None
    except ReportError as exc:  # the report folder cannot be used: checked before any snapshot is taken
        raise _fail(str(exc)) from None
    except OSError as exc:  # the snapshot is recorded; its report could not be written
        again = f"roadmap report monitoring --roadmap {roadmap} --year {year or 'YEAR'} -o FILE"
        raise _fail(f"error: the snapshot is recorded but its report could not be written: {exc}; write it with "
                    f"{again}") from None  # fmt: skip
    if format == "json":
        typer.echo(json.dumps(result["summary"], ensure_ascii=False, indent=2, default=str))
        # stdout stays one JSON document; the report files and what the notice did go to stderr
        typer.echo(f"report: {', '.join(result['reports'])}", err=True)
        if result["notice"] is not None:
            typer.echo("\n".join(result["notice"].lines() + result["dispatch"].lines()), err=True)
    else:
        typer.echo("\n".join(result["lines"]))


def snapshots(
    roadmap: Annotated[str | None, typer.Option("--roadmap", help="only this roadmap id")] = None,
    year: Annotated[int | None, typer.Option("--year", help="only this year")] = None,
    format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """List the monitoring snapshots, oldest first: id, roadmap, year, run of the year, when, by whom, counts.

    Every run of `roadmap monitor` (or the monitor flow) adds one; none is ever changed, so this is the
    monitoring's history. An id is what `roadmap report monitoring --snapshot N` takes. JSON is an array
    of {"id", "roadmap", "year", "run", "taken_at", "taken_by", "plan_version", "loads", "met", "within",
    "missed", "no_data"}.

    Example: roadmap snapshots --roadmap tomsk-2020-2024 --year 2021
    """
    from monitoring.snapshots import SNAPSHOT_COLUMNS
    from operations.monitoring import snapshots as snapshots_of

    with cli_context(db, readonly=True) as ctx:
        rows = snapshots_of(ctx, roadmap=roadmap, year=year)
    _print(
        rows, SNAPSHOT_COLUMNS, format, empty="(no snapshots match: roadmap monitor --roadmap ID --year YEAR takes one)"
    )


def register(app: typer.Typer) -> None:
    """Add `indicators load|list`, `monitor` and `snapshots` to the application."""
    app.add_typer(indicators_app, name="indicators")
    app.command()(monitor)
    app.command()(snapshots)
