"""The monitoring indicators that count participants, computed from the cycle's records (issue 17, part 4).

A plan's indicator is recognised by the wording every source uses (`recognise`): the share of children
and youth aged 10-19 who are mentees, of those aged 15-19 who are mentors, of young teachers (0-3 years)
who are mentees, of enterprises that provide mentors, and the satisfaction of mentees and of mentors.

For monitoring year Y a participant counts when they are in a pair active at some time in Y (accepted
before 1 January of Y+1 and not closed before 1 January of Y, in the roadmap's zone), so the autumn's pairs
count for Y and a pair of the academic year Y-1/Y counts for both years it spans:
- ages: обучающиеся and студенты whose age band lies within the indicator's ages (10-14 within 10-19;
  a band that straddles it, such as 18-22, is not counted);
- young teachers: mentees of the category «молодой специалист»;
- enterprises: distinct enterprises (the `employer` of representative mentors); a level counts each once;
- satisfaction: of those who took part, the share whose latest answer in Y (feedback after a meeting,
  or their personal reflection) was «удовлетворён»: the source's formula divides by all who took part,
  so a participant who never answered counts as not satisfied.
Per organisation with records; a municipality and the territory sum their organisations (distinct
enterprises at each level), adding the submitted numerators of organisations that keep no records here.
The denominators of the population shares (children aged 10-19 living in the territory, …) are not in
the records: they come from the submitted figures of the level itself (a УО's, the territory's), else
the sum of those submitted below it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from mentorship.vocabulary import EMPLOYER, MENTEE, MENTOR, PUPIL, STUDENT, YOUNG_TEACHER, canonical
from models.plan import Indicator, Roadmap
from models.store import Feedback, IndicatorValue, Meeting, Organisation, Pair, PairMember, Participant, Reflection

Counted = Literal["mentees_10_19", "mentors_15_19", "young_teachers", "enterprises", "satisfaction_mentees",
                  "satisfaction_mentors"]  # fmt: skip
WORDING: list[tuple[Counted, re.Pattern[str]]] = [
    ("satisfaction_mentees", re.compile(r"удовлетворенност\w*\s+наставляемых")),
    ("satisfaction_mentors", re.compile(r"удовлетворенност\w*\s+наставников")),
    ("mentees_10_19", re.compile(r"от\s+10\s+до\s+19\s+лет.*в\s+роли\s+наставляемого")),
    ("mentors_15_19", re.compile(r"от\s+15\s+до\s+19\s+лет.*в\s+роли\s+наставника")),
    ("young_teachers", re.compile(r"молод\w*\s+специалист.*в\s+роли\s+наставляемого")),
    ("enterprises", re.compile(r"предприяти\w*.*предостав\w*\s+сво\w*\s+наставник")),
]
AGES: dict[str, tuple[int, int]] = {"mentees_10_19": (10, 19), "mentors_15_19": (15, 19)}


def recognise(indicator: Indicator) -> Counted | None:
    """Which participant count an indicator is, by its wording; None for any other indicator."""
    text = canonical(indicator.name)
    return next((counted for counted, pattern in WORDING if pattern.search(text)), None)


@dataclass
class RecordFigure:
    """Numerator and denominator of one level; `denominator` None when no population total was submitted."""

    numerator: float = 0.0
    denominator: float | None = None
    organisations: int = 0  # organisations of the level with records


@dataclass
class RecordFigures:
    org: dict[str, RecordFigure] = field(default_factory=dict)
    municipality: dict[str, RecordFigure] = field(default_factory=dict)
    territory: RecordFigure = field(default_factory=RecordFigure)


@dataclass(frozen=True)
class _Taking:
    org: str
    municipality: str
    participant: int
    role: str
    category: str
    age_min: int | None
    age_max: int | None
    employer: str | None


def _counts(counted: Counted, t: _Taking) -> bool:
    if counted in AGES:
        low, high = AGES[counted]
        role = MENTEE if counted == "mentees_10_19" else MENTOR
        return (t.role == role and t.category in (PUPIL, STUDENT) and t.age_min is not None
                and t.age_max is not None and low <= t.age_min and t.age_max <= high)  # fmt: skip
    if counted == "young_teachers":
        return t.role == MENTEE and t.category == YOUNG_TEACHER
    if counted == "enterprises":
        return t.role == MENTOR and t.category == EMPLOYER and bool(t.employer)
    return t.role == (MENTEE if counted == "satisfaction_mentees" else MENTOR)


def participant_figures(session: Session, plan: Roadmap, year: int) -> dict[str, RecordFigures]:
    """Per recognised indicator of the plan (by its id): the records' figures per organisation, municipality and
    territory for year `year`; empty when the territory has no pair active in that year."""
    recognised = {i.id: c for i in plan.indicators if (c := recognise(i)) is not None}
    if not recognised:
        return {}
    zone = ZoneInfo(plan.timezone)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    territory = [col(Organisation.region) == plan.territory.region]
    if plan.territory.municipality:
        territory.append(col(Organisation.municipality) == plan.territory.municipality)
    active = and_(col(Pair.accepted_at) < end, or_(col(Pair.closed_at).is_(None), col(Pair.closed_at) >= start),
                  *territory)  # fmt: skip
    p = Participant
    people = (col(p.id), col(p.role), col(p.category), col(p.age_min), col(p.age_max), col(p.employer))
    takings: dict[int, _Taking] = {}
    for source in (
        select(col(Pair.org_id), col(Organisation.municipality), *people)
        .join(PairMember, col(PairMember.pair_id) == col(Pair.id)).join(p, col(p.id) == col(PairMember.participant_id)),
        select(col(Pair.org_id), col(Organisation.municipality), *people).join(p, col(p.id) == col(Pair.mentor_id)),
    ):  # fmt: skip
        query = source.join(Organisation, col(Organisation.id) == col(Pair.org_id)).where(active)
        for row in session.execute(query):
            takings[row[2]] = _Taking(*row)
    if not takings:
        return {}
    satisfied = _satisfied(session, list(takings), date(year, 1, 1), date(year + 1, 1, 1))
    submitted = _submitted(session, plan, year, list(recognised))
    return {key: _figures(counted, takings, satisfied, submitted.get(key, _Submitted()), plan)
            for key, counted in recognised.items()}  # fmt: skip


def _satisfied(session: Session, ids: list[int], first: date, after: date) -> set[int]:
    """The participants whose latest answer within [first, after) was satisfied."""
    latest: dict[int, tuple[tuple[date, int, int], bool]] = {}
    answers: list[Any] = [
        select(col(Feedback.participant_id), col(Meeting.held_on), col(Feedback.id), col(Feedback.satisfied))
        .join(Meeting, col(Meeting.id) == col(Feedback.meeting_id))
        .where(col(Feedback.participant_id).in_(ids), col(Meeting.held_on) >= first, col(Meeting.held_on) < after),
        select(col(Reflection.participant_id), col(Reflection.held_on), col(Reflection.id), col(Reflection.satisfied))
        .where(col(Reflection.participant_id).in_(ids), col(Reflection.kind) == "personal",
               col(Reflection.satisfied).is_not(None), col(Reflection.held_on) >= first,
               col(Reflection.held_on) < after),
    ]  # fmt: skip
    for rank, query in enumerate(answers):  # on the same day a reflection comes after the meeting's feedback
        for participant, held, row_id, ok in session.execute(query):
            order = (held, rank, row_id)
            if participant not in latest or order > latest[participant][0]:
                latest[participant] = (order, bool(ok))
    return {participant for participant, (_order, ok) in latest.items() if ok}


@dataclass
class _Submitted:
    # org -> (numerator, denominator, municipality)
    org: dict[str, tuple[float | None, float | None, str]] = field(default_factory=dict)
    municipality: dict[str, float] = field(default_factory=dict)  # municipality -> denominator
    territory: float | None = None


def _submitted(session: Session, plan: Roadmap, year: int, keys: list[str]) -> dict[str, _Submitted]:
    out: dict[str, _Submitted] = defaultdict(_Submitted)
    iv = IndicatorValue
    query = select(col(iv.key), col(iv.org_id), col(iv.level), col(iv.municipality), col(iv.numerator),
                   col(iv.denominator)).where(col(iv.roadmap_id) == plan.id, col(iv.year) == year,
                                              col(iv.kind) == "indicator", col(iv.key).in_(keys),
                                              col(iv.superseded_at).is_(None))  # fmt: skip
    for key, org, level, municipality, numerator, denominator in session.execute(query):
        if not org:
            out[key].territory = denominator
        elif level == "municipality":
            if denominator is not None:
                out[key].municipality[municipality] = denominator
        else:
            out[key].org[org] = (numerator, denominator, municipality)
    return out


def _figures(
    counted: Counted, takings: dict[int, _Taking], satisfied: set[int], sub: _Submitted, plan: Roadmap
) -> RecordFigures:
    share = counted.startswith("satisfaction")
    org_of = {t.org: t.municipality for t in takings.values()}
    counted_by_org: dict[str, set[object]] = defaultdict(set)
    took_part: dict[str, int] = defaultdict(int)
    for t in takings.values():
        if _counts(counted, t):
            took_part[t.org] += 1
            if counted == "enterprises":
                counted_by_org[t.org].add(t.employer)
            elif not share or t.participant in satisfied:
                counted_by_org[t.org].add(t.participant)
    out = RecordFigures()
    munis: dict[str, set[object]] = defaultdict(set)
    extra: dict[str, float] = defaultdict(float)  # submitted numerators of organisations without records
    for org, muni in org_of.items():
        items = counted_by_org.get(org, set())
        munis[muni] |= {(org, i) if counted != "enterprises" else i for i in items}
        own = float(took_part[org]) if share else sub.org.get(org, (None, None, ""))[1]
        out.org[org] = RecordFigure(float(len(items)), own, 1)
    for org, (numerator, _denominator, muni) in sub.org.items():
        if org not in org_of and numerator is not None and not share:
            extra[muni] += numerator
    all_items: set[object] = set()
    for muni in sorted(set(munis) | set(extra)):
        all_items |= munis[muni]
        orgs = [o for o, m in org_of.items() if m == muni]
        below = [out.org[o].denominator for o in orgs]
        if share:
            denominator: float | None = float(sum(took_part[o] for o in orgs))
        else:
            known = [d for d in below if d is not None] + [
                d for o, (_n, d, m) in sub.org.items() if o not in org_of and m == muni and d is not None]  # fmt: skip
            denominator = sub.municipality.get(muni, sum(known) if known else None)
        out.municipality[muni] = RecordFigure(len(munis[muni]) + extra[muni], denominator, len(orgs))
    levels = list(out.municipality.values())
    if share:
        top_denominator: float | None = float(sum(took_part.values()))
    else:
        own = sub.territory if sub.territory is not None else sub.municipality.get(plan.territory.municipality or "")
        known = [f.denominator for f in levels if f.denominator is not None]
        top_denominator = own if own is not None else (sum(known) if known else None)
    out.territory = RecordFigure(len(all_items) + sum(extra.values()), top_denominator, len(org_of))
    return out
