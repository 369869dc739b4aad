"""Scale-out guarantees of the sweep (issue 15), on SQLite and PostgreSQL:

- the sweep partitioned by time zone, the partitions run side by side (as two workers take the
  per-zone deployments), leaves exactly the outbox one process sweeping everything would decide, and
  a later full sweep adds nothing (the outbox key makes overlaps harmless);
- a sender killed (SIGKILL) in the middle of a larger dispatch repeats at most one batch, and the next
  run delivers everything else exactly once.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from models.calendar import default_calendar
from models.db import session_scope
from models.store import OutboxMessage
from notifications.dispatch import RecordingNotifier, RoutingNotifier
from notifications.mailsink import MailSink
from notifications.smtp import SmtpNotifier
from outbox.send import dispatch
from tasks.registry import load_orgs, load_parties, parse_orgs_csv, parse_parties_csv
from tasks.sweep import active_roadmaps, decide_reminders, roadmap_zones
from tests.helpers.sechenovsky import PLAN, at, load_registry, sync

ROOT = Path(__file__).resolve().parent.parent
TOMSK = ROOT / "roadmaps" / "tomsk-2020-2024.yaml"
CAL = default_calendar()
DAY = date(2020, 6, 1)
NOW = datetime(2020, 6, 1, 3, tzinfo=UTC)


def tomsk_registry(engine, schools: int) -> None:
    """The Tomsk roadmap's region with `schools` generated schools (each with a curator's and a head's address)."""
    lines = [
        "id,name,kind,municipality,region,timezone,curator_email,head_email,curator_url,head_url,active",
        "gen-uo-1,Департамент образования (образец),УО,Город Томск,Томская область,Asia/Tomsk,,uo-1@example.org,,,",
        "gen-uo-2,Управление образования (образец),УО,ЗАТО Северск,Томская область,Asia/Tomsk,,uo-2@example.org,,,",
    ]
    for i in range(schools):
        town = ("Город Томск", "ЗАТО Северск")[i % 2]
        lines.append(f"gen-{i:04d},Школа № {i} (образец),ОО,{town},Томская область,Asia/Tomsk,"
                     f"gen-{i:04d}-curator@example.org,gen-{i:04d}-head@example.org,,,")  # fmt: skip
    text = "\n".join(lines) + "\n"
    parties = (ROOT / "roadmaps" / "registry" / "tomsk-parties.csv").read_text(encoding="utf-8")
    with session_scope(engine) as session:
        load_orgs(session, parse_orgs_csv(text, source="gen.csv"), actor="test", now=NOW, source="gen.csv",
                  sha256=hashlib.sha256(text.encode()).hexdigest())  # fmt: skip
    with session_scope(engine) as session:
        load_parties(session, parse_parties_csv(parties, source="p.csv"), actor="test", now=NOW, source="p.csv",
                     sha256=hashlib.sha256(parties.encode()).hexdigest())  # fmt: skip
    sync(engine, TOMSK.read_text(encoding="utf-8"))


def outbox_pairs(engine) -> set[tuple[str, str]]:
    with session_scope(engine, readonly=True) as session:
        return {(r.key, r.recipient) for r in session.execute(select(OutboxMessage)).scalars()}


def test_a_sweep_partitioned_by_zone_leaves_the_outbox_one_process_would(engine):
    load_registry(engine)  # Sechenovsky: Europe/Moscow
    sync(engine, PLAN.read_text(encoding="utf-8"))
    tomsk_registry(engine, schools=40)  # Asia/Tomsk
    with session_scope(engine, readonly=True) as session:
        plans = active_roadmaps(session)
        zones = sorted({z for p in plans for z in roadmap_zones(session, p.id)})
    assert zones == ["Asia/Tomsk", "Europe/Moscow"]
    # what one process sweeping everything decides (a dry run: nothing written)
    expected: set[tuple[str, str]] = set()
    for plan in plans:
        with session_scope(engine) as session:
            report = decide_reminders(session, roadmap=plan, today=DAY, calendar=CAL, now=NOW, dry_run=True)
        expected |= {(r["key"], r["recipient"]) for r in report.rows}
    assert len(expected) > 100

    # the partitions, side by side: each zone decides and sends its own (two workers taking two deployments)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(zones))

    def partition(zone: str) -> None:
        try:
            barrier.wait()
            for plan in plans:
                with session_scope(engine) as session:
                    decide_reminders(session, roadmap=plan, today=DAY, calendar=CAL, now=NOW, timezones=[zone])
            dispatch(engine, notifier=RecordingNotifier(), now=NOW, timezones=[zone])
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=partition, args=(zone,)) for zone in zones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert outbox_pairs(engine) == expected
    with session_scope(engine, readonly=True) as session:
        states = Counter(r.state for r in session.execute(select(OutboxMessage)).scalars())
    assert set(states) <= {"sent", "no-contact"}  # each zone sent its own, nothing left behind
    # a full sweep after the partitions overlaps them entirely and adds nothing
    for plan in plans:
        with session_scope(engine) as session:
            again = decide_reminders(session, roadmap=plan, today=DAY, calendar=CAL, now=NOW)
            assert sum(again.queued.values()) == 0
    assert outbox_pairs(engine) == expected


