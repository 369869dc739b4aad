"""Engines and sessions for the store: SQLite by default, any SQLAlchemy URL (PostgreSQL at scale)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

import models.store  # noqa: F401  (registers the tables on SQLModel.metadata)


class StoreError(Exception):
    """The store cannot be opened or is not at the expected schema; the message says what to do."""


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder, foreign keys, WAL and immediate write locks."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy emit BEGIN itself (below), so a writer takes the lock at the start of its
        # transaction instead of failing half-way when another process writes at the same time
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # switching a new file to WAL needs a moment of exclusive access, which a second process
        # opening the same new store can hold; the setting persists, so retrying briefly is enough
        for attempt in range(50):
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.1)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # readers begin deferred, so a long status listing never holds up a writer
        readonly = connection.get_execution_options().get("readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


@contextmanager
def session_scope(engine: Engine, *, readonly: bool = False) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back (nothing half-written) on error.

    `readonly=True` is for transactions that only read: on SQLite they do not take the write lock.
    """
    bind = engine.execution_options(readonly=True) if readonly else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def describe(url: str) -> str:
    """The URL with any password hidden, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def open_store(url: str) -> Engine:
    """Open the store at `url`, creating it or upgrading its schema in place (all or nothing) as needed.

    Raises StoreError, saying what to do, when the store cannot be reached or upgraded, or when it is
    at a schema revision newer than this program knows.
    """
    from models.migrations import upgrade_to_head  # imports this module: import it late

    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:  # a connection or permission problem is the user's to fix: say which
        engine.dispose()
        raise StoreError(f"cannot open the store at {describe(url)}: {exc}") from exc
    return engine


def store_revision(engine: Engine) -> str | None:
    """The store's schema revision (None for an empty database); see models.migrations."""
    from models.migrations import current_revision

    return current_revision(engine)
