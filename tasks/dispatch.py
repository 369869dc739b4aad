"""Dispatch the outbox: one message per recipient and family, sent by a bounded pool, marked sent one at a time.

Rows go out in two families: every reminder kind as one digest per recipient (notifications/digest.py),
and the monitoring notices (kind "monitoring") as a message of their own (notifications/notice.py), so
a recipient with both waiting gets two messages and the digest reads as it always did.

Delivery is at least once per message with de-duplication by key: rows are marked `sent` in their
own transaction right after their message went out. The one window in which a crash repeats a message
is between a successful send and that commit; a crash anywhere else loses nothing and repeats nothing.
A failed send leaves its rows `failed` with the error and a next attempt (backoff: 5 min, 30 min,
2 h, 6 h, then daily), so they go out on a later run and stay visible in `roadmap outbox` meanwhile.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import false, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from models.addresses import mask_url
from models.db import session_scope
from models.store import OutboxMessage
from notifications.digest import Digest, DigestEntry, render
from notifications.dispatch import Notifier, SendError, is_email
from notifications.notice import MONITORING, attachments, render_notices
from tasks.audit import record_event

BACKOFF = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6), timedelta(days=1))
REMINDERS = "reminders"
FAMILIES = (REMINDERS, MONITORING)
Group = tuple[str, str]  # (recipient, family): one message


def family(kind: str) -> str:
    """The family a row of this kind goes out in: monitoring notices apart, every reminder kind in the digest."""
    return MONITORING if kind == MONITORING else REMINDERS


@dataclass
class DispatchReport:
    sent: int = 0  # messages: digests and notices
    messages: int = 0  # reminders in the digests
    failed: int = 0  # messages that did not go out
    failures: list[str] = field(default_factory=list)
    notices: int = 0  # monitoring notices among the messages sent
    notices_failed: int = 0  # ... and among those that failed
    families: tuple[str, ...] = FAMILIES  # what was dispatched

    def lines(self) -> list[str]:
        out = []
        if REMINDERS in self.families:
            digests, failed = self.sent - self.notices, self.failed - self.notices_failed
            out.append(f"sent {digests} digests ({self.messages} reminders); {failed} failed")
        if MONITORING in self.families and (self.notices or self.notices_failed or REMINDERS not in self.families):
            notices = "notice" if self.notices == 1 else "notices"
            out.append(f"sent {self.notices} monitoring {notices}; {self.notices_failed} failed")
        out += [f"  failed: {f}" for f in self.failures]
        if self.notices_failed:
            out.append("  failed notices stay in the outbox (roadmap outbox --state failed) and the daily sweep "
                       "retries them")  # fmt: skip
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
        old_end=_date(payload.get("old_end")), note=payload.get("note"), party=payload.get("party") or "",
    )  # fmt: skip


def build_digest(recipient: str, payloads: list[dict[str, Any]], now: datetime, as_of: date | None = None) -> Digest:
    """The digest for one recipient, dated `as_of` or today in the roadmaps' time zone."""
    zone = ZoneInfo(payloads[0].get("timezone") or "Europe/Moscow")
    # one reminder per milestone and kind: a retried row and a fresh one must not both show
    unique = {(p["milestone_id"], p["kind"]): p for p in payloads}
    name = next((p["addressee"] for p in payloads if p.get("addressee")), "")
    return Digest(recipient, name, as_of or now.astimezone(zone).date(), [entry_from(p) for p in unique.values()])


def pending(
    engine: Engine, *, now: datetime, roadmaps: list[str] | None = None, families: Collection[str] | None = None
) -> dict[Group, list[OutboxMessage]]:
    """Rows ready to send (new, or failed and due for another attempt), grouped by recipient and family."""
    with session_scope(engine) as session:
        query = select(OutboxMessage).where(
            or_(
                col(OutboxMessage.state) == "pending",
                (col(OutboxMessage.state) == "failed") & (col(OutboxMessage.next_attempt_at) <= now),
            )
        )
        if roadmaps:
            query = query.where(col(OutboxMessage.roadmap_id).in_(roadmaps))
        wanted = _families(families)
        if wanted == (MONITORING,):
            query = query.where(col(OutboxMessage.kind) == MONITORING)
        elif wanted == (REMINDERS,):
            query = query.where(col(OutboxMessage.kind) != MONITORING)
        elif not wanted:
            query = query.where(false())
        groups: dict[Group, list[OutboxMessage]] = defaultdict(list)
        for row in session.execute(query.order_by(col(OutboxMessage.id))).scalars():
            groups[(row.recipient, family(row.kind))].append(row)
    return dict(groups)


def _families(families: Collection[str] | None) -> tuple[str, ...]:
    return tuple(f for f in FAMILIES if families is None or f in families)


def files_for(recipient: str, family: str, payloads: list[dict[str, Any]]) -> list[str]:
    """What one message attaches: an e-mailed notice its report files that exist; anything else nothing."""
    return attachments(payloads) if family == MONITORING and is_email(recipient) else []


