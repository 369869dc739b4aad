"""Flow: tell the auditor where the history stands (the operator's "send the auditors a checkpoint" action, weekly).

Verifies the store, signs the chain when it grew since the last checkpoint (never over a failed
verification), and sends the auditor's contact (ROADMAP_AUDITOR: an e-mail address or an apprise URL,
kept out of the store the checkpoints guard) a Russian message with the latest checkpoint, attached as
JSON to e-mail. A run whose verification failed still tells the auditor, loudly, and then ends failed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine

from flows.audit_steps import audit_start, run_actor
from models.addresses import is_email
from models.db import open_store
from models.settings import get_settings
from notifications.auditor import AuditorMessage, render
from notifications.dispatch import make_notifier
from operations import audit as audit_ops
from operations.context import Actor, Clock, Context


class AuditorNotConfigured(Exception):
    """No auditor contact to send to; the message says which setting to give."""


class HistoryDoesNotVerify(Exception):
    """The store did not verify: the auditor was told, and the run ends failed."""


def _context(engine: Engine, actor: Actor, now: datetime) -> Context:
    return Context(engine=engine, actor=actor, clock=Clock.at(now), settings=get_settings())


@task(name="prepare-auditor-message", cache_policy=NO_CACHE)
def prepare(engine: Engine, *, actor: Actor, now: datetime, zone: str) -> tuple[AuditorMessage, str | None]:
    message, file = audit_ops.auditor_message(_context(engine, actor, now), zone=zone)
    return message, str(file) if file else None


@task(name="record-auditor-message", cache_policy=NO_CACHE)
def record(engine: Engine, *, actor: Actor, now: datetime, recipient: str, message: AuditorMessage) -> None:
    audit_ops.record_auditor_message(_context(engine, actor, now), recipient=recipient, message=message)


@flow(name="audit-checkpoint", flow_run_name="audit checkpoint for the auditor")
def audit_checkpoint(
    db: str | None = None,
    auditor: str | None = None,
    smtp_url: str | None = None,
    now: datetime | None = None,
    zone: str = "Europe/Moscow",
    actor: Actor | str | None = None,
    external: Literal["send", "record"] = "send",
) -> dict[str, Any]:
    """Verify, sign if the chain grew, and send the auditor the latest checkpoint; returns {"message", "file",
    "lines", "recorded"}. AuditorNotConfigured without a contact; HistoryDoesNotVerify (after sending) when the
    store did not verify; a failed send fails the run (the next run sends the latest checkpoint again)."""
    settings = get_settings()
    to = auditor or settings.auditor
    if not to:
        raise AuditorNotConfigured(
            "no auditor to send the checkpoint to: set ROADMAP_AUDITOR to the auditor's e-mail address or apprise "
            "URL (or give the flow's auditor parameter)"
        )
    engine = open_store(db or settings.db_url)
    now = now or datetime.now(UTC)
    who = run_actor(actor, default="audit")
    try:
        audit_start(engine, actor=who, now=now)
        message, file = prepare(engine, actor=who, now=now, zone=zone)
        subject, text, html = render(message)
        notifier, recorder = make_notifier(smtp_url or settings.smtp_url, external=external)
        try:
            notifier.send(to, subject, text, html, attachments=[file] if file and is_email(to) else [])
        finally:
            notifier.close()
        record(engine, actor=who, now=now, recipient=to, message=message)
    finally:
        engine.dispose()
    size = message.checkpoint["size"] if message.checkpoint else None
    lines = [f"sent to the auditor: {subject}", f"checkpoint: event {size}" if size else "checkpoint: none (unsigned)"]
    result = {"message": message, "file": file, "lines": lines, "recorded": recorder.sent}
    if not message.verified:
        raise HistoryDoesNotVerify(f"the audit history does not verify ({len(message.problems)} problems shown to "
                                   "the auditor): roadmap audit verify")  # fmt: skip
    return result
