"""Digests: one message per recipient per sweep, rendered in Russian from Jinja2 templates.

A digest holds the reminders due to one recipient, grouped by kind (coming due, lapsed, escalated,
moved by an amendment, waiting for a date, check-in), then by roadmap and organisation, nearest
deadline first. Messages name no children and carry no personal data beyond the recipient's own role.

A digest is capped: after a gap (the first sweep of a roadmap that started long ago) one recipient
may have hundreds of reminders, which neither a mail server nor a person takes in one message. The
most urgent `MAX_ENTRIES` are shown (late ones first, the longest late first; then those coming due,
nearest first; then moved deadlines and items waiting for a date), fewer if the message would pass
`MAX_BYTES`; the rest are counted by kind with the command that lists them all. The subject counts
every reminder. Each entry ends with the command that records it done, quoted for a shell and with
the recipient's own party (`--by`), so that pasting it works.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import groupby

from jinja2 import Environment

from models.ru import format_date, format_window, plural
from notifications.templating import make_environment

KIND_ORDER = ("escalation", "lapse", "overdue", "before", "check-in", "feedback", "moved", "waiting")
LATE, SOON = ("escalation", "lapse", "overdue"), ("before", "check-in")
# after a gap a recipient may have hundreds of reminders: the most urgent go in one message of a size
# every mail server takes (a few hundred kilobytes; 10 MB is a common limit) and a person reads
MAX_ENTRIES = 50
MAX_BYTES = 256 * 1024
EVIDENCE_PLACEHOLDER = "реквизиты документа"
WINDOW_PLACEHOLDER = "с ДД.ММ.ГГГГ по ДД.ММ.ГГГГ"  # refused as it is: the reader writes the dates
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
    party: str = ""  # the recipient's party for this reminder: whom `--by` names in the command


@dataclass
class Digest:
    recipient: str
    recipient_name: str
    today: date
    entries: Sequence[DigestEntry]
    link: str | None = None
    limit: int = MAX_ENTRIES
    # milestone id -> a signed link to its page (when the web pages have an address): shown instead of
    # the commands, which only the operator can run
    links: dict[int, str] = field(default_factory=dict)
    site: str = ""  # the pages' address, for the full list
    subject: str = field(init=False, default="")


def complete_command(entry: DigestEntry) -> str:
    """The command that records the entry's milestone done, quoted for a shell (it is pasted as it is shown)."""
    words = ["roadmap", "complete", str(entry.milestone_id)]
    if entry.party and entry.party != "unassigned":
        words += ["--by", entry.party]
    return shlex.join([*words, "--evidence", EVIDENCE_PLACEHOLDER])


def schedule_command(entry: DigestEntry) -> str:
    """The command that gives a waiting milestone its date, quoted for a shell; the window is a placeholder to fill."""
    words = ["roadmap", "schedule", str(entry.milestone_id)]
    if entry.party and entry.party != "unassigned":
        words += ["--by", entry.party]
    return shlex.join([*words, "--window", WINDOW_PLACEHOLDER])


def urgency(entry: DigestEntry) -> tuple[int, date, int]:
    """Sort key, most urgent first: late (the longest late first), coming due (nearest first), moved, waiting."""
    group = 0 if entry.kind in LATE else 1 if entry.kind in (*SOON, "feedback") else 2 if entry.kind == "moved" else 3
    return (group, entry.end or date.max, KIND_ORDER.index(entry.kind))


def counts(entries: Sequence[DigestEntry]) -> list[tuple[str, int]]:
    """How many reminders of each heading the subject uses: просрочено, скоро срок, нет обратной связи,
    изменены сроки, ждут даты."""
    by_kind = Counter(e.kind for e in entries)
    found = [("просрочено", sum(by_kind[k] for k in LATE)), ("скоро срок", sum(by_kind[k] for k in SOON)),
             ("нет обратной связи", by_kind["feedback"]), ("изменены сроки", by_kind["moved"]),
             ("ждут даты", by_kind["waiting"])]  # fmt: skip
    return [(words, n) for words, n in found if n]


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
    env.globals["complete_command"] = complete_command
    env.globals["schedule_command"] = schedule_command
    return env


def _groups(shown: Sequence[DigestEntry]) -> list[dict[str, object]]:
    def order(e: DigestEntry) -> tuple[object, ...]:
        return (KIND_ORDER.index(e.kind), e.roadmap_id, e.org_name or "", e.end or date.max, e.item)

    out = []
    entries = sorted(shown, key=order)
    for kind, by_kind in groupby(entries, key=lambda e: e.kind):
        blocks = []
        for (roadmap_title, org), items in groupby(by_kind, key=lambda e: (e.roadmap_title, e.org_name)):
            blocks.append({"roadmap": roadmap_title, "org": org, "entries": list(items)})
        out.append({"kind": kind, "title": KIND_TITLES[kind], "blocks": blocks})
    return out


def subject_for(digest: Digest) -> str:
    parts = ", ".join(f"{words}: {n}" for words, n in counts(digest.entries))
    return f"Дорожная карта наставничества на {format_date(digest.today)}: " + parts


def _rest(hidden: Sequence[DigestEntry]) -> dict[str, object] | None:
    """What the capped digest says of the reminders it leaves out: how many, of what, where to see them all."""
    if not hidden:
        return None
    n = len(hidden)
    words = plural(n, "напоминание", "напоминания", "напоминаний")
    shown = "не показано" if plural(n, "one", "few", "many") == "one" else "не показаны"
    where = sorted({(e.roadmap_id, e.party) for e in hidden})
    commands = [shlex.join(["roadmap", "status", "--roadmap", roadmap_id, *(["--party", party] if party and party
                                                                            != "unassigned" else [])])
                for roadmap_id, party in where]  # fmt: skip
    kinds = ", ".join(f"{words} {count}" for words, count in counts(hidden))
    return {"line": f"Ещё {n} {words} в этом письме {shown}: {kinds}.", "commands": commands}


def render(digest: Digest) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a digest: the most urgent `digest.limit` entries, fewer if it would pass
    MAX_BYTES, and a count of the rest with where to see them."""
    subject = subject_for(digest)
    ranked = sorted(digest.entries, key=urgency)
    limit = max(1, min(digest.limit, len(ranked)))
    while True:
        shown, hidden = ranked[:limit], ranked[limit:]
        context = {"d": digest, "groups": _groups(shown), "today": digest.today, "rest": _rest(hidden)}
        text = _env().get_template("digest.txt.j2").render(**context, subject=subject)
        html = _env().get_template("digest.html.j2").render(**context, subject=subject)
        size = len(text.encode()) + len(html.encode())
        if size <= MAX_BYTES or limit == 1:
            return subject, text, html
        limit = max(1, min(limit - 1, limit * MAX_BYTES // size))
