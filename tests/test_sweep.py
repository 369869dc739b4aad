"""The sweep against a real store and a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from audit.chain import verify_chain
from models.db import session_scope
from models.store import Milestone, OutboxMessage
from notifications.dispatch import RecordingNotifier
from notifications.mailsink import MailSink, free_port
from tests.helpers.sechenovsky import (
    PLAN,
    ROOT,
    at,
    load_registry,
    notifier_for,
    sweep,
    sync,
    to,
)


def test_digests_arrive_in_russian_once_per_recipient_and_not_twice_the_same_day(engine):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    with MailSink() as sink:
        notifier, recorder = notifier_for(sink.url())
        decided, sent = sweep(engine, date(2020, 5, 25), notifier)
        first = sink.received
        assert sent.failed == 0 and sent.sent == len(first) + len(recorder.sent)
        # one digest per recipient
        recipients = [r for m in first for r in m.recipients]
        assert len(recipients) == len(set(recipients))

        head = to(first, "sech-oo-02-head@example.org")
        assert len(head) == 1
        mail = head[0]
        assert (
            mail.subject
            == "Дорожная карта наставничества на 25 мая 2020 г.: просрочено: 4, скоро срок: 2, ждут даты: 1"
        )
        text = mail.part("plain")
        html = mail.part("html")
        assert "1.2. Утверждение составов муниципальных рабочих групп" in text
        assert "Срок: до 29 мая 2020 г. — осталось 4 дня" in text
        assert "Срок: до 3 июня 2020 г. — осталось 9 дней" in text  # 1.6, the 14-day threshold
        assert "Срок: до 31 марта 2020 г. — просрочено на 55 дней" in text  # the first check-in of 2.4
        assert "Результат (документ): Приказы ОО" in text
        assert 'Организация: МБОУ "Сеченовская СШ № 2" (образец)' in text
        assert "roadmap complete" in text and "<li" in html
        # the curator of the same school hears only of the curator's items
        curator = to(first, "sech-oo-02-curator@example.org")[0].part("plain")
        assert "1.2." not in curator and "Срок ещё не назначен" in curator
        # the department is told of the schools' lapsed items (escalation) and of its own
        uo = to(first, "sech-uo@example.org")[0]
        assert "Эскалация" in uo.part("plain") and "Просрочено на 55 дн.; ответственные: ОО, ДО" in uo.part("plain")
        # the coordinator's ntfy contact was recorded, never sent
        assert [r for r, _s, _t in recorder.sent] == ["ntfy://ntfy.example.org/${SECH_COORDINATOR_NTFY_TOPIC}",
                                                      "ntfy://ntfy.example.org/${SECH_OO_01_NTFY_TOPIC}"]  # fmt: skip

        # a second sweep the same day sends nothing
        again_decided, again = sweep(engine, date(2020, 5, 25), notifier, now=at(date(2020, 5, 25), 9))
        assert again.sent == 0 and sum(sum(r.queued.values()) for r in again_decided) == 0
        assert len(sink.received) == len(first)

        # the next day brings the 3-day threshold of 1.2 (and nothing already said)
        sweep(engine, date(2020, 5, 26), notifier)
        next_day = to(sink.received[len(first) :], "sech-oo-02-head@example.org")
        assert len(next_day) == 1
        assert "Срок: до 29 мая 2020 г. — осталось 3 дня" in next_day[0].part("plain")
        assert "31 марта" not in next_day[0].part("plain")  # the weekly overdue repeat is not due yet
    with session_scope(engine) as session:
        assert verify_chain(session).ok
        states = dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
        assert states.get("pending", 0) == 0 and states.get("failed", 0) == 0


def test_an_amendment_that_moves_a_deadline_sends_the_moved_notice(engine):
    load_registry(engine)
    text = PLAN.read_text(encoding="utf-8")
    sync(engine, text)
    with MailSink() as sink:
        notifier, _ = notifier_for(sink.url())
        sweep(engine, date(2020, 5, 25), notifier)
        before = len(sink.received)
        old = "        deadline: до 29.05.2020\n        responsible: [oo_head]"
        amended = text.replace(old, old.replace("29.05.2020", "15.06.2020"), 1)
        assert amended != text
        report = sync(engine, amended, date(2020, 5, 26))
        with session_scope(engine) as session:
            schools = session.execute(
                select(func.count()).select_from(Milestone).where(Milestone.item_number == "1.2")
            ).scalar_one()
        assert report.moved == schools and report.moved_parties == {"oo_head": schools}
        sweep(engine, date(2020, 5, 26), notifier)
        new = sink.received[before:]
        head = to(new, "sech-oo-03-head@example.org")
        assert len(head) == 1
        body = head[0].part("plain")
        assert "Изменены сроки или ответственные (внесение изменений в дорожную карту)" in body
        assert "1.2. Утверждение составов муниципальных рабочих групп" in body
        assert "Было: до 29 мая 2020 г.; стало: до 15 июня 2020 г." in body
        assert "изменены сроки: 1" in head[0].subject
        # told once
        sweep(engine, date(2020, 5, 27), notifier)
        assert all("Изменены сроки" not in m.part("plain") for m in sink.received[before + len(new) :])


def test_when_the_smtp_server_is_down_messages_wait_and_all_arrive_on_the_next_sweep(engine):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    port = free_port()  # nothing listens here yet
    notifier, _ = notifier_for(f"mailto://127.0.0.1:{port}?from=roadmap@example.org")
    day = date(2020, 5, 25)
    _, down = sweep(engine, day, notifier)
    assert down.sent == len(_) * 0 + down.sent  # whatever was recorded (not e-mail) counts as sent
    # one line per distinct error, with its count and the first recipients: not one line per message
    [failure] = down.failures
    assert down.failed > 0 and failure.startswith(f"{down.failed} × SMTP connection refused at 127.0.0.1:{port} (")
    with session_scope(engine) as session:
        failed = session.execute(select(OutboxMessage).where(OutboxMessage.state == "failed")).scalars().all()
        assert failed and all(r.attempts == 1 and r.last_error and r.next_attempt_at for r in failed)
        expected = {r.recipient for r in failed}
        assert all(r.next_attempt_at == at(day) + timedelta(minutes=5) for r in failed)
    # too early for a retry: nothing is tried
    _, early = sweep(engine, day, notifier, now=at(day) + timedelta(minutes=1))
    assert early.sent == 0 and early.failed == 0
    with MailSink(port=port) as sink:
        _, up = sweep(engine, day, notifier, now=at(day) + timedelta(minutes=10))
        assert up.failed == 0
        assert {r for m in sink.received for r in m.recipients} == expected
    with session_scope(engine) as session:
        rows = session.execute(select(OutboxMessage).where(OutboxMessage.recipient.in_(expected))).scalars().all()  # type: ignore[attr-defined]
        assert {r.state for r in rows} == {"sent"} and {r.attempts for r in rows} == {2}


def test_a_sweep_on_a_day_off_sends_nothing_and_statuses_still_move(engine):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    notifier = RecordingNotifier()
    decided, sent = sweep(engine, date(2020, 6, 12), notifier)  # Russia Day
    assert decided[0].skipped_zones == ["Europe/Moscow"] and sent.sent == 0 and not notifier.sent
    assert decided[0].to_overdue > 0
    with session_scope(engine) as session:
        assert session.execute(
            select(func.count()).select_from(Milestone).where(Milestone.status == "overdue")
        ).scalar_one()


def test_an_unassigned_item_without_an_operator_is_kept_visible_not_dropped(engine):
    plan = (ROOT / "roadmaps" / "chelyabinsk-2021-2022.yaml").read_text(encoding="utf-8")
    plan = plan.replace("reminders:\n  operator: minobr\n", "")
    sync(engine, plan, date(2021, 3, 1))
    decided, sent = sweep(engine, date(2021, 3, 25), RecordingNotifier())
    [report] = decided
    assert "item 3.1 (unassigned; name reminders.operator in the plan)" in report.no_contact
    assert sent.sent == 0
    with session_scope(engine) as session:
        rows = session.execute(select(OutboxMessage).where(OutboxMessage.state == "no-contact")).scalars().all()
    assert {r.payload["item"] for r in rows} >= {"3.1", "3.2"} and {r.party for r in rows} == {"unassigned"}
