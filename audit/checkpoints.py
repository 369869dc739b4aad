"""Signed checkpoints: the chain's length, head hash and Merkle root at a moment, signed with the operator's key.

The signed text (a "statement") is a few plain lines, so an auditor can read what was signed:

    roadmap-engine audit checkpoint v1
    size 1234
    head 9f2c…            (the hash of event 1234)
    root 51ab…            (RFC 6962 Merkle root of events 1..1234)
    time 2021-10-12T06:00:00Z
    key 3f2a9c0d11b7e845
    previous-key 77e0…    (only when a new key takes over: the old key countersigns)

A checkpoint is stored in the store (`audit_checkpoint`), recorded beside the key (keys.remember),
and can be exported as JSON and sent to auditors; any of them later shows whether the store still
extends it. Before signing, the signer checks that the chain still extends the last checkpoint it
knows, so a rewritten history is refused, never signed over.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from audit.chain import GENESIS, ActorLike, as_utc, identify, stored_events
from audit.keys import PublicKey, SigningKey
from audit.merkle import Frontier, event_leaf
from models.store import AuditCheckpoint, AuditEvent, AuditHead, AuditKey

FORMAT = "roadmap-engine audit checkpoint v1"


class CheckpointError(Exception):
    """A checkpoint that cannot be read, or that cannot be signed; the message says which and why."""


@dataclass(frozen=True)
class Statement:
    """What a checkpoint says: the first `size` events end in `head` and form the tree of `root`."""

    size: int
    head: str
    root: str
    signed_at: datetime
    key_id: str
    previous_key_id: str | None = None

    def text(self) -> str:
        lines = [FORMAT, f"size {self.size}", f"head {self.head}", f"root {self.root}",
                 f"time {as_utc(self.signed_at).strftime('%Y-%m-%dT%H:%M:%SZ')}", f"key {self.key_id}"]  # fmt: skip
        if self.previous_key_id:
            lines.append(f"previous-key {self.previous_key_id}")
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str, source: str) -> Statement:
        lines = text.split("\n")
        if not lines or lines[0] != FORMAT or text != text.rstrip("\n") + "\n":
            raise CheckpointError(f"{source}: not a checkpoint statement (expected a first line «{FORMAT}»)")
        fields: dict[str, str] = {}
        for number, line in enumerate(lines[1:-1], start=2):
            name, _, value = line.partition(" ")
            if name not in ("size", "head", "root", "time", "key", "previous-key") or not value or name in fields:
                raise CheckpointError(f"{source}: statement line {number}: unexpected «{line}»")
            fields[name] = value
        missing = [n for n in ("size", "head", "root", "time", "key") if n not in fields]
        if missing:
            raise CheckpointError(f"{source}: the statement lacks {', '.join(missing)}")
        try:
            size = int(fields["size"])
            signed_at = datetime.strptime(fields["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise CheckpointError(f"{source}: the statement's size or time is malformed") from None
        statement = cls(size, fields["head"], fields["root"], signed_at, fields["key"], fields.get("previous-key"))
        if statement.text() != text:
            raise CheckpointError(f"{source}: the statement is not in its canonical form")
        return statement


@dataclass(frozen=True)
class Signed:
    """A statement with its signature (and, for a key rotation, the old key's countersignature)."""

    statement: Statement
    public_key: PublicKey
    signature: bytes
    previous_public_key: PublicKey | None = None
    previous_signature: bytes | None = None
    source: str = ""  # where it was read: "stored checkpoint 12", a file, the record beside the key

    @property
    def text(self) -> str:
        return self.statement.text()

    def problem(self) -> str | None:
        """None when the signatures hold and name the keys they were made with; else what is wrong."""
        s = self.statement
        if self.public_key.key_id != s.key_id:
            return f"its statement names key {s.key_id} but it carries key {self.public_key.key_id}"
        if not self.public_key.verify(self.signature, self.text.encode()):
            return f"its signature by key {s.key_id} does not verify (the statement or the signature was altered)"
        if s.previous_key_id:
            if self.previous_public_key is None or self.previous_signature is None:
                return f"it names a previous key {s.previous_key_id} but carries no countersignature by it"
            if self.previous_public_key.key_id != s.previous_key_id:
                return f"its countersignature is by key {self.previous_public_key.key_id}, not {s.previous_key_id}"
            if not self.previous_public_key.verify(self.previous_signature, self.text.encode()):
                return f"the countersignature by the previous key {s.previous_key_id} does not verify"
        return None

    def to_json(self) -> dict[str, Any]:
        """The exported form: the statement as signed, its signatures with their public keys, the fields to read."""
        signatures = [{"key_id": self.statement.key_id, "public_key": self.public_key.b64,
                       "signature": _b64(self.signature)}]  # fmt: skip
        if self.previous_public_key is not None and self.previous_signature is not None:
            signatures.append({"key_id": self.previous_public_key.key_id, "public_key": self.previous_public_key.b64,
                               "signature": _b64(self.previous_signature)})  # fmt: skip
        s = self.statement
        return {
            "format": FORMAT, "size": s.size, "head": s.head, "root": s.root,
            "time": as_utc(s.signed_at).strftime("%Y-%m-%dT%H:%M:%SZ"), "key_id": s.key_id,
            "previous_key_id": s.previous_key_id, "statement": self.text, "signatures": signatures,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Any, source: str) -> Signed:
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("statement"), str):
            raise CheckpointError(f'{source}: not an exported checkpoint (expected JSON with "format": "{FORMAT}")')
        statement = Statement.parse(data["statement"], source)
        shown = {"size": statement.size, "head": statement.head, "root": statement.root, "key_id": statement.key_id}
        for name, value in shown.items():
            if data.get(name) != value:
                raise CheckpointError(f"{source}: its field {name} ({data.get(name)}) differs from what was signed "
                                      f"({value})")  # fmt: skip
        try:
            by_key = {s["key_id"]: (PublicKey.from_b64(s["public_key"]), _unb64(s["signature"]))
                      for s in data.get("signatures") or []}  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"{source}: unreadable signatures: {exc}") from None
        if statement.key_id not in by_key:
            raise CheckpointError(f"{source}: no signature by key {statement.key_id}, which the statement names")
        public, signature = by_key[statement.key_id]
        previous = by_key.get(statement.previous_key_id or "")
        return cls(statement, public, signature, previous[0] if previous else None,
                   previous[1] if previous else None, source)  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"not base64: «{text[:40]}»") from None


