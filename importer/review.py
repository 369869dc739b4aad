"""The review page of an import: source rows beside the items read from them, uncertain cells marked."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from importer.build import ImportResult
from importer.emit import summary_lines
from models.deadline import Deadline
from models.plan import Roadmap
from models.ru import format_window

_KINDS_RU = {
    "window": "срок", "yearly": "ежегодно", "continuous": "постоянно", "on_demand": "по необходимости",
    "separate_schedule": "по отдельному графику", "external": "сроки устанавливает другой орган",
    "alternatives": "варианты", "windows": "несколько сроков", "unspecified": "срок не указан",
    "unparsed": "не прочитан",
}  # fmt: skip


def _window(deadline: Deadline | None) -> str:
    if deadline is None:
        return "срок не указан"
    kind = _KINDS_RU.get(deadline.kind, deadline.kind)
    if deadline.end is None:
        return kind
    return f"{kind}: {format_window(deadline.start, deadline.end)}"


def _where_ru(where: str) -> str:
    """«line 63», «table 2, row 5», «page 3» in Russian, for the page officials read."""
    for en, ru in (("paragraph", "абзац"), ("line", "строка"), ("table", "таблица"), ("row", "строка"),
                   ("page", "стр.")):  # fmt: skip
        where = where.replace(en, ru)
    return where


def render_review(result: ImportResult, roadmap: Roadmap) -> str:
    """The HTML page (Russian) an operator checks a draft against its document with."""
    env = Environment(
        loader=PackageLoader("importer", "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("review.html.j2")
    return template.render(
        roadmap=roadmap,
        document=result.document.path.name,
        views=result.views,
        window=_window,
        where_ru=_where_ru,
        summary=summary_lines(result.counts),
        counts=result.counts,
        plan_review=result.plan.get("review", []),
    )
