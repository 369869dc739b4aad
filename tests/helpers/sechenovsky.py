"""The Sechenovsky sample as a store for tests: its registry and plan loaded, and the daily sweep run as plain
functions (decide per roadmap, then dispatch: what the sweep flow does, without Prefect), with a notifier that
sends e-mail to a loopback server and records every other channel."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

from models.calendar import default_calendar
from models.db import session_scope
from models.loader import parse_plan
from notifications.dispatch import RecordingNotifier, RoutingNotifier
from notifications.mailsink import Received
from notifications.smtp import SmtpNotifier
from outbox.send import dispatch
from tasks.registry import load_orgs, load_parties, parse_orgs_csv, parse_parties_csv
from tasks.sweep import active_roadmaps, decide_reminders
from tasks.sync import sync_plan

ROOT = Path(__file__).resolve().parent.parent.parent
PLAN = ROOT / "roadmaps" / "sechenovsky-2020.yaml"
REGISTRY = ROOT / "roadmaps" / "registry"
CAL = default_calendar()


def at(day: date, hour: int = 6) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def load_registry(engine) -> None:
    for name, parse, load in (("sechenovsky-orgs.csv", parse_orgs_csv, load_orgs),
                              ("sechenovsky-parties.csv", parse_parties_csv, load_parties)):  # fmt: skip
        path = REGISTRY / name
        rows = parse(path.read_text(encoding="utf-8"), source=str(path))
        with session_scope(engine) as session:
            load(session, rows, actor="operator", now=at(date(2020, 5, 1)), source=name,
                 sha256=hashlib.sha256(path.read_bytes()).hexdigest())  # fmt: skip


def sync(engine, text: str, day: date = date(2020, 5, 1)):
    with session_scope(engine) as session:
        return sync_plan(session, roadmap=parse_plan(text, "plan"), yaml_text=text, source_path="plan",
                         actor="operator", now=at(day))  # fmt: skip


def sweep(engine, day: date, notifier, *, now: datetime | None = None, workers: int = 4):
    now = now or at(day)
    with session_scope(engine) as session:
        plans = active_roadmaps(session)
    decided = []
    for plan in plans:
        with session_scope(engine) as session:
            decided.append(decide_reminders(session, roadmap=plan, today=day, calendar=CAL, now=now))
    return decided, dispatch(engine, notifier=notifier, now=now, as_of=day, workers=workers)


def notifier_for(sink_url: str) -> tuple[RoutingNotifier, RecordingNotifier]:
    # e-mail goes to the loopback server; the sample's ntfy contacts are outside this machine: recorded
    recorder = RecordingNotifier()
    return RoutingNotifier(email=SmtpNotifier(sink_url), other=recorder), recorder


def to(received: list[Received], address: str) -> list[Received]:
    return [m for m in received if address in m.recipients]
