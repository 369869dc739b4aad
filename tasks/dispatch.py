"""Dispatch the outbox: one message per recipient and family, sent by a bounded pool, marked sent one at a time.

Rows go out in two families: every reminder kind as one digest per recipient (notifications/digest.py),
and the monitoring notices (kind "monitoring") as a message of their own (notifications/notice.py), so
a recipient with both waiting gets two messages and the digest reads as it always did.

Delivery is at least once per message with de-duplication by key: a sender claims the rows it will
send (one atomic UPDATE, with a lease), so concurrent senders never take the same row, and rows are
marked `sent` in their own transaction right after their message went out. The one window in which a
crash repeats a message is between a successful send and that commit; a crash anywhere else loses
nothing and repeats nothing (a crashed sender's claims lapse after LEASE). A failed send leaves its
rows `failed` with the error and a next attempt (backoff: 5 min, 30 min, 2 h, 6 h, then daily), so
they go out on a later run (the dispatch deployment, every 5 minutes) and stay visible in `roadmap
outbox` meanwhile.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from audit.chain import ActorLike, record_event
from models.addresses import mask_url
from models.db import session_scope
from models.store import Contact, Organisation, OutboxMessage
from notifications.digest import Digest, DigestEntry, render
from notifications.dispatch import Notifier, SendError, is_email
from notifications.notice import MONITORING, attachments, render_notices
from notifications.smtp import SmtpServer

# how long a sender holds the rows it claimed: longer than any dispatch of a region takes
LEASE = timedelta(minutes=15)
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
    failures: list[str] = field(default_factory=list)  # one line per distinct error, with its count
    notices: int = 0  # monitoring notices among the messages sent
    notices_failed: int = 0  # ... and among those that failed
    families: tuple[str, ...] = FAMILIES  # what was dispatched
    errors: Counter[str] = field(default_factory=Counter)  # error -> messages that failed with it
    failed_to: dict[str, list[str]] = field(default_factory=dict)  # error -> recipients (shown masked)
    next_try: datetime | None = None  # the earliest next attempt of what failed
    timezone: str = "Europe/Moscow"  # the zone "next try" is shown in (the roadmaps')

    @property
    def attempted(self) -> int:
        return self.sent + self.failed

    def failure_line(self) -> str:
        """One line for a run in which sends failed: how many of how many, the commonest error, when next."""
        if not self.failed:
            return ""
        what = "messages" if self.notices or self.notices_failed else "digests"
        (error, _count), *others = self.errors.most_common()
        more = f" (and {len(others)} other error{'s' if len(others) > 1 else ''})" if others else ""
        when = ""
        if self.next_try is not None:
            local = self.next_try.astimezone(ZoneInfo(self.timezone))
            when = f", next try {local:%H:%M}" + ("" if self.timezone == "Europe/Moscow" else f" {self.timezone}")
        return f"{self.failed} of {self.attempted} {what} failed: {error}{more}; they stay queued{when}"

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
            out.append("  failed notices stay in the outbox (roadmap outbox --state failed); the dispatch deployment "
                       "retries them (or: roadmap outbox send)")  # fmt: skip
        return out

    def record_failure(self, recipient: str, error: str, next_try: datetime, *, notice: bool) -> None:
        self.failed += 1
        self.notices_failed += int(notice)
        self.errors[error] += 1
        self.failed_to.setdefault(error, []).append(_shown(recipient) + (" (monitoring notice)" if notice else ""))
        self.next_try = next_try if self.next_try is None else min(self.next_try, next_try)
        self.failures = [_grouped(error, count, self.failed_to[error]) for error, count in self.errors.most_common()]


class DeliveryFailed(Exception):
    """Raised by a run in which sends failed, after everything else was done and recorded: the run ends failed.

    The message is the one-line count (DispatchReport.failure_line); `result` is what the run would
    have returned, so a face can still print it.
    """

    def __init__(self, line: str, result: Any = None) -> None:
        super().__init__(line)
        self.result = result


def _grouped(error: str, count: int, recipients: list[str]) -> str:
    shown = ", ".join(recipients[:3]) + (f" and {len(recipients) - 3} more" if len(recipients) > 3 else "")
    return f"{count} × {error} ({shown})"


class NotConfigured(Exception):
    """Sending cannot work with these settings (no SMTP server while the registry has e-mail contacts)."""


def check_can_send(engine: Engine, smtp_url: str) -> None:
    """Refuse before anything is decided when e-mail is due to go out and there is no usable SMTP server."""
    if smtp_url:
        try:
            SmtpServer.from_url(smtp_url)
        except SendError as exc:
            raise NotConfigured(str(exc)) from None
        return
    with session_scope(engine, readonly=True) as session:
        emails = session.execute(
            select(func.count()).select_from(Organisation).where(
                col(Organisation.curator_email).is_not(None) | col(Organisation.head_email).is_not(None)
            )
        ).scalar_one() + session.execute(
            select(func.count()).select_from(Contact).where(col(Contact.email).is_not(None))
        ).scalar_one()  # fmt: skip
    if emails:
        raise NotConfigured(
            f"no SMTP server configured, and {emails} contacts of the registry are e-mail addresses: set "
            "ROADMAP_SMTP_URL (e.g. mailto://smtp.example.org:25?from=roadmap@example.org); nothing was decided "
            "(--dry-run shows what would be sent)"
        )


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


LinkFor = Callable[[int, str], str]  # (milestone id, recipient) -> a signed link to the milestone's page


def build_digest(
    recipient: str, payloads: list[dict[str, Any]], now: datetime, as_of: date | None = None,
    link_for: LinkFor | None = None,
) -> Digest:  # fmt: skip
    """The digest for one recipient, dated `as_of` or today in the roadmaps' time zone; with `link_for`,
    each entry carries a signed link to its milestone's page instead of the commands."""
    zone = ZoneInfo(payloads[0].get("timezone") or "Europe/Moscow")
    # one reminder per milestone and kind: a retried row and a fresh one must not both show
    unique = {(p["milestone_id"], p["kind"]): p for p in payloads}
    name = next((p["addressee"] for p in payloads if p.get("addressee")), "")
    entries = [entry_from(p) for p in unique.values()]
    digest = Digest(recipient, name, as_of or now.astimezone(zone).date(), entries)
    if link_for is not None:
        digest.links = {e.milestone_id: link_for(e.milestone_id, recipient) for e in entries}
        digest.site = link_for(0, recipient).split("/m/", 1)[0]
    return digest


