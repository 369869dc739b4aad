"""The monitoring report as a reader sees it: computed once, rendered by HTML, XLSX and Markdown alike.

A `MonitoringReport` holds the snapshot's results for the territory and every level below, the trend of
each measure over the years of the plan (`Trend`, drawn as a `TrendChart`: the target line against the
actual one), who is furthest behind (`Laggard`), who has not submitted what (`MissingSubmission`) and
the criteria on their scales. Nothing here touches the store; figures are worded as Russian reports
word them («12,5 %», «20 ед.»).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.ru import format_date, ru_number

LEVEL_RU = {"region": "регион", "municipality": "муниципалитет", "organisation": "организация"}
BASIS_RU = {
    "submitted": "представлено",
    "rolled-up": "сумма по нижестоящим",
    "computed": "по отметкам о выполнении",
    "records": "по записям о наставнических парах",
    "": "—",
}
VERDICT_CLASS = {  # the CSS class of a verdict; the colours are in the HTML template and the xlsx fills
    "met": "met", "within": "within", "missed": "missed", "no-data": "none", "no-target": "none",
    "not-judged": "info", "scored": "info",
}  # fmt: skip
CHART_COLOURS = {"target": "#ef6c00", "actual": "#1565c0"}  # the lines of every trend chart; the tests read them
EMPTY = "—"


def figure(value: float | None, unit: str) -> str:
    """A figure with its unit: «12,5 %», «20 ед.», «3»; a dash when there is none."""
    if value is None:
        return EMPTY
    return ru_number(value) + (" %" if unit == "%" else f" {unit}" if unit else "")


def deviation_text(value: float | None, unit: str) -> str:
    """«+2 п.п.», «−1,5 п.п.», «−3 ед.»; a dash when there is none."""
    if value is None:
        return EMPTY
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return f"{sign}{ru_number(abs(value))} {'п.п.' if unit == '%' else unit or ''}".rstrip()


@dataclass(frozen=True)
class ResultLine:
    """One measure at one level and scope: the one result row type, read from a snapshot and shown in reports."""

    address: str  # how the CSV names the measure: mentees_10_19, item:1.3, criterion:young_teacher_retention
    kind: str
    key: str  # the measure's key within its kind: mentees_10_19, 1.3, young_teacher_retention
    name: str
    unit: str
    level: str
    scope: str
    scope_name: str
    municipality: str  # the scope's municipality ('' for the territory)
    target: float | None
    actual: float | None
    numerator: float | None
    denominator: float | None
    computed: float | None
    submitted: float | None
    basis: str
    verdict: str
    verdict_text: str
    deviation: float | None
    score: str | None
    differs: bool
    done: int | None = None  # items: organisations (or the roadmap) done, of `of` in scope
    of: int | None = None
    detail: dict[str, Any] = field(default_factory=dict, compare=False)  # the stored row's detail, as recorded

    @property
    def css(self) -> str:
        return VERDICT_CLASS.get(self.verdict, "info")

    @property
    def level_ru(self) -> str:
        return LEVEL_RU.get(self.level, self.level)

    @property
    def basis_ru(self) -> str:
        return BASIS_RU.get(self.basis, self.basis)

    @property
    def target_text(self) -> str:
        return figure(self.target, self.unit)

    @property
    def actual_text(self) -> str:
        if self.kind == "criterion":
            return self.verdict_text
        return figure(self.actual, self.unit)

    @property
    def deviation_ru(self) -> str:
        return deviation_text(self.deviation, self.unit)

    @property
    def fraction(self) -> str:
        """«54 / 455» for a share with its numerator and denominator, else a dash."""
        if self.numerator is None or self.denominator is None:
            return EMPTY
        return f"{ru_number(self.numerator)} / {ru_number(self.denominator)}"

    @property
    def cell(self) -> str:
        """The short text of a matrix cell: the figure, a score, or «выполнено 1 из 1»."""
        if self.kind == "criterion":
            return self.score or (figure(self.actual, self.unit) if self.actual is not None else EMPTY)
        if self.actual is None:
            return EMPTY
        return figure(self.actual, self.unit)

    @property
    def tip(self) -> str:
        """What a matrix cell says on hover: the verdict, the fraction, the basis."""
        parts = [self.verdict_text]
        if self.numerator is not None and self.denominator is not None:
            parts.append(self.fraction)
        if self.done is not None and self.of is not None:
            parts.append(f"выполнено {self.done} из {self.of}")
        if self.basis:
            parts.append(self.basis_ru)
        return "; ".join(parts)

    def values(self) -> tuple[Any, ...]:
        """The row's cells, typed, in LEVEL_COLUMNS order (the xlsx and Markdown tables)."""
        return (
            self.level_ru, self.scope_name, self.municipality or None, self.address, self.name, self.unit or None,
            self.numerator, self.denominator, _rounded(self.actual) if self.kind != "criterion" else self.verdict_text,
            self.target, _rounded(self.deviation), self.verdict_text if self.kind != "criterion" else self.score,
            self.basis_ru, _rounded(self.submitted), _rounded(self.computed),
        )  # fmt: skip


