"""Region-sized store: sync, status and sweep decisions, each compared with the naive way, in one run.

Run: .venv/bin/python benchmarks/region.py [--orgs 2000] [--db sqlite:////tmp/bench.db]
The machine is shared and noisy: read the ratios, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from models.calendar import default_calendar
from models.db import open_store, session_scope
from models.loader import parse_plan
from models.store import Milestone, Organisation, PlanItem
from tasks.expand import expand
from tasks.status import StatusFilter, status_counts, status_rows
from tasks.sweep import decide_reminders
from tasks.sync import sync_plan, territory_orgs

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "roadmaps" / "tomsk-2020-2024.yaml"
NOW = datetime(2021, 6, 1, 6, tzinfo=UTC)


def timed(label: str, fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<58} {seconds:8.3f} s")
    return seconds, result


def build_registry(engine, orgs: int) -> None:  # noqa: ANN001
    rows = []
    for m in range(20):
        rows.append({"id": f"uo{m}", "name": f"УО {m}", "kind": "УО", "region": "Томская область",
                     "municipality": f"M{m}", "updated_at": NOW, "active": True})  # fmt: skip
        for i in range(orgs // 20 - 1):
            rows.append({"id": f"oo{m}-{i}", "name": f"Школа {m}-{i}", "kind": "ОО", "region": "Томская область",
                         "municipality": f"M{m}", "updated_at": NOW, "active": True})  # fmt: skip
    with session_scope(engine) as session:
        session.execute(insert(Organisation), rows)


def naive_rows(session, roadmap, orgs, limit: int) -> int:  # noqa: ANN001
    """What one ORM object and one flush per milestone costs (the approach the design rules out)."""
    planned = expand(roadmap, orgs)[:limit]
    for m in planned:
        session.add(Milestone(roadmap_id=roadmap.id, item_number=m.item_number, org_id=m.org_id,
                              occurrence=f"naive {m.occurrence}",  # never clashes with the real ones
                              kind=m.kind, window_start=m.window_start, window_end=m.window_end, timezone=m.timezone,
                              status="planned", responsible=list(m.responsible), created_version=1,
                              updated_version=1))  # fmt: skip
        session.flush()
    session.rollback()
    return len(planned)


def naive_status(session, as_of: date) -> int:  # noqa: ANN001
    """One query per organisation, the way a page-per-school view would do it."""
    n = 0
    for org_id in session.execute(select(Organisation.id)).scalars():
        n += sum(1 for _ in status_rows(session, as_of=as_of, f=StatusFilter(org=org_id)))
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='roadmap-bench-')) / 'bench.db'}"
    engine = open_store(url)
    build_registry(engine, args.orgs)
    text = PLAN.read_text(encoding="utf-8")
    roadmap = parse_plan(text, str(PLAN))
    print(f"store {url}; {args.orgs} organisations; plan {roadmap.id}")

    print("sync (expand + store the milestones)")

    def bulk() -> Any:
        with session_scope(engine) as session:
            return sync_plan(session, roadmap=roadmap, yaml_text=text, source_path=None, actor="bench", now=NOW)

    bulk_s, report = timed("bulk: one pass, bulk INSERT in one transaction", bulk)
    per_bulk = bulk_s / report.added
    with session_scope(engine) as session:
        orgs = territory_orgs(session, roadmap)
        sample = 2000
        naive_s, n = timed(f"naive: one ORM object + flush per milestone ({sample} of them)",
                           lambda: naive_rows(session, roadmap, orgs, sample))  # fmt: skip
    per_naive = naive_s / n
    print(f"  {report.added} milestones; per milestone: bulk {per_bulk * 1e6:.1f} µs, naive {per_naive * 1e6:.1f} µs "
          f"(naive is {per_naive / per_bulk:.0f}x slower)")  # fmt: skip
    resync_s, _ = timed("re-sync of the same plan (nothing to change)", bulk)

    print("status")
    as_of = date(2021, 6, 1)
    with session_scope(engine, readonly=True) as session:
        timed("counts by status, per roadmap and organisation (GROUP BY)",
              lambda: status_counts(session, as_of=as_of, f=StatusFilter()))  # fmt: skip
        one_s, rows = timed("every open milestone, one streamed query",
                            lambda: sum(1 for _ in status_rows(session, as_of=as_of, f=StatusFilter())))  # fmt: skip
        per_s, rows2 = timed("the same, one query per organisation",
                             lambda: naive_status(session, as_of))  # fmt: skip
    # the per-organisation loop misses the roadmap-level milestones (no organisation), so it lists fewer
    print(
        f"  {rows} rows ({rows2} of organisations); one query is {per_s / one_s:.1f}x faster than one per organisation"
    )

    print("sweep decision")
    for day in (date(2020, 6, 1), date(2020, 6, 2)):

        def decide(day: date = day) -> Any:
            with session_scope(engine) as session:
                return decide_reminders(session, roadmap=roadmap, today=day, calendar=default_calendar(),
                                        now=datetime(day.year, day.month, day.day, 6, tzinfo=UTC))  # fmt: skip

        _s, decided = timed(f"decide reminders as of {day} (one pass over the open milestones)", decide)
        print(f"  -> {decided.to_due} now due, {decided.to_overdue} now overdue, {len(decided.rows)} outbox rows")
    with session_scope(engine, readonly=True) as session:
        total = session.execute(select(func.count()).select_from(Milestone)).scalar_one()
        items = session.execute(select(func.count()).select_from(PlanItem)).scalar_one()
    print(f"store holds {total} milestones of {items} items")
    print(f"re-sync took {resync_s:.2f} s")


if __name__ == "__main__":
    main()
