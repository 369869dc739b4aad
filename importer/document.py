"""What every reader turns a document into: paragraphs and tables in document order, each row located."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class ImportRefusal(Exception):
    """A document the importer cannot turn into a plan; the message names the file and what was found."""

    def __init__(self, file: Path | str, message: str, *, where: str | None = None) -> None:
        self.file = str(file)
        self.where = where
        self.message = message
        located = f"{self.file}, {where}" if where else self.file
        super().__init__(f"{located}: {message}")


@dataclass
class Row:
    """One table row as the reader found it: raw cell texts and where it is in the document.

    `plain` marks a line of text that sits inside a table's run of rows in a plain-text export (a
    heading that lost its cells, a footnote, page-break debris).
    """

    cells: list[str]
    where: str
    plain: bool = False


@dataclass
class Paragraph:
    text: str
    where: str


@dataclass
class Table:
    rows: list[Row]
    where: str
    caption: str = ""  # the paragraph just before the table (its heading)


@dataclass
class Document:
    path: Path
    form: str  # text, docx, pdf, xlsx, html
    blocks: list[Paragraph | Table] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def text(self) -> str:
        """All the document's words, tables flattened, for searching (abbreviations, regions)."""
        out: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                out.append(block.text)
            else:
                out.extend(" ".join(r.cells) for r in block.rows)
        return "\n".join(out)
