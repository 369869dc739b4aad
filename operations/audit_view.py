"""What the auditor's page shows: the verification of the history (chain, checkpoints, tables against the
events), the latest signed checkpoint, and the events, newest first.

A full verification reads every event (2-3 s at 10^5 events), too slow for every page view: its result
is kept for VERIFY_TTL while the chain's head stays the same, stamped with when it ran, and the page
offers to run it again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from audit.chain import head
from audit.checkpoints import Signed
from audit.verify import Provenance, VerifyReport
from models.store import AuditEvent
from operations.audit import verify
from operations.context import Context

VERIFY_TTL = timedelta(minutes=5)
_cache: dict[str, tuple[tuple[int, str], datetime, VerifyReport]] = {}
_lock = threading.Lock()


@dataclass
class AuditOverview:
    report: VerifyReport
    verified_at: datetime
    provenance: Provenance
    latest: Signed | None
    total: int
    events: list[AuditEvent]
    milestone_id: int | None


def verified(ctx: Context, *, again: bool = False) -> tuple[VerifyReport, datetime]:
    """The store's verification, run now or kept from a run within VERIFY_TTL at the same chain head."""
    store = ctx.engine.url.render_as_string(hide_password=True)
    with ctx.reading() as session:
        at_head = head(session)
    with _lock:
        kept = _cache.get(store)
    if kept and not again and kept[0] == at_head and ctx.now - kept[1] < VERIFY_TTL:
        return kept[2], kept[1]
    report = verify(ctx)
    with _lock:
        _cache[store] = (at_head, ctx.now, report)
    return report, ctx.now


def audit_overview(ctx: Context, *, milestone_id: int | None = None, limit: int = 200, again: bool = False
                   ) -> AuditOverview:  # fmt: skip
    """The verification (kept or run now), the latest valid checkpoint and the newest events (of one milestone)."""
    report, at = verified(ctx, again=again)
    with ctx.reading() as session:
        query = select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(limit)
        if milestone_id is not None:
            query = query.where(col(AuditEvent.subject) == f"milestone/{milestone_id}")
        events = list(session.execute(query).scalars())
        total = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return AuditOverview(report, at, Provenance.of(report), report.latest, int(total), events, milestone_id)
