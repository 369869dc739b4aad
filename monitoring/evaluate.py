"""The yearly monitoring of a roadmap: actual against target per measure and level, kept as a snapshot.

Measures are the plan's indicators, its items with yearly targets (Tomsk) and its criteria. For each,
for one year, the current submitted figures (monitoring/figures.py) roll up in SQL (GROUP BY):
organisation → municipality → territory, as sums of numerators and denominators (never averages of
percentages) or of counts. A figure submitted for a level itself (a УО's for its municipality, an empty
`org` for the whole territory) is that level's figure; the sum from below is used where there is none.

Computed figures: an item with targets counts things the store knows, its done milestones. For year Y
and each organisation in the item's scope (or the roadmap, for an item without scope), a yearly item
counts when its milestone of occurrence Y is done; any other item (a single window such as «Май 2020»,
a continuous item with check-ins) counts when one of its milestones was done by 31 December of Y in the
roadmap's zone, because those targets count what is in force each year (item 1.1: 20 municipal
programmes every year from one deadline in May 2020). Counts sum up the levels; a share (3.3, 3.4:
«% of municipalities») is done / organisations in scope. Where both exist, the **submitted figure
decides the verdict** and the computed one is shown beside it, flagged when they differ: the registry
cannot always tell what a target counts (item 1.2's 7-13 programmes are the Department's own schools,
item 1.3's 21 sites include the regional operator, which is no organisation of the registry), and the
regional operator's report is the roadmap's official monitoring result. Without a submitted figure the
computed one decides.

Levels judged: a share's target (an indicator in %) applies at every level; a count's target and
every item target are totals for the territory, so only the territory is judged and lower levels are
shown for who contributed what. Criteria are scored on their scales at every level (tasks/verdicts.py).

A snapshot records every result row with the plan version and the loads whose figures it used; it is
never changed, and a re-run after corrected figures adds a new snapshot.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlmodel import Session, col

from mentorship.indicators import RecordFigure, RecordFigures, participant_figures
from models.loader import parse_plan
from models.plan import Roadmap
from models.store import (
    IndicatorValue,
    Milestone,
    Organisation,
    RoadmapRecord,
    RoadmapVersion,
)
from models.territory import in_territory
from monitoring.measures import (
    VERDICT_WORDS,
    Judgement,
    Measure,
    band,
    judge,
    measures,
    ru_number,
    valid_years,
    year_span,
)


class MonitoringError(Exception):
    """Monitoring cannot run as asked (unknown roadmap, year outside the plan); the message says the fix."""


def stored_plan(session: Session, roadmap_id: str) -> tuple[Roadmap, int]:
    """The current version of a roadmap in the store and its version number."""
    version, record = col(RoadmapVersion.version), col(RoadmapRecord.current_version)
    query = (
        select(col(RoadmapVersion.yaml_text), record)
        .join(RoadmapRecord, and_(col(RoadmapRecord.id) == col(RoadmapVersion.roadmap_id), record == version))
        .where(col(RoadmapRecord.id) == roadmap_id)
    )
    found = session.execute(query).first()
    if found is None:
        ids = col(RoadmapRecord.id)
        known = ", ".join(session.execute(select(ids).order_by(ids)).scalars()) or "none"
        raise MonitoringError(f"no roadmap «{roadmap_id}» in the store (it holds: {known}); "
                              "load its plan first with `roadmap sync PLAN`")  # fmt: skip
    return parse_plan(found.yaml_text, f"{roadmap_id} (stored)"), found.current_version


def require_measures(session: Session, plan: Roadmap, version: int) -> None:
    """Refuse to monitor a roadmap whose plan has nothing to monitor (the snapshot and its notice would be empty)."""
    if measures(plan):
        return
    others = []
    for roadmap_id in session.execute(select(col(RoadmapRecord.id)).order_by(col(RoadmapRecord.id))).scalars():
        if roadmap_id != plan.id and measures(stored_plan(session, roadmap_id)[0]):
            others.append(roadmap_id)
    hint = f" (roadmaps in the store with something to monitor: {', '.join(others)})" if others else ""
    raise MonitoringError(f"{plan.id} has nothing to monitor: its plan (version {version}) has no indicators, no "
                          f"items with yearly targets and no criteria{hint}")  # fmt: skip


def monitoring_year(plan: Roadmap, year: int | None, now: datetime) -> int:
    """The year asked for, or the current year in the roadmap's zone; refused outside the plan's years."""
    chosen = year if year is not None else now.astimezone(ZoneInfo(plan.timezone)).year
    years = sorted({*valid_years(plan), *(y for m in measures(plan) for y in m.targets)})
    if chosen not in years:
        raise MonitoringError(f"year {chosen}: expected a year of the period or the targets of {plan.id} "
                              f"({year_span(years)})")  # fmt: skip
    return chosen


@dataclass
class Figure:
    """Submitted figures summed: numerators and denominators, counts, categorical answers."""

    numerator: float = 0.0
    denominator: float = 0.0
    value: float = 0.0
    ratios: int = 0
    values: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    answer: str | None = None  # an answer given for this level itself

    def add(self, other: Figure | None) -> Figure:
        if other is not None:
            self.numerator += other.numerator
            self.denominator += other.denominator
            self.value += other.value
            self.ratios += other.ratios
            self.values += other.values
            self.answers.update(other.answers)
            if other.answer:
                self.answers[other.answer] += 1
        return self

    @property
    def rows(self) -> int:
        return self.ratios + self.values + sum(self.answers.values())

    def actual(self, m: Measure) -> float | None:
        if m.percent and self.ratios and self.denominator > 0:
            return 100 * self.numerator / self.denominator
        return self.value if self.values else None

    @classmethod
    def of(cls, row: Any) -> Figure:
        ratio = row.numerator is not None
        return cls(numerator=row.numerator or 0.0, denominator=row.denominator or 0.0, value=row.value or 0.0,
                   ratios=int(ratio), values=int(row.value is not None), answer=row.answer)  # fmt: skip


@dataclass
class Computed:
    """Done milestones counted: `done` organisations (or the roadmap) of `of` in scope that year.

    `records`: a participant count from the mentorship records instead (numerator `done` of `of`).
    """

    done: float = 0
    of: float = 0
    records: bool = False

    @classmethod
    def of_records(cls, figure: RecordFigure | None) -> Computed | None:
        if figure is None or not figure.organisations:
            return None
        return cls(figure.numerator, figure.denominator or 0, records=True)

    def add(self, other: Computed) -> Computed:
        self.done, self.of = self.done + other.done, self.of + other.of
        return self

    def actual(self, m: Measure) -> float | None:
        if m.percent:
            return 100 * self.done / self.of if self.of else None
        return float(self.done)


# -- reading the store, set-based ------------------------------------------------------------------


@dataclass
class _Submitted:
    """The current figures of a roadmap-year by (kind, key): each organisation's, each municipality's sum of
    its organisations (from SQL) and its УО's own figure, and the whole territory's own figure."""

    org: dict[tuple[str, str], dict[str, Figure]] = field(default_factory=lambda: defaultdict(dict))
    muni_sum: dict[tuple[str, str], dict[str, Figure]] = field(default_factory=lambda: defaultdict(dict))
    muni_explicit: dict[tuple[str, str], dict[str, Figure]] = field(default_factory=lambda: defaultdict(dict))
    territory: dict[tuple[str, str], Figure] = field(default_factory=dict)
    load_ids: list[int] = field(default_factory=list)


def _submitted(session: Session, plan: Roadmap, year: int) -> _Submitted:
    """Sums per municipality in two GROUP BY queries, and one pass over the rows for the per-level figures."""
    iv = IndicatorValue
    kind, key, muni, org_id, level = (col(iv.kind), col(iv.key), col(iv.municipality), col(iv.org_id),
                                      col(iv.level))  # fmt: skip
    numerator, denominator, value, answer = col(iv.numerator), col(iv.denominator), col(iv.value), col(iv.answer)
    current = and_(col(iv.roadmap_id) == plan.id, col(iv.year) == year, col(iv.superseded_at).is_(None))
    out = _Submitted()
    sums = (
        select(kind, key, muni, func.sum(numerator), func.sum(denominator), func.sum(value), func.count(numerator),
               func.count(value))
        .where(current, level == "organisation", answer.is_(None))
        .group_by(kind, key, muni)
    )  # fmt: skip
    for k, n, m, num, den, v, ratios, values in session.execute(sums):
        out.muni_sum[(k, n)][m] = Figure(num or 0.0, den or 0.0, v or 0.0, ratios, values)
    answers = (
        select(kind, key, muni, answer, func.count())
        .where(current, level == "organisation", answer.is_not(None))
        .group_by(kind, key, muni, answer)
    )
    for k, n, m, a, count in session.execute(answers):
        out.muni_sum[(k, n)].setdefault(m, Figure()).answers[a] += count
    rows = select(kind, key, org_id, level, muni, numerator, denominator, value, answer).where(current)
    for row in session.execute(rows.execution_options(yield_per=5000)):
        figure = Figure.of(row)
        if not row.org_id:
            out.territory[(row.kind, row.key)] = figure
        elif row.level == "municipality":
            out.muni_explicit[(row.kind, row.key)][row.municipality] = figure
        else:
            out.org[(row.kind, row.key)][row.org_id] = figure
    out.load_ids = sorted(session.execute(select(col(iv.load_id)).where(current).distinct()).scalars())
    return out


@dataclass(frozen=True)
class _Done:
    org_id: str
    municipality: str
    kind: str
    done: int
    relevant: int


def _computed(session: Session, plan: Roadmap, year: int, items: list[Measure]) -> dict[str, list[_Done]]:
    """Per item: each organisation in scope (or '' for the roadmap) with done 1/0 for the year (one GROUP BY)."""
    if not items:
        return {}
    kind, occurrence, status = col(Milestone.kind), col(Milestone.occurrence), col(Milestone.status)
    number, org_id = col(Milestone.item_number), col(Milestone.org_id)
    muni, org_kind = col(Organisation.municipality), col(Organisation.kind)
    year_end = datetime(year + 1, 1, 1, tzinfo=ZoneInfo(plan.timezone)).astimezone(UTC)
    of_year = and_(kind == "yearly", occurrence == str(year))
    this_year = or_(of_year, kind != "yearly")
    done = and_(status == "done", or_(of_year, and_(kind != "yearly", col(Milestone.done_at) < year_end)))
    query = (
        select(number, org_id, muni, org_kind, func.max(case((done, 1), else_=0)),
               func.max(case((this_year, 1), else_=0)))
        .outerjoin(Organisation, col(Organisation.id) == org_id)
        .where(col(Milestone.roadmap_id) == plan.id, number.in_([i.key for i in items]), status != "retired")
        .group_by(number, org_id, muni, org_kind)
    )  # fmt: skip
    out: dict[str, list[_Done]] = defaultdict(list)
    for item, org, municipality, org_type, is_done, relevant in session.execute(query):
        out[item].append(_Done(org, municipality or "", org_type or "", int(is_done), int(relevant)))
    return out


# -- evaluating ------------------------------------------------------------------------------------


@dataclass
class _Context:
    plan: Roadmap
    year: int
    names: dict[str, str]
    submitted: _Submitted
    computed: dict[str, list[_Done]]
    records: dict[str, RecordFigures] = field(default_factory=dict)  # participant counts (mentorship/indicators.py)

    @property
    def territory(self) -> str:
        return self.plan.territory.municipality or self.plan.territory.region


def evaluate(session: Session, plan: Roadmap, year: int) -> tuple[list[dict[str, Any]], list[int]]:
    """Every result row of the monitoring of `plan` for `year`, and the loads whose figures were used."""
    ms = measures(plan)
    t = plan.territory
    names_query = select(col(Organisation.id), col(Organisation.name), col(Organisation.region),
                         col(Organisation.municipality), col(Organisation.oktmo))  # fmt: skip
    region_oktmo = f"{t.oktmo[:2]}000000" if t.oktmo else None  # the names of the whole region, as before
    names = {row.id: row.name for row in session.execute(names_query)
             if in_territory(region=t.region, municipality=None, oktmo=region_oktmo, org_region=row.region,
                             org_municipality=row.municipality, org_oktmo=row.oktmo)}  # fmt: skip
    ctx = _Context(plan, year, names, _submitted(session, plan, year),
                   _computed(session, plan, year, [m for m in ms if m.kind == "item"]),
                   participant_figures(session, plan, year))  # fmt: skip
    rows = [row for m in ms for row in _measure_rows(ctx, m)]
    return rows, ctx.submitted.load_ids


def _measure_rows(ctx: _Context, m: Measure) -> list[dict[str, Any]]:
    sub, ident = ctx.submitted, (m.kind, m.key)
    judged_below = m.kind == "indicator" and m.percent
    done = ctx.computed.get(m.key) if m.kind == "item" else None
    rows: list[dict[str, Any]] = []

    records = ctx.records.get(m.key) if m.kind == "indicator" else None  # counted from the mentorship records
    org_done = {d.org_id: d for d in done or [] if d.org_id and d.kind != "УО" and d.relevant}
    for org_id in sorted(set(sub.org[ident]) | set(org_done) | set(records.org if records else ())):
        d = org_done.get(org_id)
        comp = Computed(d.done, 1) if d else (Computed.of_records(records.org.get(org_id)) if records else None)
        rows.append(_row(ctx, m, "organisation", org_id, ctx.names.get(org_id, org_id), sub.org[ident].get(org_id),
                         None, comp, judged=judged_below))  # fmt: skip

    comp_muni: dict[str, Computed] = defaultdict(Computed)
    comp_top = Computed() if done is not None else None
    for d in done or []:
        part = Computed(d.done if d.relevant else 0, d.relevant)
        if d.org_id:
            comp_muni[d.municipality].add(part)
        if comp_top is not None:
            comp_top.add(part)
    if records:
        comp_muni = {k: c for k, f in records.municipality.items() if (c := Computed.of_records(f)) is not None}
        comp_top = Computed.of_records(records.territory)
    munis = sorted(set(sub.muni_sum[ident]) | set(sub.muni_explicit[ident]) | set(comp_muni))
    regional = ctx.plan.level == "region"
    rolled_top = Figure()
    reporting = 0  # municipalities with a submitted figure in the territory's roll-up
    for muni in munis:
        explicit, below = sub.muni_explicit[ident].get(muni), sub.muni_sum[ident].get(muni)
        reporting += explicit is not None or below is not None
        if m.categorical:
            rolled_top.add(below).add(explicit)
        else:
            rolled_top.add(explicit if explicit is not None else below)
        if regional:
            rows.append(_row(ctx, m, "municipality", muni, muni, explicit, below, comp_muni.get(muni),
                             judged=judged_below))  # fmt: skip

    explicit_top = sub.territory.get(ident)
    if not regional:
        # a municipal roadmap's territory is its municipality: its УО's figure stands for it, the
        # sum of its organisations' figures is the roll-up
        muni = ctx.plan.territory.municipality or ""
        explicit_top = explicit_top or sub.muni_explicit[ident].get(muni)
        rolled_top = sub.muni_sum[ident].get(muni) or Figure()
    top = _row(ctx, m, ctx.plan.level, ctx.territory, ctx.territory, explicit_top,
               rolled_top if rolled_top.rows else None, comp_top, judged=True)  # fmt: skip
    if regional and top["basis"] == "rolled-up":
        top["detail"]["municipalities"] = reporting
    rows.append(top)
    return rows


def _row(
    ctx: _Context, m: Measure, level: str, scope: str, scope_name: str, explicit: Figure | None,
    rolled: Figure | None, comp: Computed | None, *, judged: bool,
) -> dict[str, Any]:  # fmt: skip
    """One result: the submitted figure (explicit for this level, else rolled up), the computed one, the verdict."""
    target = m.targets.get(ctx.year)
    figure, basis = (explicit, "submitted") if explicit is not None and not m.categorical else (rolled, "rolled-up")
    submitted = figure.actual(m) if figure is not None and not m.categorical else None
    computed = comp.actual(m) if comp is not None else None
    actual = submitted if submitted is not None else computed
    basis = basis if submitted is not None else ("computed" if computed is not None else "")
    detail: dict[str, Any] = {}
    numerator = denominator = None
    if figure is not None and submitted is not None:
        if figure.ratios:
            numerator, denominator = figure.numerator, figure.denominator
        detail["rows"] = figure.rows
    elif comp is not None and m.percent:
        numerator, denominator = float(comp.done), float(comp.of)
    if comp is not None and comp.records and computed is not None:
        # a participant count from the mentorship records decides: the submitted figure is shown beside it
        actual, basis, numerator, denominator = computed, "records", comp.done, comp.of
    if comp is not None:
        detail["computed"] = {"done": comp.done, "of": comp.of}
    if submitted is not None and computed is not None and round(submitted, 6) != round(computed, 6):
        detail["differs"] = True
    score = None
    if m.kind == "criterion":
        judgement, score, actual = _score(m, explicit, rolled, actual, detail)
    elif judged:
        judgement = judge(actual, target, percent=m.percent, tolerance=m.tolerance)
    else:
        # the target is the territory's total: shown on the territory's row only, so that no report
        # compares one municipality's count with the whole region's target
        target = None
        judgement = Judgement("not-judged", None, VERDICT_WORDS["not-judged"])
    return {
        "kind": m.kind, "key": m.key, "name": m.name, "unit": m.unit, "level": level, "scope": scope,
        "scope_name": scope_name, "target": target if m.kind != "criterion" else None, "actual": actual,
        "numerator": numerator, "denominator": denominator, "computed": computed, "submitted": submitted,
        "basis": basis, "verdict": judgement.verdict, "verdict_text": judgement.text,
        "deviation": judgement.deviation, "score": score, "detail": detail,
    }  # fmt: skip


def _score(
    m: Measure, explicit: Figure | None, rolled: Figure | None, actual: float | None, detail: dict[str, Any]
) -> tuple[Judgement, str | None, float | None]:
    """A criterion on its scale: a categorical answer (and the share of the best level below), a band, a count."""
    assert m.scale is not None
    if m.categorical:
        counts = rolled.answers if rolled is not None else Counter()
        score = explicit.answer if explicit is not None else None
        total = sum(counts.values())
        best = m.scale.levels[0].label
        share = 100 * counts[best] / total if total else None
        if counts:
            detail["answers"] = {lv.label: counts[lv.label] for lv in m.scale.levels}
        if score is None and not total:
            return Judgement("no-data", None, VERDICT_WORDS["no-data"]), None, None
        words = [f"«{score}»"] if score else []
        if total:
            words.append(f"«{best}» у {counts[best]} из {total} ({ru_number(share or 0, 1)} %)")
        return Judgement("scored", None, "; ".join(words)), score, share
    if actual is None:
        return Judgement("no-data", None, VERDICT_WORDS["no-data"]), None, None
    if m.scale.kind == "percent_bands":
        label = band(m.scale, actual)
        return Judgement("scored", None, f"{ru_number(actual, 1)} %: «{label}»"), label, actual
    return Judgement("scored", None, f"{ru_number(actual)} {m.unit}"), None, actual
