"""Items waiting for a date (issue 11, item 2): reminded every 30 days as documented, and given a date by
`roadmap schedule` (one milestone, or in bulk from CSV), audited, after which the usual reminders apply."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from audit.chain import verify_chain
from audit.verify import verify_store
from cli.main import app
from models.calendar import default_calendar
from models.db import session_scope
from models.store import AuditEvent, Milestone, OutboxMessage
from notifications.dispatch import RecordingNotifier
from tests.helpers.sechenovsky import PLAN, load_registry, sweep, sync

CAL = default_calendar()
runner = CliRunner()


@pytest.fixture
def store(engine):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    return engine


def waiting_milestones(engine) -> list[Milestone]:
    with session_scope(engine, readonly=True) as session:
        return list(session.execute(select(Milestone).where(Milestone.status == "waiting-for-date")).scalars())


def milestone(engine, item: str, org: str = "") -> Milestone:
    with session_scope(engine, readonly=True) as session:
        return session.execute(
            select(Milestone).where(Milestone.item_number == item, Milestone.org_id == org)
        ).scalar_one()


def test_waiting_reminders_go_out_every_30_days_over_60_consecutive_days(store):
    waiting = waiting_milestones(store)
    assert len(waiting) == 34  # the 7 Sechenovsky items that wait for a date, per organisation where they fan out
    first = date(2020, 5, 25)
    told: Counter[tuple[int, date]] = Counter()
    for offset in range(60):
        day = first + timedelta(days=offset)
        notifier = RecordingNotifier()
        sweep(store, day, notifier)
        for _recipient, _subject, text in notifier.sent:
            if "Ожидает назначения срока" in text:
                told[(offset, day)] += 1
    with session_scope(store, readonly=True) as session:
        rows = session.execute(
            select(OutboxMessage.milestone_id, OutboxMessage.due_on).where(OutboxMessage.kind == "waiting")
        ).all()
    per_milestone: dict[int, set[date]] = {}
    for milestone_id, due_on in rows:
        per_milestone.setdefault(milestone_id, set()).add(due_on)
    # the README: "a 'still to be scheduled' reminder every 30 days" — on 25 May, then 30 days later
    # (24 June, a Wednesday); the next would be 24 July, the 61st day
    assert {m.id for m in waiting} == set(per_milestone)
    assert all(days == {date(2020, 5, 25), date(2020, 6, 24)} for days in per_milestone.values()), per_milestone
    assert {day for (_offset, day) in told} == {date(2020, 5, 25), date(2020, 6, 24)}


def test_a_waiting_reminder_missed_by_a_sweep_goes_out_at_the_next_one_and_the_period_runs_from_there(store):
    sweep(store, date(2020, 5, 25), RecordingNotifier())
    # no sweep ran on 24 June (the server was down): the reminder due then goes out on 25 June, never lost,
    # and the next one is 30 days after that, not after 24 June
    for day in (date(2020, 6, 25), date(2020, 7, 24), date(2020, 7, 27)):
        sweep(store, day, RecordingNotifier())
    with session_scope(store, readonly=True) as session:
        days = set(session.execute(select(OutboxMessage.due_on).where(OutboxMessage.kind == "waiting")).scalars())
    assert days == {date(2020, 5, 25), date(2020, 6, 25), date(2020, 7, 27)}


def cli(*args: str):  # noqa: ANN201
    return runner.invoke(app, list(args))


def test_schedule_gives_a_waiting_milestone_a_window_audited_and_normal_reminders_follow(store, db_url):
    m = milestone(store, "3.6", "sech-oo-01")
    assert (m.status, m.window_end) == ("waiting-for-date", None)
    result = cli("schedule", str(m.id), "--window", "с 1 по 15 июля 2020 г.", "--by", "oo_curator", "--db", db_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"milestone {m.id} (sechenovsky-2020 item 3.6 for sech-oo-01) scheduled: 1 – 15 июля 2020 г. "
        "(it was waiting for a date); reminders now follow its deadline"
    )
    after = milestone(store, "3.6", "sech-oo-01")
    assert (after.status, after.window_start, after.window_end) == ("planned", date(2020, 7, 1), date(2020, 7, 15))
    assert (after.scheduled_by, after.schedule_text) == ("oo_curator", "с 1 по 15 июля 2020 г.")
    log = json.loads(cli("audit", "log", "--milestone", str(m.id), "--format", "json", "--db", db_url).stdout)
    assert [e["action"] for e in log] == ["milestone.created", "milestone.scheduled"]
    assert {k: v for k, v in log[1]["payload"].items() if k != "set"} == {
        "roadmap": "sechenovsky-2020", "item": "3.6", "org": "sech-oo-01", "occurrence": None, "by": "oo_curator",
        "text": "с 1 по 15 июля 2020 г.", "start": "2020-07-01", "end": "2020-07-15", "was": None, "note": None,
    }  # fmt: skip
    # a re-sync of the same plan keeps the date (the plan still says it waits)
    sync(store, PLAN.read_text(encoding="utf-8"))
    assert milestone(store, "3.6", "sech-oo-01").window_end == date(2020, 7, 15)
    # the usual reminders: 14 days before the end (1 July), and no more "waiting" ones
    sweep(store, date(2020, 7, 1), RecordingNotifier())
    with session_scope(store, readonly=True) as session:
        kinds = set(session.execute(select(OutboxMessage.kind).where(OutboxMessage.milestone_id == m.id)).scalars())
        assert verify_chain(session).ok
        # the tables still replay from the events: the schedule event says what it set
        full = verify_store(session, pinned=[], external=[])
        assert full.ok, full.problems()
    assert kinds == {"before"}
    status = cli("status", "--org", "sech-oo-01", "--as-of", "2020-07-01", "--format", "json", "--db", db_url)
    [row] = [r for r in json.loads(status.stdout)["milestones"] if r["id"] == m.id]
    assert (row["status"], row["start"], row["end"]) == ("due", "2020-07-01", "2020-07-15")


def test_schedule_refuses_what_it_cannot_do_and_writes_nothing(store, db_url):
    waiting = milestone(store, "3.6", "sech-oo-01")
    dated = milestone(store, "1.2", "sech-oo-01")
    events = _events(store)
    cases = [
        ([str(dated.id), "--window", "до 15.07.2020"],
         f"error: milestone {dated.id} (sechenovsky-2020 item 1.2 for sech-oo-01) has its dates from the plan "
         "(1 января – 29 мая 2020 г.): change them by amending the plan (roadmap sync)"),
        ([str(waiting.id), "--window", "когда-нибудь"],
         "error: --window: cannot read deadline «когда-нибудь»"),
        ([str(waiting.id), "--window", "ежегодно"],
         "error: --window: expected one window such as «с 1 по 15 октября 2020 г.» or «до 15.10.2020», "
         "found «ежегодно» (yearly)"),
        ([str(waiting.id), "--window", "до 15.10.2021"],
         "error: --window: «до 15.10.2021» (1 января 2020 г. – 15 октября 2021 г.) lies outside the roadmap's "
         "period (1 января – 31 декабря 2020 г.)"),
        ([str(waiting.id), "--window", "до 15.10.2020", "--by", "uo_nobody"],
         f"error: uo_nobody may not schedule milestone {waiting.id}"),
        (["999999", "--window", "до 15.10.2020"], "error: no milestone 999999 in the store (see roadmap status)"),
        ([str(waiting.id)], "error: give a MILESTONE id and --window (or --csv FILE --roadmap ID)"),
    ]  # fmt: skip
    for args, message in cases:
        result = cli("schedule", *args, "--db", db_url)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith(message), (args, result.stderr)
        assert "Traceback" not in result.output
    assert milestone(store, "3.6", "sech-oo-01").status == "waiting-for-date"
    assert _events(store) == events


def _events(engine) -> int:
    with session_scope(engine, readonly=True) as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def test_schedule_in_bulk_from_csv_all_or_nothing(store, db_url, tmp_path):
    good = tmp_path / "dates.csv"
    good.write_text("organisation,item,occurrence,window,note\n"
                    "sech-oo-01,3.6,,с 1 по 15 июля 2020 г.,график УО № 3\n"
                    "sech-oo-02,3.6,,до 20.07.2020,\n", encoding="utf-8")  # fmt: skip
    ok = cli("schedule", "--csv", str(good), "--roadmap", "sechenovsky-2020", "--by", "uo", "--db", db_url)
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.strip() == f"{good}: 2 milestones scheduled"
    assert milestone(store, "3.6", "sech-oo-02").window_end == date(2020, 7, 20)
    bad = tmp_path / "bad.csv"
    bad.write_text("organisation,item,occurrence,window\n"
                   "sech-oo-03,3.6,,до 20.07.2020\n"
                   "sech-oo-03,9.9,,до 20.07.2020\n"
                   "sech-oo-04,3.6,,когда-нибудь\n"
                   "sech-oo-03,3.6,,до 21.07.2020\n", encoding="utf-8")  # fmt: skip
    refused = cli("schedule", "--csv", str(bad), "--roadmap", "sechenovsky-2020", "--by", "uo", "--db", db_url)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        f"{bad}:3: no milestone of sechenovsky-2020 for organisation «sech-oo-03», item «9.9», occurrence «»",
        f"{bad}:4: window: cannot read deadline «когда-нибудь»: " + refused.stderr.splitlines()[1].split(": ", 4)[-1],
        f"{bad}:5: duplicate row: the same milestone as line 2 (organisation «sech-oo-03», item «3.6», occurrence «»)",
        f"error: {bad}: 3 problems; nothing was scheduled",
    ]
    assert milestone(store, "3.6", "sech-oo-03").status == "waiting-for-date"
