"""Registry commands: `roadmap orgs load|list` and `roadmap parties load|list` (a thin face over tasks.registry).

Exit codes: 0 success; 2 bad input (a missing or unreadable file, a refused CSV, a bad option),
with every problem on stderr as FILE:LINE: COLUMN: MESSAGE, and nothing written.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from cli.errors import fail as _fail
from cli.store import cli_context

if TYPE_CHECKING:
    from tasks.registry import LoadReport, RegistryError


def _group(help: str) -> typer.Typer:
    return typer.Typer(help=help, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                       rich_markup_mode=None)  # fmt: skip


orgs_app = _group("The organisation registry (ОО, ДО, СПО, УО): load it from CSV, list it.")
parties_app = _group("Contacts of the parties roadmaps name (УО, ТОИПКРО, officials): load them from CSV, list them.")

DbOption = Annotated[
    str | None, typer.Option("--db", help="store URL (any SQLAlchemy URL); default ROADMAP_DB or the default file")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="check the file and show what would change; write nothing")
]
ByOption = Annotated[str | None, typer.Option("--by", help="who loads it (default ROADMAP_ACTOR or the OS user)")]
FormatOption = Annotated[Literal["table", "json", "csv"], typer.Option("--format", help="table, json or csv")]
SecretsOption = Annotated[
    bool, typer.Option("--show-secrets", help="print apprise URLs in full (they are masked by default)")
]


def _refuse(file: Path, exc: RegistryError) -> typer.Exit:
    for issue in exc.issues:
        typer.echo(str(issue), err=True)
    count = len(exc.issues)
    return _fail(f"{file}: {count} problem{'s' if count > 1 else ''}; nothing was loaded")


def _read(file: Path) -> tuple[str, str]:
    """The file's text and the SHA-256 of its bytes; a refusal (exit 2) for a missing or non-UTF-8 file."""
    from tasks.registry import RegistryError, decode_csv

    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise _fail(f"{file}: no such file") from None
    except IsADirectoryError:
        raise _fail(f"{file}: is a folder; expected a CSV file") from None
    except OSError as exc:
        raise _fail(f"{file}: cannot be read ({exc.strerror})") from None
    try:
        return decode_csv(data, source=str(file)), hashlib.sha256(data).hexdigest()
    except RegistryError as exc:
        raise _refuse(file, exc) from None


def _load(
    file: Path, db: str | None, dry_run: bool, by: str | None,
    parse: Callable[..., Sequence[Any]], load: Callable[..., LoadReport],
    after: Callable[..., list[str]] | None = None,
) -> None:  # fmt: skip
    """Read, check and load one file in one transaction (operations.registry.load_registry), then print what
    changed; refuse it whole on any problem."""
    from operations.registry import load_registry
    from tasks.registry import RegistryError

    text, digest = _read(file)
    try:
        rows = parse(text, source=str(file))
    except RegistryError as exc:
        raise _refuse(file, exc) from None
    with cli_context(db, by=by) as ctx:
        report, extra = load_registry(ctx, rows, source=str(file), sha256=digest, load=load, after=after,
                                      dry_run=dry_run)  # fmt: skip
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for line in report_lines(report) + [f"  {line}" for line in extra]:
        typer.echo(line)


def report_lines(report: LoadReport) -> list[str]:
    """What a load did, as the commands print it: counts first, then which rows changed and how."""
    c = report.counts()
    total = c["added"] + c["updated"] + c["unchanged"]
    would = "would be " if report.dry_run else ""
    head = f"{report.source}: {total} {report.what}: "
    if c["added"] or c["updated"]:
        head += f"{c['added']} {would}added, {c['updated']} {would}updated, {c['unchanged']} unchanged"
    else:
        head += f"nothing to change ({c['unchanged']} unchanged)"
    out = [head + (" — dry run, nothing written" if report.dry_run else "")]
    out += [f"  {note}" for note in report.notes]
    verb = "would update" if report.dry_run else "updated"
    out += [f"  {verb} {key}: {', '.join(columns)}" for key, columns in sorted(report.updated.items())]
    if report.deactivated:
        out.append(f"  deactivated (active=no): {', '.join(sorted(report.deactivated))}")
    if report.not_in_file:
        scope = "regions" if report.what == "organisations" else "roadmaps"
        out.append(f"  {report.not_in_file} more {report.what} of the same {scope} are in the store but not in "
                   "this file: left as they are (a re-load never deletes)")  # fmt: skip
    return out


@orgs_app.command("load")
def orgs_load(
    file: Annotated[Path, typer.Argument(help="the CSV file (UTF-8, ',' or ';' between cells)")],
    db: DbOption = None,
    dry_run: DryRunOption = False,
    by: ByOption = None,
) -> None:
    """Load organisations from CSV: add new ids, update changed rows in place, leave the rest as they are.

    Header: id,name,kind,municipality,region,timezone,curator_email,head_email, optionally
    curator_url,head_url,active,oktmo (see roadmaps/registry/README.md). A file with any bad row is
    refused whole: every problem is printed as FILE:LINE: COLUMN: MESSAGE and nothing is written (exit 2).
    In the same transaction, every roadmap of the store whose territory an added or changed
    organisation lies in (or left) is re-synced: new organisations get their milestones (audited as
    roadmap.synced), and the command says so, and names organisations no roadmap covers.

    Example: roadmap orgs load roadmaps/registry/sechenovsky-orgs.csv
    """
    from tasks.registry import load_orgs, parse_orgs_csv
    from tasks.sync import fan_out_registry

    _load(file, db, dry_run, by, parse_orgs_csv, load_orgs, after=fan_out_registry)