# -- the stored checkpoints -------------------------------------------------------------------------------


def stored_checkpoints(session: Session) -> tuple[list[Signed], list[str]]:
    """Every checkpoint in the store, oldest first, as signed; and what is wrong with rows that cannot be read
    as one (an edited statement, a missing key)."""
    keys = {k.key_id: k.public_key for k in session.execute(select(AuditKey)).scalars()}
    out: list[Signed] = []
    problems: list[str] = []
    for row in session.execute(select(AuditCheckpoint).order_by(col(AuditCheckpoint.id))).scalars():
        source = f"stored checkpoint {row.id}"
        try:
            statement = Statement.parse(row.statement, source)
            if (row.size, row.head_hash, row.merkle_root, row.key_id, row.previous_key_id) != (
                statement.size, statement.head, statement.root, statement.key_id, statement.previous_key_id
            ):  # fmt: skip
                raise CheckpointError(f"{source}: its columns differ from its signed statement (edited in the table)")
            public = PublicKey.from_b64(keys[row.key_id])
            previous = PublicKey.from_b64(keys[row.previous_key_id]) if row.previous_key_id else None
            signature = _unb64(row.signature)
            counter = _unb64(row.previous_signature) if row.previous_signature else None
        except CheckpointError as exc:
            problems.append(str(exc))
            continue
        except KeyError as exc:
            problems.append(f"{source}: its key {exc.args[0]} is not among the store's keys")
            continue
        except ValueError as exc:
            problems.append(f"{source}: {exc}")
            continue
        out.append(Signed(statement, public, signature, previous, counter, source))
    return out, problems


def latest_signed(session: Session) -> Signed | None:
    """The stored checkpoint covering the most events whose signature holds (the latest signed among equals)."""
    good = [c for c in stored_checkpoints(session)[0] if c.problem() is None]
    return max(good, key=lambda c: (c.statement.size, c.statement.signed_at), default=None)


def checkpoint_summary(signed: Signed | None, zone: str) -> dict[str, Any] | None:
    """What a message to people carries of a checkpoint: size, head, root, key and when, in their zone."""
    if signed is None:
        return None
    s = signed.statement
    when = as_utc(s.signed_at).astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")
    return {"size": s.size, "head": s.head, "root": s.root, "key_id": s.key_id, "signed_local": when}


# -- signing -------------------------------------------------------------------------------------------