LEVEL_COLUMNS = (
    "Уровень", "Муниципалитет / организация", "Муниципалитет", "Код", "Показатель", "Ед.", "Числитель",
    "Знаменатель", "Факт", "Цель", "Отклонение", "Оценка", "Основание", "Представлено", "Вычислено",
)  # fmt: skip


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class TrendPoint:
    """One year of a measure's trend: its target, and the actual figure from a snapshot or the current figures."""

    year: int
    target: float | None
    actual: float | None
    source: str  # "snapshot" (recorded), "live" (current figures, no snapshot of that year), "" (not yet)
    snapshot_id: int | None = None
    verdict_text: str = ""


@dataclass(frozen=True)
class ChartMark:
    x: float
    y: float
    label: str
    tip: str
    hollow: bool = False


@dataclass(frozen=True)
class TrendChart:
    """The geometry of one small chart: the target polyline, the actual one, axes and labels (SVG units)."""

    address: str
    title: str
    unit: str
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    years: tuple[tuple[float, str], ...]  # x and label of each year
    grid: tuple[tuple[float, str], ...]  # y and label of each horizontal grid line
    target_points: str  # an SVG polyline's points, "" when there is none
    actual_points: str
    target_marks: tuple[ChartMark, ...]
    actual_marks: tuple[ChartMark, ...]


@dataclass(frozen=True)
class Trend:
    """A measure over the years of the plan (only measures with targets have one)."""

    address: str
    name: str
    unit: str
    points: tuple[TrendPoint, ...]

    def chart(self, *, width: int = 380, height: int = 210) -> TrendChart:
        return build_chart(self, width=width, height=height)


def nice_step(value: float, *, whole: bool = False) -> float:
    """The smallest of 1, 2, 5 × 10^k at or above value (a grid step); at least 1 when `whole`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    step = next(s * power for s in (1, 2, 5, 10) if value <= s * power * (1 + 1e-9))
    return max(step, 1.0) if whole else step


GRID_LINES = 4


def build_chart(trend: Trend, *, width: int, height: int) -> TrendChart:
    """Place the trend's years along x and its values along y from 0 to a round maximum."""
    left, right, top, bottom = 46, width - 14, 34, height - 26
    values = [v for p in trend.points for v in (p.target, p.actual) if v is not None]
    highest = max(values, default=0.0)
    # round steps (counts in whole units), with a little headroom above the highest point
    grid_step = nice_step(highest * 1.08 / GRID_LINES, whole=trend.unit != "%")
    if trend.unit == "%" and grid_step * GRID_LINES > 100 >= highest:
        grid_step = 100 / GRID_LINES
    top_value = grid_step * GRID_LINES
    n = len(trend.points)
    pad = 18  # keeps the first and last points and their labels clear of the axes
    x_step = (right - left - 2 * pad) / max(n - 1, 1)

    def x(i: int) -> float:
        return round(left + pad + i * x_step if n > 1 else (left + right) / 2, 1)

    def y(v: float) -> float:
        return round(bottom - (bottom - top) * v / top_value, 1)

    grid = tuple((y(grid_step * k), ru_number(grid_step * k)) for k in range(GRID_LINES + 1))
    targets = [(x(i), y(p.target), p) for i, p in enumerate(trend.points) if p.target is not None]
    actuals = [(x(i), y(p.actual), p) for i, p in enumerate(trend.points) if p.actual is not None]

    def tip(p: TrendPoint, which: str) -> str:
        if which == "target":
            return f"{p.year}: цель {figure(p.target, trend.unit)}"
        where = f"снимок № {p.snapshot_id}" if p.source == "snapshot" else "по текущим данным, снимка нет"
        verdict = f", {p.verdict_text}" if p.verdict_text else ""
        return f"{p.year}: факт {figure(p.actual, trend.unit)} ({where}){verdict}"

    return TrendChart(
        address=trend.address, title=trend.name, unit=trend.unit, width=width, height=height, left=left, top=top,
        right=right, bottom=bottom, years=tuple((x(i), str(p.year)) for i, p in enumerate(trend.points)), grid=grid,
        target_points=" ".join(f"{a},{b}" for a, b, _ in targets),
        actual_points=" ".join(f"{a},{b}" for a, b, _ in actuals),
        target_marks=tuple(ChartMark(a, b, "", tip(p, "target")) for a, b, p in targets),
        actual_marks=tuple(ChartMark(a, b, ru_number(p.actual or 0, 1), tip(p, "actual"), p.source == "live")
                           for a, b, p in actuals),
    )  # fmt: skip


