"""Engines and sessions for the store: SQLite by default, any SQLAlchemy URL (PostgreSQL at scale)."""

from __future__ import annotations

import getpass
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

import models.store  # noqa: F401  (registers the tables on SQLModel.metadata)
from models.settings import private_folder


class StoreError(Exception):
    """The store cannot be opened or is not at the expected schema; the message says what to do."""


READ_ONLY_COMMANDS = (
    "info, status, outbox, audit log, audit verify, orgs list, parties list, indicators list, snapshots, report"
)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite store URL (None for another database or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.geteuid()}"


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    """An engine for `url`; SQLite files get their folder, foreign keys, WAL and immediate write locks.

    `readonly=True` opens an existing SQLite file read-only (mode=ro, so nothing is ever written, not even
    a journal; `immutable` when its folder cannot hold the WAL index either). A missing folder is made
    private to the user (0700).
    """
    path = sqlite_path(url)
    if path is not None and readonly:
        # the URL is the store's own (so the engine names the same store as a writing one: the record beside
        # the audit key and the plan cache go by it); the creator opens the file read-only
        engine = create_engine(url, creator=_read_only_connector(path), poolclass=NullPool)
        _sqlite_setup(engine, readonly=True)
        return engine
    if path is not None:
        private_folder(path.parent)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_setup(engine)
        return engine
    if make_url(url).get_backend_name() == "sqlite":  # in memory
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _read_only_connector(path: Path) -> Any:
    uri = f"{path.resolve().as_uri()}?mode=ro"

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            # a WAL store in a folder where the WAL index cannot be made: read the file as it is (nobody can
            # write it from here either)
            connection.close()
            connection = sqlite3.connect(f"{uri}&immutable=1", uri=True, timeout=30, check_same_thread=False)
        return connection

    return connect


def _sqlite_setup(engine: Engine, *, readonly: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy emit BEGIN itself (below), so a writer takes the lock at the start of its
        # transaction instead of failing half-way when another process writes at the same time
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        if readonly:
            cursor.close()
            return
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
        reading = readonly or connection.get_execution_options().get("readonly", False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


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


def open_store(url: str, *, readonly: bool = False) -> Engine:
    """Open the store at `url`, creating it or upgrading its schema in place (all or nothing) as needed.

    `readonly=True` is for commands that only read: an existing SQLite store at the current schema is
    opened read-only, so they work on a file or folder the user may not write. A store that needs an
    upgrade (or does not exist yet) is opened as usual when it can be written.

    Raises StoreError, saying what to do, when the store cannot be reached or upgraded, when it is at a
    schema revision newer than this program knows, and when a command that writes meets a SQLite store
    the user may not write.
    """
    path = sqlite_path(url)
    if readonly and path is not None and path.is_file():
        engine = make_engine(url, readonly=True)
        try:
            # a store at this program's schema (the usual case) is opened without importing alembic
            if _version_rows(engine) == [shipped_head()]:
                return engine
            from models.migrations import head_revision  # imports this module (and alembic): import it late

            revision = store_revision(engine)
        except Exception as exc:
            engine.dispose()
            raise StoreError(f"cannot read the store at {describe(url)}: {_reason(exc)}") from exc
        if revision == head_revision():
            return engine
        engine.dispose()
        if not _writable(path):
            raise StoreError(
                f"the store at {describe(url)} is at schema revision {revision}, not this program's "
                f"{head_revision()}, and {_user()} may not write it to upgrade it: run a command that writes "
                "once with write access, or use the program version that made it"
            )
    if path is None:
        # a server store (PostgreSQL) at this program's schema, the usual case, is opened without importing
        # alembic (0.1-0.2 s of every command); anything else, an unreachable server included, takes the
        # upgrade path below, which says what is wrong
        engine = make_engine(url)
        try:
            if _version_rows(engine) == [shipped_head()]:
                return engine
        except Exception:  # noqa: BLE001 - said by the upgrade path, with its own message
            pass
        engine.dispose()
    from models.migrations import head_revision, upgrade_to_head

    if path is not None and not readonly:
        problem = _write_problem(path)
        if problem:
            raise StoreError(f"the store at {describe(url)} {problem}: this command changes the store and needs "
                             f"write access (commands that only read it work: {READ_ONLY_COMMANDS})")  # fmt: skip
    new_file = path is not None and not path.exists()
    if path is not None and new_file:
        # made empty (an empty file is an empty SQLite database) and private before anything is written in it;
        # SQLite gives its -wal and -shm files the same permissions
        private_folder(path.parent)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        path.chmod(0o600)
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:  # a connection or permission problem is the user's to fix: say which
        engine.dispose()
        raise StoreError(f"cannot open the store at {describe(url)}: {_reason(exc)}") from exc
    return engine


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _write_problem(path: Path) -> str | None:
    """Why the user may not write the SQLite store at `path` (its file, or the folder its journal goes in)."""
    if path.exists():
        if not os.access(path, os.W_OK):
            return f"is read-only for {_user()} (the file {path})"
        if not os.access(path.parent, os.W_OK):
            return f"is read-only for {_user()} (its folder {path.parent}, where SQLite keeps its journal)"
        return None
    folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
    if folder is not None and not os.access(folder, os.W_OK):
        return f"does not exist and cannot be made by {_user()} (the folder {folder} is read-only)"
    return None


def _reason(exc: Exception) -> str:
    """A database error without SQLAlchemy's link to its documentation."""
    original = getattr(exc, "orig", None)
    return str(original) if original is not None else str(exc).split("\n(Background on this error")[0]


def store_revision(engine: Engine) -> str | None:
    """The store's schema revision (None for an empty database); see models.migrations."""
    from models.migrations import current_revision

    return current_revision(engine)


VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"


@lru_cache(maxsize=1)
def shipped_head() -> str:
    """The newest schema revision this program ships, from the names of its revision files alone (no alembic
    import): revision NNNN_slug is the file versions/NNNN_slug.py, numbered in the order of the one line they
    form (tests/test_migrations.py checks both, and that this is alembic's head)."""
    return max(path.stem for path in VERSIONS.glob("[0-9]*.py"))


def _version_rows(engine: Engine) -> list[str]:
    """The revision ids alembic's version table holds ([] when there is none), read with plain SQL."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return []
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
