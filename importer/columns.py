"""Table header wording: which column holds the number, the activity, the deadline, and so on."""

from __future__ import annotations

import re
from typing import Literal

from importer.cells import header_text

Role = Literal["number", "title", "deadline", "responsible", "result", "targets", "year", "name", "other"]

_YEAR_HEADER = re.compile(r"^(?:на\s+)?((?:19|20)\d\d)(?:\s*(?:г\.?|год|гг\.?))?$")
_NUMBER_HEADER = re.compile(r"^(?:№|n|no)\s*(?:п\s*/\s*п|пп|п\.п)?$|^п\s*/\s*п$|^№\s*пункта$")

# (role, words any of which marks the column), checked in this order
_ROADMAP_WORDS: list[tuple[Role, tuple[str, ...]]] = [
    ("deadline", ("срок", "дата исполнения", "период исполнения", "период реализации", "когда")),
    ("responsible", ("ответствен", "исполнител", "фио")),
    ("result", ("результат", "вид документа", "форма представления", "форма отчет", "итоговый документ",
                "отчетный документ", "документ")),
    ("targets", ("показател", "целевое значение", "значение")),
    ("title", ("мероприяти", "наименование", "содержание", "действи", "задач", "направлени")),
]  # fmt: skip


def column_role(cell: str) -> Role | None:
    """The role a header cell names, or None when it names none of them."""
    text = header_text(cell)
    if not text:
        return None
    if _NUMBER_HEADER.match(text):
        return "number"
    if _YEAR_HEADER.match(text):
        return "year"
    for role, words in _ROADMAP_WORDS:
        if any(w in text for w in words):
            return role
    return None


def header_roles(cells: list[str]) -> list[Role | None]:
    return [column_role(c) for c in cells]


def is_roadmap_header(cells: list[str]) -> bool:
    """A roadmap table's header: an activity column and a deadline column."""
    roles = header_roles(cells)
    return "deadline" in roles and ("title" in roles or "targets" in roles) and roles.count("year") < 2


def is_indicator_header(cells: list[str]) -> bool:
    """An indicator table's header: a name column about indicators and at least two year columns."""
    texts = [header_text(c) for c in cells]
    roles = header_roles(cells)
    named = any(("показател" in t or "индикатор" in t) for t in texts)
    return named and roles.count("year") >= 2 and "deadline" not in roles


def looks_like_header(cells: list[str]) -> bool:
    return is_roadmap_header(cells) or is_indicator_header(cells)


def year_of(cell: str) -> int | None:
    match = _YEAR_HEADER.match(header_text(cell))
    return int(match.group(1)) if match else None
