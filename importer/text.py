"""Plain-text exports of office documents: tab-separated or space-aligned table rows among paragraphs.

The export keeps a table as one line per row (cells split by tabs) or as columns aligned with spaces;
a cell that wrapped, or a row cut by a page break, continues on the next line(s). This module only
finds which lines form tables and cuts them into cells; joining continuation lines is the work of
`importer.rows`, the same for every form of document.
"""

from __future__ import annotations

import re
from pathlib import Path

from importer.columns import looks_like_header
from importer.document import Document, Paragraph, Row, Table

_SEPARATOR_CELL = re.compile(r"^\s*:?-{2,}:?\s*$")
_GAP = re.compile(r"\S(?:\S| (?! ))*")  # runs of text separated by two or more spaces
PAGE_DEBRIS = re.compile(
    r"^\s*(?:-\s*\d{1,3}\s*-|\d{1,3}|страница\s+\d+(?:\s+из\s+\d+)?|стр\.\s*\d+|page\s+\d+(?:\s+of\s+\d+)?)\s*$",
    re.IGNORECASE,
)
# a plain line may sit between two rows of one table (a heading, a footnote, a page number) when it
# is alone; two or more lines of text mean the table has ended
_MAX_PLAIN_IN_TABLE = 1


def read_text(path: Path, text: str) -> Document:
    """Split a text export into paragraphs and tables (space-aligned tables are turned into tab rows)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any("\t" in line for line in lines):
        lines = align_spaced_tables(lines)
    return Document(path=path, form="text", blocks=_blocks(lines))


def _is_row(line: str) -> bool:
    return "\t" in line


def _is_separator(line: str) -> bool:
    cells = line.split("\t") if "\t" in line else [line]
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(_SEPARATOR_CELL.match(c) for c in filled)


def _compatible(line: str, header: list[str]) -> bool:
    cells = line.split("\t")
    if abs(len(cells) - len(header)) > 2:
        return False
    # a new header of another shape starts another table
    return not (looks_like_header(cells) and len(cells) != len(header))


def _blocks(lines: list[str]) -> list[Paragraph | Table]:
    blocks: list[Paragraph | Table] = []
    i, n = 0, len(lines)
    para: list[str] = []
    para_start = 0

    def flush() -> None:
        if para:
            blocks.append(Paragraph("\n".join(para), f"line {para_start}"))
            para.clear()

    while i < n:
        line = lines[i]
        if _is_row(line) and not _is_separator(line):
            flush()
            caption = _caption(blocks)
            header = line.split("\t")
            rows = [Row(header, f"line {i + 1}")]
            j = i + 1
            while j < n:
                if _is_separator(lines[j]):
                    j += 1
                    break
                if _is_row(lines[j]):
                    if not _compatible(lines[j], header):
                        break
                    rows.append(Row(lines[j].split("\t"), f"line {j + 1}"))
                    j += 1
                    continue
                k, plain = j, []
                while k < n and not _is_row(lines[k]) and not _is_separator(lines[k]):
                    if lines[k].strip():
                        plain.append(k)
                    k += 1
                if k < n and _is_row(lines[k]) and len(plain) <= _MAX_PLAIN_IN_TABLE and _compatible(lines[k], header):
                    rows.extend(Row([lines[p].strip()], f"line {p + 1}", plain=True) for p in plain)
                    j = k
                    continue
                break
            blocks.append(Table(rows, f"line {i + 1}", caption=caption))
            i = j
            continue
        if line.strip() and not _is_separator(line):
            if not para:
                para_start = i + 1
            para.append(line.rstrip())
        else:
            flush()
        i += 1
    flush()
    return blocks


def _caption(blocks: list[Paragraph | Table]) -> str:
    if blocks and isinstance(blocks[-1], Paragraph):
        return blocks[-1].text
    return ""


# ---------------------------------------------------------------------------------------------
# Space-aligned tables (pdftotext -layout and similar): columns found from the header line.


def _runs(line: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(0)) for m in _GAP.finditer(line)]


def align_spaced_tables(lines: list[str]) -> list[str]:
    """Rewrite the rows of space-aligned tables as tab-separated rows, using the header's column starts."""
    out = list(lines)
    i, n = 0, len(lines)
    while i < n:
        runs = _runs(lines[i])
        if len(runs) >= 2 and looks_like_header([r[1] for r in runs]):
            starts = [r[0] for r in runs]
            out[i] = "\t".join(r[1] for r in runs)
            j, blank, prose = i + 1, 0, 0
            while j < n:
                line = lines[j]
                if not line.strip():
                    blank += 1
                    if blank >= 3:
                        break
                    j += 1
                    continue
                blank = 0
                line_runs = _runs(line)
                if len(line_runs) == 1 and line_runs[0][0] == 0 and len(line_runs[0][1]) > 60:
                    prose += 1  # a long line of text at the margin: prose after the table
                    if prose >= 2:
                        out[j - 1] = lines[j - 1]
                        break
                else:
                    prose = 0
                out[j] = _cut([(m.start(), m.group(0)) for m in re.finditer(r"\S+", line)], starts)
                j += 1
            i = j
            continue
        i += 1
    return out


def _cut(runs: list[tuple[int, str]], starts: list[int]) -> str:
    """Each word goes to the column whose header starts at or before it (two characters of slack)."""
    cells = [""] * len(starts)
    for offset, text in runs:
        column = 0
        for k, start in enumerate(starts):
            if offset >= start - 2:
                column = k
        cells[column] = f"{cells[column]} {text}".strip()
    return "\t".join(cells)
