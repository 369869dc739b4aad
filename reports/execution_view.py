"""Views for reports and pages: what a reader sees, computed once and rendered by every format.

The execution report (`roadmap report audit`) is a list of `ExecutionRow` (one per milestone), its
`AuditCounts` and a `Timeline` (the geometry of a Gantt-like picture: plan windows against completions).
HTML, XLSX and Markdown all render these same objects, so the three formats cannot disagree. Nothing here
touches the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, Protocol

from models.ru import format_date, format_window, plural

STATUS_RU = {
    "planned": "запланировано",
    "due": "к исполнению",
    "overdue": "просрочено",
    "done": "выполнено",
    "waiting-for-date": "ожидает даты",
    "retired": "снято",
}
WHOLE_ROADMAP = "в целом по дорожной карте"  # shown for milestones of the roadmap itself, not of an organisation
EMPTY = "—"  # how an empty cell reads in HTML and Markdown (an empty cell in the spreadsheet)

COLUMNS = (
    "Код", "Дорожная карта", "№", "Мероприятие", "Организация", "Период", "Начало срока", "Окончание срока",
    "Статус", "Дата выполнения", "Кем выполнено", "Основание (документ)", "Опоздание, дней", "Версия плана",
    "Примечание",
)  # fmt: skip

Outcome = Literal["on-time", "late", "overdue", "open", "waiting", "retired"]
Cell = str | int | date | None


def days(n: int) -> str:
    """«1 день», «3 дня», «5 дней»."""
    return f"{n} {plural(n, 'день', 'дня', 'дней')}"


_RETIRED_ITEM = re.compile(r"^item (?P<item>\S+) is not in version (?P<version>\d+)$")


def retired_reason_ru(reason: str | None) -> str:
    """The sync records why it retired a milestone in English; officials read it in Russian."""
    if not reason:
        return "исключено из плана"
    if m := _RETIRED_ITEM.match(reason):
        return f"мероприятие {m['item']} исключено из плана в версии {m['version']}"
    if reason.startswith("no longer called for"):
        return "больше не предусмотрено (организация выбыла из реестра или охвата, либо изменён период)"
    return reason


@dataclass(frozen=True, slots=True)
class ExecutionRow:
    """One milestone as the auditor reads it: what, for whom, when due, when and how it was done."""

    milestone_id: int
    roadmap_id: str
    item: str
    title: str
    org_id: str
    org_name: str
    occurrence: str
    start: date | None
    end: date | None
    status: str  # the effective status as of the report's date (see tasks.status.effective_status)
    done_on: date | None  # the local date of done_at in the milestone's time zone
    done_by: str | None
    evidence: str | None
    late_days: int | None  # done: days after the window's end (0 on time); overdue: days past it
    plan_version: int | None
    outcome: Outcome
    note: str

    @property
    def count(self) -> int:
        """How many milestones the row stands for (the timeline also takes grouped spans)."""
        return 1

    def values(self) -> tuple[Cell, ...]:
        """The row's cells, typed (dates as dates, numbers as numbers, None when empty), in COLUMNS order."""
        return (
            self.milestone_id, self.roadmap_id, self.item, self.title, self.org_name, self.occurrence or None,
            self.start, self.end, STATUS_RU.get(self.status, self.status), self.done_on, self.done_by,
            self.evidence, self.late_days, self.plan_version, self.note or None,
        )  # fmt: skip

    def cells(self) -> tuple[str, ...]:
        """The same cells as text, as HTML and Markdown show them."""
        return tuple(cell_text(v) for v in self.values())


