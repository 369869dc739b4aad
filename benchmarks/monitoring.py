"""Region-sized yearly monitoring: loading figures, the snapshot and the report, beside the naive way, in one run.

Run: .venv/bin/python benchmarks/monitoring.py [--orgs 2000] [--db sqlite:////tmp/bench.db]
The Tomsk plan (18 items with targets, 7 criteria) over 20 municipalities; every school submits two
criteria, every УО its item 1.3 count; half the schools have item 1.3 done. The machine is shared and
noisy: read the ratios, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.region import PLAN, build_registry, timed  # noqa: E402
from models.db import open_store, session_scope  # noqa: E402
from models.loader import parse_plan  # noqa: E402
from models.store import IndicatorValue, Milestone, Organisation  # noqa: E402
from monitoring.figures import load_values, parse_values_csv, registry_orgs  # noqa: E402
from monitoring.measures import measures  # noqa: E402
from monitoring.snapshots import take_snapshot  # noqa: E402
from reports.monitoring import (  # noqa: E402
    build_monitoring_report,  # noqa: E402
    render_html,
    render_markdown,
    render_xlsx,
)
from tasks.sync import sync_plan  # noqa: E402

NOW = datetime(2021, 12, 1, 4, tzinfo=UTC)
YEAR = 2021


def figures_csv(org_ids: list[tuple[str, str]]) -> str:
    """Two criteria from every school, item 1.3 from every УО (deterministic numbers)."""
    lines = ["roadmap,indicator,year,org,numerator,denominator,value,source,submitted_by"]
    for i, (org_id, kind) in enumerate(org_ids):
        if kind == "УО":
            lines.append(f"tomsk-2020-2024,item:1.3,{YEAR},{org_id},,,{10 + i % 7},сведения УО,УО")
        else:
            lines.append(f"tomsk-2020-2024,criterion:4,{YEAR},{org_id},{40 + i % 60},100,,АИС,ОО")
            answer = "имеется" if i % 3 else "отсутствует"
            lines.append(f"tomsk-2020-2024,criterion:1,{YEAR},{org_id},,,{answer},ответ на запрос,ОО")
    return "\n".join(lines) + "\n"


def naive_figures(session: Any, plan: Any, org_ids: list[str]) -> int:
    """One query per organisation and measure, summed in Python: the row-by-row way the design rules out."""
    found = 0
    for org_id in org_ids:
        for m in measures(plan):
            rows = session.execute(
                select(IndicatorValue.numerator, IndicatorValue.denominator, IndicatorValue.value).where(
                    IndicatorValue.roadmap_id == plan.id, IndicatorValue.kind == m.kind, IndicatorValue.key == m.key,
                    IndicatorValue.year == YEAR, IndicatorValue.org_id == org_id,
                    col(IndicatorValue.superseded_at).is_(None),
                )
            ).all()  # fmt: skip
            found += len(rows)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='roadmap-bench-')) / 'bench.db'}"
    engine = open_store(url)
    build_registry(engine, args.orgs)
    text = PLAN.read_text(encoding="utf-8")
    plan = parse_plan(text, str(PLAN))
    with session_scope(engine) as session:
        sync_plan(session, roadmap=plan, yaml_text=text, source_path=None, actor="bench", now=NOW)
        org_ids = [(r.id, r.kind) for r in session.execute(select(Organisation.id, Organisation.kind).order_by(
            Organisation.id))]  # fmt: skip
        schools = [o for o, k in org_ids if k != "УО"]
        session.execute(
            update(Milestone)
            .where(col(Milestone.item_number) == "1.3", col(Milestone.org_id).in_(schools[::2]),
                   col(Milestone.occurrence) == "2020-05")
            .values(status="done", done_at=datetime(2020, 5, 25, 5, tzinfo=UTC), done_by="bench", evidence="bench")
        )  # fmt: skip
    print(f"store {url}; {args.orgs} organisations; plan {plan.id}, year {YEAR}")

    csv_text = figures_csv(org_ids)
    print("load the submitted figures")

    def load() -> Any:
        with session_scope(engine) as session:
            plans = {plan.id: plan}
            rows = parse_values_csv(csv_text, source="bench.csv", plans=plans, orgs=registry_orgs(session))
            return load_values(session, rows, actor="bench", now=NOW, source="bench.csv",
                               sha256=hashlib.sha256(csv_text.encode()).hexdigest())  # fmt: skip

    load_s, loaded = timed(f"check and load {csv_text.count(chr(10)) - 1} rows (all or nothing)", load)
    print(f"  {loaded.lines()[0]}")

    print("monitoring snapshot")

    def snapshot() -> Any:
        with session_scope(engine) as session:
            return take_snapshot(session, roadmap_id=plan.id, year=YEAR, now=NOW, actor="bench")

    snap_s, snap = timed("evaluate every measure at every level and store the snapshot", snapshot)
    print(f"  {len(snap.rows)} result rows, {sum(snap.summary['counts'].values())} measures judged for the region")
    sample = 200
    with session_scope(engine, readonly=True) as session:
        naive_s, n = timed(f"naive: one query per organisation and measure ({sample} orgs)",
                           lambda: naive_figures(session, plan, [o for o, _ in org_ids[:sample]]))  # fmt: skip
    per_org_naive = naive_s / sample
    print(
        f"  naive reads {n} figures for {sample} orgs; for all {len(org_ids)} it would take "
        f"{per_org_naive * len(org_ids):.1f} s, {per_org_naive * len(org_ids) / snap_s:.0f}x the whole snapshot"
    )

    print("monitoring report")
    with session_scope(engine, readonly=True) as session:
        build_s, report = timed("build the report view (trend, behind, missing)",
                                lambda: build_monitoring_report(session, roadmap_id=plan.id, year=YEAR))  # fmt: skip
    print(f"  {len(report.below)} rows below the region, {len(report.laggards)} behind, {len(report.missing)} missing")
    html_s, html = timed("render HTML", lambda: render_html(report))
    xlsx_s, xlsx = timed("render XLSX", lambda: render_xlsx(report))
    timed("render Markdown", lambda: render_markdown(report))
    print(f"  HTML {len(html) / 1e6:.1f} MB, XLSX {len(xlsx) / 1e6:.1f} MB")
    print(f"total: load {load_s:.2f} s, snapshot {snap_s:.2f} s, report {build_s + html_s + xlsx_s:.2f} s")


if __name__ == "__main__":
    main()
