"""Operations on the outbox as an operator sees it: counts by state, the errors of what failed, the messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from models.addresses import is_email, mask_url
from models.store import OutboxMessage
from operations.context import Context

STATES = ("pending", "failed", "sent", "no-contact")


def outbox_overview(ctx: Context, *, state: str = "open", roadmap: str | None = None, limit: int = 100
                    ) -> dict[str, Any]:  # fmt: skip
    """{"counts": {state: n}, "errors": [...], "messages": [...]}: what `roadmap outbox` shows (URLs masked).

    `state` is one of STATES, "open" (not sent) or "all"; the messages come newest first, at most `limit` (0: all).
    """
    with ctx.reading() as session:
        counts: dict[str, int] = dict(
            session.execute(select(col(OutboxMessage.state), func.count()).group_by(col(OutboxMessage.state)))
            .tuples()
            .all()
        )
        errors_query = (
            select(col(OutboxMessage.last_error), func.count(), func.count(func.distinct(OutboxMessage.recipient)),
                   func.min(OutboxMessage.next_attempt_at))
            .where(col(OutboxMessage.state) == "failed")
            .group_by(col(OutboxMessage.last_error))
            .order_by(func.count().desc())
        )  # fmt: skip
        if roadmap:
            errors_query = errors_query.where(col(OutboxMessage.roadmap_id) == roadmap)
        errors = session.execute(errors_query).all()
        query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc())
        if state == "open":
            query = query.where(col(OutboxMessage.state) != "sent")
        elif state != "all":
            query = query.where(col(OutboxMessage.state) == state)
        if roadmap:
            query = query.where(col(OutboxMessage.roadmap_id) == roadmap)
        if limit:
            query = query.limit(limit)
        rows = session.execute(query).scalars().all()
    failed = [
        {"error": error, "messages": n, "recipients": recipients, "next_attempt_at": nxt.isoformat() if nxt else None}
        for error, n, recipients, nxt in errors
    ]
    shown = [
        {
            "id": r.id, "state": r.state, "kind": r.kind, "key": r.key, "roadmap": r.roadmap_id,
            "recipient": r.recipient if is_email(r.recipient) or r.state == "no-contact" else mask_url(r.recipient),
            "party": r.party, "due_on": r.due_on.isoformat(), "attempts": r.attempts,
            "next_attempt_at": r.next_attempt_at.isoformat() if r.next_attempt_at else None,
            "sent_at": r.sent_at.isoformat() if r.sent_at else None, "last_error": r.last_error,
        }
        for r in rows
    ]  # fmt: skip
    return {"counts": counts, "errors": failed, "messages": shown}
