"""Digests: one message per recipient per sweep, rendered in Russian from Jinja2 templates.

A digest holds every reminder due to one recipient, grouped by kind (coming due, lapsed, escalated,
moved by an amendment, waiting for a date, check-in), then by roadmap and organisation, nearest
deadline first. Messages name no children and carry no personal data beyond the recipient's own role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import groupby

from jinja2 import Environment

from models.ru import format_date, format_window, plural
from notifications.templating import make_environment

KIND_ORDER = ("escalation", "lapse", "overdue", "before", "check-in", "feedback", "moved", "waiting")
KIND_TITLES = {
    "escalation": "Эскалация: просроченные мероприятия подведомственных исполнителей",
    "lapse": "Срок истёк",
    "overdue": "Просрочено",
    "before": "Приближается срок",
    "check-in": "Промежуточный отчёт по постоянному мероприятию",
    "feedback": "Нет обратной связи после встреч наставнических пар",
    "moved": "Изменены сроки или ответственные (внесение изменений в дорожную карту)",
    "waiting": "Ожидает назначения срока",
}


@dataclass(frozen=True)
class DigestEntry:
    """One reminder as the recipient reads it."""

    kind: str
    milestone_id: int
    roadmap_id: str
    roadmap_title: str
    item: str
    title: str
    org_name: str | None
    start: date | None
    end: date | None
    result: str | None = None
    occurrence: str = ""
    responsible: str = ""
    old_start: date | None = None
    old_end: date | None = None
    note: str | None = None


@dataclass
class Digest:
    recipient: str
    recipient_name: str
    today: date
    entries: Sequence[DigestEntry]
    complete_hint: str = "roadmap complete {id} --evidence «реквизиты документа»"
    link: str | None = None
    subject: str = field(init=False, default="")


def days_words(end: date | None, today: date) -> str:
    """«осталось 3 дня», «сегодня последний день», «просрочено на 5 дней»."""
    if end is None:
        return "срок не назначен"
    left = (end - today).days
    if left > 0:
        return f"{plural(left, 'остался', 'осталось', 'осталось')} {left} {plural(left, 'день', 'дня', 'дней')}"
    if left == 0:
        return "сегодня последний день"
    late = -left
    return f"просрочено на {late} {plural(late, 'день', 'дня', 'дней')}"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = make_environment()
    env.globals["format_window"] = format_window
    env.globals["days_words"] = days_words
    return env


def _groups(digest: Digest) -> list[dict[str, object]]:
    def order(e: DigestEntry) -> tuple[object, ...]:
        return (KIND_ORDER.index(e.kind), e.roadmap_id, e.org_name or "", e.end or date.max, e.item)

    out = []
    entries = sorted(digest.entries, key=order)
    for kind, by_kind in groupby(entries, key=lambda e: e.kind):
        blocks = []
        for (roadmap_title, org), items in groupby(by_kind, key=lambda e: (e.roadmap_title, e.org_name)):
            blocks.append({"roadmap": roadmap_title, "org": org, "entries": list(items)})
        out.append({"kind": kind, "title": KIND_TITLES[kind], "blocks": blocks})
    return out


def subject_for(digest: Digest) -> str:
    counts = {k: sum(1 for e in digest.entries if e.kind == k) for k in KIND_ORDER}
    late = counts["lapse"] + counts["overdue"] + counts["escalation"]
    parts = []
    if late:
        parts.append(f"просрочено: {late}")
    if counts["before"] + counts["check-in"]:
        parts.append(f"скоро срок: {counts['before'] + counts['check-in']}")
    if counts["feedback"]:
        parts.append(f"нет обратной связи: {counts['feedback']}")
    if counts["moved"]:
        parts.append(f"изменены сроки: {counts['moved']}")
    if counts["waiting"]:
        parts.append(f"ждут даты: {counts['waiting']}")
    return f"Дорожная карта наставничества на {format_date(digest.today)}: " + ", ".join(parts)


def render(digest: Digest) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a digest."""
    context = {"d": digest, "groups": _groups(digest), "today": digest.today}
    subject = subject_for(digest)
    text = _env().get_template("digest.txt.j2").render(**context, subject=subject)
    html = _env().get_template("digest.html.j2").render(**context, subject=subject)
    return subject, text, html
