"""Receipts and inclusion proofs: a curator's evidence that their completion is in the signed history.

A receipt names one event: its position and hash (`1234:9f2c…`), and the first checkpoint covering
it once there is one. `prove` turns a receipt into a proof against a signed checkpoint: the event
itself (so its hash can be recomputed from what it says), the RFC 6962 inclusion path from its leaf
to the checkpoint's Merkle root (log2(n) hashes: 17 for 10^5 events), and the checkpoint with its
signature and public key. A proof is checked without the store (`Proof.problem`), so whoever holds
one can check it anywhere; it shows no other event.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from audit.chain import Appended, StoredEvent, as_utc, event_at
from audit.checkpoints import CheckpointError, Signed
from audit.merkle import event_leaf, inclusion_path, verify_inclusion
from models.store import AuditCheckpoint, AuditEvent

PROOF_FORMAT = "roadmap-engine audit inclusion proof v1"
_TOKEN = re.compile(r"^(?P<seq>\d+):(?:sha256:)?(?P<hash>[0-9a-f]{64})$")


class ProofError(Exception):
    """A receipt that cannot be read or proved; the message says which and why."""


@dataclass(frozen=True)
class Receipt:
    """One event's place in the chain, and the first checkpoint covering it (when there is one)."""

    seq: int
    hash: str
    checkpoint_size: int | None = None
    checkpoint_at: datetime | None = None
    checkpoint_key: str | None = None

    @property
    def token(self) -> str:
        return f"{self.seq}:{self.hash}"

    def lines(self) -> list[str]:
        out = [f"receipt: event {self.seq}, sha256 {self.hash}"]
        if self.checkpoint_size is not None and self.checkpoint_at is not None:
            out.append(f"  signed in the checkpoint of event {self.checkpoint_size} "
                       f"({self.checkpoint_at:%Y-%m-%d %H:%M} UTC, key {self.checkpoint_key})")  # fmt: skip
        else:
            out.append("  not yet in a signed checkpoint: the next one (after the next scheduled run) will cover it")
        out.append(f"  to show it is in the signed history: roadmap audit prove {self.token}")
        return out

    @classmethod
    def parse(cls, text: str) -> Receipt:
        """`SEQ:HASH` (as `complete` prints it), or the path of a file holding one."""
        value = text.strip()
        path = Path(value)
        if not _TOKEN.match(value) and path.is_file():
            value = path.read_text(encoding="utf-8").strip()
        match = _TOKEN.match(value)
        if match is None:
            raise ProofError(f"receipt «{text}»: expected EVENT:HASH as roadmap complete prints it "
                             "(e.g. 1234:9f2c…, 64 hex digits), or a proof file")  # fmt: skip
        return cls(int(match["seq"]), match["hash"])


def receipt(session: Session, appended: Appended) -> Receipt:
    """The receipt of an appended event, with the first stored checkpoint covering it if one exists yet."""
    row = session.execute(
        select(AuditCheckpoint).where(col(AuditCheckpoint.size) >= appended.seq)
        .order_by(col(AuditCheckpoint.size), col(AuditCheckpoint.id)).limit(1)
    ).scalars().first()  # fmt: skip
    if row is None:
        return Receipt(appended.seq, appended.hash)
    return Receipt(appended.seq, appended.hash, row.size, as_utc(row.signed_at), row.key_id)


def appended_since(session: Session, *, since: int, action: str) -> list[tuple[str, Appended]]:
    """(subject, event) of every event of this action after position `since`: what an action just recorded."""
    rows = session.execute(
        select(col(AuditEvent.subject), col(AuditEvent.seq), col(AuditEvent.hash))
        .where(col(AuditEvent.seq) > since, col(AuditEvent.action) == action)
        .order_by(col(AuditEvent.seq))
    ).all()  # fmt: skip
    return [(str(subject), Appended(int(seq), str(digest))) for subject, seq, digest in rows]


def _event_json(event: StoredEvent) -> dict[str, Any]:
    return {
        "seq": event.seq, "at_utc": as_utc(event.at_utc).isoformat(timespec="microseconds"), "actor": event.actor,
        "via": event.via, "detail": event.detail, "action": event.action, "subject": event.subject,
        "payload": event.payload, "prev_hash": event.prev_hash, "hash": event.hash,
    }  # fmt: skip


