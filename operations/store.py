"""What the store holds, in figures: the roadmaps with their current versions, organisations and milestones."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import col

from models.store import Milestone, Organisation, RoadmapRecord
from operations.context import Context


@dataclass(frozen=True)
class StoreSummary:
    roadmaps: list[tuple[str, int]]  # (roadmap id, current version)
    organisations: int
    milestones: int


def store_summary(ctx: Context) -> StoreSummary:
    with ctx.reading() as session:
        roadmaps = session.execute(select(col(RoadmapRecord.id), col(RoadmapRecord.current_version))).all()
        orgs = session.execute(select(func.count()).select_from(Organisation)).scalar_one()
        milestones = session.execute(select(func.count()).select_from(Milestone)).scalar_one()
    return StoreSummary([(r, v) for r, v in roadmaps], orgs, milestones)
