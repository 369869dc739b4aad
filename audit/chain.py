"""The audit chain: append-only events, each carrying the hash of the one before.

Events are appended inside the caller's transaction, so an event is written exactly when the change
it records is. `append_events` writes any number of them in one statement: it locks the single
`audit_head` row (a row lock in PostgreSQL, the write lock in SQLite), computes the sequence numbers
and hashes in one pass in Python and inserts every row at once, so the chain never forks and a sync
of a region (10^5 milestones, one event each) costs no round trip per event.

Each event records who acted and how they were identified (`operations.context.Actor`: via cli, web,
api, schedule; the OS user and host, the session, the flow run). A caller that passes only a name is
recorded as via «unstated»: the trail never claims more identity than the system was given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from models.store import AuditEvent, AuditHead

GENESIS = "0" * 64
DEFAULT_ZONE = "Europe/Moscow"
UNSTATED = "unstated"  # the via of an actor given only as a name


class Identified(Protocol):
    """Who acts and how they were identified: `operations.context.Actor` (the faces resolve it)."""

    @property
    def name(self) -> str: ...

    @property
    def via(self) -> str: ...

    @property
    def detail(self) -> str: ...


ActorLike = Identified | str


def identify(actor: ActorLike) -> tuple[str, str, str]:
    """(name, via, detail) of an actor; a bare name says nothing of how it was known."""
    if isinstance(actor, str):
        return actor, UNSTATED, ""
    return actor.name, actor.via, actor.detail


def canonical(value: Any) -> Any:
    """The value as JSON will give it back (dates as ISO text, tuples as lists, keys as text)."""
    return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive values (as some databases return them) are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _digest(
    seq: int,
    at_text: str,
    actor: str,
    action: str,
    subject: str,
    payload: Any,
    prev_hash: str,
    via: str | None,
    detail: str | None,
) -> str:
    body: dict[str, Any] = {
        "seq": seq,
        "at_utc": at_text,
        "actor": actor,
        "action": action,
        "subject": subject,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    if via is not None:  # events since revision 0007; earlier ones keep the hash they were written with
        body["via"] = via
        body["detail"] = detail or ""
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_hash(
    *,
    seq: int,
    at_utc: datetime,
    actor: str,
    action: str,
    subject: str,
    payload: dict[str, Any],
    prev_hash: str,
    via: str | None = None,
    detail: str | None = None,
) -> str:
    """SHA-256 over the event's fields in a canonical JSON form (via and detail only when recorded)."""
    at_text = as_utc(at_utc).isoformat(timespec="microseconds")
    return _digest(seq, at_text, actor, action, subject, canonical(payload), prev_hash, via, detail)


@dataclass(frozen=True)
class NewEvent:
    """An event to append: what happened, to what, with what changed; the zone its local time is shown in."""

    action: str
    subject: str
    payload: dict[str, Any] = field(default_factory=dict)
    timezone: str = DEFAULT_ZONE


@dataclass(frozen=True)
class Appended:
    """Where an appended event sits in the chain: what a receipt names."""

    seq: int
    hash: str


def head(session: Session, *, lock: bool = False) -> tuple[int, str]:
    """The chain's length and last hash, as the head row records them (locked for appending when asked)."""
    query = select(col(AuditHead.seq), col(AuditHead.hash)).where(col(AuditHead.id) == 1)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        if lock:
            session.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS))
        return 0, GENESIS
    return int(row[0]), str(row[1])


def append_events(session: Session, events: Sequence[NewEvent], *, actor: ActorLike, at: datetime) -> list[Appended]:
    """Append the events, in order, in the caller's transaction: one INSERT for all of them."""
    if not events:
        return []
    name, via, detail = identify(actor)
    at_utc = as_utc(at)
    at_text = at_utc.isoformat(timespec="microseconds")
    local: dict[str, str] = {}
    seq, prev = head(session, lock=True)
    rows: list[dict[str, Any]] = []
    out: list[Appended] = []
    for event in events:
        seq += 1
        data = canonical(event.payload)
        digest = _digest(seq, at_text, name, event.action, event.subject, data, prev, via, detail)
        if event.timezone not in local:
            local[event.timezone] = at_utc.astimezone(ZoneInfo(event.timezone)).isoformat(timespec="seconds")
        rows.append({
            "seq": seq, "at_utc": at_utc, "at_local": local[event.timezone], "actor": name, "actor_via": via,
            "actor_detail": detail, "action": event.action, "subject": event.subject, "payload": data,
            "prev_hash": prev, "hash": digest,
        })  # fmt: skip
        out.append(Appended(seq, digest))
        prev = digest
    session.execute(insert(AuditEvent), rows)
    session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(seq=seq, hash=prev))
    return out


