"""Delivery guarantees under a crash, and reminders on working days across holidays and time zones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from models.calendar import default_calendar
from models.db import session_scope
from models.store import OutboxMessage
from notifications.dispatch import RecordingNotifier
from notifications.mailsink import MailSink
from outbox.send import dispatch
from tasks.status import local_dates
from tasks.sweep import active_roadmaps, decide_reminders
from tests.helpers.sechenovsky import PLAN, at, load_registry, notifier_for, sweep, sync

ROOT = Path(__file__).resolve().parent.parent
CAL = default_calendar()

CHILD = textwrap.dedent(
    """
    import sys
    from datetime import date, datetime, UTC
    from models.db import open_store
    from tests.helpers.sechenovsky import notifier_for, sweep

    db_url, sink_url = sys.argv[1], sys.argv[2]
    engine = open_store(db_url)
    notifier, _ = notifier_for(sink_url)
    sweep(engine, date(2020, 5, 25), notifier, workers=1)
    """
)


def test_a_sweep_killed_mid_dispatch_loses_nothing_and_repeats_at_most_the_one_in_flight(engine, db_url):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    child: dict[str, subprocess.Popen[bytes]] = {}

    def kill_on_first(_message) -> None:  # noqa: ANN001
        # the server has the message but has not answered 250: the sender cannot mark it sent
        if "proc" in child and child["proc"].poll() is None:
            os.kill(child["proc"].pid, signal.SIGKILL)

    with MailSink(on_message=kill_on_first) as sink:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        child["proc"] = subprocess.Popen([sys.executable, "-c", CHILD, db_url, sink.url()], cwd=ROOT, env=env)
        assert child["proc"].wait(timeout=120) == -signal.SIGKILL
        crashed = len(sink.received)
        assert crashed >= 1
        with session_scope(engine) as session:
            rows = session.execute(select(OutboxMessage)).scalars().all()
        expected = {r.recipient for r in rows if "@" in r.recipient and r.state in ("pending", "sent")}
        assert {r.state for r in rows} >= {"pending"}  # the killed run left work behind

        notifier, _ = notifier_for(sink.url())
        _, second = sweep(engine, date(2020, 5, 25), notifier, now=at(date(2020, 5, 25), 7))
        assert second.failed == 0
        delivered = Counter(r for m in sink.received for r in m.recipients)
    assert set(delivered) == expected  # every due reminder arrived
    repeats = {r: n for r, n in delivered.items() if n > 1}
    assert len(repeats) <= 1 and all(n == 2 for n in repeats.values())  # at most the one in flight
    with session_scope(engine) as session:
        states = {r.state for r in session.execute(select(OutboxMessage)).scalars() if "@" in r.recipient}
    assert states <= {"sent", "no-contact"}


def calendar_plan(roadmap_id: str, zone: str) -> str:
    return textwrap.dedent(
        f"""
        id: {roadmap_id}
        title: Календарная проверка
        issuer: Тест
        order: {{number: "1", date: "01.12.2020"}}
        level: region
        territory: {{region: Тестовая область {zone}}}
        timezone: {zone}
        period: {{start: 2020-12-01, end: 2021-12-31}}
        reminders: {{before_days: [7, 3, 1]}}
        parties:
          - {{id: op, kind: body, name: Оператор}}
        sections:
          - number: "1"
            title: Раздел
            items:
              - {{number: "1.1", title: После новогодних каникул, deadline: до 11.01.2021,
                  responsible: [op], result: Отчёт}}
              - {{number: "1.2", title: После майских праздников, deadline: до 12.05.2021,
                  responsible: [op], result: Отчёт}}
        """
    )


ZONES = {"msk": "Europe/Moscow", "ekb": "Asia/Yekaterinburg", "tomsk": "Asia/Tomsk"}


def load_calendar_roadmaps(engine) -> None:
    from datetime import UTC as _UTC

    from models.store import Contact

    with session_scope(engine) as session:
        for key in ZONES:
            session.add(Contact(party="op", roadmap_id=f"cal-{key}", name="Оператор", email=f"op-{key}@example.org",
                                updated_at=datetime(2020, 12, 1, tzinfo=_UTC)))  # fmt: skip
    for key, zone in ZONES.items():
        sync(engine, calendar_plan(f"cal-{key}", zone), date(2020, 12, 1))


def test_reminders_fall_on_working_days_across_the_new_year_and_may_holidays(engine):
    load_calendar_roadmaps(engine)
    sent_on: dict[str, list[date]] = {}
    days = [date(2020, 12, 28) + timedelta(days=i) for i in range(20)]
    days += [date(2021, 4, 28) + timedelta(days=i) for i in range(17)]
    for day in days:
        notifier = RecordingNotifier()
        _, report = sweep(engine, day, notifier)
        for recipient, _subject, _text in notifier.sent:
            sent_on.setdefault(recipient, []).append(day)
        if not CAL.is_working_day(day):
            assert report.sent == 0, f"something was sent on {day}, a day off"
    with session_scope(engine) as session:
        rows = session.execute(select(OutboxMessage)).scalars().all()
    assert rows and all(CAL.is_working_day(r.due_on) for r in rows)
    for key in ZONES:
        stages = {(r.key.split(":")[0], r.stage): r.due_on for r in rows if r.roadmap_id == f"cal-{key}"}
        by_stage = {stage: due for (_m, stage), due in stages.items()}
        dues = sorted(stages.values())
        # до 11.01.2021: 7 days before is 4 January, a holiday -> the last working day before, 31 December
        assert date(2020, 12, 31) in dues
        # 3 and 1 days before (8 and 10 January) are days off too -> also 31 December; one reminder then
        assert all(d not in dues for d in (date(2021, 1, 4), date(2021, 1, 8), date(2021, 1, 10)))
        # до 12.05.2021: 7 days before is 5 May (working); 3 days before is 9 May (holiday) -> 7 May
        assert date(2021, 5, 5) in dues and date(2021, 5, 7) in dues and date(2021, 5, 11) in dues
        assert by_stage  # the stages were recorded
        assert sent_on[f"op-{key}@example.org"] == [
            date(2020, 12, 31),  # 1.1: its 7-, 3- and 1-day thresholds all fall in the holidays: one reminder
            date(2021, 1, 12),  # 1.1 lapsed: the first working day after 11 January
            date(2021, 4, 28),  # 1.1 still overdue: the weekly repeat, on the first sweep of this stretch
            date(2021, 5, 5),  # 1.2, 7 days before (and 1.1's weekly repeat, in the same digest)
            date(2021, 5, 7),  # 1.2, 3 days before: 9 May is a holiday, so the working day before
            date(2021, 5, 11),  # 1.2, 1 day before
            date(2021, 5, 12),  # 1.1's weekly repeat
            date(2021, 5, 13),  # 1.2 lapsed
        ]


def test_each_time_zone_sweeps_by_its_own_local_date(engine):
    load_calendar_roadmaps(engine)
    now = datetime(2020, 12, 31, 20, 0, tzinfo=UTC)  # 23:00 in Moscow, 1 January further east
    with session_scope(engine) as session:
        today = local_dates(session, now=now)
        plans = {p.id: p for p in active_roadmaps(session)}
    assert today == {"Europe/Moscow": date(2020, 12, 31), "Asia/Yekaterinburg": date(2021, 1, 1),
                     "Asia/Tomsk": date(2021, 1, 1)}  # fmt: skip
    reports = {}
    for roadmap_id, plan in plans.items():
        with session_scope(engine) as session:
            reports[roadmap_id] = decide_reminders(session, roadmap=plan, today=today, calendar=CAL, now=now)
    assert reports["cal-msk"].queued == Counter({"before": 1}) and not reports["cal-msk"].skipped_zones
    assert reports["cal-ekb"].skipped_zones == ["Asia/Yekaterinburg"] and not reports["cal-ekb"].queued
    assert reports["cal-tomsk"].skipped_zones == ["Asia/Tomsk"] and not reports["cal-tomsk"].queued
    with MailSink() as sink:
        notifier, _ = notifier_for(sink.url())
        dispatch(engine, notifier=notifier, now=now)
        assert [m.recipients for m in sink.received] == [["op-msk@example.org"]]
        assert "на 31 декабря 2020 г." in sink.received[0].subject
