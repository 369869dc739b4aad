"""Operations on the registry as stored: the organisations and the parties' contacts, listed with filters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from models.store import Contact, Organisation
from operations.context import Context
from tasks.registry import LoadReport


def load_registry(
    ctx: Context, rows: Sequence[Any], *, source: str, sha256: str, load: Callable[..., LoadReport],
    after: Callable[..., list[str]] | None = None, dry_run: bool = False,
) -> tuple[LoadReport, list[str]]:  # fmt: skip
    """Load checked registry rows (organisations or contacts) in one transaction; returns the load's report and
    what `after` said.

    `after(session, report, actor=, now=, dry_run=)` runs in the same transaction (the organisations' fan-out
    to the roadmaps); in a dry run it sees the load written inside a savepoint that is then rolled back.
    """
    extra: list[str] = []
    who, now = ctx.actor, ctx.now
    with ctx.transaction() as session:
        report = load(session, rows, actor=who, now=now, source=source, sha256=sha256, dry_run=dry_run)
        if after is not None and dry_run:
            savepoint = session.begin_nested()
            load(session, rows, actor=who, now=now, source=source, sha256=sha256)  # what it would write
            extra = after(session, report, actor=who, now=now, dry_run=True)
            savepoint.rollback()
        elif after is not None:
            extra = after(session, report, actor=who, now=now, dry_run=False)
    return report, extra


def list_organisations(
    ctx: Context, *, region: str | None = None, municipality: str | None = None, kind: str | None = None,
    include_inactive: bool = False,
) -> Sequence[Organisation]:  # fmt: skip
    """The organisations matching every filter given, by region, municipality, kind and id (active only unless
    `include_inactive`)."""
    query = select(Organisation)
    for column, value in (("region", region), ("municipality", municipality), ("kind", kind)):
        if value is not None:
            query = query.where(col(getattr(Organisation, column)) == value)
    if not include_inactive:
        query = query.where(col(Organisation.active).is_(True))
    order = (Organisation.region, Organisation.municipality, Organisation.kind, Organisation.id)
    with ctx.reading() as session:
        return session.execute(query.order_by(*order)).scalars().all()


def list_contacts(ctx: Context, *, roadmap: str | None = None, party: str | None = None) -> Sequence[Contact]:
    """The contacts of roadmap parties (of one roadmap, of one party), by roadmap and party."""
    query = select(Contact).order_by(Contact.roadmap_id, Contact.party)
    if roadmap is not None:
        query = query.where(col(Contact.roadmap_id) == roadmap)
    if party is not None:
        query = query.where(col(Contact.party) == party)
    with ctx.reading() as session:
        return session.execute(query).scalars().all()
