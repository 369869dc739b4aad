"""Missing feedback after the pairs' meetings, as reminders the daily sweep queues (Sechenovsky 3.6: «с
обязательным заполнением обратной связи»).

A meeting that took place more than FEEDBACK_GRACE_DAYS ago, of a pair still active, lacks feedback
while any of its members (the mentor, each mentee) has given none for it. Per organisation, one
reminder lists what is missing and goes to the organisation's curator (the plan's curator role, or the
parties responsible for the pair-work step) attached to the milestone of that step («организация
работы наставнических пар или групп»), at most once every REMIND_EVERY_DAYS. The note names pairs by
number and meetings by kind and date, and how many answered: never a participant.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlmodel import Session, col

from audit.chain import as_utc
from mentorship.steps import STEP_WORDING
from models.plan import Roadmap
from models.ru import format_date
from models.store import Feedback, Meeting, Milestone, Organisation, OutboxMessage, Pair, PairMember, PlanItem

FEEDBACK_GRACE_DAYS = 3
REMIND_EVERY_DAYS = 7
KIND = "feedback"
SHOWN = 10  # meetings listed in one reminder; the rest are counted


@dataclass
class MissingFeedback:
    """One organisation's meetings without every member's feedback, and where the reminder goes."""

    milestone: Milestone
    parties: list[tuple[str, str]]
    lines: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        more = len(self.lines) - SHOWN
        listed = "; ".join(self.lines[:SHOWN]) + (f"; и ещё {more}" if more > 0 else "")
        return f"Нет обратной связи после встреч ({len(self.lines)}): {listed}"


def _academic(milestone: Milestone) -> int | None:
    if "/" in milestone.occurrence[:5]:
        return int(milestone.occurrence[:4])
    end = milestone.window_end
    return None if end is None else (end.year if end.month >= 9 else end.year - 1)


def missing_feedback(session: Session, *, roadmap: Roadmap, zone: str, day: date) -> list[MissingFeedback]:
    """The feedback reminders due on `day` for this roadmap's organisations in `zone` (see the module docstring)."""
    here = select(col(Milestone.org_id)).where(col(Milestone.roadmap_id) == roadmap.id,
                                               col(Milestone.timezone) == zone).distinct()  # fmt: skip
    members = (select(func.count(col(PairMember.id))).where(col(PairMember.pair_id) == col(Pair.id))
               .correlate(Pair).scalar_subquery())  # fmt: skip
    answers = (select(func.count(col(Feedback.id))).where(col(Feedback.meeting_id) == col(Meeting.id))
               .correlate(Meeting).scalar_subquery())  # fmt: skip
    query = (
        select(col(Pair.org_id), col(Pair.year), col(Pair.id), col(Meeting.number), col(Meeting.kind),
               col(Meeting.held_on), members + 1, answers)
        .join(Meeting, col(Meeting.pair_id) == col(Pair.id))
        .where(col(Pair.state) == "active", col(Pair.org_id).in_(here),
               col(Meeting.held_on) <= day - timedelta(days=FEEDBACK_GRACE_DAYS), answers < members + 1)
        .order_by(col(Pair.org_id), col(Pair.id), col(Meeting.number))
    )  # fmt: skip
    missing: dict[tuple[str, int], list[str]] = defaultdict(list)
    for org, year, pair, number, kind, held, expected, given in session.execute(query):
        missing[(org, year)].append(f"пара № {pair}, встреча {number} ({kind}, {format_date(held)}): "
                                    f"ответили {given} из {expected}")  # fmt: skip
    if not missing:
        return []
    orgs = sorted({org for org, _ in missing})
    steps: dict[str, list[Milestone]] = defaultdict(list)
    for milestone, title in session.execute(
        select(Milestone, col(PlanItem.title))
        .join(PlanItem, and_(col(PlanItem.roadmap_id) == col(Milestone.roadmap_id),
                             col(PlanItem.number) == col(Milestone.item_number)))
        .where(col(Milestone.roadmap_id) == roadmap.id, col(Milestone.org_id).in_(orgs),
               col(Milestone.status) != "retired", col(PlanItem.retired_version).is_(None))
        .order_by(col(Milestone.id))
    ):  # fmt: skip
        if STEP_WORDING["work"].search(" ".join(title.split())):
            steps[milestone.org_id].append(milestone)
    kinds = dict(session.execute(select(col(Organisation.id), col(Organisation.kind))
                                 .where(col(Organisation.id).in_(orgs))).tuples().all())  # fmt: skip
    since = day - timedelta(days=REMIND_EVERY_DAYS - 1)
    out = []
    for (org, year), lines in sorted(missing.items()):
        candidates = steps.get(org, [])
        if not candidates:
            continue  # this roadmap has no pair-work step for the organisation: another roadmap may
        milestone = next((m for m in candidates if _academic(m) == year), candidates[0])
        told = session.execute(
            select(func.max(col(OutboxMessage.created_at))).where(
                col(OutboxMessage.milestone_id) == milestone.id, col(OutboxMessage.kind) == KIND)
        ).scalar_one()  # fmt: skip
        told_on = as_utc(told).astimezone(ZoneInfo(zone)).date() if told is not None else None
        if told_on is not None and since <= told_on < day:  # told this week; today's is the same reminder again
            continue
        out.append(MissingFeedback(milestone, _curators(roadmap, milestone, kinds.get(org, "")), lines))
    return out


def _curators(roadmap: Roadmap, milestone: Milestone, kind: str) -> list[tuple[str, str]]:
    """The organisation's curator role of the plan, else the per-organisation parties responsible for the step."""
    curator = [p.id for p in roadmap.parties if p.role == "curator" and p.per_organisation and kind in p.org_kinds]
    per_org = {p.id for p in roadmap.parties if p.per_organisation}
    chosen = curator[:1] or [p for p in milestone.responsible if p in per_org] or list(milestone.responsible)
    return [(p, milestone.org_id if p in per_org else "") for p in chosen]
