"""The kill -9 test at region size (`python -m benchmarks crash`, issue 15): senders killed in the middle of a
dispatch repeat at most one batch each, and lose nothing.

1. A region store is generated (benchmarks/store.py; a SQLite file in a temporary folder, or with --db a
   PostgreSQL schema of its own) and the sweep day's reminders are decided without sending (as the sweep
   decides them), so the outbox holds the day's digests, pending.
2. A counting SMTP server on loopback (in this process) records every message it receives: who sent it
   (each sender process has an envelope sender of its own) and to whom. A digest is one recipient's
   message of one family (outbox/claims.py), so the recipient identifies it.
3. N sender processes (`python -m benchmarks crash-sender`, each calling outbox.send.dispatch as the
   dispatch flow does) are started; once all have imported and opened the store they are let go at once.
   When a sender has had `kill_after` messages accepted, the server holds its next ones (answers them
   only after HOLD_S, well within the client's timeout), so the senders cannot outrun each other on a
   loaded machine; once every sender has reached `kill_after`, all are killed with SIGKILL. Nothing
   depends on timing: the kill point is a count of messages.
4. One clean sender runs to the end, later than the killed senders' leases (outbox/claims.py LEASE).
5. The property: every digest the outbox holds for an e-mail recipient was received at least once, every
   row of the outbox ends `sent` or `no-contact` (nothing lost), and the digests received twice are at
   most one batch (of `batch` recipients) per killed sender, each at most once more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlmodel import col

from benchmarks.store import SWEEP_DAY, drop, generate, new_store
from benchmarks.whole import data_dir
from models.calendar import default_calendar
from models.db import open_store, session_scope
from models.store import OutboxMessage
from notifications.dispatch import is_email
from notifications.mailsink import free_port
from outbox.claims import LEASE, family
from tasks.sweep import active_roadmaps, decide_reminders

ROOT = Path(__file__).resolve().parent.parent
HOLD_S = 5.0  # the longest the server holds one message of a sender that reached the kill point (client: 30 s)
FINAL = {"sent", "no-contact"}  # the states an outbox row may end in once everything went out
CLEAN = "clean@example.org"  # the envelope sender of the clean run


def sender_address(k: int) -> str:
    return f"sender-{k}@example.org"


# -- the server ----------------------------------------------------------------------------------------------


class Recording:
    """aiosmtpd handler: records (envelope sender, recipient) of every message; holds a sender's messages
    once it has `kill_after` of them, until released (the kill)."""

    def __init__(self, kill_after: int) -> None:
        self.kill_after = kill_after
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.received: list[tuple[str, str]] = []
        self.by_sender: Counter[str] = Counter()
        self.released = threading.Event()
        self.held = 0  # messages answered late

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        sender = str(envelope.mail_from)
        with self.lock:
            self.received += [(sender, str(r)) for r in envelope.rcpt_tos]
            self.by_sender[sender] += 1
            reached = self.by_sender[sender] >= self.kill_after
            self.changed.notify_all()
        if reached and sender != CLEAN and not self.released.is_set():
            self.held += 1
            loop = asyncio.get_running_loop()
            until = loop.time() + HOLD_S
            while not self.released.is_set() and loop.time() < until:
                await asyncio.sleep(0.02)
        return "250 Message accepted for delivery"

    def count(self, sender: str) -> int:
        with self.lock:
            return self.by_sender[sender]


# -- the senders ---------------------------------------------------------------------------------------------


def sender_main(db: str, smtp: str, now: datetime, as_of: date, batch: int, workers: int, wait: bool) -> int:
    """(A sender process) dispatch the outbox; with `wait`, say "ready" and start on a line from stdin."""
    from notifications.dispatch import make_notifier
    from outbox.send import dispatch

    engine = open_store(db)
    notifier, _recorder = make_notifier(smtp, external="record")
    if wait:
        print("ready", flush=True)
        sys.stdin.readline()
    report = dispatch(engine, notifier=notifier, now=now, as_of=as_of, workers=workers, batch=batch)
    engine.dispose()
    print(json.dumps({"sent": report.sent, "failed": report.failed, "failures": report.failures}), flush=True)
    return 0


def _sender(db: str, port: int, address: str, now: datetime, day: date, batch: int, workers: int,
            env: dict[str, str], wait: bool) -> subprocess.Popen[str]:  # fmt: skip
    command = [sys.executable, "-m", "benchmarks", "crash-sender", "--db", db,
               "--smtp", f"mailto://127.0.0.1:{port}?from={address}", "--now", now.isoformat(),
               "--as-of", day.isoformat(), "--batch", str(batch), "--workers", str(workers)]  # fmt: skip
    if wait:
        command.append("--wait")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


# -- the run -------------------------------------------------------------------------------------------------


@dataclass
class CrashResult:
    store: str
    backend: str
    senders: int
    batch: int
    workers: int
    kill_after: int  # messages per sender before the kill
    outbox_rows: int  # rows the day's decision queued
    digests: int  # messages the outbox holds for e-mail recipients (the sink should receive each)
    received_before_kill: dict[str, int]  # messages each sender had accepted when killed
    killed: dict[str, int | None]  # each sender's exit status (-9: killed)
    kill_point: float  # the share of the digests received when the senders were killed
    held: int  # messages the server answered late to keep the senders in step
    clean_sent: int  # messages the clean run sent
    clean_failed: int
    received: int  # messages received in all
    lost_digests: int  # digests never received
    unexpected: int  # messages to recipients the outbox has no digest for
    not_final_rows: int  # outbox rows not sent / no-contact in the end
    duplicates: int  # messages received once more than the outbox holds
    duplicates_by_sender: dict[str, int]  # ... by the killed sender that sent them first
    most_copies: int  # the most times one digest was received
    generate_s: float
    decide_s: float
    crash_s: float  # from the senders' start to the kill
    clean_s: float  # the clean run
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def lines(self) -> list[str]:
        per = ", ".join(f"{k} {v}" for k, v in self.received_before_kill.items())
        dup = ", ".join(f"{k} {v}" for k, v in self.duplicates_by_sender.items())
        return [
            f"store ({self.backend}): {self.store}",
            f"outbox: {self.outbox_rows} rows queued for the day, {self.digests} digests to e-mail recipients",
            f"{self.senders} senders (batch {self.batch} recipients, {self.workers} threads each) killed (SIGKILL) "
            f"after {self.crash_s:.1f} s, each at {self.kill_after} messages: {per}; exit {self.killed}",
            f"kill point: {self.kill_point:.0%} of the digests received ({self.held} messages held to keep step)",
            f"clean run: sent {self.clean_sent}, failed {self.clean_failed} in {self.clean_s:.1f} s",
            f"received {self.received} messages: lost {self.lost_digests} digests, {self.not_final_rows} outbox rows "
            f"not sent, {self.unexpected} unexpected; duplicates {self.duplicates} ({dup}; at most "
            f"{self.senders} × {self.batch}), at most {self.most_copies} copies of a digest",
            f"times: generate {self.generate_s:.1f} s, decide {self.decide_s:.1f} s",
            "property holds" if self.ok else "PROPERTY FAILS: " + "; ".join(self.failures),
        ]


@dataclass
class Verdict:
    lost: int  # digests never received
    unexpected: int  # messages to recipients the outbox has no digest for
    not_final: int  # outbox rows not sent / no-contact
    duplicates: int  # messages received once more than the outbox holds
    by_sender: dict[str, int]  # ... by the sender that sent them first
    copies: int  # the most times one digest was received
    failures: list[str]


def judge(expected: Counter[str], received: list[tuple[str, str]], states: list[str], senders: list[str],
          batch: int, killed: dict[str, int | None]) -> Verdict:  # fmt: skip
    """Whether nothing was lost and each killed sender repeated at most one batch.

    `expected`: recipient -> messages the outbox holds for it; `received`: (envelope sender, recipient) of
    every message the server received, in order; `states`: the outbox rows' states in the end."""
    delivered = Counter(r for _s, r in received)
    first_sender: dict[str, str] = {}
    for sender, recipient in received:
        first_sender.setdefault(recipient, sender)
    lost = sum(max(0, n - delivered[r]) for r, n in expected.items())
    unexpected = sum(n for r, n in delivered.items() if r not in expected)
    extra = {r: delivered[r] - n for r, n in expected.items() if delivered[r] > n}
    by_sender = {s: sum(1 for r in extra if first_sender[r] == s) for s in senders}
    copies = max((delivered[r] - n + 1 for r, n in expected.items()), default=0)
    not_final = sum(1 for state in states if state not in FINAL)
    failures = []
    if lost or not_final:
        failures.append(f"lost: {lost} digests never received, {not_final} outbox rows not sent")
    if unexpected:
        failures.append(f"{unexpected} messages to recipients with no digest in the outbox")
    repeated = sum(extra.values())
    if (
        any(d > batch for d in by_sender.values())
        or repeated > len(senders) * batch
        or repeated > sum(by_sender.values())
    ):
        failures.append(f"more repeats ({repeated}) than one batch ({batch}) per killed sender: {by_sender}")
    if copies > 2:
        failures.append(f"a digest received {copies} times")
    if any(rc != -signal.SIGKILL for rc in killed.values()):
        failures.append(f"not every sender was killed mid-run (exit statuses {killed}): the kill point is too late")
    return Verdict(lost, unexpected, not_final, repeated, by_sender, copies, failures)