def cell_text(value: Cell) -> str:
    """How one typed cell reads: dates in words, None as a dash."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def judge(*, status: str, end: date | None, done_on: date | None, as_of: date) -> tuple[Outcome, int | None, str]:
    """(outcome, late days, note) of one milestone: late is counted from the window's last day.

    A done milestone keeps «выполнено с опозданием на N дней» for good, whatever happens later.
    """
    late = (done_on - end).days if done_on is not None and end is not None else None
    if status == "retired":
        kept = max(late, 0) if late is not None else None
        return "retired", kept, f"выполнено с опозданием на {days(late)}" if late and late > 0 else ""
    if status == "done":
        if late is not None and late > 0:
            return "late", late, f"выполнено с опозданием на {days(late)}"
        return "on-time", 0 if end is not None else None, "выполнено в срок"
    if status == "waiting-for-date":
        return "waiting", None, "срок не установлен"
    if end is not None and end < as_of:
        overdue = (as_of - end).days
        return "overdue", overdue, f"просрочено на {days(overdue)}"
    if status == "due" and end is not None:
        left = (end - as_of).days
        return "open", None, "сегодня последний день" if left == 0 else f"до окончания срока {days(left)}"
    return "open", None, ""


@dataclass
class AuditCounts:
    """Counts of milestones by what became of them (retired ones count only as retired)."""

    total: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue: int = 0
    due: int = 0
    planned: int = 0
    waiting: int = 0
    retired: int = 0

    LABELS = (
        ("total", "Всего вех"), ("done_on_time", "Выполнено в срок"), ("done_late", "Выполнено с опозданием"),
        ("overdue", "Просрочено"), ("due", "К исполнению"), ("planned", "Запланировано"),
        ("waiting", "Ожидает даты"), ("retired", "Снято"),
    )  # fmt: skip

    def add(self, row: ExecutionRow) -> None:
        self.total += 1
        if row.outcome == "on-time":
            self.done_on_time += 1
        elif row.outcome == "late":
            self.done_late += 1
        elif row.outcome == "overdue":
            self.overdue += 1
        elif row.outcome == "waiting":
            self.waiting += 1
        elif row.outcome == "retired":
            self.retired += 1
        elif row.status == "due":
            self.due += 1
        else:
            self.planned += 1

    def items(self) -> list[tuple[str, int]]:
        """(Russian label, count) in reading order."""
        return [(label, getattr(self, name)) for name, label in self.LABELS]

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name, _ in self.LABELS}


@dataclass(frozen=True)
class VersionLine:
    """One loaded version of the plan, for the report's list of versions."""

    version: int
    loaded_on: date
    loaded_by: str
    note: str | None


@dataclass
class ExecutionReport:
    """The execution report of one roadmap (optionally one organisation) as of a date."""

    roadmap_id: str
    roadmap_title: str
    territory: str
    org_id: str | None
    org_name: str | None
    as_of: date
    current_version: int
    versions: list[VersionLine]
    rows: list[ExecutionRow]
    counts: AuditCounts
    per_org: list[tuple[str, AuditCounts]]
    timeline: Timeline
    columns: tuple[str, ...] = COLUMNS
    timezone: str = "Europe/Moscow"
    # the chain position and checkpoint the report was built against («история проверена до события 1 234,
    # подпись от 12.10.2021 09:00»), and whether verification passed (shown loudly when not)
    history: str = ""
    history_ok: bool = True

    @property
    def scope(self) -> str:
        return self.org_name or "все организации"

    @property
    def as_of_text(self) -> str:
        return format_date(self.as_of)


def count_rows(rows: Iterable[ExecutionRow]) -> tuple[AuditCounts, list[tuple[str, AuditCounts]]]:
    """Counts in all and per organisation (roadmap-level milestones first, then by name)."""
    total = AuditCounts()
    per_org: dict[tuple[bool, str, str], AuditCounts] = {}
    for row in rows:
        total.add(row)
        per_org.setdefault((row.org_id != "", row.org_name, row.org_id), AuditCounts()).add(row)
    return total, [(key[1], counts) for key, counts in sorted(per_org.items())]


# -- the timeline (plan against actual) ---------------------------------------------------------------

MONTHS_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
COLOURS = {  # plan bar (light) and actual bar (dark) per outcome; the legend and the tests read them
    "on-time": ("#a5d6a7", "#2e7d32"),
    "late": ("#ffcc80", "#e65100"),
    "overdue": ("#ef9a9a", "#c62828"),
    "open": ("#90caf9", "#1565c0"),
    "retired": ("#cfd8dc", "#607d8b"),
}
LEGEND = (
    ("on-time", "выполнено в срок"), ("late", "выполнено с опозданием"), ("overdue", "просрочено"),
    ("open", "в работе / запланировано"), ("retired", "снято"),
)  # fmt: skip
_RANK = {"overdue": 0, "late": 1, "open": 2, "on-time": 3, "retired": 4}  # the worst outcome colours a window


@dataclass(frozen=True)
class Bar:
    x: int
    width: int
    fill: str
    tip: str


@dataclass(frozen=True)
class TimelineRow:
    y: int
    item: str
    label: str
    title: str
    plan: list[Bar]
    actual: list[Bar]
    marks: list[Bar]
    note: str


@dataclass(frozen=True)
class Tick:
    x: int
    label: str
    major: bool


@dataclass
class Timeline:
    """Geometry of the SVG picture: one row per item, plan windows and completions on one date scale."""

    width: int
    height: int
    left: int
    top: int
    row_height: int
    ticks: list[Tick]
    rows: list[TimelineRow]
    as_of_x: int | None
    as_of_label: str
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # (plan colour, actual colour, label)

    @property
    def bottom(self) -> int:
        return self.top + len(self.rows) * self.row_height


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


class Timed(Protocol):
    """What the timeline reads of a milestone (an ExecutionRow) or of a group of alike ones (a Span)."""

    @property
    def item(self) -> str: ...
    @property
    def start(self) -> date | None: ...
    @property
    def end(self) -> date | None: ...
    @property
    def done_on(self) -> date | None: ...
    @property
    def outcome(self) -> Outcome: ...
    @property
    def count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Span:
    """`count` milestones of one item alike for the timeline: one window, one outcome, one completion date."""

    item: str
    start: date | None
    end: date | None
    done_on: date | None
    outcome: Outcome
    count: int


