"""From a table's raw rows to logical rows: header and debris dropped, continuation lines joined.

Office exports cut a row across lines and pages: a continuation line has an empty number cell (or,
in tables without numbers, starts in lower case) and its cells are appended to the row above. A row
with more cells than the header (an export artefact) is aligned from both ends and the surplus cell
left out, with a note. Every guess is kept as a review note on the row.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from importer.cells import clean, join, repair_split_words, starts_lower, starts_upper
from importer.columns import header_roles, looks_like_header
from importer.document import Table
from importer.text import PAGE_DEBRIS

NUMBER = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)\.?$|^([IVXІ]{1,5})\.?$")
_FOOTNOTE = re.compile(r"^\s*[¹²³⁴⁵⁶⁷⁸⁹*]")


@dataclass
class LogicalRow:
    """A row of a roadmap or indicator table after joining; `kind` is row, heading, footnote or fragment."""

    kind: str
    cells: dict[str, str]
    where: str
    number: str | None = None  # as printed, without the trailing dot
    review: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)  # the raw lines it was read from (for the review page)
    glued: set[str] = field(default_factory=set)

    def get(self, role: str) -> str:
        return self.cells.get(role, "")


def column_numbers(cells: list[str]) -> bool:
    """A row «1 2 3 4 5» that numbers the columns."""
    values = [clean(c) for c in cells if clean(c)]
    return len(values) >= 3 and values == [str(k) for k in range(1, len(values) + 1)]


def parse_number(cell: str) -> str | None:
    match = NUMBER.match(clean(cell))
    if not match:
        return None
    return match.group(1) or match.group(2).replace("І", "I")


def logical_rows(
    table: Table, roles: list[str | None], *, reads_deadline: Callable[[str], bool], table_name: str
) -> list[LogicalRow]:
    """The table's rows with continuation lines joined; `roles` are the header's column roles."""
    width = len(roles)
    has_number = "number" in roles
    out: list[LogicalRow] = []
    header_cells = [clean(c).lower() for c in table.rows[0].cells]
    for raw in table.rows[1:]:
        if raw.plain:
            text = clean(raw.cells[0])
            if not text or PAGE_DEBRIS.match(text):
                continue
            kind = "footnote" if _FOOTNOTE.match(text) else "heading"
            out.append(LogicalRow(kind, {"title": text}, raw.where, source=[raw.cells[0]]))
            continue
        cells = [clean(c) for c in raw.cells]
        if not any(cells) or all(PAGE_DEBRIS.match(c) for c in cells if c):
            continue
        if [c.lower() for c in cells[: len(header_cells)]] == header_cells or (
            looks_like_header(cells) and header_roles(cells) == roles
        ):
            out.append(LogicalRow("fragment", {}, raw.where, source=["\t".join(raw.cells)]))
            continue
        if column_numbers(cells):
            continue
        review: list[str] = []
        cells = _fit(cells, roles, width, reads_deadline, raw.where, review)
        row = LogicalRow("row", {}, raw.where, review=review, source=["\t".join(raw.cells)])
        for role, text in zip(roles, cells, strict=True):
            if role is not None and text:
                row.cells[role] = f"{row.cells[role]} {text}".strip() if role in row.cells else text
        number_cell = row.cells.get("number", "")
        row.number = parse_number(number_cell) if number_cell else None
        filled = [c for c in cells if c]
        if number_cell and row.number is None:
            # text in the number column: a heading row («Подготовительный этап»), merged or not
            if len(set(filled)) == 1 or all(not row.get(r) for r in row.cells if r != "number"):
                out.append(LogicalRow("heading", {"title": number_cell}, raw.where, source=row.source))
                continue
        if filled and len(set(filled)) == 1 and len(filled) > 1:
            out.append(LogicalRow("heading", {"title": filled[0]}, raw.where, source=row.source))
            continue
        previous = out[-1] if out and out[-1].kind == "row" else None
        if previous is not None and _continues(row, previous, has_number, reads_deadline):
            _append(previous, row, reads_deadline)
            continue
        out.append(row)
    for row in out:
        for role, text in list(row.cells.items()):
            if role in ("number", "deadline"):
                continue
            repaired, repairs = repair_split_words(text)
            if repairs:
                row.cells[role] = repaired
                row.review.extend(f"split word in the {role} cell: {r}" for r in repairs)
    return out


def _fit(
    cells: list[str],
    roles: list[str | None],
    width: int,
    reads_deadline: Callable[[str], bool],
    where: str,
    review: list[str],
) -> list[str]:
    while len(cells) > width and not cells[-1]:
        cells = cells[:-1]
    if len(cells) <= width:
        return cells + [""] * (width - len(cells))
    surplus = len(cells) - width
    if surplus > 3:
        review.append(f"{where}: the row has {len(cells)} cells for {width} columns; the last ones were left out")
        return cells[:width]

    def score(drop: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
        kept = [c for k, c in enumerate(cells) if k not in drop]
        points = 0
        for role, text in zip(roles, kept, strict=True):
            if role == "deadline" and text and reads_deadline(text):
                points += 3
            if role == "number" and parse_number(text):
                points += 1
        return points, drop  # among equal fits, leave out the later cells (keep what sits under its header)

    best = max(itertools.combinations(range(1, len(cells)), surplus), key=score)
    left_out = "; ".join(f"«{cells[k]}»" for k in best)
    review.append(
        f"the row has {len(cells)} cells for {width} columns (an export artefact): {left_out} left out so that "
        "the deadline and the responsible fall in their columns"
    )
    return [c for k, c in enumerate(cells) if k not in best]


def _continues(row: LogicalRow, previous: LogicalRow, has_number: bool, reads_deadline: Callable[[str], bool]) -> bool:
    title = row.get("title")
    if has_number:
        if row.get("number"):
            return False
        # an unnumbered row of its own: a capitalised activity with its own deadline
        deadline = row.get("deadline")
        own = starts_upper(title) and bool(deadline) and reads_deadline(deadline) and bool(previous.get("deadline"))
        return not own
    others = [v for r, v in row.cells.items() if r != "title"]
    if not title:
        return True
    return starts_lower(title) and all(starts_lower(v) or not v for v in others)


def _append(previous: LogicalRow, row: LogicalRow, reads_deadline: Callable[[str], bool]) -> None:
    for role, text in row.cells.items():
        if role == "number":
            continue
        before = previous.cells.get(role, "")
        joined, glued = join(before, text)
        if role == "deadline" and before and not reads_deadline(joined):
            if reads_deadline(before + text):
                joined, glued = before + text, True
            elif reads_deadline(before):
                # the export repeats the end of the cell on the next line («(при необходимости)» + «и)»)
                previous.review.append(
                    f"the deadline continues on {row.where} with «{text}», which makes it unreadable: "
                    f"left out, the deadline read as «{before}»"
                )
                previous.glued.add(role)
                continue
        previous.cells[role] = joined
        if glued:
            previous.glued.add(role)
            previous.review.append(
                f"the {role} cell continues on {row.where} inside a word: «{before[-20:]}» + «{text[:20]}» "
                f"joined as «{joined[max(0, len(before) - 20) : len(before) + 20]}»"
            )
    previous.source.extend(row.source)