@dataclass(frozen=True)
class Proof:
    """An event, its inclusion path and the signed checkpoint the path leads to."""

    event: StoredEvent
    size: int
    path: tuple[str, ...]
    checkpoint: Signed

    def problem(self) -> str | None:
        """None when the event's hash, the path and the checkpoint's signature all hold; else what fails."""
        if self.event.recomputed() != self.event.hash:
            return f"event {self.event.seq}'s content does not match its hash"
        trouble = self.checkpoint.problem()
        if trouble:
            return f"the checkpoint: {trouble}"
        s = self.checkpoint.statement
        if s.size != self.size:
            return f"the path is for a tree of {self.size} events, the checkpoint signed {s.size}"
        leaf = event_leaf(self.event.hash)
        path = [bytes.fromhex(p) for p in self.path]
        if not verify_inclusion(leaf, self.event.seq - 1, self.size, path, bytes.fromhex(s.root)):
            return f"the inclusion path does not lead from event {self.event.seq} to the checkpoint's root"
        return None

    def lines(self) -> list[str]:
        s = self.checkpoint.statement
        e = self.event
        return [
            f"event {e.seq}: {e.action} {e.subject} at {as_utc(e.at_utc):%Y-%m-%d %H:%M} UTC by {e.actor}"
            + (f" ({e.via}: {e.detail})" if e.via and e.detail else f" ({e.via})" if e.via else ""),
            f"  sha256 {e.hash}",
            f"is in the signed history: checkpoint of event {s.size}, signed {s.signed_at:%Y-%m-%d %H:%M} UTC "
            f"by key {s.key_id}",
            f"  root {s.root}",
            f"  inclusion path: {len(self.path)} hashes (RFC 6962)",
        ]

    def to_json(self) -> dict[str, Any]:
        return {"format": PROOF_FORMAT, "event": _event_json(self.event), "tree_size": self.size,
                "leaf_index": self.event.seq - 1, "path": list(self.path),
                "checkpoint": self.checkpoint.to_json()}  # fmt: skip

    @classmethod
    def from_json(cls, data: Any, source: str) -> Proof:
        if not isinstance(data, dict) or data.get("format") != PROOF_FORMAT:
            raise ProofError(f'{source}: not an inclusion proof (expected "format": "{PROOF_FORMAT}")')
        try:
            e = data["event"]
            event = StoredEvent(int(e["seq"]), datetime.fromisoformat(e["at_utc"]), e["actor"], e.get("via"),
                                e.get("detail"), e["action"], e["subject"], e["payload"], e["prev_hash"],
                                e["hash"])  # fmt: skip
            checkpoint = Signed.from_json(data["checkpoint"], source)
            return cls(event, int(data["tree_size"]), tuple(str(p) for p in data["path"]), checkpoint)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProofError(f"{source}: unreadable proof: {exc}") from None
        except CheckpointError as exc:
            raise ProofError(str(exc)) from None


def read_proof(path: Path) -> Proof | None:
    """The proof in `path`, or None when the file is not a proof (a receipt, say)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if isinstance(data, dict) and data.get("format") == PROOF_FORMAT:
        return Proof.from_json(data, str(path))
    return None


def prove(session: Session, receipt: Receipt, *, checkpoints: list[Signed]) -> Proof:
    """The proof that the receipt's event is in the history signed by the latest of `checkpoints` covering it.

    Raises ProofError naming what is wrong: no such event, an event whose hash is not the receipt's
    (rewritten), no checkpoint covering it yet, or a store whose events no longer form the signed tree.
    """
    event = event_at(session, receipt.seq)
    if event is None:
        raise ProofError(f"event {receipt.seq} is not in the store's chain (it was deleted, or the receipt is "
                         "from another store)")  # fmt: skip
    if event.hash != receipt.hash:
        raise ProofError(f"event {receipt.seq} in the store has hash {event.hash}, the receipt says {receipt.hash}: "
                         "the event was rewritten after the receipt was given")  # fmt: skip
    covering = [c for c in checkpoints if c.statement.size >= receipt.seq and c.problem() is None]
    if not covering:
        latest = max((c.statement.size for c in checkpoints), default=0)
        said = f"the latest covers event {latest}" if latest else "there is no checkpoint yet"
        raise ProofError(f"event {receipt.seq} is not yet in a signed checkpoint ({said}); the next checkpoint "
                         "will cover it (roadmap audit checkpoint makes one now)")  # fmt: skip
    checkpoint = max(covering, key=lambda c: (c.statement.size, c.statement.signed_at))
    size = checkpoint.statement.size
    hashes = session.execute(
        select(col(AuditEvent.hash)).where(col(AuditEvent.seq) <= size).order_by(col(AuditEvent.seq))
    ).scalars().all()  # fmt: skip
    if len(hashes) != size:
        raise ProofError(f"the store holds {len(hashes)} of the {size} events the checkpoint signed: "
                         "run roadmap audit verify")  # fmt: skip
    leaves = [event_leaf(h) for h in hashes]
    path = tuple(p.hex() for p in inclusion_path(leaves, receipt.seq - 1))
    proof = Proof(event, size, path, checkpoint)
    trouble = proof.problem()
    if trouble:
        raise ProofError(f"event {receipt.seq} cannot be proved against {checkpoint.source}: {trouble}; "
                         "run roadmap audit verify")  # fmt: skip
    return proof