def _ready(now: datetime, roadmaps: list[str] | None, families: Collection[str] | None) -> list[Any]:
    """WHERE clauses of the rows ready to send (new, or failed and due again) of these roadmaps and families."""
    clauses: list[Any] = [
        or_(
            col(OutboxMessage.state) == "pending",
            (col(OutboxMessage.state) == "failed") & (col(OutboxMessage.next_attempt_at) <= now),
        )
    ]
    if roadmaps:
        clauses.append(col(OutboxMessage.roadmap_id).in_(roadmaps))
    wanted = _families(families)
    if wanted == (MONITORING,):
        clauses.append(col(OutboxMessage.kind) == MONITORING)
    elif wanted == (REMINDERS,):
        clauses.append(col(OutboxMessage.kind) != MONITORING)
    elif not wanted:
        clauses.append(false())
    return clauses


def _grouped_rows(rows: Iterable[OutboxMessage]) -> dict[Group, list[OutboxMessage]]:
    groups: dict[Group, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        groups[(row.recipient, family(row.kind))].append(row)
    return dict(groups)


def pending(
    engine: Engine, *, now: datetime, roadmaps: list[str] | None = None, families: Collection[str] | None = None
) -> dict[Group, list[OutboxMessage]]:
    """Rows ready to send, grouped by recipient and family (read only: what a dry run shows)."""
    with session_scope(engine, readonly=True) as session:
        query = select(OutboxMessage).where(*_ready(now, roadmaps, families)).order_by(col(OutboxMessage.id))
        return _grouped_rows(session.execute(query).scalars())


def claim(
    engine: Engine, *, now: datetime, token: str, roadmaps: list[str] | None = None,
    families: Collection[str] | None = None,
) -> dict[Group, list[OutboxMessage]]:  # fmt: skip
    """Take the rows ready to send that no other sender holds, for LEASE, and return them grouped.

    One UPDATE with the conditions in its own WHERE: on PostgreSQL a row another sender claimed in the
    meantime is re-checked after its lock is released and skipped; on SQLite the write lock taken at
    BEGIN makes the claim atomic. A claim lapses at claimed_until, so rows a crashed sender held go
    out on a later run.
    """
    free = or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now)
    with session_scope(engine) as session:
        session.execute(
            update(OutboxMessage)
            .where(*_ready(now, roadmaps, families), free)
            .values(claim=token, claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    with session_scope(engine, readonly=True) as session:
        query = select(OutboxMessage).where(col(OutboxMessage.claim) == token).order_by(col(OutboxMessage.id))
        return _grouped_rows(session.execute(query).scalars())


def _families(families: Collection[str] | None) -> tuple[str, ...]:
    return tuple(f for f in FAMILIES if families is None or f in families)


def files_for(recipient: str, family: str, payloads: list[dict[str, Any]]) -> list[str]:
    """What one message attaches: an e-mailed notice its report files that exist; anything else nothing."""
    return attachments(payloads) if family == MONITORING and is_email(recipient) else []


def render_group(
    recipient: str, family: str, payloads: list[dict[str, Any]], now: datetime, as_of: date | None = None,
    link_for: LinkFor | None = None,
) -> tuple[str, str, str]:  # fmt: skip
    """(subject, text, HTML) of one message: the recipient's monitoring notices, or its reminder digest."""
    if family == MONITORING:
        return render_notices(payloads, attached=files_for(recipient, family, payloads))
    return render(build_digest(recipient, payloads, now, as_of, link_for))


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
    actor: ActorLike = "sweep",
    link_for: LinkFor | None = None,
) -> DispatchReport:
    """Send every ready message (of these families; default all); mark each one's rows as soon as its send finishes.

    With `link_for`, digests carry a signed link to each milestone's page (see notifications/links.py).
    """
    report = DispatchReport(families=_families(families))
    groups = claim(engine, now=now, token=uuid.uuid4().hex, roadmaps=roadmaps, families=families)
    if not groups:
        return report
    messages = {
        g: render_group(g[0], g[1], [row.payload for row in rows], now, as_of, link_for) for g, rows in groups.items()
    }
    try:
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
                    next_try = _mark_failed(engine, rows, str(exc), now, actor=actor)
                    report.timezone = rows[0].payload.get("timezone") or report.timezone
                    report.record_failure(recipient, str(exc), next_try, notice=notice)
                    continue
                _mark_sent(engine, rows, recipient, now, actor=actor)
                report.sent += 1
                if notice:
                    report.notices += 1
                else:
                    report.messages += len(rows)
                if on_sent is not None:
                    on_sent(recipient)
    finally:
        notifier.close()  # connections held open for the batch
    return report


def _shown(recipient: str) -> str:
    return recipient if is_email(recipient) else mask_url(recipient)


def _actions(rows: list[OutboxMessage]) -> str:
    """The audit action's prefix for a message's rows: a monitoring notice, or reminders."""
    return "monitoring.notice" if rows[0].kind == MONITORING else "reminder"


def _mark_sent(engine: Engine, rows: list[OutboxMessage], recipient: str, now: datetime, *, actor: ActorLike) -> None:
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
                claim=None,
                claimed_until=None,
            )  # fmt: skip
        )
        record_event(session, actor=actor, action=f"{_actions(rows)}.sent", subject=f"outbox/{digest_id}", at=now,
                     payload={"recipient": _shown(recipient), "keys": sorted(r.key for r in rows)})  # fmt: skip