def decide_day(url: str, day: date, now: datetime) -> None:
    """Queue the day's reminders without sending them, as the sweep decides them (every active roadmap)."""
    engine = open_store(url)
    try:
        with session_scope(engine, readonly=True) as session:
            plans = active_roadmaps(session)
        for plan in plans:
            with session_scope(engine) as session:
                decide_reminders(session, roadmap=plan, today=day, calendar=default_calendar(), now=now)
    finally:
        engine.dispose()


def _outbox(url: str, since: int) -> tuple[list[tuple[int, str, str, str]], int]:
    """The rows after id `since`: (id, recipient, kind, state); and the largest id."""
    engine = open_store(url, readonly=True)
    try:
        with session_scope(engine, readonly=True) as session:
            rows = session.execute(
                select(col(OutboxMessage.id), col(OutboxMessage.recipient), col(OutboxMessage.kind),
                       col(OutboxMessage.state)).where(col(OutboxMessage.id) > since)
            ).all()  # fmt: skip
            last = session.execute(select(func.max(col(OutboxMessage.id)))).scalar_one() or 0
        return [(int(i), str(r), str(k), str(s)) for i, r, k, s in rows], int(last)
    finally:
        engine.dispose()


def _wait_ready(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"a sender did not start (exit {proc.wait()}): {line!r}")


