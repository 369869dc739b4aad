"""Schema migrations of the store (alembic), shipped inside the `models` package.

`models.db.open_store` calls `upgrade_to_head`, so a store upgrades itself in place the first time a
newer program opens it. There is no alembic.ini: `alembic_config` builds the configuration and hands
the connection to `env.py`, so the revisions run on the caller's engine and inside one transaction
(a failed upgrade leaves the store as it was; SQLite's BEGIN IMMEDIATE keeps a second process out).

Revisions live in `versions/`, named `NNNN_slug.py` with the revision id `NNNN_slug`. After changing
`models/store.py`, write the next one with

    .venv/bin/python -m models.migrations revision "what changed"

which autogenerates it against a scratch SQLite store at head; read and tidy it before committing
(tests/test_migrations.py checks that the migrated schema matches `models/store.py`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from models.db import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic configuration for the packaged revisions; `connection` is what env.py migrates."""
    config = Config()
    # configparser would read a "%" in the path as interpolation
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s")
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision id this program ships."""
    return frozenset(script.revision for script in _script().walk_revisions())


def head_revision() -> str:
    """The newest revision this program knows (the revisions form one line, so there is one head)."""
    head = _script().get_current_head()
    assert head is not None, "models/migrations/versions holds no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision, or None for a store without one (a new, empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the store's schema to the newest revision; a store already there is left untouched.

    Raises models.db.StoreError for a store at a revision this program does not know (a newer
    program migrated it) and for a database holding store tables but no revision.
    """
    upgrade_to(engine, "head")


def upgrade_to(engine: Engine, revision: str) -> None:
    """Upgrade the store to `revision` ("head" for the newest) in one transaction; see upgrade_to_head."""
    with engine.begin() as connection:
        _serialise(connection)
        current = _checked_revision(connection, engine)
        target = head_revision() if revision == "head" else revision
        if current == target:
            return
        command.upgrade(alembic_config(connection), revision)


def downgrade_to(engine: Engine, revision: str) -> None:
    """Downgrade the store to `revision` ("base" for an empty store) in one transaction (for tests)."""
    with engine.begin() as connection:
        _serialise(connection)
        _checked_revision(connection, engine)
        command.downgrade(alembic_config(connection), revision)


def _serialise(connection: Connection) -> None:
    # Two processes opening a new PostgreSQL store at once would both try to create the tables: the
    # second waits here until the first has committed, then finds the store at head. (SQLite needs
    # nothing: the transaction began with BEGIN IMMEDIATE, which already excludes other writers.)
    if connection.dialect.name == "postgresql":
        key = "hashtext('roadmap-engine migrations ' || coalesce(current_schema(), ''))"
        connection.execute(text(f"SELECT pg_advisory_xact_lock({key})"))


def _checked_revision(connection: Connection, engine: Engine) -> str | None:
    current = MigrationContext.configure(connection).get_current_revision()
    url = engine.url.render_as_string(hide_password=True)
    if current is None:
        # a database made by SQLModel.metadata.create_all in a development build before the migrations
        ours = sorted(set(inspect(connection).get_table_names()) & set(SQLModel.metadata.tables))
        if ours:
            raise StoreError(
                f"the store at {url} has tables ({', '.join(ours)}) but no schema revision, so it cannot be "
                f"upgraded: it was made before the store had migrations; move it aside and open the store again"
            )
    elif current not in known_revisions():
        raise StoreError(
            f"the store at {url} is at schema revision {current}, newer than this program knows "
            f"(head {head_revision()}): upgrade the program"
        )
    return current