def build_timeline(
    rows: Sequence[Timed], *, items: Sequence[tuple[str, str]], as_of: date, width: int = 1320, left: int = 330
) -> Timeline:
    """One row per item (in plan order), aggregated over its organisations and occurrences.

    Each distinct window is a light bar coloured by its worst outcome; a dark bar runs from the
    window's start to its latest completion (past the light bar when done late), with a tick per
    completion date; an overdue window gets a dark tail up to the report's date.
    """
    row_h, top, chart = 22, 40, width - left - 10
    by_item: dict[str, list[Timed]] = {}
    for row in rows:
        by_item.setdefault(row.item, []).append(row)
    dated = [d for r in rows for d in (r.start, r.end, r.done_on) if d is not None]
    first = _month_start(min(dated, default=as_of))
    last = max(dated, default=as_of)
    # the report's date stretches the scale only when it is near the plan: a report on a 2020 plan run
    # in 2025 would otherwise squeeze the whole plan into a sliver
    if as_of <= last + timedelta(days=92):
        last = max(last, as_of)
    end = _next_month(last)
    span = (end - first).days

    def x(d: date) -> int:
        return left + round((min(max(d, first), end) - first).days * chart / span)

    def bar(a: date, b: date, fill: str, tip: str) -> Bar:
        x0 = x(a)
        return Bar(x0, max(x(b + timedelta(days=1)) - x0, 2), fill, tip)

    out: list[TimelineRow] = []
    for number, title in items:
        group = by_item.get(number)
        if not group:
            continue
        plan: list[Bar] = []
        actual: list[Bar] = []
        marks: list[Bar] = []
        windows: dict[tuple[date | None, date | None], list[Timed]] = {}
        for r in group:
            windows.setdefault((r.start, r.end), []).append(r)
        waiting = sum(r.count for r in windows.pop((None, None), []))
        y = top + len(out) * row_h
        for (start, stop), ms in sorted(windows.items(), key=lambda kv: (kv[0][0] or kv[0][1], kv[0][1] or date.max)):
            a = start or stop
            b = stop or start
            assert a is not None and b is not None
            worst = min((r.outcome for r in ms if r.outcome != "waiting"), key=_RANK.__getitem__, default="open")
            light, dark = COLOURS[worst]
            done = sorted({r.done_on for r in ms if r.done_on is not None})
            late = sum(r.count for r in ms if r.outcome == "late")
            overdue = sum(r.count for r in ms if r.outcome == "overdue")
            finished = sum(r.count for r in ms if r.done_on is not None)
            total = sum(r.count for r in ms)
            tip = f"{number} {title}: {format_window(start, stop)}; выполнено {finished} из {total}"
            tip += (f", с опозданием {late}" if late else "") + (f", просрочено {overdue}" if overdue else "")
            plan.append(bar(a, b, light, tip))
            if done:
                dark_done = COLOURS["late" if done[-1] > b else "on-time"][1]
                actual.append(bar(a, done[-1], dark_done, f"{number}: последнее выполнение {format_date(done[-1])}"))
                marks.extend(bar(d, d, dark_done, f"{number}: выполнено {format_date(d)}") for d in done)
            if overdue and as_of > b:
                actual.append(bar(b + timedelta(days=1), as_of, dark, f"{number}: просрочено {overdue}"))
        note = f"ожидает даты: {waiting}" if waiting else ""
        label = f"{number} {title}"
        out.append(TimelineRow(y, number, label if len(label) <= 48 else label[:47] + "…", label, plan, actual,
                               marks, note))  # fmt: skip
    months = []
    step_for = ((18, 1), (48, 3), (96, 6))
    total_months = (end.year - first.year) * 12 + end.month - first.month
    step = next((s for limit, s in step_for if total_months <= limit), 12)
    d, i = first, 0
    while d <= end:
        major = d.month == 1 or i == 0
        # the closing tick only ends the scale: a label there would run past the picture
        shown = (i % step == 0 or major) and d < end
        label = MONTHS_SHORT[d.month - 1] + (f" {d.year}" if major else "") if shown else ""
        months.append(Tick(x(d), label, major))
        d, i = _next_month(d), i + 1
    legend = [(COLOURS[k][0], COLOURS[k][1], text) for k, text in LEGEND]
    as_of_x = x(as_of) if first <= as_of <= end else None
    label = f"на {format_date(as_of)}" + ("" if as_of_x is not None else " (за пределами шкалы)")
    return Timeline(width, top + len(out) * row_h + 50, left, top, row_h, months, out, as_of_x, label, legend)
