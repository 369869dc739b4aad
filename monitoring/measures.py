"""What a roadmap monitors and how a figure is judged: pure functions, worded as Russian reports word them.

Measures (`measures`): the plan's indicators (by id), its items with yearly targets (`item:NUMBER`,
Tomsk, with the roadmap's `item_target_tolerance`) and its criteria (`criterion:ID`, scored on their
scales). A measure in % is a share; one in ед. is a count; a categorical criterion has no unit.

Verdicts (`judge`): **met** when actual ≥ target; **within tolerance** when actual ≥ target − allowance,
where the plan's tolerance gives the allowance in `points` (absolute: percentage points for a share)
or in `percent` (relative to the target: Tomsk's «не более 1 %» makes a count target of 20 allow
19.8, and a 20 % share allow 19.8 %); with both, the larger allowance applies. Otherwise **missed
by N**: percentage points for a share («не выполнен на 2 п.п.»), percent of the target for a count
(«не выполнен на 1,5 %»). No figure: **no data**; no target for the year: **no target**. Figures are
compared rounded to 6 decimals, so 19.8 sits exactly on the edge of 20 − 1 %.

Percent bands (`band`): a value belongs to the highest band whose lower bound it reaches. The source's
bands are whole percents with gaps between them («100 – 80%», «79-60%»): 79.5 has not reached 80, so
it scores «79-60%»; 80 scores «100 – 80%». A band's minimum is what must be achieved; rounding
79.5 up would give credit that was not earned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from models.plan import Roadmap, Scale, Tolerance
from models.ru import ru_number

ITEM_PREFIX, CRITERION_PREFIX = "item:", "criterion:"
Kind = Literal["indicator", "item", "criterion"]


def measure_address(kind: str, key: str) -> str:
    """How the CSV (and every report) names a measure: `mentees_10_19`, `item:1.3`, `criterion:ID`."""
    return {"item": ITEM_PREFIX, "criterion": CRITERION_PREFIX}.get(kind, "") + key


@dataclass(frozen=True)
class Measure:
    """Something monitored: an indicator, an item's yearly target or a criterion, with its targets."""

    kind: Kind
    key: str  # indicator id, item number, criterion id
    name: str
    unit: str  # "%" for shares and percent bands, "ед." for counts, "" for categorical criteria
    targets: dict[int, float] = field(default_factory=dict)
    tolerance: Tolerance | None = None
    scale: Scale | None = None
    scope_kinds: tuple[str, ...] | None = None  # items: kinds of organisation it fans out to

    @property
    def address(self) -> str:
        """How the CSV names it."""
        return measure_address(self.kind, self.key)

    @property
    def percent(self) -> bool:
        return self.unit == "%"

    @property
    def categorical(self) -> bool:
        return self.scale is not None and self.scale.kind == "categorical"


def measures(roadmap: Roadmap) -> list[Measure]:
    """Everything a roadmap monitors, in document order: indicators, items with targets, criteria."""
    out = [Measure("indicator", i.id, i.name, i.unit, dict(i.targets), i.tolerance) for i in roadmap.indicators]
    for item in roadmap.items:
        if item.targets:
            scope = None if item.scope == "roadmap" else tuple(item.scope.per_organisation)
            out.append(Measure("item", item.number, item.title, item.target_unit or "ед.", dict(item.targets),
                               roadmap.item_target_tolerance, scope_kinds=scope))  # fmt: skip
    for c in roadmap.criteria:
        unit = {"percent_bands": "%", "count": "ед.", "categorical": ""}[c.scale.kind]
        out.append(Measure("criterion", c.id, c.name, unit, scale=c.scale))
    return out


def measure_index(roadmap: Roadmap) -> dict[str, Measure]:
    """Every measure by the CSV address that names it; criteria also as `criterion:NUMBER`."""
    index = {m.address: m for m in measures(roadmap)}
    for c in roadmap.criteria:
        if c.number:
            index.setdefault(CRITERION_PREFIX + c.number, index[CRITERION_PREFIX + c.id])
    return index


def valid_years(roadmap: Roadmap, measure: Measure | None = None) -> list[int]:
    """The years a figure may be for: the roadmap's period and the years the measure has targets for."""
    years = set(range(roadmap.period.start.year, roadmap.period.end.year + 1))
    return sorted(years | set(measure.targets if measure else ()))


def year_span(years: Sequence[int]) -> str:
    """2021-2024 for a run of years, else the years listed."""
    if years and list(years) == list(range(years[0], years[-1] + 1)):
        return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    return ", ".join(map(str, years))


Verdict = Literal["met", "within", "missed", "no-data", "no-target", "not-judged", "scored"]
VERDICTS: tuple[str, ...] = ("met", "within", "missed", "no-data", "no-target", "not-judged", "scored")
VERDICT_WORDS: dict[str, str] = {
    "met": "выполнен",
    "within": "в пределах допуска",
    "missed": "не выполнен",
    "no-data": "нет данных",
    "no-target": "цель на год не установлена",
    "not-judged": "не оценивается (цель установлена для всей территории)",
    "scored": "оценено по шкале",
}
PLACES = 6


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    deviation: float | None  # actual - target, in the measure's unit (points for a share)
    text: str


def allowance(target: float, tolerance: Tolerance | None) -> float:
    """How far below the target still counts as within tolerance."""
    if tolerance is None:
        return 0.0
    out = 0.0
    if tolerance.points is not None:
        out = max(out, tolerance.points)
    if tolerance.percent is not None:
        out = max(out, abs(target) * tolerance.percent / 100)
    return out


def judge(actual: float | None, target: float | None, *, percent: bool, tolerance: Tolerance | None) -> Judgement:
    """The verdict on one figure against its target (see the module docstring)."""
    if target is None:
        return Judgement("no-target", None, VERDICT_WORDS["no-target"])
    if actual is None:
        return Judgement("no-data", None, VERDICT_WORDS["no-data"])
    a, t = round(actual, PLACES), round(target, PLACES)
    deviation = round(a - t, PLACES)
    if a >= t:
        return Judgement("met", deviation, VERDICT_WORDS["met"])
    short = round(t - a, PLACES)
    by = f"на {ru_number(short)} п.п." if percent else f"на {ru_number(short / t * 100)} %"
    if short <= round(allowance(t, tolerance), PLACES):
        return Judgement("within", deviation, f"{VERDICT_WORDS['within']} (ниже цели {by})")
    return Judgement("missed", deviation, f"{VERDICT_WORDS['missed']} {by}")


def band(scale: Scale, percent: float) -> str:
    """The label of the percent band a value falls in (see the module docstring)."""
    ordered = sorted(scale.levels, key=lambda lv: float("-inf") if lv.min is None else lv.min, reverse=True)
    value = round(percent, PLACES)
    for level in ordered:
        if level.min is None or value >= level.min:
            return level.label
    return ordered[-1].label  # below every stated minimum: the lowest band