@parties_app.command("load")
def parties_load(
    file: Annotated[Path, typer.Argument(help="the CSV file (UTF-8, ',' or ';' between cells)")],
    db: DbOption = None,
    dry_run: DryRunOption = False,
    by: ByOption = None,
) -> None:
    """Load the contacts of roadmap parties from CSV, keyed by (roadmap, party); re-loading updates in place.

    Header: party,name,email,url, optionally roadmap (empty = the party id in any roadmap). Each row
    needs an e-mail address or an apprise URL. A file with any bad row is refused whole (exit 2).

    Example: roadmap parties load roadmaps/registry/sechenovsky-parties.csv
    """
    from tasks.registry import load_parties, parse_parties_csv

    _load(file, db, dry_run, by, parse_parties_csv, load_parties)


def _print(rows: Sequence[dict[str, Any]], columns: Sequence[str], format: str, *, empty: str) -> None:
    """Rows as JSON (an array), CSV (the load header, so a list can be edited and loaded back) or a table."""
    if format == "json":
        typer.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
    elif format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(row[c]) for c in columns] for row in rows])
    elif not rows:
        typer.echo(empty)
    else:
        # a column whose every cell is empty or yes is left out («is True»: a count of 1 equals True)
        shown = [c for c in columns if any(not _blank(row[c]) for row in rows) or c in ("id", "party")]
        widths = {c: max(len(c), *(len(_cell(row[c])) for row in rows)) for c in shown}
        typer.echo("  ".join(c.ljust(widths[c]) for c in shown).rstrip())
        for row in rows:
            typer.echo("  ".join(_cell(row[c]).ljust(widths[c]) for c in shown).rstrip())


def _blank(value: Any) -> bool:
    return value is None or value is True or value == ""


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _masked(value: str | None, show: bool) -> str | None:
    from models.addresses import mask_url

    return value if show or not value else mask_url(value)


@orgs_app.command("list")
def orgs_list(
    region: Annotated[str | None, typer.Option("--region", help="only this region, e.g. «Томская область»")] = None,
    municipality: Annotated[str | None, typer.Option("--municipality", help="only this municipality")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="only this kind: ОО, ДО, СПО or УО")] = None,
    all_: Annotated[bool, typer.Option("--all", help="also inactive organisations (active=no)")] = False,
    format: FormatOption = "table",
    show_secrets: SecretsOption = False,
    db: DbOption = None,
) -> None:
    """List the organisations of the registry, by region, municipality, kind and id.

    JSON is an array of {"id", "name", "kind", "municipality", "region", "timezone", "curator_email",
    "head_email", "curator_url", "head_url", "active"}; CSV has the load header. Apprise URLs are
    masked unless --show-secrets.

    Example: roadmap orgs list --region "Томская область" --kind УО --format csv
    """
    from operations.registry import list_organisations
    from tasks.registry import ORG_COLUMNS, ORG_OPTIONAL, kind_problem, read_kind

    if kind is not None:
        if read_kind(kind) is None:
            raise _fail(f"--kind: {kind_problem(kind)}")
        kind = read_kind(kind)
    columns = ORG_COLUMNS + ORG_OPTIONAL
    with cli_context(db, readonly=True) as ctx:
        orgs = list_organisations(ctx, region=region, municipality=municipality, kind=kind, include_inactive=all_)
    rows = [{c: getattr(org, c) for c in columns} for org in orgs]
    for row in rows:
        row["curator_url"], row["head_url"] = (_masked(row[k], show_secrets) for k in ("curator_url", "head_url"))
    _print(rows, columns, format, empty="(no organisations match)")


@parties_app.command("list")
def parties_list(
    roadmap: Annotated[str | None, typer.Option("--roadmap", help="only this roadmap id ('' = any roadmap)")] = None,
    party: Annotated[str | None, typer.Option("--party", help="only this party id")] = None,
    format: FormatOption = "table",
    show_secrets: SecretsOption = False,
    db: DbOption = None,
) -> None:
    """List the contacts of roadmap parties by roadmap and party; apprise URLs masked unless --show-secrets.

    JSON is an array of {"roadmap", "party", "name", "email", "url"}; CSV has the load header.

    Example: roadmap parties list --roadmap tomsk-2020-2024
    """
    from operations.registry import list_contacts
    from tasks.registry import PARTY_COLUMNS

    with cli_context(db, readonly=True) as ctx:
        contacts = list_contacts(ctx, roadmap=roadmap, party=party)
    rows = [{"roadmap": c.roadmap_id, "party": c.party, "name": c.name, "email": c.email,
             "url": _masked(c.url, show_secrets)} for c in contacts]  # fmt: skip
    _print(rows, ("roadmap", *PARTY_COLUMNS), format, empty="(no contacts match)")
