"""The notice after the yearly monitoring: who gets it, what it says in Russian, and that it arrives once.

Real parts throughout: stores on SQLite and PostgreSQL, an SMTP server on loopback (aiosmtpd), the monitor
and sweep flows under a Prefect test server, the command. Only channels outside this machine (ntfy) are
recorded instead of sent.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from audit.chain import verify_chain
from models.db import session_scope
from models.store import AuditEvent, MonitoringSnapshot, OutboxMessage
from monitoring.evaluate import stored_plan
from monitoring.notices import NoticeReport, queue_monitoring_notice
from monitoring.snapshots import SnapshotReport, take_snapshot
from notifications.dispatch import RecordingNotifier
from notifications.mailsink import MailSink, Received, free_port
from notifications.notice import Notice, NoticeRow, headline_words, render_notices
from outbox.messages import dry_run_groups, preview
from outbox.send import DispatchReport, dispatch
from tasks.registry import load_parties, parse_parties_csv
from tasks.sweep import active_roadmaps, decide_reminders
from tests.helpers.sechenovsky import CAL, PLAN, at, load_registry, notifier_for, sync, to
from tests.test_indicators import (
    HEADER,
    ORENBURG,
    ORENBURG_ORGS,
    REGISTRY,
    TOMSK,
    load_orgs_text,
    load_text,
    make_app,
    plan_text,
    store_for,
    sync_text,
)
from tests.test_monitoring import NOW, ORENBURG_2021

GOLDEN = Path(__file__).resolve().parent / "golden"
ROADMAP = "orenburg-2021-2024"
SUBJECT = ("Мониторинг реализации дорожной карты за 2021 год: Оренбургская область — выполнено 1 из 5 показателей, "
           "нет данных по 1 показателю")  # fmt: skip
REPORT_LINE = "Полный отчёт: roadmap report monitoring --roadmap orenburg-2021-2024 --year 2021 -o отчёт.html"
RCRO, ORSK, BUZULUK = "rcro@example.org", "orsk-uo@example.org", "buzuluk-uo@example.org"
RCRO_NTFY = "ntfy://ntfy.example.org/orb-rcro-sample"

# the test's Orenburg registry, now with the УО heads' addresses, and the regional operator's contact
ORENBURG_CONTACTS = ORENBURG_ORGS.replace(
    "orb-uo-buzuluk,УО города Бузулука (образец),УО,Город Бузулук,Оренбургская область,,,",
    f"orb-uo-buzuluk,УО города Бузулука (образец),УО,Город Бузулук,Оренбургская область,,,{BUZULUK}",
).replace(
    "orb-uo-orsk,УО города Орска (образец),УО,Город Орск,Оренбургская область,,,",
    f"orb-uo-orsk,УО города Орска (образец),УО,Город Орск,Оренбургская область,,,{ORSK}",
)
OPERATOR = "Региональный оператор, приёмная (образец)"
PARTIES = f'roadmap,party,name,email,url\n{ROADMAP},rcro,"{OPERATOR}",{RCRO},{RCRO_NTFY}\n'


def load_parties_text(engine, text: str) -> None:
    with session_scope(engine) as session:
        rows = parse_parties_csv(text, source="parties.csv")
        load_parties(session, rows, actor="operator", now=NOW, source="parties.csv", sha256="-")


def orenburg(engine, *, orgs: str = ORENBURG_CONTACTS, parties: str | None = PARTIES) -> None:
    """Orenburg synced with its 2021 figures, and contacts for the operator and the УО."""
    store_for(engine, ORENBURG)
    load_orgs_text(engine, orgs, source="orgs-with-contacts.csv")
    if parties:
        load_parties_text(engine, parties)
    load_text(engine, ORENBURG_2021)


def snapshot_with_notice(
    engine, roadmap: str = ROADMAP, year: int = 2021, *, now: datetime = NOW
) -> tuple[SnapshotReport, NoticeReport]:
    """A snapshot and its notice queued in one transaction, as the flow does."""
    with session_scope(engine) as session:
        report = take_snapshot(session, roadmap_id=roadmap, year=year, now=now, actor="rcro")
        plan, _version = stored_plan(session, roadmap)
        return report, queue_monitoring_notice(session, plan=plan, report=report, now=now, actor="rcro")


def outbox(engine, **where: object) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list(session.execute(query).scalars())


def events(engine, action: str) -> list[dict]:
    with session_scope(engine) as session:
        return [e.payload for e in session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()]


def one_to(received: list[Received], address: str) -> Received:
    [message] = to(received, address)
    return message


def plain(message: Received) -> str:
    """The plain-text part as a mail client shows it (the notice's own text rendering)."""
    return message.part("plain").replace("\r\n", "\n")


def has_row(text: str, address: str, target: str, actual: str, verdict: str) -> bool:
    """A measure of the plain-text part: «* ADDRESS. NAME», then «Цель: T; факт: A — VERDICT» on the next line."""
    figures = f"Цель: {target}; факт: {actual} — {verdict}" if actual != "—" else f"Цель: {target} — {verdict}"
    cells = r"\* " + re.escape(address) + r"\. [^\n]+\n\s+" + re.escape(figures) + r"\n"
    return re.search(cells, text) is not None


def made_notice(rows: tuple[NoticeRow, ...] = (), *, counts: tuple[int, int, int, int] = (1, 0, 0, 0),
                snapshot_id: int = 1, run: int = 1, title: str = "Программа") -> Notice:  # fmt: skip
    """A notice written by hand (met, within, missed, no data): for what needs no store."""
    tally = dict(zip(("met", "within", "missed", "no-data"), counts, strict=True)) | {"no-target": 0}
    return Notice(ROADMAP, title, "Оренбургская область", "region", 2021, run, snapshot_id, date(2021, 8, 1), tally,
                  rows)  # fmt: skip


# -- who gets it and what it says ---------------------------------------------------------------------


def test_the_operator_and_each_uo_get_exactly_one_notice_with_the_headline_in_russian(engine):
    orenburg(engine)
    _report, notice = snapshot_with_notice(engine)
    assert notice.lines() == [f"{ROADMAP}: monitoring notice of snapshot 1 queued for 4 recipients"]
    with MailSink() as sink:
        notifier, recorder = notifier_for(sink.url())
        sent = dispatch(engine, notifier=notifier, now=NOW)
        received = sink.received
    assert sent.lines() == ["sent 0 digests (0 reminders); 0 failed", "sent 4 monitoring notices; 0 failed"]
    assert sorted(r for m in received for r in m.recipients) == sorted([RCRO, ORSK, BUZULUK])
    assert [(r, s) for r, s, _t in recorder.sent] == [(RCRO_NTFY, SUBJECT)]  # the operator's other channel
    for message in received:
        text = plain(message)
        assert message.subject == SUBJECT
        assert "Территория: Оренбургская область" in text
        assert "Снимок мониторинга: № 1 за 2021 год, сформирован 1 августа 2021 г." in text
        assert "Итог по территории: выполнено 1 из 5 показателей, нет данных по 1 показателю." in text
        assert "Всего: выполнено 1, в пределах допуска 0, не выполнено 4, нет данных 1." in text
        # the region's table: 58 of 750 mentees (a roll-up), enterprises at target, the edges of satisfaction
        assert has_row(text, "mentees_children_10_19", "10 %", "7,73 %", "не выполнен на 2,27 п.п.")
        assert has_row(text, "enterprises_with_mentors", "2 %", "2 %", "выполнен")
        assert has_row(text, "satisfaction_mentees", "50 %", "49,5 %", "не выполнен на 0,5 п.п.")
        assert has_row(text, "satisfaction_mentors", "50 %", "—", "нет данных")
        assert REPORT_LINE.removeprefix("Полный отчёт: ") in text
        assert "<table" in message.part("html") and "Показатели: Оренбургская область" in message.part("html")
        # aggregates only: neither who submitted the figures nor their sources
        assert all(word not in text for word in ("УО Орска", "сведения УО", "сводный отчёт", "анкетирование"))
    operator = plain(one_to(received, RCRO))
    assert f"Здравствуйте, {OPERATOR}!" in operator and "Ваш муниципалитет" not in operator

    rows = outbox(engine, kind="monitoring")
    assert {(r.key, r.state, r.milestone_id, r.due_on, r.attempts) for r in rows} == {
        ("monitoring:1", "sent", None, date(2021, 8, 1), 1)
    }
    assert sorted(r.recipient for r in rows) == sorted([RCRO, RCRO_NTFY, ORSK, BUZULUK])
    assert all(json.loads(json.dumps(r.payload)) == r.payload for r in rows)  # JSON, whole
    [queued] = events(engine, "monitoring.notice.queued")
    assert queued["snapshot_id"] == 1 and queued["key"] == "monitoring:1"
    assert sorted(queued["recipients"]) == sorted([RCRO, "ntfy://ntfy.example.org/***", ORSK, BUZULUK])
    assert RCRO_NTFY not in json.dumps(events(engine, "monitoring.notice.sent"))  # masked in the chain too
    # one audit event per batch of sends, listing its messages (not one chain append per message)
    [sent_event] = events(engine, "monitoring.notice.sent")
    assert len(sent_event["messages"]) == 4
    with session_scope(engine) as session:
        assert verify_chain(session).ok


def test_a_coordinator_reads_its_own_municipality_beside_the_region_and_not_another(engine):
    orenburg(engine)
    snapshot_with_notice(engine)
    [orsk] = outbox(engine, recipient=ORSK)
    [buzuluk] = outbox(engine, recipient=BUZULUK)
    assert [m["name"] for m in orsk.payload["municipalities"]] == ["Город Орск"]
    _subject, text, html = render_notices([orsk.payload])
    own = text[text.index("== Ваш муниципалитет: Город Орск ==") :]
    # Orsk's own: mentees 38 of 550 (6,91 %), mentors by the УО's own figure 9 of 450 (2 %)
    assert "Цель: 10 %; факт: 6,91 % — не выполнен на 3,09 п.п." in own
    assert "Цель: 2 %; факт: 2 % — выполнен" in own
    assert "Здравствуйте, УО города Орска (образец)!" in text
    assert "Бузулук" not in text and "Бузулук" not in html
    assert "Ваш муниципалитет: Город Орск" in html
    _subject, text, _html = render_notices([buzuluk.payload])
    own = text[text.index("== Ваш муниципалитет: Город Бузулук ==") :]
    assert "Цель: 10 %; факт: 10 % — выполнен" in own  # 20 of 200, exactly at target
    assert "Цель: 2 %; факт: 1,5 % — не выполнен на 0,5 п.п." in own  # 3 of 200
    assert "Орск" not in text


def test_a_tomsk_coordinator_reads_the_criteria_the_differences_and_its_own_contribution(engine):
    store_for(engine, TOMSK)
    load_parties_text(engine, (REGISTRY / "tomsk-parties.csv").read_text("utf-8"))
    load_text(engine, (REGISTRY / "tomsk-indicators.csv").read_text("utf-8"))
    _report, notice = snapshot_with_notice(engine, "tomsk-2020-2024", 2021)
    assert notice.queued == 2 + 20  # the operator's e-mail and Mattermost URL, the 20 УО of the sample
    assert "mmost://mattermost.example.org/***" in notice.recipients  # masked: the URL holds a token
    assert all("sample-token" not in r for r in notice.recipients)
    [row] = outbox(engine, recipient="tomsk-uo-tomsk@example.org")
    subject, text, _html = render_notices([row.payload])
    assert subject.endswith(": Томская область — выполнено 2 из 18 показателей")
    criteria = text[text.index("== Критерии (оценка по шкале) ==") : text.index("== Расхождения")]
    assert "Оценка: «Имеется» у 2 из 3 (66,7 %)" in criteria and "Оценка: 71,4 %: «79-60%»" in criteria
    differences = text[text.index("== Расхождения") : text.index("== Ваш муниципалитет")]
    assert ("  * item:1.1: представлено 20 ед., вычислено по отметкам о выполнении 0 ед.: расхождение, оценка по "
            "представленному") in differences  # fmt: skip
    assert "Расхождения есть также в муниципалитетах или организациях: 2 (см. полный отчёт)." in differences
    own = text[text.index("== Ваш муниципалитет: Город Томск ==") :]
    # item targets are the region's totals: a municipality's figure is its contribution, not judged
    assert "Вклад муниципалитета: 9 ед. (цель установлена для всей территории)" in own  # item 1.3, the УО's figure
    assert "Оценка: «Имеется»; «Имеется» у 1 из 2 (50 %)" in own
    assert "ЗАТО Северск" not in text


def test_a_recipient_without_a_contact_is_reported_and_kept_as_no_contact(engine):
    # Buzuluk's УО has no head address; the operator has no contact at all
    orenburg(engine, orgs=ORENBURG_CONTACTS.replace(BUZULUK, ""), parties=None)
    _report, notice = snapshot_with_notice(engine)
    assert notice.lines() == [
        f"{ROADMAP}: monitoring notice of snapshot 1 queued for 1 recipient",
        "  no contact in the registry for rcro (operator): notice kept in the outbox as no-contact",
        "  no contact in the registry for orb-uo-buzuluk (municipal coordinator, Город Бузулук): notice kept in the "
        "outbox as no-contact",
    ]
    missing = outbox(engine, state="no-contact")
    assert sorted((r.recipient, r.party) for r in missing) == [
        ("(no-contact) orb-uo-buzuluk", "orb-uo-buzuluk"), ("(no-contact) rcro", "rcro"),
    ]  # fmt: skip
    notifier = RecordingNotifier()
    dispatch(engine, notifier=notifier, now=NOW)
    assert [r for r, _s, _t in notifier.sent] == [ORSK]  # the placeholders are never sent
    assert {r.state for r in outbox(engine, state="no-contact")} == {"no-contact"}


def test_an_operator_that_is_a_party_of_each_organisation_is_skipped_and_the_coordinators_still_told(engine):
    orenburg(engine)
    text = plan_text(ORENBURG).replace("  operator: rcro\n", "  operator: muo\n")  # the УО, each for itself
    assert "operator: muo" in text
    sync_text(engine, text)
    _report, notice = snapshot_with_notice(engine)
    assert notice.lines() == [
        f"{ROADMAP}: monitoring notice of snapshot 1 queued for 2 recipients",
        "  the operator «muo» is a party of each organisation, with no one address: only the coordinators are told",
    ]
    assert sorted(r.recipient for r in outbox(engine)) == [BUZULUK, ORSK]


def test_an_address_that_is_both_the_operator_and_a_uo_gets_one_notice(engine):
    orenburg(engine, parties=f'roadmap,party,name,email,url\n{ROADMAP},rcro,"{OPERATOR}",{ORSK},\n')
    _report, notice = snapshot_with_notice(engine)
    assert notice.queued == 2
    [row] = outbox(engine, recipient=ORSK)
    assert row.party == "rcro" and row.payload["addressee"] == OPERATOR  # the operator first
    assert [m["name"] for m in row.payload["municipalities"]] == ["Город Орск"]  # and its municipality's rows
    notifier = RecordingNotifier()
    dispatch(engine, notifier=notifier, now=NOW)
    assert sorted(r for r, _s, _t in notifier.sent) == [BUZULUK, ORSK]


# -- once, and again after a correction ------------------------------------------------------------------


def test_the_same_snapshot_is_never_queued_twice_and_a_correction_sends_a_refined_notice(engine):
    orenburg(engine)
    report, first = snapshot_with_notice(engine)
    with session_scope(engine) as session:
        plan, _version = stored_plan(session, ROADMAP)
        again = queue_monitoring_notice(session, plan=plan, report=report, now=NOW + timedelta(hours=1))
    assert (first.queued, again.queued, again.already) == (4, 0, 4)
    assert again.lines()[1] == "  already queued for 4 recipients: not queued twice"
    assert len(outbox(engine)) == 4 and len(events(engine, "monitoring.notice.queued")) == 1
    later = NOW + timedelta(days=5)
    with MailSink() as sink:
        notifier, _recorder = notifier_for(sink.url())
        dispatch(engine, notifier=notifier, now=NOW)
        assert len(sink.received) == 3
        # the operator corrects the missing figure: a new snapshot, and a notice of it
        load_text(engine, HEADER + f"{ROADMAP},satisfaction_mentors,2021,,,,55,анкетирование,РЦРО\n",
                  source="fix.csv", now=later)  # fmt: skip
        _second, refined = snapshot_with_notice(engine, now=later)
        assert refined.queued == 4 and refined.snapshot_id == 2
        dispatch(engine, notifier=notifier, now=later)
        dispatch(engine, notifier=notifier, now=later + timedelta(hours=1))  # nothing left to send
        received = sink.received
    assert len(received) == 6 and len(to(received, RCRO)) == 2
    message = to(received, RCRO)[1]
    assert message.subject == ("Мониторинг реализации дорожной карты за 2021 год (уточнённые данные, снимок № 2): "
                               "Оренбургская область — выполнено 2 из 6 показателей")  # fmt: skip
    text = plain(message)
    assert "Снимок мониторинга: № 2 за 2021 год, уточнённые данные, сформирован 6 августа 2021 г." in text
    assert has_row(text, "satisfaction_mentors", "50 %", "55 %", "выполнен")
    assert {r.key for r in outbox(engine, state="sent")} == {"monitoring:1", "monitoring:2"}


def test_a_later_snapshot_waiting_with_an_earlier_one_is_sent_alone():
    row = NoticeRow("x", "indicator", "Показатель", "%", 10, 12, None, 12, "met", "выполнен")
    waiting = [made_notice((row,), snapshot_id=1, run=1).payload(), made_notice((row,), snapshot_id=3, run=2).payload()]
    subject, text, _html = render_notices(waiting)
    assert "(уточнённые данные, снимок № 2)" in subject and text.count("Подведены итоги") == 1


# -- the reminder digests stay as they were --------------------------------------------------------------


def test_reminders_and_a_notice_for_the_same_recipient_go_as_two_messages_and_the_digest_is_unchanged(engine):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    day = date(2020, 5, 25)
    now = at(day)
    load_text(engine, (REGISTRY / "sechenovsky-indicators.csv").read_text("utf-8"), now=at(date(2020, 5, 20)))
    with session_scope(engine) as session:
        [plan] = active_roadmaps(session)
        decide_reminders(session, roadmap=plan, today=day, calendar=CAL, now=now)
    before = preview(engine, dry_run_groups(engine, [], now=now), now, day)
    _report, notice = snapshot_with_notice(engine, "sechenovsky-2020", 2020, now=now)
    assert notice.queued == 2  # the operator «uo» through its contact, and the УО's head
    after = preview(engine, dry_run_groups(engine, [], now=now), now, day)
    uo = "sech-uo@example.org"
    notice_subject = ("Мониторинг реализации дорожной карты за 2020 год: Сеченовский муниципальный район — "
                      "выполнено 6 из 6 показателей")  # fmt: skip
    [digest] = [m for m in before if m[0] == uo]
    mine = [m for m in after if m[0] == uo]
    assert [m[:2] for m in mine] == [digest[:2], (uo, notice_subject)]  # two messages: the digest, then the notice
    assert mine[0] == digest and "Эскалация" in digest[2] and "Подведены итоги" not in digest[2]
    assert [m for m in after if m[1] != notice_subject] == before  # every digest reads word for word as before

    with MailSink() as sink:
        notifier, _recorder = notifier_for(sink.url())
        sent = dispatch(engine, notifier=notifier, now=now, as_of=day)
        received = sink.received
    assert sent.failed == 0 and sent.notices == 2 and sent.lines()[1] == "sent 2 monitoring notices; 0 failed"
    assert sorted(m.subject for m in to(received, uo)) == sorted([digest[1], notice_subject])
    mail = next(m for m in to(received, uo) if m.subject == digest[1])
    assert "Эскалация" in plain(mail) and "Подведены итоги" not in plain(mail)
    head = one_to(received, "sech-uo-head@example.org")
    assert head.subject == notice_subject
    # a municipal roadmap: the territory is the municipality, so no separate section
    assert "Территория: Сеченовский муниципальный район" in head.part("plain")
    assert "Ваш муниципалитет" not in head.part("plain")
    with session_scope(engine) as session:
        states = dict(session.execute(
            select(OutboxMessage.kind, func.count()).where(OutboxMessage.recipient == uo)
            .where(OutboxMessage.state == "sent").group_by(OutboxMessage.kind)
        ).all())  # fmt: skip
    assert states["monitoring"] == 1 and sum(states.values()) > 1


# -- the message word for word -----------------------------------------------------------------------------


def test_the_notice_to_a_coordinator_matches_its_golden_files(engine):
    orenburg(engine)
    snapshot_with_notice(engine)
    [row] = outbox(engine, recipient=ORSK)
    subject, text, html = render_notices([row.payload])
    for part, rendered in (("subject", subject + "\n"), ("text", text), ("html", html)):
        path = GOLDEN / f"monitoring_notice.{part}"
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.write_text(rendered, encoding="utf-8")
        assert rendered == path.read_text(encoding="utf-8"), f"regenerate with UPDATE_GOLDEN=1 and review {path}"


@pytest.mark.parametrize(
    ("counts", "words"),
    [((1, 0, 4, 1), "выполнено 1 из 5 показателей, нет данных по 1 показателю"),
     ((20, 0, 1, 0), "выполнено 20 из 21 показателя"),
     ((2, 1, 0, 2), "выполнено 2 из 3 показателей, в пределах допуска 1, нет данных по 2 показателям"),
     ((0, 0, 0, 6), "нет данных по 6 показателям")],
)  # fmt: skip
def test_the_headline_counts_met_of_those_with_a_figure_in_russian_plurals(counts, words):
    assert headline_words(made_notice(counts=counts)) == words


def test_html_notices_escape_what_comes_from_files():
    row = NoticeRow("x", "indicator", "<script>alert(1)</script> & доля", "%", 10, 12, None, 12, "met", "выполнен")
    _subject, text, html = render_notices([made_notice((row,), title="Программа <b>").payload()])
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; доля" in html
    assert "Программа &lt;b&gt;" in html and "<script>alert(1)</script> & доля" in text


# -- the flow and the command ----------------------------------------------------------------------------------


def test_with_the_smtp_server_down_the_monitor_flow_completes_and_the_sweep_delivers_later(
    prefect_harness, engine, db_url
):
    from flows.monitor import monitor
    from flows.sweep import sweep

    orenburg(engine)
    port = free_port()  # nothing listens here yet
    smtp = f"mailto://127.0.0.1:{port}?from=roadmap@example.org"
    state = monitor(roadmap=ROADMAP, year=2021, db=db_url, now=NOW, actor="rcro", smtp_url=smtp, external="record",
                    return_state=True)  # fmt: skip
    assert state.is_completed()
    out = state.result()
    assert out["lines"][0].startswith(f"{ROADMAP}, 2021: snapshot 1 (run 1 for 2021)")
    assert isinstance(out["notice"], NoticeReport) and isinstance(out["dispatch"], DispatchReport)
    assert out["notice"].queued == 4 and out["dispatch"].notices == 1  # the ntfy channel, recorded
    assert [r for r, _s, _t in out["recorded"]] == [RCRO_NTFY]
    assert f"{ROADMAP}: monitoring notice of snapshot 1 queued for 4 recipients" in out["lines"]
    assert "sent 1 monitoring notice; 3 failed" in out["lines"]
    # the three e-mails failed the same way: one line with the count, the error and who it was for
    failed_line = next(line for line in out["lines"] if line.startswith("  failed: "))
    assert failed_line.startswith(f"  failed: 3 × SMTP connection refused at 127.0.0.1:{port} (")
    assert all(f"{address} (monitoring notice)" in failed_line for address in (RCRO, ORSK, BUZULUK))
    failed = outbox(engine, state="failed")
    assert sorted(r.recipient for r in failed) == sorted([RCRO, ORSK, BUZULUK])
    assert all(r.kind == "monitoring" and r.attempts == 1 and r.next_attempt_at == NOW + timedelta(minutes=5)
               for r in failed)  # fmt: skip
    [failed_event] = events(engine, "monitoring.notice.failed")
    assert len(failed_event["messages"]) == 3

    # the next morning's sweep sends what is waiting, digests and notices alike
    with MailSink(port=port) as sink:
        swept = sweep(as_of=date(2021, 8, 2), db=db_url, smtp_url=smtp, now=NOW + timedelta(days=1),
                      external="record", return_state=True)  # fmt: skip
        received = sink.received
    assert swept.is_completed() and swept.result()["dispatch"].notices == 3
    for address in (RCRO, ORSK, BUZULUK):
        notices = [m for m in to(received, address) if m.subject.startswith("Мониторинг")]
        assert [m.subject for m in notices] == [SUBJECT]
    assert {(r.state, r.attempts) for r in outbox(engine, kind="monitoring") if r.recipient != RCRO_NTFY} == {
        ("sent", 2)
    }


def test_roadmap_monitor_notifies_unless_told_not_to_and_names_who_has_no_contact(prefect_harness, engine, db_url):
    store_for(engine, ORENBURG)  # the registry without any contact
    load_text(engine, ORENBURG_2021)
    runner = CliRunner()
    app = make_app()
    command = ["monitor", "--roadmap", ROADMAP, "--year", "2021", "--db", db_url]
    quiet = runner.invoke(app, [*command, "--no-notify"])
    assert quiet.exit_code == 0, quiet.output
    lines = quiet.stdout.splitlines()
    assert lines[1] == "  Оренбургская область: выполнено 1, в пределах допуска 0, не выполнено 4, нет данных 1"
    assert lines[-1] == "notice: not queued (notify is off)"
    assert outbox(engine) == []

    told = runner.invoke(app, command)
    assert told.exit_code == 0, told.output
    lines = told.stdout.splitlines()
    assert lines[0].startswith(f"{ROADMAP}, 2021: snapshot 2 (run 2 for 2021)")
    assert lines[-5:] == [
        f"{ROADMAP}: monitoring notice of snapshot 2 queued for 0 recipients",
        "  no contact in the registry for rcro (operator): notice kept in the outbox as no-contact",
        "  no contact in the registry for orb-uo-buzuluk (municipal coordinator, Город Бузулук): notice kept in the "
        "outbox as no-contact",
        "  no contact in the registry for orb-uo-orsk (municipal coordinator, Город Орск): notice kept in the outbox "
        "as no-contact",
        "sent 0 monitoring notices; 0 failed",
    ]
    assert {(r.key, r.state) for r in outbox(engine)} == {("monitoring:2", "no-contact")}

    as_json = runner.invoke(app, [*command, "--format", "json"])
    assert json.loads(as_json.stdout)["run"] == 3  # stdout is the summary alone
    report_line, notice_line = as_json.stderr.splitlines()[:2]
    assert report_line.startswith("report: ") and report_line.endswith(f"monitoring-{ROADMAP}-2021-snapshot-3.xlsx")
    assert notice_line == f"{ROADMAP}: monitoring notice of snapshot 3 queued for 0 recipients"


def test_the_monitor_flow_writes_the_report_of_each_snapshot_and_attaches_it_to_the_e_mails(
    prefect_harness, engine, db_url, tmp_path
):
    from flows.monitor import monitor

    orenburg(engine)
    port = free_port()
    smtp = f"mailto://127.0.0.1:{port}?from=roadmap@example.org"
    reports = tmp_path / "reports"
    with MailSink(port=port) as sink:
        first = monitor(roadmap=ROADMAP, year=2021, db=db_url, now=NOW, actor="rcro", smtp_url=smtp,
                        external="record", report_dir=str(reports))  # fmt: skip
        received = sink.received
    html, xlsx = (reports / f"monitoring-{ROADMAP}-2021-snapshot-1.{fmt}" for fmt in ("html", "xlsx"))
    assert first["reports"] == [str(html), str(xlsx)] and f"report: {html}, {xlsx}" in first["lines"]
    assert "<h1>Мониторинг реализации дорожной карты за 2021 год</h1>" in html.read_text("utf-8")
    for address in (RCRO, ORSK, BUZULUK):
        message = one_to(received, address)
        [attached] = list(message.message.iter_attachments())
        assert attached.get_filename() == html.name and attached.get_content_type() == "text/html"
        assert attached.get_payload(decode=True) == html.read_bytes()
        assert f"Полный отчёт приложен к письму: {html.name}" in plain(message)
    # the ntfy channel carries no file: it names the command instead
    [(_url, _subject, text)] = first["recorded"]
    assert REPORT_LINE in text and "приложен" not in text

    # a re-run after a correction writes the files of its own snapshot and leaves the first ones as they were
    before = html.read_bytes()
    load_text(engine, HEADER + "orenburg-2021-2024,mentees_young_teachers,2021,,,,10,исправленный отчёт,РЦРО\n",
              source="fix.csv", now=NOW + timedelta(days=1))  # fmt: skip
    html.unlink()  # and a report gone from the folder by the time a notice is sent is simply not attached
    second = monitor(roadmap=ROADMAP, year=2021, db=db_url, now=NOW + timedelta(days=2), actor="rcro",
                     smtp_url=smtp, external="record", report_dir=str(reports), notify=False)  # fmt: skip
    assert sorted(p.name for p in reports.iterdir()) == [
        f"monitoring-{ROADMAP}-2021-snapshot-1.xlsx", f"monitoring-{ROADMAP}-2021-snapshot-2.html",
        f"monitoring-{ROADMAP}-2021-snapshot-2.xlsx",
    ]  # fmt: skip
    assert second["snapshot_id"] == 2 and before.startswith(b"<!DOCTYPE html>")
    with session_scope(engine) as session:
        [payload] = [r.payload for r in session.execute(select(OutboxMessage).where(
            OutboxMessage.recipient == RCRO)).scalars()]  # fmt: skip
    subject, text, _html = render_notices([payload], attached=[])
    assert payload["report"] == str(html) and REPORT_LINE in text


def test_roadmap_monitor_refuses_a_report_folder_it_cannot_use_before_taking_a_snapshot(
    prefect_harness, engine, db_url, tmp_path
):
    orenburg(engine)
    taken = tmp_path / "reports"
    taken.write_text("not a folder", encoding="utf-8")

    def refused(folder: Path) -> str:
        result = CliRunner().invoke(make_app(), ["monitor", "--roadmap", ROADMAP, "--year", "2021", "--db", db_url,
                                                 "--report-dir", str(folder)])  # fmt: skip
        assert result.exit_code == 2, result.output
        # the last line: in this process Prefect's own log handler may write to the runner's stderr too
        # (a real command run prints nothing of Prefect's: tests/test_cli.py)
        return result.stderr.splitlines()[-1] + "\n"

    assert refused(taken) == f"error: --report-dir: «{taken}» is a file, not a folder\n"
    # a folder that cannot be made is found by the flow, before it records anything
    assert (
        refused(taken / "2021")
        == f"error: --report-dir: cannot use «{taken / '2021'}» for the report files: Not a directory\n"
    )
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(MonitoringSnapshot)).scalar_one() == 0
    assert outbox(engine) == []
