"""Bulk files that name milestones (completions, schedules): one reader, one all-or-nothing application.

A row names its milestone by `organisation,item,occurrence` within one roadmap. The header is checked,
every row resolved to its milestone, and an unknown milestone or a second row for the same one is
named with its line (a duplicate with both lines); then the caller's own checks add their problems,
and the file is refused whole when there is any. Applying is all or nothing too: each row in a
savepoint, every refusal named by line, nothing kept when one is refused.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlmodel import Session, col

from models.plan import Roadmap
from models.store import Milestone

KEY_COLUMNS = ("organisation", "item", "occurrence")
T = TypeVar("T")


@dataclass(frozen=True)
class MilestoneRow:
    """One row of a bulk file with the milestone it names."""

    line: int
    cells: dict[str, str]
    milestone: Milestone


def refusal(source: str, problems: Sequence[str], what: str) -> str:
    """Every problem (one a line, in the order of the file's lines), then how many and that nothing was `what`."""
    many = "problem" if len(problems) == 1 else "problems"
    ordered = sorted(problems, key=_line_of)
    return "\n".join([*ordered, f"{source}: {len(problems)} {many}; nothing was {what}"])


def _line_of(problem: str) -> int:
    """The line a `FILE:LINE: …` problem names (a file name holds no colon here: it is a path as given)."""
    found = re.match(r".*?:(\d+): ", problem)
    return int(found.group(1)) if found else 0


def read_milestone_rows(
    session: Session, text: str, *, source: str, roadmap: Roadmap, columns: Sequence[str], optional: Sequence[str]
) -> tuple[list[MilestoneRow], list[str]]:
    """The rows that name a milestone of the roadmap once, and the problems (`FILE:LINE: …`) of the others.

    A header without `columns` (or with a column outside `columns` and `optional`) is the one problem.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in columns if c not in header]
    unknown = [c for c in header if c not in (*columns, *optional)]
    if missing or unknown:
        return [], [f"{source}:1: header: expected {','.join(columns)} (optional: {', '.join(optional)}), "
                    f"found {','.join(header) or 'nothing'}"]  # fmt: skip
    milestones = {
        (m.org_id, m.item_number, m.occurrence): m
        for m in session.execute(select(Milestone).where(col(Milestone.roadmap_id) == roadmap.id)).scalars()
    }
    rows: list[MilestoneRow] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, raw in enumerate(reader, start=2):
        cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        key = (cells["organisation"], cells["item"], cells["occurrence"])
        named = f"organisation «{key[0]}», item «{key[1]}», occurrence «{key[2]}»"
        first = seen.setdefault(key, line)
        if first != line:
            problems.append(f"{source}:{line}: duplicate row: the same milestone as line {first} ({named})")
        elif key not in milestones:
            problems.append(f"{source}:{line}: no milestone of {roadmap.id} for {named}")
        else:
            rows.append(MilestoneRow(line, cells, milestones[key]))
    return rows, problems


def apply_all(
    session: Session, rows: Sequence[tuple[int, T]], apply: Callable[[T], object], *, source: str,
    error: type[Exception], what: str,
) -> int:  # fmt: skip
    """Apply every row in its own savepoint of the caller's transaction; any `error` refuses the whole file (raised
    as `error`, each refused line named), so the caller's rollback keeps nothing."""
    problems = []
    for line, item in rows:
        try:
            with session.begin_nested():
                apply(item)
        except error as exc:
            problems.append(f"{source}:{line}: {exc}")
    if problems:
        raise error("\n".join([*problems, f"{source}: {len(problems)} refused; nothing was {what}"]))
    return len(rows)
