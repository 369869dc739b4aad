"""`audit verify`: one pass over the chain that checks every link and hash, every checkpoint, and the tables.

What is checked:
- the chain: every event links to the one before and its content matches its hash; the head row
  agrees with the last event;
- every checkpoint (the stored ones, those recorded beside the signing key, one an auditor holds):
  its signature, that its key is trusted, and that the chain still extends it (the event at its size
  has its head hash, the Merkle root of the events up to it is its root). Truncation, rollback to an
  older copy and rewriting before a checkpoint are found here, even when the hashes were recomputed;
- the state: milestones, completions and plan versions replayed from the events, against the tables.

Keys are trusted when they are pinned (the configured signing key, the key of a checkpoint held
outside the store), or, with nothing pinned, the key of the first stored checkpoint (said so, so an
auditor compares it with the key id the operator gave them); a rotation checkpoint signed by the new
key and countersigned by a trusted one makes the new key trusted too, and the old one may not sign
after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from audit.chain import ChainCheck, ChainReport, head, paused_gc, stored_events
from audit.checkpoints import Signed, stored_checkpoints
from audit.keys import PublicKey
from audit.merkle import Frontier, event_leaf
from audit.replay import SHOWN_LIMIT, Replayed, compare


@dataclass(frozen=True)
class Verdict:
    """One checkpoint and what is wrong with it (None: it holds)."""

    checkpoint: Signed
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class VerifyReport:
    """What `audit verify` found."""

    events: int
    chain: ChainReport
    verdicts: list[Verdict] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # stored checkpoint rows that are not checkpoints
    trust: list[str] = field(default_factory=list)  # how the keys came to be trusted
    differences: list[str] = field(default_factory=list)  # tables against the events
    compared: dict[str, int] = field(default_factory=dict)  # rows compared, per table

    @property
    def checkpoints_ok(self) -> bool:
        return not self.unreadable and all(v.ok for v in self.verdicts)

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.checkpoints_ok and not self.differences

    @property
    def signed(self) -> bool:
        return bool(self.verdicts)

    @property
    def latest(self) -> Signed | None:
        """The valid checkpoint covering the most events (the latest signed among equals)."""
        good = [v.checkpoint for v in self.verdicts if v.ok]
        return max(good, key=lambda c: (c.statement.size, c.statement.signed_at), default=None)

    @property
    def covered(self) -> int:
        latest = self.latest
        return latest.statement.size if latest else 0

    def problems(self) -> list[str]:
        """Every finding, one line each (the differences capped at SHOWN_LIMIT, then counted)."""
        out = []
        if not self.chain.ok:
            out.append(f"audit chain broken at event {self.chain.first_broken}: {self.chain.reason}")
        out += self.unreadable
        out += [f"{v.checkpoint.source}: {v.problem}" for v in self.verdicts if v.problem]
        out += self.differences[:SHOWN_LIMIT]
        if len(self.differences) > SHOWN_LIMIT:
            out.append(
                f"… and {len(self.differences) - SHOWN_LIMIT} more differences between the tables and the events"
            )
        return out

    def by_source(self) -> dict[str, list[Verdict]]:
        """The verdicts grouped by where the checkpoints were found: stored, beside the key, held by an auditor."""
        groups: dict[str, list[Verdict]] = {}
        for v in self.verdicts:
            source = v.checkpoint.source
            kind = ("stored" if source.startswith("stored checkpoint") else
                    "recorded beside the key" if ".checkpoints:" in source else f"held ({source})")  # fmt: skip
            groups.setdefault(kind, []).append(v)
        return groups

    def summary(self) -> list[str]:
        """What holds, for the operator and the auditor (printed whether or not problems were found)."""
        out = [f"audit chain intact: {self.events} events" if self.chain.ok else f"audit chain: {self.events} events"]
        if not self.verdicts:
            out.append("checkpoints: none; the chain is unsigned (set ROADMAP_AUDIT_KEY, see roadmap audit keygen)")
        else:
            parts = []
            for kind, verdicts in self.by_source().items():
                bad = sum(not v.ok for v in verdicts)
                verdict = "all hold" if not bad else f"{bad} {'does' if bad == 1 else 'do'} not hold"
                parts.append(f"{len(verdicts)} {kind} ({verdict})")
            out.append("checkpoints: " + ", ".join(parts))
            out += [f"  {line}" for line in self.trust]
        latest = self.latest
        if latest is not None:
            s = latest.statement
            out.append(f"latest checkpoint: event {s.size}, signed {s.signed_at:%Y-%m-%d %H:%M} UTC by key {s.key_id}")
        tail = self.events - self.covered
        if self.verdicts and tail > 0:
            out.append(f"not yet checkpointed: {tail} events ({self.covered + 1}-{self.events})")
        if not self.differences:
            c = self.compared
            out.append(f"state: {c.get('milestones', 0)} milestones, {c.get('completions', 0)} completions and "
                       f"{c.get('versions', 0)} plan versions in the tables match the events")  # fmt: skip
        return out


def _trust(checkpoints: Sequence[Signed], pinned: Sequence[PublicKey]) -> tuple[set[str], dict[str, int], list[str]]:
    """(trusted key ids, the size after which each rotated-out key may not sign, how trust was established)."""
    notes: list[str] = []
    edges: list[tuple[str, str, int]] = []
    for c in checkpoints:
        if c.statement.previous_key_id and c.problem() is None:
            edges.append((c.statement.previous_key_id, c.statement.key_id, c.statement.size))
    trusted = {k.key_id for k in pinned}
    if trusted:
        notes.append(
            "trusted keys: " + ", ".join(sorted(trusted)) + " (pinned: the configured key or a held checkpoint)"
        )
    else:
        first = next((c for c in checkpoints if c.problem() is None), None)
        if first is not None:
            trusted.add(first.statement.key_id)
            notes.append(f"trusting key {first.statement.key_id}, which signed the first checkpoint "
                         "(no key pinned: compare it with the key id the operator published)")  # fmt: skip
    grew = True
    while grew:
        grew = False
        for old, new, _size in edges:
            if (old in trusted) != (new in trusted):
                trusted |= {old, new}
                grew = True
    retired = {old: size for old, new, size in edges if old in trusted}
    for old, new, size in edges:
        if old in trusted:
            notes.append(f"key {new} took over from key {old} at event {size} (countersigned by the old key)")
    return trusted, retired, notes


def _judge(
    c: Signed, events: int, at_size: dict[int, tuple[str, bytes]], trusted: set[str], retired: dict[str, int]
) -> str | None:
    problem = c.problem()
    if problem:
        return problem
    s = c.statement
    when = f"{s.signed_at:%Y-%m-%d %H:%M} UTC"
    if s.key_id not in trusted:
        return (
            f"signed by key {s.key_id}, which no trusted key introduced (a forged checkpoint, or a key never published)"
        )
    if s.key_id in retired and s.size > retired[s.key_id] and not s.previous_key_id:
        return f"signed by key {s.key_id} after it was rotated out at event {retired[s.key_id]}"
    if s.size > events:
        return (f"it signed {s.size} events on {when}, the chain has {events}: events were deleted at the end "
                "(truncation) or the store was replaced by an older copy")  # fmt: skip
    got_head, got_root = at_size.get(s.size, ("", b""))
    if got_head != s.head or got_root.hex() != s.root:
        return (f"the chain no longer extends it: event {s.size} (signed on {when}) and the events before it "
                "were rewritten, inserted or deleted")  # fmt: skip
    return None


def verify_store(
    session: Session, *, pinned: Sequence[PublicKey] = (), external: Sequence[Signed] = ()
) -> VerifyReport:
    """Check the chain, every checkpoint (stored and `external`) and the tables against the events, in one pass."""
    with paused_gc():
        return _verify(session, pinned, external)


def _verify(session: Session, pinned: Sequence[PublicKey], external: Sequence[Signed]) -> VerifyReport:
    stored, unreadable = stored_checkpoints(session)
    every = [*stored, *external]
    wanted = {c.statement.size for c in every}
    check, frontier, replayed = ChainCheck(), Frontier(), Replayed()
    at_size: dict[int, tuple[str, bytes]] = {}
    for event in stored_events(session):
        check.feed(event)
        replayed.apply(event)
        frontier.append(event_leaf(event.hash))
        if frontier.count in wanted:
            at_size[frontier.count] = (event.hash, frontier.root())
    chain = check.finish(*head(session))
    pins = [*pinned, *(c.public_key for c in external)]
    trusted, retired, notes = _trust(every, pins)
    verdicts = [Verdict(c, _judge(c, frontier.count, at_size, trusted, retired)) for c in every]
    differences, compared = compare(session, replayed)
    return VerifyReport(frontier.count, chain, verdicts, unreadable, notes, differences, compared)


# -- what reports say about the history they were built from --------------------------------------------


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


@dataclass(frozen=True)
class Provenance:
    """The chain position and checkpoint a report was built against, and whether verification passed."""

    ok: bool
    position: int
    checkpoint_size: int | None = None
    checkpoint_at: datetime | None = None
    problems: int = 0

    @classmethod
    def of(cls, report: VerifyReport) -> Provenance:
        latest = report.latest
        return cls(report.ok, report.events, latest.statement.size if latest else None,
                   latest.statement.signed_at if latest else None, len(report.problems()))  # fmt: skip

    def text(self, zone: str = "Europe/Moscow") -> str:
        """«история проверена до события 1 234, подпись от 12.10.2021 09:00», in the reader's zone."""
        if not self.ok:
            return (f"ВНИМАНИЕ: проверка журнала аудита не пройдена (замечаний: {self.problems}); сведения отчёта "
                    "могли быть изменены в обход журнала. Подробности: roadmap audit verify")  # fmt: skip
        head = f"история проверена до события {_n(self.position)}"
        if self.checkpoint_at is None or self.checkpoint_size is None:
            return head + "; журнал не подписан (ключ подписи не настроен)"
        when = self.checkpoint_at.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")
        if self.checkpoint_size == self.position:
            return f"{head}, подпись от {when}"
        return f"{head}, подписана до события {_n(self.checkpoint_size)}, подпись от {when}"
