"""Expand a plan into milestones: one item × one organisation × one occurrence.

Pure functions over the plan and the registry (no database), so expansion is one pass in memory
and the store writes the result in bulk:
- items scoped to organisations fan out to every active organisation of the listed kinds in the
  roadmap's territory;
- yearly items get one milestone per year of the period, lists of windows one per window;
- continuous items get periodic check-ins (every `review_months`), after their first window if any;
- items that wait for a date become one milestone waiting for it;
- the mentorship cycle recurs in every academic year that starts inside the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from models.deadline import DEFAULT_REVIEW_MONTHS, Deadline, Period, Window, parse_deadline
from models.plan import CycleStep, Roadmap
from models.store import NO_ORG, ONCE
from models.territory import in_territory as place_in_territory

CYCLE_PREFIX = "Ц"  # item numbers of cycle steps: "Ц1", "Ц2", … (never clash with the plan's numbers)


@dataclass(frozen=True)
class OrgRef:
    """What expansion needs to know about an organisation of the registry."""

    id: str
    kind: str
    region: str
    municipality: str
    timezone: str | None = None
    oktmo: str | None = None


@dataclass(frozen=True)
class PlannedMilestone:
    """A milestone as the plan and the registry call for it (before it meets the store)."""

    item_number: str
    org_id: str
    occurrence: str
    kind: str  # window | yearly | windows | check-in | cycle | waiting
    window_start: date | None
    window_end: date | None
    timezone: str
    responsible: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.item_number, self.org_id, self.occurrence)

    @property
    def waiting(self) -> bool:
        return self.kind == "waiting"


def in_territory(roadmap: Roadmap, org: OrgRef) -> bool:
    """An organisation belongs to a roadmap's territory by region and, for municipal plans, municipality:
    by ОКТМО code when both have one, else by name, official spellings of one place alike (models/territory.py)."""
    t = roadmap.territory
    return place_in_territory(region=t.region, municipality=t.municipality, oktmo=t.oktmo, org_region=org.region,
                              org_municipality=org.municipality, org_oktmo=org.oktmo)  # fmt: skip


def occurrences(deadline: Deadline, period: Period) -> list[tuple[str, str, Window | None]]:
    """(occurrence, kind, window) for each milestone one deadline stands for."""
    kind = deadline.kind
    if deadline.waits_for_date:
        bounds = Window(start=deadline.start, end=deadline.end) if deadline.end else None
        return [(ONCE, "waiting", bounds)]
    if kind == "yearly":
        return [(str(w.end.year), "yearly", w) for w in deadline.windows]
    if kind == "windows" or (kind == "alternatives" and len(deadline.windows) > 1):
        return [(f"{(w.start or w.end):%Y-%m}", "windows", w) for w in deadline.windows]
    if kind == "continuous":
        return _check_ins(deadline, period)
    assert deadline.end is not None, f"a dated deadline has an end: {deadline!r}"
    return [(ONCE, "window", Window(start=deadline.start, end=deadline.end))]


def _check_ins(deadline: Deadline, period: Period) -> list[tuple[str, str, Window | None]]:
    every = deadline.review_months or DEFAULT_REVIEW_MONTHS
    out: list[tuple[str, str, Window | None]] = []
    start = deadline.start or period.start
    end = deadline.end or period.end
    if deadline.windows:
        first = deadline.windows[0]
        out.append((f"{(first.start or first.end):%Y-%m}", "window", first))
        start = first.end + timedelta(days=1)
    while start <= end:
        chunk_end = min(_add_months(start, every) - timedelta(days=1), end)
        out.append((f"{start:%Y-%m}", "check-in", Window(start=start, end=chunk_end)))
        start = chunk_end + timedelta(days=1)
    return out


def _add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    return date(d.year + month // 12, month % 12 + 1, 1) if d.day == 1 else _add_months(d.replace(day=1), months)


def academic_years(period: Period) -> list[int]:
    """First years of the academic years (1 September) that start inside the period."""
    return [y for y in range(period.start.year, period.end.year + 1) if period.start <= date(y, 9, 1) <= period.end]


def _targets(scope_kinds: Sequence[str] | None, orgs: Sequence[OrgRef]) -> list[OrgRef | None]:
    if scope_kinds is None:
        return [None]
    return [org for org in orgs if org.kind in scope_kinds]


def expand(roadmap: Roadmap, orgs: Iterable[OrgRef]) -> list[PlannedMilestone]:
    """Every milestone the plan calls for, given the active organisations of the registry."""
    period = roadmap.period.as_context()
    local = [org for org in orgs if in_territory(roadmap, org)]
    planned: list[PlannedMilestone] = []
    for item in roadmap.items:
        kinds = None if item.scope == "roadmap" else list(item.scope.per_organisation)
        planned.extend(
            _fan_out(roadmap, item.number, tuple(item.party_ids), occurrences(item.deadline, period), kinds, local)
        )
    if roadmap.cycle is not None:
        kinds = None if roadmap.cycle.scope == "roadmap" else list(roadmap.cycle.scope.per_organisation)
        for year in academic_years(period):
            for step in roadmap.cycle.steps:
                deadline = cycle_deadline(step, year)
                planned.extend(_expand_step(roadmap, step, deadline, kinds, local, f"{year}/{year + 1}"))
    return planned


def cycle_deadline(step: CycleStep, first_year: int) -> Deadline:
    """A cycle step's deadline read in one academic year (year-less phrases fall in that year)."""
    if not step.deadline.text or step.deadline.kind == "unspecified":
        return step.deadline
    return parse_deadline(step.deadline.text, period=Period.academic_year(first_year))


def cycle_number(step: CycleStep) -> str:
    return f"{CYCLE_PREFIX}{step.number}"


def _expand_step(
    roadmap: Roadmap,
    step: CycleStep,
    deadline: Deadline,
    kinds: Sequence[str] | None,
    orgs: Sequence[OrgRef],
    occurrence: str,
) -> list[PlannedMilestone]:
    responsible = () if step.responsible == "unassigned" else tuple(step.responsible)
    occ: list[tuple[str, str, Window | None]]
    if deadline.waits_for_date:
        # a step without a date in the source waits for one, once per academic year
        occ = [(occurrence, "waiting", None)]
    else:
        first_year = int(occurrence[:4])
        per_year = occurrences(deadline, Period.academic_year(first_year))
        occ = [(occurrence if o == ONCE else f"{occurrence} {o}", "cycle", w) for o, _k, w in per_year]
    return _fan_out(roadmap, cycle_number(step), responsible, occ, kinds, orgs)


def _fan_out(
    roadmap: Roadmap,
    number: str,
    responsible: tuple[str, ...],
    occ: Sequence[tuple[str, str, Window | None]],
    kinds: Sequence[str] | None,
    orgs: Sequence[OrgRef],
) -> list[PlannedMilestone]:
    out = []
    for org in _targets(kinds, orgs):
        zone = (org.timezone if org else None) or roadmap.timezone
        for occurrence, kind, window in occ:
            out.append(
                PlannedMilestone(
                    item_number=number,
                    org_id=org.id if org else NO_ORG,
                    occurrence=occurrence,
                    kind=kind,
                    window_start=window.start if window else None,
                    window_end=window.end if window else None,
                    timezone=zone,
                    responsible=responsible,
                )
            )
    return out