@dataclass(frozen=True)
class Laggard:
    """A municipality or organisation behind on one or more measures, with what it is behind on."""

    level: str
    scope: str
    scope_name: str
    municipality: str
    below_target: tuple[str, ...]  # «mentees_10_19: 8 % при цели 10 % (−2 п.п.)»
    not_done: tuple[str, ...]  # items with targets not done there: «1.1», «1.3 (0 из 3)»
    points_behind: float  # the sum of the shares' shortfalls in percentage points (ranks equal counts)

    @property
    def level_ru(self) -> str:
        return LEVEL_RU.get(self.level, self.level)

    @property
    def count(self) -> int:
        return len(self.below_target) + len(self.not_done)

    @property
    def text(self) -> str:
        """«mentees_10_19: 8 % при цели 10 % (−2 п.п.); не выполнены мероприятия 1.1, 1.3 (0 из 3)»."""
        parts = list(self.below_target)
        if self.not_done:
            word = "не выполнено мероприятие" if len(self.not_done) == 1 else "не выполнены мероприятия"
            parts.append(f"{word} {', '.join(self.not_done)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class MissingSubmission:
    """An organisation (or a municipality's УО) expected to submit figures that did not, and for what."""

    level: str
    scope: str
    scope_name: str
    municipality: str
    measures: tuple[str, ...]  # addresses
    names: tuple[str, ...]

    @property
    def level_ru(self) -> str:
        return LEVEL_RU.get(self.level, self.level)


@dataclass(frozen=True)
class Measured:
    """A measure's header as the report lists it (in plan order)."""

    address: str
    kind: str
    name: str
    unit: str
    short: str  # a column heading: «1.3», «mentees_10_19», «Кр. 4»


@dataclass
class MonitoringReport:
    """Everything the monitoring report shows for one roadmap and year, from one snapshot."""

    roadmap_id: str
    roadmap_title: str
    territory: str
    level: str
    timezone: str
    year: int
    snapshot_id: int
    run: int
    taken_at: datetime
    taken_by: str
    plan_version: int
    load_ids: tuple[int, ...]
    newer_loads: tuple[int, ...]  # loads of figures for the year made after the snapshot: the report is behind
    measures: list[Measured]
    territory_rows: list[ResultLine]
    municipality_rows: list[ResultLine]
    organisation_rows: list[ResultLine]
    trends: list[Trend]
    laggards: list[Laggard]
    missing: list[MissingSubmission]
    expected: dict[str, str] = field(default_factory=dict)  # address -> the level figures are expected from
    counts: dict[str, int] = field(default_factory=dict)
    history: str = ""  # the chain position and checkpoint the report was built against (as ExecutionReport's)
    history_ok: bool = True

    @property
    def taken_text(self) -> str:
        from zoneinfo import ZoneInfo

        local = self.taken_at.astimezone(ZoneInfo(self.timezone))
        return f"{format_date(local.date())}, {local:%H:%M}"

    @property
    def judged(self) -> list[ResultLine]:
        """The territory's indicators and item targets (not criteria)."""
        return [r for r in self.territory_rows if r.kind != "criterion"]

    @property
    def criteria(self) -> list[ResultLine]:
        return [r for r in self.territory_rows if r.kind == "criterion"]

    @property
    def differences(self) -> list[ResultLine]:
        rows = self.territory_rows + self.municipality_rows + self.organisation_rows
        return [r for r in rows if r.differs]

    @property
    def below(self) -> list[ResultLine]:
        return self.municipality_rows + self.organisation_rows

    def matrix(
        self, level: str, *, criteria: bool = False
    ) -> tuple[list[Measured], list[tuple[str, str, str, list[ResultLine | None]]]]:
        """The columns (measures with a row at that level; criteria or the rest) and, per scope in order,
        (scope, name, municipality, one cell per column) of a level's table."""
        rows = self.municipality_rows if level == "municipality" else self.organisation_rows
        rows = [r for r in rows if (r.kind == "criterion") == criteria]
        present = {r.address for r in rows}
        columns = [m for m in self.measures if m.address in present]
        by_scope: dict[str, dict[str, ResultLine]] = {}
        heads: dict[str, tuple[str, str]] = {}
        for r in rows:
            by_scope.setdefault(r.scope, {})[r.address] = r
            heads[r.scope] = (r.scope_name, r.municipality)
        order = sorted(heads, key=lambda s: (heads[s][1], heads[s][0], s))
        return columns, [(s, *heads[s], [by_scope[s].get(m.address) for m in columns]) for s in order]

    def counts_text(self) -> str:
        c = self.counts
        return (f"выполнено — {c.get('met', 0)}, в пределах допуска — {c.get('within', 0)}, не выполнено — "
                f"{c.get('missed', 0)}, нет данных — {c.get('no-data', 0)}")  # fmt: skip