def render_group(
    recipient: str, family: str, payloads: list[dict[str, Any]], now: datetime, as_of: date | None = None
) -> tuple[str, str, str]:
    """(subject, text, HTML) of one message: the recipient's monitoring notices, or its reminder digest."""
    if family == MONITORING:
        return render_notices(payloads, attached=files_for(recipient, family, payloads))
    return render(build_digest(recipient, payloads, now, as_of))


def dispatch(
    engine: Engine,
    *,
    notifier: Notifier,
    now: datetime,
    workers: int = 4,
    roadmaps: list[str] | None = None,
    as_of: date | None = None,
    on_sent: Callable[[str], None] | None = None,
    families: Collection[str] | None = None,
    actor: str = "sweep",
) -> DispatchReport:
    """Send every ready message (of these families; default all); mark each one's rows as soon as its send finishes."""
    report = DispatchReport(families=_families(families))
    groups = pending(engine, now=now, roadmaps=roadmaps, families=families)
    if not groups:
        return report
    messages = {g: render_group(g[0], g[1], [row.payload for row in rows], now, as_of) for g, rows in groups.items()}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {
            pool.submit(notifier.send, group[0], subject, text, html,
                        files_for(group[0], group[1], [row.payload for row in groups[group]])): group
            for group, (subject, text, html) in messages.items()
        }  # fmt: skip
        for future in as_completed(futures):
            recipient, kind = group = futures[future]
            rows = groups[group]
            notice = kind == MONITORING
            try:
                future.result()
            except SendError as exc:
                _mark_failed(engine, rows, str(exc), now, actor=actor)
                report.failed += 1
                report.notices_failed += int(notice)
                report.failures.append(f"{_shown(recipient)}{' (monitoring notice)' if notice else ''}: {exc}")
                continue
            _mark_sent(engine, rows, recipient, now, actor=actor)
            report.sent += 1
            if notice:
                report.notices += 1
            else:
                report.messages += len(rows)
            if on_sent is not None:
                on_sent(recipient)
    return report


def _shown(recipient: str) -> str:
    return recipient if is_email(recipient) else mask_url(recipient)


def _actions(rows: list[OutboxMessage]) -> str:
    """The audit action's prefix for a message's rows: a monitoring notice, or reminders."""
    return "monitoring.notice" if rows[0].kind == MONITORING else "reminder"


def _mark_sent(engine: Engine, rows: list[OutboxMessage], recipient: str, now: datetime, *, actor: str) -> None:
    digest_id = uuid.uuid4().hex
    ids = [r.id for r in rows]
    with session_scope(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids))
            .values(
                state="sent",
                sent_at=now,
                digest_id=digest_id,
                attempts=col(OutboxMessage.attempts) + 1,
                last_error=None,
                next_attempt_at=None,
            )  # fmt: skip
        )
        record_event(session, actor=actor, action=f"{_actions(rows)}.sent", subject=f"outbox/{digest_id}", at=now,
                     payload={"recipient": _shown(recipient), "keys": sorted(r.key for r in rows)})  # fmt: skip


def _mark_failed(engine: Engine, rows: list[OutboxMessage], error: str, now: datetime, *, actor: str) -> None:
    with session_scope(engine) as session:
        for row in rows:
            attempts = row.attempts + 1
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row.id)
                .values(state="failed", attempts=attempts, last_error=error, next_attempt_at=now + backoff(attempts))
            )
        record_event(session, actor=actor, action=f"{_actions(rows)}.failed", subject="outbox/failed", at=now,
                     payload={"recipient": _shown(rows[0].recipient), "error": error,
                              "keys": sorted(r.key for r in rows)})  # fmt: skip


def preview(
    groups: dict[str, list[dict[str, Any]]], now: datetime, as_of: date | None = None
) -> list[tuple[str, str, str]]:
    """(recipient, subject, text) of the messages a dry run would send: per recipient, its digest, then its notice."""
    out = []
    for recipient, payloads in sorted(groups.items()):
        for name in FAMILIES:
            mine = [p for p in payloads if family(p["kind"]) == name]
            if mine:
                subject, text, _html = render_group(recipient, name, mine, now, as_of)
                out.append((_shown(recipient), subject, text))
    return out


def dry_run_groups(
    engine: Engine, decided: list[list[dict[str, Any]]], *, now: datetime
) -> dict[str, list[dict[str, Any]]]:
    """What a dry run would send, by recipient: the rows already waiting in the outbox plus the ones just decided."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (recipient, _family), rows in pending(engine, now=now).items():
        groups[recipient] += [row.payload for row in rows]
    for decided_rows in decided:
        for row in decided_rows:
            if row["state"] == "pending":
                groups[row["recipient"]].append(row["payload"])
    return dict(groups)
