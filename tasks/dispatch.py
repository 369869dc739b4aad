"""Dispatch the outbox: one digest per recipient, sent by a bounded pool, marked sent one recipient at a time.

Delivery is at least once per recipient with de-duplication by key: rows are marked `sent` in their
own transaction right after their digest went out. The one window in which a crash repeats a message
is between a successful send and that commit; a crash anywhere else loses nothing and repeats nothing.
A failed send leaves its rows `failed` with the error and a next attempt (backoff: 5 min, 30 min,
2 h, 6 h, then daily), so they go out on a later run and stay visible in `roadmap outbox` meanwhile.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine

from models.addresses import mask_url
from models.db import session_scope
from models.store import OutboxMessage
from notifications.digest import Digest, DigestEntry, render
from notifications.dispatch import Notifier, SendError, is_email
from tasks.audit import record_event

BACKOFF = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6), timedelta(days=1))
COMPLETE_HINT = "roadmap complete {id} --evidence «реквизиты документа»"


@dataclass
class DispatchReport:
    sent: int = 0  # digests
    messages: int = 0  # reminders in them
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"sent {self.sent} digests ({self.messages} reminders); {self.failed} failed"]
        out += [f"  failed: {f}" for f in self.failures]
        return out


def backoff(attempts: int) -> timedelta:
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def entry_from(payload: dict[str, Any]) -> DigestEntry:
    return DigestEntry(
        kind=payload["kind"], milestone_id=payload["milestone_id"], roadmap_id=payload["roadmap_id"],
        roadmap_title=payload["roadmap_title"], item=payload["item"], title=payload["title"],
        org_name=payload.get("org_name"), start=_date(payload.get("start")), end=_date(payload.get("end")),
        result=payload.get("result"), occurrence=payload.get("occurrence") or "",
        responsible=payload.get("responsible", ""), old_start=_date(payload.get("old_start")),
        old_end=_date(payload.get("old_end")), note=payload.get("note"),
    )  # fmt: skip


def build_digest(recipient: str, payloads: list[dict[str, Any]], now: datetime, as_of: date | None = None) -> Digest:
    """The digest for one recipient, dated `as_of` or today in the roadmaps' time zone."""
    zone = ZoneInfo(payloads[0].get("timezone") or "Europe/Moscow")
    # one reminder per milestone and kind: a retried row and a fresh one must not both show
    unique = {(p["milestone_id"], p["kind"]): p for p in payloads}
    name = next((p.get("addressee") for p in payloads if p.get("addressee")), "")
    return Digest(recipient, name, as_of or now.astimezone(zone).date(), [entry_from(p) for p in unique.values()],
                  complete_hint=COMPLETE_HINT)  # fmt: skip


def pending(engine: Engine, *, now: datetime, roadmaps: list[str] | None = None) -> dict[str, list[OutboxMessage]]:
    """Rows ready to send (new, or failed and due for another attempt), grouped by recipient."""
    with session_scope(engine) as session:
        query = select(OutboxMessage).where(
            or_(
                OutboxMessage.state == "pending",
                (OutboxMessage.state == "failed") & (OutboxMessage.next_attempt_at <= now),  # type: ignore[operator]
            )
        )
        if roadmaps:
            query = query.where(OutboxMessage.roadmap_id.in_(roadmaps))  # type: ignore[attr-defined]
        groups: dict[str, list[OutboxMessage]] = defaultdict(list)
        for row in session.execute(query.order_by(OutboxMessage.id)).scalars():
            groups[row.recipient].append(row)
    return dict(groups)


def dispatch(
    engine: Engine,
    *,
    notifier: Notifier,
    now: datetime,
    workers: int = 4,
    roadmaps: list[str] | None = None,
    as_of: date | None = None,
    on_sent: Callable[[str], None] | None = None,
) -> DispatchReport:
    """Send every ready digest; mark each recipient's rows as soon as its send finishes."""
    report = DispatchReport()
    groups = pending(engine, now=now, roadmaps=roadmaps)
    if not groups:
        return report
    digests = {r: render(build_digest(r, [row.payload for row in rows], now, as_of)) for r, rows in groups.items()}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {
            pool.submit(notifier.send, recipient, subject, text, html): recipient
            for recipient, (subject, text, html) in digests.items()
        }
        for future in as_completed(futures):
            recipient = futures[future]
            rows = groups[recipient]
            try:
                future.result()
            except SendError as exc:
                _mark_failed(engine, rows, str(exc), now)
                report.failed += 1
                report.failures.append(f"{_shown(recipient)}: {exc}")
                continue
            _mark_sent(engine, rows, recipient, now)
            report.sent += 1
            report.messages += len(rows)
            if on_sent is not None:
                on_sent(recipient)
    return report


def _shown(recipient: str) -> str:
    return recipient if is_email(recipient) else mask_url(recipient)


def _mark_sent(engine: Engine, rows: list[OutboxMessage], recipient: str, now: datetime) -> None:
    digest_id = uuid.uuid4().hex
    ids = [r.id for r in rows]
    with session_scope(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))  # type: ignore[union-attr]
            .values(
                state="sent",
                sent_at=now,
                digest_id=digest_id,
                attempts=OutboxMessage.attempts + 1,
                last_error=None,
                next_attempt_at=None,
            )  # fmt: skip
        )
        record_event(session, actor="sweep", action="reminder.sent", subject=f"outbox/{digest_id}", at=now,
                     payload={"recipient": _shown(recipient), "keys": sorted(r.key for r in rows)})  # fmt: skip


def _mark_failed(engine: Engine, rows: list[OutboxMessage], error: str, now: datetime) -> None:
    with session_scope(engine) as session:
        for row in rows:
            attempts = row.attempts + 1
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(state="failed", attempts=attempts, last_error=error, next_attempt_at=now + backoff(attempts))
            )
        record_event(session, actor="sweep", action="reminder.failed", subject="outbox/failed", at=now,
                     payload={"recipient": _shown(rows[0].recipient), "error": error,
                              "keys": sorted(r.key for r in rows)})  # fmt: skip


def preview(
    groups: dict[str, list[dict[str, Any]]], now: datetime, as_of: date | None = None
) -> list[tuple[str, str, str]]:
    """(recipient, subject, text) of the digests a dry run would send."""
    out = []
    for recipient, payloads in sorted(groups.items()):
        subject, text, _html = render(build_digest(recipient, payloads, now, as_of))
        out.append((_shown(recipient), subject, text))
    return out


def dry_run_groups(
    engine: Engine, decided: list[list[dict[str, Any]]], *, now: datetime
) -> dict[str, list[dict[str, Any]]]:
    """What a dry run would send: the rows already waiting in the outbox plus the ones just decided."""
    groups: dict[str, list[dict[str, Any]]] = {
        recipient: [row.payload for row in rows] for recipient, rows in pending(engine, now=now).items()
    }
    for rows in decided:
        for row in rows:
            if row["state"] == "pending":
                groups.setdefault(row["recipient"], []).append(row["payload"])
    return groups