def _links(session: Session, size: int, wanted: set[int]) -> tuple[Frontier, dict[int, tuple[str, bytes]]]:
    """The Merkle frontier of events 1..size from their stored hashes (no content read), checking every link;
    (head hash, root) at each size in `wanted` and at `size`."""
    frontier = Frontier()
    roots: dict[int, tuple[str, bytes]] = {}
    query = (
        select(col(AuditEvent.seq), col(AuditEvent.hash), col(AuditEvent.prev_hash))
        .where(col(AuditEvent.seq) <= size)
        .order_by(col(AuditEvent.seq))
        .execution_options(yield_per=20000)
    )
    prev = GENESIS
    for seq, digest, prev_hash in session.execute(query):
        if seq != frontier.count + 1:
            raise CheckpointError(f"refusing to sign: event {frontier.count + 1} is missing from the chain")
        if prev_hash != prev:
            raise CheckpointError(f"refusing to sign: event {seq} does not link to the event before it")
        frontier.append(event_leaf(digest))
        if seq in wanted or seq == size:
            roots[seq] = (digest, frontier.root())
        prev = digest
    roots.setdefault(size, ("", b""))
    return frontier, roots


def sign_checkpoint(
    session: Session,
    *,
    key: SigningKey,
    actor: ActorLike,
    at: datetime,
    known: Sequence[Signed] = (),
    previous: SigningKey | None = None,
) -> Signed:
    """Sign the chain as it stands and store the checkpoint (in the caller's transaction).

    Refuses (CheckpointError) when the chain is empty, or when it no longer extends a checkpoint
    already signed (`known`: the stored ones and those recorded beside the key), so a history
    rewritten since is never signed over. `previous` countersigns a key rotation.
    """
    head_row = session.execute(select(col(AuditHead.seq), col(AuditHead.hash)).where(col(AuditHead.id) == 1)).first()
    size, head_hash = (int(head_row[0]), str(head_row[1])) if head_row else (0, "")
    if size == 0:
        raise CheckpointError("nothing to sign: the audit chain has no events yet")
    anchors = sorted({s.statement.size for s in known if s.statement.size <= size})
    beyond = [s for s in known if s.statement.size > size]
    if beyond:
        s = max(beyond, key=lambda c: c.statement.size)
        raise CheckpointError(
            f"refusing to sign: the chain has {size} events but {s.source} signed {s.statement.size} "
            "(events were deleted, or the store was replaced by an older copy): run roadmap audit verify"
        )
    tail_from = anchors[-1] + 1 if anchors else 1
    frontier, roots = _links(session, size, set(anchors))
    if frontier.count != size or roots[size][0] != head_hash:
        raise CheckpointError(f"refusing to sign: the chain holds {frontier.count} events but its head says {size}")
    # events after the last checkpoint are signed for the first time: their content must match their hash
    for event in stored_events(session, since=tail_from):
        if event.seq <= size and event.recomputed() != event.hash:
            raise CheckpointError(f"refusing to sign: event {event.seq}'s content does not match its hash (altered)")
    for s in known:
        if s.statement.size in roots and roots[s.statement.size] != (s.statement.head, bytes.fromhex(s.statement.root)):
            raise CheckpointError(
                f"refusing to sign: the chain no longer extends {s.source} (event {s.statement.size} signed "
                f"{s.statement.signed_at:%Y-%m-%d %H:%M} UTC): the history before it was rewritten; "
                "run roadmap audit verify"
            )
    statement = Statement(size, head_hash, frontier.root().hex(), as_utc(at).replace(microsecond=0), key.key_id,
                          previous.key_id if previous else None)  # fmt: skip
    text = statement.text().encode()
    signed = Signed(statement, key.public, key.sign(text), previous.public if previous else None,
                    previous.sign(text) if previous else None, "")  # fmt: skip
    for k in (key, previous):
        if k is not None and session.get(AuditKey, k.key_id) is None:
            session.add(AuditKey(key_id=k.key_id, public_key=k.public.b64, first_used_at=statement.signed_at))
    name, _via, _detail = identify(actor)
    row = AuditCheckpoint(
        size=size, head_hash=head_hash, merkle_root=statement.root, signed_at=statement.signed_at,
        key_id=key.key_id, previous_key_id=statement.previous_key_id, statement=statement.text(),
        signature=_b64(signed.signature),
        previous_signature=_b64(signed.previous_signature) if signed.previous_signature else None,
        recorded_by=name,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return Signed(statement, signed.public_key, signed.signature, signed.previous_public_key,
                  signed.previous_signature, f"stored checkpoint {row.id}")  # fmt: skip
