"""Alembic environment of the store: runs the revisions on the connection `models.migrations` hands over.

There is no alembic.ini and no URL here: `models.migrations.alembic_config` passes an open connection
(already inside the transaction the upgrade runs in) through `config.attributes["connection"]`, so the
revisions run on the engine `models.db.open_store` made, SQLite's BEGIN IMMEDIATE write lock included.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlmodel import SQLModel

import models.store  # noqa: F401  (registers the tables on SQLModel.metadata, the target of autogenerate)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Autogenerate renders SQLModel's own types as the plain SQLAlchemy types they stand for (AutoString
    as sa.String, UTCDateTime as sa.DateTime(timezone=True)), so revisions need no sqlmodel import."""
    from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length!r})" if obj.length is not None else "sa.String()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None or context.is_offline_mode():
        raise RuntimeError("run the store's migrations through models.migrations (upgrade_to_head), not alembic's CLI")
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite cannot ALTER most of a table: batch mode rebuilds it (copy, drop, rename) instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    if connection.dialect.name == "sqlite":
        # With foreign keys on, batch mode's DROP of a rebuilt table that others reference would fail
        # on the implicit delete; deferred, the check runs at commit, when the copy is in place.
        # (The pragma cannot be turned off inside a transaction; deferral ends with it.)
        connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
