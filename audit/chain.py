"""The audit chain: append-only events, each carrying the hash of the one before.

Events are appended inside the caller's transaction, so an event is written exactly when the change
it records is. `append_events` writes any number of them in one statement: it locks the single
`audit_head` row (a row lock in PostgreSQL, the write lock in SQLite), computes the sequence numbers
and hashes in one pass in Python and inserts every row at once, so the chain never forks and a sync
of a region (10^5 milestones, one event each) costs no round trip per event.

Each event records who acted and how they were identified (`operations.context.Actor`: via cli, web,
api, schedule; the OS user and host, the session, the flow run). A caller that passes only a name is
recorded as via «unstated»: the trail never claims more identity than the system was given.

An event's hash is SHA-256 over one JSON object: {"seq", "at_utc" (ISO 8601, UTC, microseconds),
"actor", "action", "subject", "payload", "prev_hash"} and, since revision 0007, "via" and "detail";
keys sorted at every level, no whitespace, UTF-8 (non-ASCII not escaped), which is what Python's
`json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))` writes. orjson writes
the same bytes for everything but floats, and several times faster, so it computes the hash of every
event without a float (all of them today; one with a float is hashed with json, and verification
falls back to json when orjson's hash differs): verifying 10^5 events then takes seconds.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import JSON, Text, bindparam, cast, insert, or_, select, update
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


def _canonical_checked(value: Any) -> tuple[Any, bool]:
    """canonical(value), and whether it holds a float (whose written form only json's reference fixes)."""
    floats: list[str] = []

    def keep(text: str) -> float:
        floats.append(text)
        return float(text)

    return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str), parse_float=keep), bool(
        floats
    )


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive values (as some databases return them) are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a bulk pass builds 10^5-10^6 objects that all live until it ends.

    (Python 3.11 runs a full collection every time enough objects were allocated, which here walks
    every object made so far again and again: it doubled the time of `audit verify`.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _body(
    seq: int,
    at_text: str,
    actor: str,
    action: str,
    subject: str,
    payload: Any,
    prev_hash: str,
    via: str | None,
    detail: str | None,
) -> dict[str, Any]:
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
    return body


def _digest(*fields: Any) -> str:
    """The hash of an event's fields (see the module docstring), computed with orjson."""
    return hashlib.sha256(orjson.dumps(_body(*fields), option=orjson.OPT_SORT_KEYS)).hexdigest()


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _payload_text(payload: Any) -> bytes:
    """The payload in the canonical form (as it is hashed): what is stored, so the stored text hashes as is."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


def _digest_json(*fields: Any) -> str:
    """The same hash computed with Python's json: the reference form, and the one floats are written in."""
    return hashlib.sha256(_json_text(_body(*fields)).encode("utf-8")).hexdigest()


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
    return _digest_json(seq, at_text, actor, action, subject, canonical(payload), prev_hash, via, detail)


@dataclass(frozen=True)
class NewEvent:
    """An event to append: what happened, to what, with what changed; the zone its local time is shown in."""

    action: str
    subject: str
    payload: dict[str, Any] = field(default_factory=dict)
    timezone: str = DEFAULT_ZONE
    native: bool = False  # the payload holds only JSON's own types already (no dates, tuples, int keys)


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
    local: dict[str, str] = {}
    seq, prev = head(session, lock=True)
    rows: list[dict[str, Any]] = []
    out: list[Appended] = []
    with paused_gc():
        _hash_events(events, rows, out, seq=seq, prev=prev, names=(name, via, detail), at_utc=at_utc, local=local)
    if rows:
        seq, prev = out[-1].seq, out[-1].hash
    session.execute(_insert_events(session), rows)
    session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(seq=seq, hash=prev))
    return out


def _insert_events(session: Session) -> Any:
    """INSERT of event rows whose payload is given as its JSON text (already written once, for the hash)."""
    text = bindparam("payload_text", type_=Text)
    # PostgreSQL wants the text cast to json; SQLite keeps JSON as text (a CAST to JSON there would make it numeric)
    payload = cast(text, JSON) if session.get_bind().dialect.name == "postgresql" else text
    table = AuditEvent.__table__  # type: ignore[attr-defined]  # Core: no ORM bookkeeping per row
    return insert(table).values(payload=payload)


