"""Which milestones of the roadmaps are the mentorship cycle's steps, for one organisation and academic year.

Roadmaps word the steps in their own way, so they are recognised by the wording every source uses
(Sechenovsky 3.5-3.7, Orenburg items 5 and 7 and the steps of its циклограмма):
- `pairs`: «формирование наставнических пар или групп», «… формирование наставнических групп»;
- `work`: «организация работы наставнических пар или групп», «организация хода (работы) наставнических
  групп», «организация хода наставнической программы»;
- `closing`: «завершение наставничества».
A milestone belongs to academic year Y when it is a cycle step of «Y/Y+1», or when its window ends
between 1 September of Y and 31 August of Y+1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from mentorship.vocabulary import academic_year
from models.store import Milestone, PlanItem, RoadmapRecord

Step = Literal["pairs", "work", "closing"]
STEP_WORDING: dict[Step, re.Pattern[str]] = {
    "pairs": re.compile(r"формировани\w*\s+наставнических\s+(пар|групп)", re.IGNORECASE),
    "work": re.compile(
        r"организаци\w*\s+(хода\s+)?(работы\s+)?наставнических\s+(пар|групп)|организаци\w*\s+хода\s+наставнической",
        re.IGNORECASE,
    ),
    "closing": re.compile(r"завершени\w*\s+наставничества", re.IGNORECASE),
}


@dataclass(frozen=True)
class StepMilestone:
    id: int
    roadmap_id: str
    item_number: str
    title: str
    occurrence: str
    status: str
    responsible: tuple[str, ...]
    timezone: str


def step_milestones(session: Session, *, org: str, year: int, step: Step) -> list[StepMilestone]:
    """The milestones of active roadmaps for `org` that are this step of the cycle in academic year `year`."""
    ends = col(Milestone.window_end)
    in_year = or_(col(Milestone.occurrence).startswith(academic_year(year)),
                  and_(ends >= date(year, 9, 1), ends <= date(year + 1, 8, 31)))  # fmt: skip
    query = (
        select(Milestone, col(PlanItem.title))
        .join(PlanItem, and_(col(PlanItem.roadmap_id) == col(Milestone.roadmap_id),
                             col(PlanItem.number) == col(Milestone.item_number)))
        .join(RoadmapRecord, col(RoadmapRecord.id) == col(Milestone.roadmap_id))
        .where(
            col(Milestone.org_id) == org, col(Milestone.status) != "retired", col(RoadmapRecord.active).is_(True),
            col(PlanItem.retired_version).is_(None), in_year,
        )
        .order_by(col(Milestone.roadmap_id), col(Milestone.id))
    )  # fmt: skip
    return [
        StepMilestone(m.id, m.roadmap_id, m.item_number, title, m.occurrence, m.status, tuple(m.responsible),
                      m.timezone)
        for m, title in session.execute(query)
        if m.id is not None and STEP_WORDING[step].search(" ".join(title.split()))
    ]  # fmt: skip
