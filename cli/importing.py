"""`roadmap import`: a roadmap document becomes a draft YAML plan (a thin face over `importer`).

Exit codes: 0 a draft written; 2 a refusal (missing or unreadable document, no roadmap table, a bad
option, an existing output without --force), with a message naming the file; nothing is written then.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from cli.errors import fail as _fail


def _write(path: Path, text: str, *, force: bool) -> None:
    """Write all or nothing: a temporary file beside the target, renamed over it."""
    if path.exists() and not force:
        raise _fail(f"{path} exists: give another -o/--review path, or --force to replace it")
    if not path.parent.exists():
        raise _fail(f"{path}: the folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def register(app: typer.Typer) -> None:
    """Add `roadmap import` to the application."""

    @app.command("import")
    def import_(
        document: Annotated[Path, typer.Argument(help="the roadmap document: .docx, .pdf, .xlsx, .html, .htm or .txt")],
        output: Annotated[
            Path | None, typer.Option("-o", "--output", help="write the draft plan here (default: standard output)")
        ] = None,
        plan_id: Annotated[
            str | None, typer.Option("--id", help="the plan id (default: from territory and years)")
        ] = None,
        tz: Annotated[str | None, typer.Option("--tz", help="IANA time zone (default: from the region)")] = None,
        period: Annotated[
            str | None,
            typer.Option("--period", help="the roadmap period YEAR, YEAR-YEAR or START..END (default: from the title)"),
        ] = None,
        review: Annotated[
            Path | None,
            typer.Option("--review", help="also write an HTML review page: source rows beside the items read"),
        ] = None,
        force: Annotated[bool, typer.Option("--force", help="replace existing output files")] = False,
    ) -> None:
        """Import a roadmap document as a draft plan that validates, every uncertainty marked `review:`.

        Finds the roadmap table(s) by their header wording (№, мероприятие, срок, ответственный,
        результат), joins cells split across lines and pages, keeps sections and item numbers, reads
        deadlines with the deadline grammar (a wording it cannot read is kept with kind unparsed), maps
        responsible cells to parties, and reads the order header and indicator tables. A summary of
        what was read goes to standard error. Exit 2 when the document holds no roadmap table.

        Example: roadmap import prikaz.docx -o roadmaps/school-2022.yaml --review review.html
        """
        from cli.main import _period_option  # the same --period forms as `roadmap when`
        from importer import ImportOptions, ImportRefusal, import_document
        from importer.emit import render, summary_lines
        from importer.review import render_review
        from models.plan import ID_PATTERN

        if tz is not None:
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise _fail(f"--tz: unknown IANA time zone «{tz}» (e.g. Europe/Moscow, Asia/Tomsk)") from None
        if plan_id is not None and not re.match(ID_PATTERN, plan_id):
            raise _fail(
                f"--id: expected lower-case Latin letters, digits, - and _ (e.g. school-7-2022), found «{plan_id}»"
            )
        options = ImportOptions(plan_id=plan_id, timezone=tz, period=_period_option(period))
        try:
            result = import_document(document, options)
        except ImportRefusal as exc:
            raise _fail(str(exc)) from None
        name = str(output) if output else f"{document.name} (draft)"
        text, roadmap = render(result, name=name)
        if output is not None:
            _write(output, text, force=force)
        else:
            typer.echo(text, nl=False)
        if review is not None:
            _write(review, render_review(result, roadmap), force=force)
        typer.echo(f"{document}: draft plan {roadmap.id}" + (f" written to {output}" if output else ""), err=True)
        for line in summary_lines(result.counts):
            typer.echo(f"  {line}", err=True)
        if review is not None:
            typer.echo(f"  review page: {review}", err=True)
