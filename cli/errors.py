"""One style for every refusal of the command: `error: WHAT` on stderr, exit 2, nothing half-written.

Problems found line by line in a file (`FILE:LINE: COLUMN: MESSAGE`) are printed as they are, one a line,
before the refusal that counts them.
"""

from __future__ import annotations

import typer

EXIT_INVALID = 2
PREFIX = "error: "


def fail(message: str) -> typer.Exit:
    """Print the refusal as `error: …` and return the exit (code 2) to raise."""
    typer.echo(message if message.startswith(PREFIX) else PREFIX + message, err=True)
    return typer.Exit(EXIT_INVALID)


def refuse(message: str) -> typer.Exit:
    """A refusal that may hold one problem a line (a CSV file's, as FILE:LINE: …, then their count): the lines
    as they are, and the last one as the refusal."""
    *problems, last = str(message).splitlines() or [""]
    for line in problems:
        typer.echo(line, err=True)
    return fail(last)