def record_event(
    session: Session,
    *,
    actor: ActorLike,
    action: str,
    subject: str,
    at: datetime,
    payload: dict[str, Any] | None = None,
    timezone: str = DEFAULT_ZONE,
) -> Appended:
    """Append one event to the chain in the current transaction."""
    [appended] = append_events(session, [NewEvent(action, subject, payload or {}, timezone)], actor=actor, at=at)
    return appended


# -- reading the chain back --------------------------------------------------------------------------


@dataclass(slots=True)
class StoredEvent:
    """One stored event, as the verifier reads it."""

    seq: int
    at_utc: datetime
    actor: str
    via: str | None
    detail: str | None
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def recomputed(self) -> str:
        """The hash its content calls for (the payload is stored canonical already)."""
        at_text = as_utc(self.at_utc).isoformat(timespec="microseconds")
        payload = self.payload if isinstance(self.payload, dict) else canonical(self.payload)
        return _digest(
            self.seq, at_text, self.actor, self.action, self.subject, payload, self.prev_hash, self.via, self.detail
        )


_COLUMNS = (
    col(AuditEvent.seq), col(AuditEvent.at_utc), col(AuditEvent.actor), col(AuditEvent.actor_via),
    col(AuditEvent.actor_detail), col(AuditEvent.action), col(AuditEvent.subject), col(AuditEvent.payload),
    col(AuditEvent.prev_hash), col(AuditEvent.hash),
)  # fmt: skip


def stored_events(session: Session, *, since: int = 1, batch: int = 5000) -> Iterator[StoredEvent]:
    """Every event from `since` on, in chain order, streamed in batches (a region's chain need not fit at once)."""
    query = select(*_COLUMNS).order_by(col(AuditEvent.seq)).execution_options(yield_per=batch)
    if since > 1:
        query = query.where(col(AuditEvent.seq) >= since)
    for row in session.execute(query):
        yield StoredEvent(*row)


def event_at(session: Session, seq: int) -> StoredEvent | None:
    """The event at position `seq`, or None."""
    row = session.execute(select(*_COLUMNS).where(col(AuditEvent.seq) == seq)).first()
    return StoredEvent(*row) if row else None


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    first_broken: int | None = None
    reason: str | None = None


@dataclass
class ChainCheck:
    """Follows the chain event by event: every link, every hash, no gap; remembers the first break."""

    prev: str = GENESIS
    expected: int = 1
    count: int = 0
    first_broken: int | None = None
    reason: str | None = None

    def feed(self, event: StoredEvent) -> None:
        self.count += 1
        if self.first_broken is None:
            if event.seq != self.expected:
                self._broken(self.expected, f"event {self.expected} is missing (next is {event.seq})")
            elif event.prev_hash != self.prev:
                self._broken(event.seq, "its previous-hash does not match the event before it")
            elif event.recomputed() != event.hash:
                self._broken(event.seq, "its content does not match its hash (altered)")
        self.prev = event.hash
        self.expected = event.seq + 1

    def _broken(self, seq: int, reason: str) -> None:
        self.first_broken, self.reason = seq, reason

    def finish(self, head_seq: int, head_hash: str) -> ChainReport:
        """The verdict, once every event was fed, against the head row's length and hash."""
        if self.first_broken is not None:
            return ChainReport(False, self.count, self.first_broken, self.reason)
        if head_seq != self.expected - 1 or head_hash != self.prev:
            if head_seq > self.expected - 1:
                reason = "the chain ends before its recorded head (events deleted at the end)"
            else:
                reason = "the recorded head is behind the chain's last event (the head was moved back)"
            return ChainReport(False, self.count, head_seq, reason)
        return ChainReport(True, self.count)


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash in order; report the first event whose link or content does not hold."""
    check = ChainCheck()
    for event in stored_events(session):
        check.feed(event)
    return check.finish(*head(session))


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
    return list(session.execute(query).scalars())
