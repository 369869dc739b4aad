"""Queueing: reminders and notices written to the outbox once per (key, recipient), in the caller's
transaction (the sweep's or the monitoring snapshot's), so deciding twice never queues twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.store import OutboxMessage

NO_CONTACT = "no-contact"  # the state of a row whose party has no contact in the registry (kept, never sent)


def outbox_insert(session: Session):  # type: ignore[no-untyped-def]
    """An INSERT into the outbox that skips a row whose (key, recipient) is already there."""
    dialect = session.get_bind().dialect.name
    table = OutboxMessage.__table__  # type: ignore[attr-defined]  # Core: the ORM bulk path cost a third more
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(constraint="uq_outbox_key_recipient")
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=["key", "recipient"])


def queue(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write the rows (dicts of OutboxMessage's columns) in one statement; those already queued are skipped."""
    if rows:
        session.connection().execute(outbox_insert(session), rows)
