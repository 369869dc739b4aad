"""Sending the outbox: claimed in batches of recipients, each batch rendered, sent by a bounded pool of
threads over reused connections, and marked in one statement with one audit event; the next batch is
claimed and rendered while the current one is on the wire, and goes out once the current one is marked.

Rows go out in two families: every reminder kind as one digest per recipient (notifications/digest.py),
and the monitoring notices (kind "monitoring") as a message of their own (notifications/notice.py).

Delivery is at least once per message with de-duplication by key. A batch's rows are marked sent right
after the server accepted its messages, so a crash repeats at most the messages of one batch (of
BATCH recipients) per sender, and loses none (its claims lapse after LEASE and a later run sends them).
A failed send leaves its rows `failed` with the error and a next attempt (backoff: 5 min, 30 min, 2 h,
6 h, then daily); the dispatch deployment retries them every 5 minutes. Memory is bounded by two batches:
nothing is rendered before the batch ahead of it is on the wire.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from audit.chain import ActorLike, record_event
from models.db import session_scope
from models.store import Contact, Organisation, OutboxMessage
from notifications.dispatch import Notifier, SendError
from notifications.smtp import SmtpServer
from outbox.claims import FAMILIES, IDS_PER_UPDATE, MONITORING, REMINDERS, Group, claim, families_of, ready_rows
from outbox.messages import LinkFor, files_for, render_group, shown, with_texts
from service.timings import phase

BACKOFF = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6), timedelta(days=1))
BATCH = 200  # recipients a sender claims, renders, sends and marks at a time


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
        self.failed_to.setdefault(error, []).append(shown(recipient) + (" (monitoring notice)" if notice else ""))
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
    timezones: Collection[str] | None = None,
    batch: int = BATCH,
) -> DispatchReport:
    """Send every ready message (of these families, roadmaps and milestone zones; default all), a batch of
    recipients at a time; with `link_for`, digests carry a signed link to each milestone's page.

    The next batch is claimed and rendered while the current one is on the wire, and sent only once the
    current one is marked: a crash still repeats at most one batch (the next one's claims lapse unsent)."""
    report = DispatchReport(families=families_of(families))
    batches = _claimed(engine, now=now, roadmaps=roadmaps, families=families, timezones=timezones, batch=batch)
    on_wire: _OnWire | None = None
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            try:
                for groups in batches:
                    rendered = _render(engine, groups, now=now, as_of=as_of, link_for=link_for)
                    if on_wire is not None:
                        finishing, on_wire = on_wire, None
                        _finish(engine, finishing, report, now=now, actor=actor, on_sent=on_sent)
                    on_wire = _OnWire(groups, {pool.submit(notifier.send, *message): group
                                               for group, message in rendered.items()})  # fmt: skip
            finally:  # what went out is marked, even when claiming or rendering the next batch failed
                if on_wire is not None:
                    _finish(engine, on_wire, report, now=now, actor=actor, on_sent=on_sent)
    finally:
        notifier.close()  # the connections held open for the run
    return report


def _claimed(
    engine: Engine, *, now: datetime, roadmaps: list[str] | None, families: Collection[str] | None,
    timezones: Collection[str] | None, batch: int,
) -> Iterator[dict[Group, list[OutboxMessage]]]:  # fmt: skip
    """The batches of rows this sender claims, one at a time (a batch of `batch` recipients, rows that another
    sender took first left out), until no ready row is left free."""
    while True:  # again for rows that became ready meanwhile (a sweep queueing beside this run)
        with phase("claim"):
            found = ready_rows(engine, now=now, roadmaps=roadmaps, families=families, timezones=timezones)
        if not found:
            return
        names = list(found)
        for start in range(0, len(names), batch):
            with phase("claim"):
                ids = [i for name in names[start : start + batch] for i in found[name]]
                groups = claim(engine, now=now, token=uuid.uuid4().hex, roadmaps=roadmaps, families=families,
                               timezones=timezones, ids=ids)  # fmt: skip
            if groups:  # empty when another sender took these recipients first
                yield groups


Rendered = tuple[str, str, str, str, list[str]]  # (recipient, subject, text, HTML, files): Notifier.send's arguments


def _render(
    engine: Engine, groups: dict[Group, list[OutboxMessage]], *, now: datetime, as_of: date | None,
    link_for: LinkFor | None,
) -> dict[Group, Rendered]:  # fmt: skip
    """Every message of one batch, rendered: the texts of the whole batch in two queries (not two per message)."""
    with phase("render"):
        with session_scope(engine, readonly=True) as session:
            filled = iter(with_texts(session, [row.payload for rows in groups.values() for row in rows]))
        payloads = {g: [next(filled) for _row in rows] for g, rows in groups.items()}
        out = {}
        for group in groups:
            recipient, kind_family = group
            subject, text, html = render_group(recipient, kind_family, payloads[group], now, as_of, link_for)
            out[group] = (recipient, subject, text, html, files_for(recipient, kind_family, payloads[group]))
        return out


@dataclass
class _OnWire:
    """A batch whose messages the pool is sending."""

    groups: dict[Group, list[OutboxMessage]]
    futures: dict[Future[None], Group]


def _finish(
    engine: Engine, batch: _OnWire, report: DispatchReport, *, now: datetime, actor: ActorLike,
    on_sent: Callable[[str], None] | None,
) -> None:  # fmt: skip
    """Wait for a batch's sends, then mark the sent and the failed in one go each, and count them."""
    groups = batch.groups
    sent: list[Group] = []
    failed: dict[Group, str] = {}
    with phase("send"):  # what is left to send once the next batch is claimed and rendered
        for future in as_completed(batch.futures):
            group = batch.futures[future]
            try:
                future.result()
            except SendError as exc:
                failed[group] = str(exc)
                continue
            sent.append(group)
    with phase("mark"):
        _mark_sent(engine, groups, sent, now, actor=actor)
        next_tries = _mark_failed(engine, groups, failed, now, actor=actor)
    for group in sent:
        recipient, kind_family = group
        notice = kind_family == MONITORING
        report.sent += 1
        report.notices += int(notice)
        report.messages += 0 if notice else len(groups[group])
        if on_sent is not None:
            on_sent(recipient)
    for group, error in failed.items():
        recipient, kind_family = group
        report.timezone = groups[group][0].payload.get("timezone") or report.timezone
        report.record_failure(recipient, error, next_tries[group], notice=kind_family == MONITORING)


def _actions(kind_family: str) -> str:
    """The audit action's prefix for a family: a monitoring notice, or reminders."""
    return "monitoring.notice" if kind_family == MONITORING else "reminder"


def _mark_sent(
    engine: Engine, groups: dict[Group, list[OutboxMessage]], sent: list[Group], now: datetime, *, actor: ActorLike
) -> None:
    """One UPDATE for every row the batch delivered, and one audit event per family listing its messages."""
    if not sent:
        return
    batch_id = uuid.uuid4().hex
    ids = [row.id for group in sent for row in groups[group]]
    with session_scope(engine) as session:
        # in one transaction, a bounded number of ids per statement: a batch of recipients can hold more rows than
        # PostgreSQL takes parameters (65,535: a country's escalation digests went over it)
        for chunk in _chunks(ids):
            session.execute(
                update(OutboxMessage).where(col(OutboxMessage.id).in_(chunk))
                .values(state="sent", sent_at=now, digest_id=batch_id, attempts=col(OutboxMessage.attempts) + 1,
                        last_error=None, next_attempt_at=None, claim=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
        for kind_family in sorted({f for _r, f in sent}):
            messages = [{"recipient": shown(r), "keys": sorted(row.key for row in groups[(r, f)])}
                        for r, f in sent if f == kind_family]  # fmt: skip
            record_event(session, actor=actor, action=f"{_actions(kind_family)}.sent", subject=f"outbox/{batch_id}",
                         at=now, payload={"messages": messages})  # fmt: skip


def _chunks(ids: list[Any]) -> list[list[Any]]:
    return [ids[start : start + IDS_PER_UPDATE] for start in range(0, len(ids), IDS_PER_UPDATE)]


def _mark_failed(
    engine: Engine, groups: dict[Group, list[OutboxMessage]], failed: dict[Group, str], now: datetime, *,
    actor: ActorLike,
) -> dict[Group, datetime]:  # fmt: skip
    """Mark each failed message's rows with its error and their next attempt (one UPDATE per error and number of
    attempts, one audit event per family); returns each message's earliest next attempt."""
    if not failed:
        return {}
    by_update: dict[tuple[str, int], list[int]] = defaultdict(list)
    first: dict[Group, datetime] = {}
    for group, error in failed.items():
        for row in groups[group]:
            attempts = row.attempts + 1
            by_update[(error, attempts)].append(row.id)  # type: ignore[arg-type]
            retry = now + backoff(attempts)
            first[group] = min(first.get(group, retry), retry)
    with session_scope(engine) as session:
        for (error, attempts), ids in by_update.items():
            for chunk in _chunks(ids):
                session.execute(
                    update(OutboxMessage).where(col(OutboxMessage.id).in_(chunk))
                    .values(state="failed", attempts=attempts, last_error=error,
                            next_attempt_at=now + backoff(attempts), claim=None, claimed_until=None)
                    .execution_options(synchronize_session=False)
                )  # fmt: skip
        for kind_family in sorted({f for _r, f in failed}):
            messages = [{"recipient": shown(r), "error": failed[(r, f)],
                         "keys": sorted(row.key for row in groups[(r, f)])}
                        for r, f in failed if f == kind_family]  # fmt: skip
            record_event(session, actor=actor, action=f"{_actions(kind_family)}.failed", subject="outbox/failed",
                         at=now, payload={"messages": messages})  # fmt: skip
    return first
