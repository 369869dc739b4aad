"""Readers: each document form becomes paragraphs and tables (`importer.document.Document`).

.docx through python-docx (body order, merged cells repeat their text), .pdf through pdfplumber
(ruled tables and the text lines around them, by position on the page; a page without ruled tables
is read as space-aligned text), .xlsx through openpyxl (each sheet as rows of cells), .html through
lxml (tables and block elements in order), plain text by `importer.text`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from importer.document import Document, ImportRefusal, Paragraph, Row, Table
from importer.text import read_text

TEXT_SUFFIXES = (".txt", ".md", ".text", ".tsv")


def read_document(path: Path) -> Document:
    """Read a document by its suffix; refuse a missing, unreadable or unknown file."""
    if not path.exists():
        raise ImportRefusal(path, "no such file")
    if path.is_dir():
        raise ImportRefusal(path, "is a folder; give a document (.docx, .pdf, .xlsx, .html or .txt)")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return read_text(path, _decode(path, path.read_bytes()))
    readers = {".docx": _docx, ".pdf": _pdf, ".xlsx": _xlsx, ".html": _html, ".htm": _html}
    reader = readers.get(suffix)
    if reader is None:
        hint = " (save it as .docx first)" if suffix in (".doc", ".rtf", ".odt") else ""
        raise ImportRefusal(
            path, f"unknown kind of document «{suffix or path.name}»: expected .docx, .pdf, .xlsx, .html or .txt{hint}"
        )
    try:
        return reader(path)
    except ImportRefusal:
        raise
    except Exception as exc:  # a damaged or mislabelled file: say so, naming the library's reason
        raise ImportRefusal(path, f"cannot be read as {suffix}: {type(exc).__name__}: {exc}") from None


def _decode(path: Path, raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefusal(path, "not text in UTF-8 or Windows-1251")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _docx(path: Path) -> Document:
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    document = docx.Document(str(path))
    out = Document(path=path, form="docx")
    tables = 0
    for block in document.iter_inner_content():
        if isinstance(block, DocxParagraph):
            if block.text.strip():
                out.blocks.append(Paragraph(block.text, f"paragraph {len(out.blocks) + 1}"))
        elif isinstance(block, DocxTable):
            tables += 1
            rows = [
                Row([c.text.replace("\n", " ") for c in row.cells], f"table {tables}, row {k + 1}")
                for k, row in enumerate(block.rows)
            ]
            caption = out.blocks[-1].text if out.blocks and isinstance(out.blocks[-1], Paragraph) else ""
            out.blocks.append(Table(rows, f"table {tables}", caption=caption))
    return out


def _xlsx(path: Path) -> Document:
    from openpyxl import load_workbook

    workbook = load_workbook(str(path), data_only=True)
    lines: list[str] = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells = [_cell_text(v).replace("\n", " ").replace("\t", " ").strip() for v in row]
            while cells and not cells[-1]:
                cells.pop()
            filled = [c for c in cells if c]
            if len(filled) == 1 and cells and cells[0]:
                lines.append(cells[0])  # a line of text (a title, the order's header) in column A
            else:
                lines.append("\t".join(cells))
        lines.append("")
    document = read_text(path, "\n".join(lines))
    document.form = "xlsx"
    for block in document.blocks:  # the sheet's rows are what the operator sees: "row N", not "line N"
        if isinstance(block, Table):
            for r in block.rows:
                r.where = r.where.replace("line", "row")
    return document


def _html(path: Path) -> Document:
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(_decode(path, path.read_bytes()) or "<html></html>")
    out = Document(path=path, form="html")
    tables = 0
    blocks_tags = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "pre", "caption", "title"}
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "table" and not any(a.tag == "table" for a in element.iterancestors()):
            tables += 1
            rows = []
            for k, tr in enumerate(element.iter("tr")):
                cells: list[str] = []
                for cell in tr:
                    if cell.tag not in ("td", "th"):
                        continue
                    text = " ".join(cell.text_content().split())
                    cells.extend([text] + [""] * (int(cell.get("colspan", "1") or 1) - 1))
                rows.append(Row(cells, f"table {tables}, row {k + 1}"))
            caption = out.blocks[-1].text if out.blocks and isinstance(out.blocks[-1], Paragraph) else ""
            out.blocks.append(Table(rows, f"table {tables}", caption=caption))
        elif tag in blocks_tags and not any(a.tag in ("table", *blocks_tags) for a in element.iterancestors()):
            text = " ".join(element.text_content().split())
            if text:
                out.blocks.append(Paragraph(text, f"<{tag}> {len(out.blocks) + 1}"))
    return out


def _pdf(path: Path) -> Document:
    import pdfplumber

    out = Document(path=path, form="pdf")
    layout_lines: list[str] = []
    with pdfplumber.open(str(path)) as pdf:
        if not any(page.chars for page in pdf.pages):
            raise ImportRefusal(
                path,
                f"the PDF has no text layer ({len(pdf.pages)} page(s) of images, a scan?): run it through OCR "
                "(for example ocrmypdf) or import the .docx it was made from",
            )
        ruled = any(page.find_tables() for page in pdf.pages)
        for number, page in enumerate(pdf.pages, start=1):
            if not ruled:
                layout_lines.extend(_positioned_lines(page))
                continue
            found = page.find_tables()
            boxes = [t.bbox for t in found]
            items: list[tuple[float, Paragraph | Table]] = []
            for line in page.extract_text_lines():
                inside = any(b[0] - 1 <= line["x0"] and line["x1"] <= b[2] + 1 and b[1] - 1 <= line["top"] <= b[3]
                             for b in boxes)  # fmt: skip
                if not inside and line["text"].strip():
                    items.append((line["top"], Paragraph(line["text"], f"page {number}")))
            for k, table in enumerate(found, start=1):
                rows = [
                    Row([(c or "").replace("\n", " ") for c in r], f"page {number}, table {k}, row {j + 1}")
                    for j, r in enumerate(table.extract())
                ]
                items.append((table.bbox[1], Table(rows, f"page {number}, table {k}")))
            for _top, block in sorted(items, key=lambda x: x[0]):
                _add_pdf_block(out, block)
    if not ruled:
        document = read_text(path, "\n".join(layout_lines))
        document.form = "pdf"
        return document
    return out


def _positioned_lines(page: Any) -> list[str]:
    """A page without ruled tables: its lines, table rows cut into cells at the header's x positions."""
    from importer.columns import looks_like_header

    lines: dict[int, list[dict[str, Any]]] = {}
    for word in page.extract_words(x_tolerance=1.5):
        lines.setdefault(round(word["top"] / 3), []).append(word)
    out: list[str] = []
    starts: list[float] | None = None
    for key in sorted(lines):
        words = sorted(lines[key], key=lambda w: w["x0"])
        cells: list[list[dict[str, Any]]] = [[words[0]]]
        for word in words[1:]:  # a gap wider than two spaces separates cells
            if word["x0"] - cells[-1][-1]["x1"] > 2.5 * (word["x1"] - word["x0"]) / max(len(word["text"]), 1):
                cells.append([word])
            else:
                cells[-1].append(word)
        texts = [" ".join(w["text"] for w in c) for c in cells]
        if starts is None and len(texts) >= 2 and looks_like_header(texts):
            starts = [c[0]["x0"] for c in cells]
            out.append("\t".join(texts))
            continue
        if starts is None:
            out.append(" ".join(texts))
            continue
        columns = [""] * len(starts)
        for word in words:
            column = max((k for k, x in enumerate(starts) if word["x0"] >= x - 2), default=0)
            columns[column] = f"{columns[column]} {word['text']}".strip()
        out.append("\t".join(columns))
    return out


def _add_pdf_block(out: Document, block: Paragraph | Table) -> None:
    """Paragraph lines join into paragraphs; a table that goes on over a page break joins the one before."""
    previous = out.blocks[-1] if out.blocks else None
    if isinstance(block, Table):
        if isinstance(previous, Table) and previous.rows and block.rows:
            if len(previous.rows[0].cells) == len(block.rows[0].cells):
                previous.rows.extend(block.rows)
                return
        block.caption = previous.text if isinstance(previous, Paragraph) else ""
        out.blocks.append(block)
        return
    from importer.text import PAGE_DEBRIS

    if PAGE_DEBRIS.match(block.text):
        return
    if isinstance(previous, Paragraph) and previous.where.split(",")[0] == block.where.split(",")[0]:
        previous.text = f"{previous.text}\n{block.text}"
        return
    out.blocks.append(block)
