"""Reading where milestones stand: the status command's view, the pages' and the API's lists, the exports' stream.

Kept apart from operations.milestones (completing, reopening, scheduling), so a command that only reads the
status imports the status queries and the store's tables, not the plan language or the sweep.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from operations.context import Context
from tasks.status import StatusFilter, StatusRow, check_filters, local_dates, status_counts, status_rows, status_totals


@dataclass
class MilestonePage:
    """One page of milestones with the counts of everything the filter matches."""

    as_of: date | dict[str, date]
    counts: dict[str, Any]
    rows: list[StatusRow]
    offset: int
    limit: int

    @property
    def total(self) -> int:
        return int(sum(self.counts["counts"].values()))


def list_milestones(
    ctx: Context, *, f: StatusFilter, limit: int = 50, offset: int = 0, as_of: date | None = None
) -> MilestonePage:
    """Counts by status and one page of milestones, nearest deadline first, each judged in its own zone."""
    with ctx.reading() as session:
        when: date | dict[str, date] = as_of or local_dates(session, now=ctx.now)
        counts = {"counts": status_totals(session, as_of=when, f=f)}
        rows = list(status_rows(session, as_of=when, f=f, limit=limit, offset=offset))
    return MilestonePage(when, counts, rows, offset, limit)


def stream_milestones(ctx: Context, *, f: StatusFilter, as_of: date | None = None) -> Iterator[StatusRow]:
    """Every milestone the filter matches, streamed (for exports and calendar feeds)."""
    with ctx.reading() as session:
        when: date | dict[str, date] = as_of or local_dates(session, now=ctx.now)
        yield from status_rows(session, as_of=when, f=f)


@dataclass
class StatusView:
    """The status command's view: the date(s) judged by, the counts (in all, per roadmap and organisation) and the
    matching milestones, streamed nearest deadline first."""

    as_of: date | dict[str, date]
    counts: dict[str, Any]
    rows: Iterator[StatusRow]


@contextmanager
def status_view(ctx: Context, *, f: StatusFilter, as_of: date | None = None, limit: int | None = None
                ) -> Iterator[StatusView]:  # fmt: skip
    """Counts by status and the matching milestones, each judged in its own zone (or as of `as_of`); the rows
    stream while the block is open. FilterError naming what the store holds when a filter names nothing."""
    with ctx.reading() as session:
        check_filters(session, roadmap=f.roadmap, org=f.org, party=f.party)
        when: date | dict[str, date] = as_of or local_dates(session, now=ctx.now)
        counts = status_counts(session, as_of=when, f=f)
        yield StatusView(when, counts, status_rows(session, as_of=when, f=f, limit=limit))
