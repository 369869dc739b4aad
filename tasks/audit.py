"""The audit chain: append-only events, each carrying the hash of the one before.

`record_event` appends inside the caller's transaction, so an event is written exactly when the
change it records is. The single `audit_head` row is updated by every append, which serialises
concurrent writers (a row lock in PostgreSQL, the write lock in SQLite) so the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from models.store import AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def event_hash(
    *, seq: int, at_utc: datetime, actor: str, action: str, subject: str, payload: dict[str, Any], prev_hash: str
) -> str:
    """SHA-256 over the event's fields in a canonical JSON form."""
    body = json.dumps(
        {
            "seq": seq,
            "at_utc": as_utc(at_utc).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": _canonical(payload),
            "prev_hash": prev_hash,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive values (as some databases return them) are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: dict[str, Any] | None = None,
    timezone: str = "Europe/Moscow",
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain in the current transaction and return it."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    at_utc = as_utc(at) if at else utcnow()
    local = at_utc.astimezone(ZoneInfo(timezone))
    data = _canonical(payload or {})
    seq = head.seq + 1
    digest = event_hash(
        seq=seq, at_utc=at_utc, actor=actor, action=action, subject=subject, payload=data, prev_hash=head.hash
    )
    event = AuditEvent(
        seq=seq,
        at_utc=at_utc,
        at_local=local.isoformat(timespec="seconds"),
        actor=actor,
        action=action,
        subject=subject,
        payload=data,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(event)
    head.seq, head.hash = seq, digest
    session.add(head)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    first_broken: int | None = None
    reason: str | None = None


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash in order; report the first event whose link or content does not hold."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))):
        count += 1
        assert event.seq is not None
        if event.seq != expected_seq:
            return ChainReport(False, count, expected_seq, f"event {expected_seq} is missing (next is {event.seq})")
        if event.prev_hash != prev:
            return ChainReport(False, count, event.seq, "its previous-hash does not match the event before it")
        digest = event_hash(
            seq=event.seq,
            at_utc=event.at_utc,
            actor=event.actor,
            action=event.action,
            subject=event.subject,
            payload=event.payload,
            prev_hash=event.prev_hash,
        )
        if digest != event.hash:
            return ChainReport(False, count, event.seq, "its content does not match its hash (altered)")
        prev = event.hash
        expected_seq += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        return ChainReport(
            False, count, head.seq, "the chain ends before its recorded head (events deleted at the end)"
        )
    return ChainReport(True, count)


def audit_events(
    session: Session,
    *,
    roadmap: str | None = None,
    org: str | None = None,
    milestone: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEvent]:
    """The events matching the filters, in chain order."""
    from sqlalchemy import String, cast, or_

    query = select(AuditEvent).order_by(col(AuditEvent.seq))
    payload = cast(col(AuditEvent.payload), String)
    if roadmap:
        query = query.where(
            or_(col(AuditEvent.subject) == f"roadmap/{roadmap}", payload.like(f'%"roadmap": "{roadmap}"%'))
        )
    if org:
        query = query.where(payload.like(f'%"org": "{org}"%'))
    if milestone is not None:
        query = query.where(col(AuditEvent.subject) == f"milestone/{milestone}")
    if since:
        query = query.where(col(AuditEvent.at_utc) >= since)
    if until:
        query = query.where(col(AuditEvent.at_utc) <= until)
    return list(session.exec(query))