def run(*, orgs: int, senders: int = 2, batch: int = 50, workers: int = 4, db: str | None = None, seed: int = 1,
        day: date = SWEEP_DAY, kill_after: int | None = None, folder: Path | None = None,
        log: Callable[[str], None] = print, limit_s: float = 3600.0) -> CrashResult:  # fmt: skip
    """Generate, decide, start `senders` senders, kill them all in the middle, finish cleanly, check."""
    own_folder = folder is None
    folder = folder or Path(tempfile.mkdtemp(prefix="roadmap-crash-"))
    url = new_store(db, folder)
    env = {**os.environ, "ROADMAP_DATA_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    decided_at = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
    try:
        log(f"generating {orgs} organisations into {url.split('@')[-1]}")
        began = time.perf_counter()
        with data_dir(folder):
            generated = generate(url, orgs, seed)
        generate_s = time.perf_counter() - began
        log(f"  {generated.line()}")
        _rows, before = _outbox(url, 0)
        began = time.perf_counter()
        decide_day(url, day, decided_at)
        decide_s = time.perf_counter() - began
        queued, _last = _outbox(url, before)
        messages = {(r, family(k)) for _i, r, k, s in queued if s == "pending" and is_email(r)}
        expected = Counter(r for r, _f in messages)  # recipient -> messages (one per family)
        digests = sum(expected.values())
        if digests < 2 * senders:
            raise RuntimeError(f"only {digests} digests to send: a larger --orgs is needed")
        quota = kill_after or max(1, digests // (2 * senders))  # the middle of the run by default
        log(f"  decided {day}: {len(queued)} outbox rows, {digests} digests; killing each sender at {quota}")
        handler = Recording(quota)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            names = [sender_address(k + 1) for k in range(senders)]
            send_at = decided_at + timedelta(minutes=1)
            procs = [_sender(url, port, n, send_at, day, batch, workers, env, wait=True) for n in names]
            try:
                _wait_ready(procs)
                began = time.perf_counter()
                for proc in procs:
                    assert proc.stdin is not None
                    proc.stdin.write("go\n")
                    proc.stdin.flush()
                with handler.changed:
                    while not all(handler.by_sender[n] >= quota or p.poll() is not None
                                  for n, p in zip(names, procs, strict=True)):  # fmt: skip
                        handler.changed.wait(0.5)
                        if time.perf_counter() - began > limit_s:
                            raise RuntimeError(f"the senders did not reach {quota} messages in {limit_s} s")
                    for proc in procs:
                        if proc.poll() is None:
                            os.kill(proc.pid, signal.SIGKILL)
                    crash_s = time.perf_counter() - began
                    at_kill = {n: handler.by_sender[n] for n in names}
                    received_at_kill = len(handler.received)
            finally:
                handler.released.set()
                for proc in procs:
                    if proc.poll() is None:
                        proc.kill()
                    proc.communicate()
            killed = {n: p.returncode for n, p in zip(names, procs, strict=True)}
            log(f"  killed after {crash_s:.1f} s: {at_kill}")
            # the killed senders' claims lapse after LEASE; the clean run comes later
            clean = _sender(url, port, CLEAN, send_at + LEASE + timedelta(minutes=1), day, batch, workers, env,
                            wait=False)  # fmt: skip
            began = time.perf_counter()
            out, _ = clean.communicate()
            clean_s = time.perf_counter() - began
            if clean.returncode != 0:
                raise RuntimeError(f"the clean run exited {clean.returncode}: {out[-3000:]}")
            clean_report = json.loads(out.strip().splitlines()[-1])
        finally:
            controller.stop()
        final, _last = _outbox(url, 0)  # every row of the outbox, the earlier days' too
    finally:
        drop(url)
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)

    received = list(handler.received)
    verdict = judge(expected, received, [state for *_r, state in final], names, batch, killed)
    failures = verdict.failures
    if clean_report["failed"]:
        failures.append(f"the clean run failed {clean_report['failed']} sends: {clean_report['failures']}")
    return CrashResult(
        store=generated.line(), backend="postgresql" if url.startswith("postgresql") else "sqlite", senders=senders,
        batch=batch, workers=workers, kill_after=quota, outbox_rows=len(queued), digests=digests,
        received_before_kill=at_kill, killed=killed, kill_point=received_at_kill / digests, held=handler.held,
        clean_sent=clean_report["sent"], clean_failed=clean_report["failed"], received=len(received),
        lost_digests=verdict.lost, unexpected=verdict.unexpected, not_final_rows=verdict.not_final,
        duplicates=verdict.duplicates, duplicates_by_sender=verdict.by_sender, most_copies=verdict.copies,
        generate_s=round(generate_s, 2),
        decide_s=round(decide_s, 2), crash_s=round(crash_s, 2), clean_s=round(clean_s, 2), failures=failures,
    )  # fmt: skip


def as_json(result: CrashResult) -> dict[str, Any]:
    return {**asdict(result), "ok": result.ok}


def sender_command(args: argparse.Namespace) -> int:
    return sender_main(args.db, args.smtp, datetime.fromisoformat(args.now), date.fromisoformat(args.as_of),
                       args.batch, args.workers, args.wait)  # fmt: skip
