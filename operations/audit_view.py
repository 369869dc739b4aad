"""What the auditor's page shows: whether the history verifies, and the events, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import col

from models.store import AuditEvent
from operations.context import Context
from tasks.audit import ChainReport, verify_chain


@dataclass
class AuditOverview:
    chain: ChainReport
    total: int
    events: list[AuditEvent]
    milestone_id: int | None


def audit_overview(ctx: Context, *, milestone_id: int | None = None, limit: int = 200) -> AuditOverview:
    """Verify the chain and list the newest events (of one milestone, when given)."""
    with ctx.reading() as session:
        chain = verify_chain(session)
        query = select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(limit)
        if milestone_id is not None:
            query = query.where(col(AuditEvent.subject) == f"milestone/{milestone_id}")
        events = list(session.execute(query).scalars())
        total = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return AuditOverview(chain, int(total), events, milestone_id)
