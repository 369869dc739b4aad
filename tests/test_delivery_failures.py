"""Failed sends are never silent: the command exits 1 with one line of counts, the outbox groups the
errors, nothing is decided without an SMTP server, and two senders at once never send a row twice."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

from sqlalchemy import event, select
from typer.testing import CliRunner

from cli.main import app
from models.db import session_scope
from models.store import OutboxMessage
from notifications.dispatch import RecordingNotifier, RoutingNotifier
from notifications.mailsink import MailSink, free_port
from notifications.smtp import SmtpNotifier, SmtpServer, explain
from outbox.claims import claim
from outbox.send import dispatch
from tasks.sweep import active_roadmaps, decide_reminders
from tests.helpers.sechenovsky import CAL, PLAN, at, load_registry, sync

runner = CliRunner()
DAY = date(2020, 5, 25)


def prepared(engine) -> None:
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))


def rows(engine) -> list[OutboxMessage]:
    with session_scope(engine, readonly=True) as session:
        return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_a_sweep_whose_sends_fail_exits_1_with_one_line_and_the_outbox_groups_the_errors(
    prefect_harness, engine, db_url, monkeypatch
):
    prepared(engine)
    port = free_port()  # nothing listens here
    monkeypatch.setenv("ROADMAP_SMTP_URL", f"mailto://127.0.0.1:{port}?from=roadmap@example.org")
    result = runner.invoke(app, ["sweep", "--as-of", DAY.isoformat(), "--db", db_url])
    assert result.exit_code == 1, result.output
    failed = [r for r in rows(engine) if r.state == "failed"]
    messages = len({r.recipient for r in failed})
    # the ntfy contacts of the sample registry fail too (their topic variables are unset here), with other errors
    assert re.search(rf"digests failed: SMTP connection refused at 127\.0\.0\.1:{port} \(and \d+ other errors?\); "
                     r"they stay queued, next try \d\d:\d\d", result.stderr), result.stderr  # fmt: skip
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error: ")]
    assert line.startswith(f"error: {messages} of {messages} digests failed: ")
    assert "roadmap outbox send" in result.stderr

    listed = runner.invoke(app, ["outbox", "--state", "failed", "--db", db_url])
    assert listed.exit_code == 0
    grouped = [x for x in listed.stdout.splitlines() if x.startswith("failed: ")]
    emails = len({r.recipient for r in failed if "@" in r.recipient and "://" not in r.recipient})
    smtp_rows = sum(1 for r in failed if r.last_error == f"SMTP connection refused at 127.0.0.1:{port}")
    assert grouped[0].startswith(
        f"failed: {smtp_rows} × SMTP connection refused at 127.0.0.1:{port} ({emails} recipients"
    )
    # one line per distinct error, not one per message
    assert len(grouped) == len({r.last_error for r in failed}) < len(failed)

    # sent again at once: the backoff has not passed, nothing is due
    again = runner.invoke(app, ["outbox", "send", "--db", db_url])
    assert again.exit_code == 0 and again.stdout.strip() == "nothing due to send"


def test_without_an_smtp_server_the_sweep_refuses_before_deciding_anything(prefect_harness, engine, db_url):
    prepared(engine)
    result = runner.invoke(app, ["sweep", "--as-of", DAY.isoformat(), "--db", db_url])
    assert result.exit_code == 2
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error: ")]  # (the harness logs the run too)
    assert line == (
        "error: no SMTP server configured, and 18 contacts of the registry are e-mail addresses: set "
        "ROADMAP_SMTP_URL (e.g. mailto://smtp.example.org:25?from=roadmap@example.org); nothing was decided "
        "(--dry-run shows what would be sent)"
    )
    assert rows(engine) == []
    # a dry run needs no server
    assert runner.invoke(app, ["sweep", "--as-of", DAY.isoformat(), "--db", db_url, "--dry-run"]).exit_code == 0


def decide(engine, day: date) -> None:
    """Queue the reminders of the day without sending them."""
    with session_scope(engine, readonly=True) as session:
        plans = active_roadmaps(session)
    for plan in plans:
        with session_scope(engine) as session:
            decide_reminders(session, roadmap=plan, today=day, calendar=CAL, now=at(day))


def test_two_senders_at_once_send_every_digest_exactly_once(engine):
    prepared(engine)
    decide(engine, DAY)
    queued = rows(engine)
    expected = {(r.recipient, r.kind == "monitoring") for r in queued if r.state == "pending"}
    assert len(expected) > 10
    with MailSink() as sink:
        barrier = threading.Barrier(2)
        reports = []

        def sender() -> None:
            notifier = RoutingNotifier(email=SmtpNotifier(sink.url()), other=RecordingNotifier())
            barrier.wait()  # both start together
            reports.append(dispatch(engine, notifier=notifier, now=at(DAY, 7), workers=2))

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        received = sink.received
    recipients = [r for m in received for r in m.recipients]
    assert len(recipients) == len(set(recipients)) > 0
    assert sum(r.sent for r in reports) == len(expected) and sum(r.failed for r in reports) == 0
    assert {r.state for r in rows(engine) if r.state != "no-contact"} == {"sent"}


def test_a_claim_holds_the_rows_for_its_lease_and_then_lets_them_go(engine):
    prepared(engine)
    decide(engine, DAY)
    now = at(DAY, 7)
    first = claim(engine, now=now, token="a" * 32)
    assert first and claim(engine, now=now + timedelta(minutes=14), token="b" * 32) == {}
    # a sender that crashed holding them: after the lease another one takes them
    assert claim(engine, now=now + timedelta(minutes=15), token="c" * 32).keys() == first.keys()


def test_smtp_failures_read_as_one_sentence_without_the_recipient():
    server = SmtpServer.from_url("mailto://127.0.0.1:2525?from=roadmap@example.org")
    assert explain(ConnectionRefusedError(), server) == "SMTP connection refused at 127.0.0.1:2525"
    assert SmtpServer.from_url("mailtos://u:p@smtp.example.org?from=r@example.org").port == 587
    assert SmtpServer.from_url("mailtos://u:p@smtp.example.org?from=r@example.org&mode=ssl").port == 465


def test_long_russian_subjects_arrive_with_every_space():
    # the email package's newer folding dropped the space between two encoded words at some positions
    subjects = [("Ж" * k) + " Еженедельная контрольная точка журнала аудита дорожных карт наставничества: событие "
                "1 234, подпись от 12.10.2021" for k in range(60)]  # fmt: skip
    with MailSink() as sink:
        notifier = SmtpNotifier(sink.url())
        for subject in subjects:
            notifier.send("a@example.org", subject, "текст", "<p>текст</p>")
        notifier.close()
        received = [m.subject for m in sink.received]
    assert received == subjects


def test_a_batch_holding_more_rows_than_one_statement_takes_is_marked_whole(engine, monkeypatch):
    """The rows of a batch are marked a bounded number of ids per UPDATE (PostgreSQL takes at most 65,535
    parameters: a country's escalation digests held more); here two ids per statement, every row still marked,
    the sent and the failed alike."""
    import outbox.send

    monkeypatch.setattr(outbox.send, "IDS_PER_UPDATE", 2)
    largest = []  # ids in each UPDATE of the outbox that lists them

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        if statement.startswith("UPDATE outbox SET state=") and " IN (" in statement:
            listed = statement.split(" IN (", 1)[1].split(")", 1)[0]
            largest.append(listed.count(",") + 1)

    event.listen(engine, "before_cursor_execute", count)
    prepared(engine)
    decide(engine, DAY)
    pending = [r for r in rows(engine) if r.state == "pending"]
    assert len(pending) > 10
    with MailSink() as sink:
        notifier = RoutingNotifier(email=SmtpNotifier(sink.url()), other=RecordingNotifier())
        report = dispatch(engine, notifier=notifier, now=at(DAY, 7), workers=2)
    assert report.sent > 0 and report.failed == 0
    assert {r.state for r in rows(engine) if r.state != "no-contact"} == {"sent"}
    # the failed are marked in chunks too: nothing listens at this port
    decide(engine, DAY + timedelta(days=7))
    again = [r for r in rows(engine) if r.state == "pending" and "@" in r.recipient and "://" not in r.recipient]
    assert len(again) > 2
    refused = dispatch(engine, notifier=SmtpNotifier(f"mailto://127.0.0.1:{free_port()}?from=roadmap@example.org"),
                       now=at(DAY + timedelta(days=7), 7), workers=2, families=None)  # fmt: skip
    assert refused.failed > 0
    marked = {r.id: r for r in rows(engine)}
    assert all(marked[r.id].state == "failed" and marked[r.id].attempts == 1 for r in again)
    assert largest and max(largest) <= 2  # never more ids in one statement than the bound
    event.remove(engine, "before_cursor_execute", count)