def _hash_events(
    events: Sequence[NewEvent],
    rows: list[dict[str, Any]],
    out: list[Appended],
    *,
    seq: int,
    prev: str,
    names: tuple[str, str, str],
    at_utc: datetime,
    local: dict[str, str],
) -> None:
    """The rows of the events, chained after (seq, prev): sequence numbers and hashes in one pass."""
    name, via, detail = names
    at_text = at_utc.isoformat(timespec="microseconds")
    for event in events:
        seq += 1
        data, floats = (event.payload, False) if event.native else _canonical_checked(event.payload)
        text = _payload_text(data)
        fields = (seq, at_text, name, event.action, event.subject, orjson.Fragment(text), prev, via, detail)
        digest = _digest_json(seq, *fields[1:5], data, *fields[6:]) if floats else _digest(*fields)
        if event.timezone not in local:
            local[event.timezone] = at_utc.astimezone(ZoneInfo(event.timezone)).isoformat(timespec="seconds")
        rows.append({
            "seq": seq, "at_utc": at_utc, "at_local": local[event.timezone], "actor": name, "actor_via": via,
            "actor_detail": detail, "action": event.action, "subject": event.subject,
            "payload_text": _json_text(data) if floats else text.decode(),
            "prev_hash": prev, "hash": digest,
        })  # fmt: skip
        out.append(Appended(seq, digest))
        prev = digest


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
        fields = (as_utc(self.at_utc).isoformat(timespec="microseconds"), self.actor, self.action, self.subject,
                  self.payload, self.prev_hash, self.via, self.detail)  # fmt: skip
        digest = _digest(self.seq, *fields)
        if digest != self.hash:  # a float is written differently by json: the reference decides
            digest = _digest_json(self.seq, *fields)
        return digest


# the payload is read as its JSON text and parsed with orjson: SQLAlchemy's json.loads was most of the time
_COLUMNS = (
    col(AuditEvent.seq), col(AuditEvent.at_utc), col(AuditEvent.actor), col(AuditEvent.actor_via),
    col(AuditEvent.actor_detail), col(AuditEvent.action), col(AuditEvent.subject),
    cast(col(AuditEvent.payload), Text), col(AuditEvent.prev_hash), col(AuditEvent.hash),
)  # fmt: skip


def _stored(row: Any) -> StoredEvent:
    seq, at_utc, actor, via, detail, action, subject, payload, prev_hash, digest = row
    return StoredEvent(seq, at_utc, actor, via, detail, action, subject, orjson.loads(payload), prev_hash, digest)


def stored_events(session: Session, *, since: int = 1, batch: int = 5000) -> Iterator[StoredEvent]:
    """Every event from `since` on, in chain order, streamed in batches (a region's chain need not fit at once)."""
    query = select(*_COLUMNS).order_by(col(AuditEvent.seq)).execution_options(yield_per=batch)
    if since > 1:
        query = query.where(col(AuditEvent.seq) >= since)
    for row in session.execute(query):
        yield _stored(row)


def event_at(session: Session, seq: int) -> StoredEvent | None:
    """The event at position `seq`, or None."""
    row = session.execute(select(*_COLUMNS).where(col(AuditEvent.seq) == seq)).first()
    return _stored(row) if row else None


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
    with paused_gc():
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
    from sqlalchemy import String

    query = select(AuditEvent).order_by(col(AuditEvent.seq))
    payload = cast(col(AuditEvent.payload), String)

    def has(key: str, value: str) -> Any:
        # events since revision 0007 store the payload compact (as hashed), earlier ones with spaces
        return or_(payload.like(f'%"{key}": "{value}"%'), payload.like(f'%"{key}":"{value}"%'))

    if roadmap:
        query = query.where(or_(col(AuditEvent.subject) == f"roadmap/{roadmap}", has("roadmap", roadmap)))
    if org:
        query = query.where(has("org", org))
    if milestone is not None:
        query = query.where(col(AuditEvent.subject) == f"milestone/{milestone}")
    if since:
        query = query.where(col(AuditEvent.at_utc) >= since)
    if until:
        query = query.where(col(AuditEvent.at_utc) <= until)
    return list(session.execute(query).scalars())