def _mark_failed(engine: Engine, rows: list[OutboxMessage], error: str, now: datetime, *, actor: ActorLike) -> datetime:
    """Mark a message's rows failed with the error and their next attempt; returns the earliest next attempt."""
    first: datetime | None = None
    with session_scope(engine) as session:
        for row in rows:
            attempts = row.attempts + 1
            first = min(first or now + backoff(attempts), now + backoff(attempts))
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row.id)
                .values(
                    state="failed",
                    attempts=attempts,
                    last_error=error,
                    next_attempt_at=now + backoff(attempts),
                    claim=None,
                    claimed_until=None,
                )
            )
        record_event(session, actor=actor, action=f"{_actions(rows)}.failed", subject="outbox/failed", at=now,
                     payload={"recipient": _shown(rows[0].recipient), "error": error,
                              "keys": sorted(r.key for r in rows)})  # fmt: skip
    return first or now + backoff(1)


def preview(
    groups: dict[str, list[dict[str, Any]]], now: datetime, as_of: date | None = None, link_for: LinkFor | None = None
) -> list[tuple[str, str, str]]:
    """(recipient, subject, text) of the messages a dry run would send: per recipient, its digest, then its notice."""
    out = []
    for recipient, payloads in sorted(groups.items()):
        for name in FAMILIES:
            mine = [p for p in payloads if family(p["kind"]) == name]
            if mine:
                subject, text, _html = render_group(recipient, name, mine, now, as_of, link_for)
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