CHILD = textwrap.dedent(
    """
    import sys
    from datetime import datetime, UTC
    from models.db import open_store
    from notifications.dispatch import RecordingNotifier, RoutingNotifier
    from notifications.smtp import SmtpNotifier
    from outbox.send import dispatch

    db_url, sink_url = sys.argv[1], sys.argv[2]
    notifier = RoutingNotifier(email=SmtpNotifier(sink_url), other=RecordingNotifier())
    dispatch(open_store(db_url), notifier=notifier, now=datetime(2020, 6, 1, 3, tzinfo=UTC), workers=2, batch=40)
    """
)
BATCH = 40


def decide_all(engine) -> None:
    """Queue the day's reminders of every roadmap, without sending them."""
    with session_scope(engine, readonly=True) as session:
        plans = active_roadmaps(session)
    for plan in plans:
        with session_scope(engine) as session:
            decide_reminders(session, roadmap=plan, today=DAY, calendar=CAL, now=NOW)


def test_a_sender_killed_mid_dispatch_repeats_at_most_one_batch_and_loses_nothing(engine, db_url):
    tomsk_registry(engine, schools=150)
    decide_all(engine)
    with session_scope(engine, readonly=True) as session:
        rows = session.execute(select(OutboxMessage)).scalars().all()
    expected = {r.recipient for r in rows if r.state == "pending" and "@" in r.recipient and "://" not in r.recipient}
    assert len(expected) > 3 * BATCH  # several batches to go through
    child: dict[str, subprocess.Popen[bytes]] = {}
    kill_after = BATCH + BATCH // 2  # in the middle of the second batch

    def kill_mid_run(_message) -> None:  # noqa: ANN001
        if len(sink.received) >= kill_after and "proc" in child and child["proc"].poll() is None:
            os.kill(child["proc"].pid, signal.SIGKILL)

    with MailSink(on_message=kill_mid_run) as sink:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        child["proc"] = subprocess.Popen([sys.executable, "-c", CHILD, db_url, sink.url()], cwd=ROOT, env=env)
        assert child["proc"].wait(timeout=300) == -signal.SIGKILL
        crashed = len(sink.received)
        assert kill_after <= crashed < len(expected)
        # the killed sender's claims lapse (15 minutes); the next run, later, sends what is left
        notifier = RoutingNotifier(email=SmtpNotifier(sink.url()), other=RecordingNotifier())
        report = dispatch(engine, notifier=notifier, now=at(DAY, 4), workers=2, batch=BATCH)
        delivered = Counter(r for m in sink.received for r in m.recipients)
    assert report.failed == 0
    assert set(delivered) == expected  # nothing lost
    repeats = [r for r, n in delivered.items() if n > 1]
    assert len(repeats) <= BATCH and all(delivered[r] == 2 for r in repeats)  # at most one batch, once more
    with session_scope(engine, readonly=True) as session:
        states = {r.state for r in session.execute(select(OutboxMessage)).scalars() if r.recipient in expected}
    assert states == {"sent"}


def test_the_next_batch_is_claimed_while_one_is_on_the_wire_and_sent_only_once_that_one_is_marked(engine, monkeypatch):
    import outbox.send

    SMALL = 20  # noqa: N806 (recipients a batch)
    tomsk_registry(engine, schools=60)
    decide_all(engine)
    with session_scope(engine, readonly=True) as session:
        recipients = {r.recipient for r in session.execute(select(OutboxMessage)).scalars() if r.state == "pending"}
    batches = -(-len(recipients) // SMALL)
    assert batches >= 3
    claims = threading.Semaphore(0)  # released once per claim the sender makes
    claim = outbox.send.claim

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        try:
            return claim(*args, **kwargs)
        finally:
            claims.release()

    monkeypatch.setattr(outbox.send, "claim", counted)
    lock = threading.Lock()
    seen: list[tuple[int, int]] = []  # (messages handed over before, recipients marked sent then)
    claimed = [0]
    stuck: list[int] = []

    class Checking(RecordingNotifier):
        def send(self, recipient, subject, text, html, attachments=()) -> None:  # noqa: ANN001
            with lock:
                n = len(seen)
                k = n // SMALL  # the batch this message is in
                # batch k is on the wire: the sender claims batch k + 1 meanwhile (it would wait forever otherwise)
                while claimed[0] < min(k + 2, batches):
                    if stuck or not claims.acquire(timeout=30):
                        stuck.append(k)  # every later send fails at once
                        raise AssertionError(f"batch {k + 2} was not claimed while batch {k + 1} was on the wire")
                    claimed[0] += 1
                with session_scope(engine, readonly=True) as session:
                    marked = {r.recipient for r in session.execute(select(OutboxMessage)).scalars()
                              if r.state == "sent"}  # fmt: skip
                seen.append((n, len(marked)))
            super().send(recipient, subject, text, html, attachments)

    report = dispatch(engine, notifier=Checking(), now=NOW, workers=2, batch=SMALL)
    assert report.sent == len(recipients) and report.failed == 0
    # every batch goes out only once every batch before it is marked sent, and none is marked before it is sent
    assert seen == [(n, SMALL * (n // SMALL)) for n in range(len(recipients))]
