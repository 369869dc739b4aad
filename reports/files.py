"""The render-and-write contract of every report: html, md or xlsx from one view, written whole or not at all.

A report module states its three renderers once as `Renderings`; `render` picks one by format and `write`
writes its bytes through a temporary file renamed into place, so a reader never finds half a report.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Generic, Literal, TypeVar

Format = Literal["html", "xlsx", "md"]
FORMATS: tuple[str, ...] = ("html", "xlsx", "md")
SUFFIXES = {".html": "html", ".htm": "html", ".xlsx": "xlsx", ".md": "md"}

R = TypeVar("R")


class ReportError(Exception):
    """A report that cannot be made as asked (unknown roadmap or organisation); the message says why."""


@dataclass(frozen=True)
class Renderings(Generic[R]):
    """A report's three renderings of one view."""

    html: Callable[[R], str]
    markdown: Callable[[R], str]
    xlsx: Callable[[R], bytes]

    def render(self, report: R, fmt: Format) -> bytes:
        """The report in one of FORMATS, as the bytes of the file."""
        if fmt == "html":
            return self.html(report).encode("utf-8")
        if fmt == "md":
            return self.markdown(report).encode("utf-8")
        if fmt == "xlsx":
            return self.xlsx(report)
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, found «{fmt}»")

    def write(self, report: R, *, fmt: Format, path: str | Path) -> Path:
        """Render the report and write it to `path` atomically; returns the path written."""
        return write_file(path, self.render(report, fmt))


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through a temporary file in the same folder renamed into place: all of the file or none of it."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes the file private; a report is meant to be passed on
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_file(path: str | Path, data: bytes) -> Path:
    """Write a rendered report to `path` atomically (see write_atomically); returns the path written."""
    target = Path(path)
    write_atomically(target, lambda f: f.write(data))
    return target


def format_for(path: str | Path, fmt: str | None) -> Format:
    """The format asked for, or the one the output file's suffix names; ValueError when neither says."""
    if fmt is None:
        fmt = SUFFIXES.get(Path(path).suffix.lower())
        if fmt is None:
            raise ValueError(f"--format: say html, xlsx or md (the file name «{Path(path).name}» does not tell)")
    if fmt not in FORMATS:
        raise ValueError(f"--format: expected html, xlsx or md, found «{fmt}»")
    return fmt  # type: ignore[return-value]


def artifact_key(raw: str) -> str:
    """A Prefect artifact key (lowercase letters, digits, dashes) from a report's name."""
    return "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in raw.lower())
