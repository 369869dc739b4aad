"""Schema migrations of the store (placeholder until the alembic migrations land)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel


def upgrade_to_head(engine: Engine) -> None:
    """Bring the store's schema to the current revision."""
    SQLModel.metadata.create_all(engine)


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision (none until the alembic migrations land)."""
    return None
