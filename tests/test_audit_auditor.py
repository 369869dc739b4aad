"""The auditors hold checkpoints: the weekly message carries the latest one, and so does the monitoring notice."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from audit.keys import generate_key, load_key
from cli.main import app
from models.db import session_scope
from models.settings import get_settings
from models.store import AuditCheckpoint, AuditEvent, Milestone
from notifications.mailsink import MailSink
from notifications.notice import render_notices
from operations import audit as audit_ops
from tests.helpers.sechenovsky import PLAN, load_registry, sync
from tests.test_audit_keys import ctx, first_open
from tests.test_monitoring_notice import orenburg, snapshot_with_notice

NOW = datetime(2021, 10, 11, 6, 0, tzinfo=UTC)  # Monday 09:00 in Moscow
AUDITOR = "auditor@kro.example.org"
pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def keyed(engine, tmp_path, monkeypatch):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    key = tmp_path / "audit.key"
    generate_key(key)
    monkeypatch.setenv("ROADMAP_AUDIT_KEY", str(key))
    monkeypatch.setenv("ROADMAP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield key
    get_settings.cache_clear()


def test_the_weekly_message_brings_the_auditor_the_latest_checkpoint_to_hold(engine, db_url, keyed, monkeypatch):
    from flows.checkpoint import audit_checkpoint

    with MailSink() as sink:
        result = audit_checkpoint(db=db_url, auditor=AUDITOR, smtp_url=sink.url("roadmap@example.org"), now=NOW)
        [message] = sink.received
    with session_scope(engine, readonly=True) as session:
        [checkpoint] = session.execute(select(AuditCheckpoint)).scalars().all()  # the chain was signed first
        sent = session.execute(select(AuditEvent).where(AuditEvent.action == "audit.checkpoint.sent")).scalar_one()
    assert message.recipients == [AUDITOR]
    subject = f"Журнал аудита дорожных карт: контрольная точка, событие {checkpoint.size} (11.10.2021 09:00)"
    assert result["lines"][0] == f"sent to the auditor: {subject}"
    assert message.subject == subject
    text = message.part("plain")
    assert f"SHA-256 события {checkpoint.size}: {checkpoint.head_hash}" in text
    assert f"ключ: {load_key(keyed).key_id} (открытый ключ Ed25519: {load_key(keyed).public.b64})" in text
    assert "roadmap audit verify --checkpoint checkpoint-" in text
    [attached] = list(message.message.iter_attachments())
    assert attached.get_filename() == f"checkpoint-{checkpoint.size}.json"
    held = json.loads(attached.get_content() if isinstance(attached.get_content(), str) else attached.get_content())
    assert held["size"] == checkpoint.size and held["head"] == checkpoint.head_hash
    assert sent.payload == {"recipient": AUDITOR, "events": checkpoint.size, "verified": True,
                            "checkpoint": checkpoint.size}  # fmt: skip
    assert sent.actor_via == "schedule" and sent.actor_detail.startswith("flow run ")
    # what the auditor holds checks the store later
    path = get_settings().data_dir / "audit" / f"checkpoint-{checkpoint.size}.json"
    get_settings.cache_clear()
    monkeypatch.delenv("ROADMAP_AUDIT_KEY")
    verified = CliRunner().invoke(app, ["audit", "verify", "--checkpoint", str(path), "--db", db_url])
    assert verified.exit_code == 0, verified.output


def test_a_store_that_does_not_verify_is_told_to_the_auditor_loudly_and_never_signed(engine, db_url, keyed):
    from flows.checkpoint import HistoryDoesNotVerify, audit_checkpoint

    with session_scope(engine) as session:
        session.execute(update(Milestone).where(Milestone.id == first_open(engine)).values(status="done"))
    with MailSink() as sink, pytest.raises(HistoryDoesNotVerify, match="the audit history does not verify"):
        audit_checkpoint(db=db_url, auditor=AUDITOR, smtp_url=sink.url("roadmap@example.org"), now=NOW)
    [message] = sink.received
    assert message.subject == "ВНИМАНИЕ: журнал аудита дорожных карт не прошёл проверку (11.10.2021 09:00)"
    assert "status done in the table, planned by the events" in message.part("plain")
    assert "Контрольная точка не подписана: поверх непрошедшей проверки история не подписывается." in message.part(
        "plain"
    )
    with session_scope(engine, readonly=True) as session:
        assert session.execute(select(AuditCheckpoint)).first() is None  # nothing signed over a failed check


def test_without_an_auditor_contact_the_run_fails_saying_what_to_set(db_url, keyed):
    from flows.checkpoint import AuditorNotConfigured, audit_checkpoint

    with pytest.raises(AuditorNotConfigured) as raised:
        audit_checkpoint(db=db_url, now=NOW)
    assert str(raised.value) == (
        "no auditor to send the checkpoint to: set ROADMAP_AUDITOR to the auditor's e-mail address or apprise URL "
        "(or give the flow's auditor parameter)"
    )


def test_the_monitoring_notice_carries_the_latest_checkpoint(engine, tmp_path):
    orenburg(engine)
    key = tmp_path / "audit.key"
    generate_key(key)
    signed = audit_ops.checkpoint(ctx(engine, key, tmp_path, NOW))
    _report, notice = snapshot_with_notice(engine)
    with session_scope(engine, readonly=True) as session:
        payload = session.execute(select(AuditEvent).where(AuditEvent.action == "monitoring.notice.queued")).first()
        from models.store import OutboxMessage

        row = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "monitoring")).scalars().first()
    assert payload is not None and notice.queued
    s = signed.statement
    assert row.payload["checkpoint"] == {"size": s.size, "head": s.head, "root": s.root, "key_id": s.key_id,
                                         "signed_local": "11.10.2021 11:00"}  # Asia/Yekaterinburg  # fmt: skip
    _subject, text, html = render_notices([row.payload])
    assert (f"Журнал аудита: история до события {s.size} подписана 11.10.2021 11:00 (ключ {s.key_id}). "
            f"SHA-256 события {s.size}: {s.head}") in text  # fmt: skip
    assert f"<code>{s.root}</code>" in html
