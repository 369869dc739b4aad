"""Readers: each document form becomes paragraphs and tables (`importer.document.Document`)."""

from __future__ import annotations

from pathlib import Path

from importer.document import Document, ImportRefusal
from importer.text import read_text

TEXT_SUFFIXES = (".txt", ".md", ".text", ".tsv", ".csv")


def read_document(path: Path) -> Document:
    """Read a document by its suffix; refuse a missing, unreadable or unknown file."""
    if not path.exists():
        raise ImportRefusal(path, "no such file")
    if path.is_dir():
        raise ImportRefusal(path, "is a folder; give a document (.docx, .pdf, .xlsx, .html or .txt)")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "cp1251"):
            try:
                return read_text(path, raw.decode(encoding))
            except UnicodeDecodeError:
                continue
        raise ImportRefusal(path, "not text in UTF-8 or Windows-1251")
    raise ImportRefusal(
        path, f"unknown kind of document «{suffix or path.name}»: expected .docx, .pdf, .xlsx, .html or .txt"
    )
