"""Syncing plans into a real store: fan-out, idempotence, amendments, registry changes, the cycle."""

from __future__ import annotations

import io
import math
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from sqlalchemy import func, select, update

from audit.chain import verify_chain
from models.db import session_scope
from models.loader import parse_plan
from models.plan import Roadmap
from models.store import AuditEvent, DeadlineChange, Milestone, Organisation, PlanItem, RoadmapVersion
from tasks.sync import sync_plan

ROOT = Path(__file__).resolve().parent.parent
SECH = ROOT / "roadmaps" / "sechenovsky-2020.yaml"
ORENBURG = ROOT / "roadmaps" / "orenburg-2021-2024.yaml"
NOW = datetime(2020, 5, 20, 9, 0, tzinfo=UTC)
SECH_REGION, SECH_MUN = "Нижегородская область", "Сеченовский муниципальный район"


def add_orgs(engine, orgs: list[tuple[str, str, str, str]]) -> None:
    with session_scope(engine) as session:
        for org_id, kind, region, municipality in orgs:
            session.add(Organisation(id=org_id, name=f"{org_id} (образец)", kind=kind, region=region,
                                     municipality=municipality, updated_at=NOW))  # fmt: skip


SECH_ORGS = [(f"oo{i}", "ОО", SECH_REGION, SECH_MUN) for i in range(1, 6)] + [
    ("do1", "ДО", SECH_REGION, SECH_MUN),
    ("do2", "ДО", SECH_REGION, SECH_MUN),
    ("uo", "УО", SECH_REGION, SECH_MUN),
    ("elsewhere", "ОО", SECH_REGION, "Другой район"),  # outside the territory: never fanned out to
]


def run_sync(engine, text: str, *, note: str | None = None, dry_run: bool = False, now: datetime = NOW):
    roadmap = parse_plan(text, "plan.yaml")
    with session_scope(engine) as session:
        return sync_plan(session, roadmap=roadmap, yaml_text=text, source_path="plan.yaml", actor="operator",
                         now=now, note=note, dry_run=dry_run)  # fmt: skip


def count(engine, *where) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(Milestone).where(*where)).scalar_one()


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def expected_milestones(roadmap: Roadmap, kinds_count: dict[str, int]) -> int:
    """Count from the plan and the registry, independently of the expansion code."""
    total = 0
    for item in roadmap.items:
        d = item.deadline
        if d.waits_for_date or d.kind in ("window",) or (d.kind == "alternatives" and len(d.windows) == 1):
            per_org = 1
        elif d.kind in ("yearly", "windows"):
            per_org = len(d.windows)
        elif d.kind == "continuous":
            assert d.start and d.end and d.review_months
            first = 1 if d.windows else 0
            start = d.windows[0].end if d.windows else d.start
            months = months_between(start, d.end) - (1 if d.windows else 0)
            per_org = first + math.ceil(months / d.review_months)
        else:
            raise AssertionError(f"unexpected kind {d.kind}")
        orgs = 1 if item.scope == "roadmap" else sum(kinds_count.get(k, 0) for k in item.scope.per_organisation)
        total += per_org * orgs
    return total


def test_sync_fans_out_to_the_registry_and_counts_follow_from_the_plan(engine):
    add_orgs(engine, SECH_ORGS)
    text = SECH.read_text(encoding="utf-8")
    roadmap = parse_plan(text, str(SECH))
    report = run_sync(engine, text)
    expected = expected_milestones(roadmap, {"ОО": 5, "ДО": 2, "УО": 1})
    assert report.added == expected == count(engine)
    assert report.new_version and report.version == 1
    assert count(engine, Milestone.org_id == "elsewhere") == 0
    # per-organisation items fan out to every ОО and ДО of the district, never to the УО
    assert count(engine, Milestone.item_number == "1.2") == 7
    assert count(engine, Milestone.item_number == "1.2", Milestone.org_id == "uo") == 0
    # 3.4 is scoped to ОО only, 1.1 is one milestone for the roadmap
    assert count(engine, Milestone.item_number == "3.4") == 5
    assert count(engine, Milestone.item_number == "1.1", Milestone.org_id == "") == 1
    # items waiting for a date are stored as such
    assert report.waiting_items == ["2.7", "3.4", "3.6", "5.2", "5.5", "6.1.2", "6.2.2"]
    assert count(engine, Milestone.status == "waiting-for-date") == 1 + 5 + 7 + 7 + 1 + 1 + 1
    with session_scope(engine) as session:
        deps = session.execute(select(PlanItem.depends_on).where(PlanItem.number == "3.5")).scalar_one()
        assert deps == ["3.3"]
        assert verify_chain(session).ok


def test_resync_of_the_same_file_changes_nothing_and_says_so(engine):
    add_orgs(engine, SECH_ORGS)
    text = SECH.read_text(encoding="utf-8")
    first = run_sync(engine, text)
    with session_scope(engine) as session:
        events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    again = run_sync(engine, text)
    assert not again.changed and not again.new_version
    assert (again.added, again.updated, again.retired) == (0, 0, 0)
    assert again.unchanged == first.added
    assert again.lines()[0] == "sechenovsky-2020: plan unchanged (version 1)"
    assert f"nothing to change: {first.added} milestones already match" in again.lines()[1]
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == events
        assert session.execute(select(func.count()).select_from(RoadmapVersion)).scalar_one() == 1


def test_dry_run_writes_nothing(engine):
    add_orgs(engine, SECH_ORGS)
    report = run_sync(engine, SECH.read_text(encoding="utf-8"), dry_run=True)
    assert report.added > 0 and report.dry_run
    assert "dry run, nothing written" in report.lines()[0]
    assert count(engine) == 0
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(RoadmapVersion)).scalar_one() == 0


def amend(text: str, change) -> str:  # noqa: ANN001
    yaml = YAML(typ="rt")
    yaml.width = 4096
    data = yaml.load(text)
    change(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _item(data, number: str):  # noqa: ANN001
    for section in data["sections"]:
        for holder in [section, *section.get("sections", [])]:
            for item in holder.get("items", []):
                if item["number"] == number:
                    return holder, item
    raise KeyError(number)


def mark_done(engine, item: str, org: str, evidence: str) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(Milestone)
            .where(Milestone.item_number == item, Milestone.org_id == org)
            .values(status="done", done_at=NOW, done_by="curator", evidence=evidence, done_version=1)
        )


def test_amendment_keeps_what_was_done_retires_removed_items_and_moves_windows(engine):
    add_orgs(engine, SECH_ORGS)
    original = SECH.read_text(encoding="utf-8")
    run_sync(engine, original)
    mark_done(engine, "1.1", "", "Приказ УО № 12 от 20.05.2020")
    mark_done(engine, "1.2", "oo1", "Приказ ОО № 7 от 25.05.2020")
    mark_done(engine, "1.13", "oo1", "Соглашение № 3")

    def change(data) -> None:  # noqa: ANN001
        _, item = _item(data, "1.2")
        item["deadline"] = "до 15.06.2020"  # a deadline change: open milestones move, the done one stays
        holder, removed_done = _item(data, "1.13")
        holder["items"].remove(removed_done)  # a removed item with a done milestone
        holder, removed_open = _item(data, "4.4")
        holder["items"].remove(removed_open)  # a removed item with only open milestones
        holder, _ = _item(data, "4.3")
        holder["items"].append({"number": "4.5", "title": "Новое мероприятие", "deadline": "декабрь 2020 г.",
                                "responsible": ["uo"], "result": "Отчёт"})  # fmt: skip
        _, reworded = _item(data, "2.3")
        reworded["title"] = reworded["title"] + " (в новой редакции)"

    amended = amend(original, change)
    from models.plan_diff import diff_plans

    diff = diff_plans(parse_plan(original, "old"), parse_plan(amended, "new"))
    assert sorted((c.kind, c.number) for c in diff.changes) == [
        ("added", "4.5"),
        ("deadline", "1.2"),
        ("removed", "1.13"),
        ("removed", "4.4"),
        ("renamed", "2.3"),
    ]

    report = run_sync(engine, amended, note="приказ УО № 30 от 01.06.2020")
    assert report.new_version and report.version == 2
    assert report.added == 1  # 4.5, one milestone for the roadmap
    assert report.moved == 6  # 1.2 for the six organisations whose milestone is still open
    assert report.retired == 7 + 7  # 1.13 and 4.4 for every ОО and ДО
    assert report.retired_reasons == {"item 1.13 is not in version 2": 7, "item 4.4 is not in version 2": 7}
    assert report.moved_parties == {"oo_head": 6}

    with session_scope(engine) as session:
        done = session.execute(select(Milestone).where(Milestone.status == "done")).scalars().all()
        assert {(m.item_number, m.org_id) for m in done} == {("1.1", ""), ("1.2", "oo1")}
        kept = session.execute(
            select(Milestone).where(Milestone.item_number == "1.2", Milestone.org_id == "oo1")
        ).scalar_one()
        assert kept.window_end == date(2020, 5, 29) and kept.evidence == "Приказ ОО № 7 от 25.05.2020"
        assert kept.done_version == 1
        moved = session.execute(
            select(Milestone).where(Milestone.item_number == "1.2", Milestone.org_id == "oo2")
        ).scalar_one()
        assert moved.window_end == date(2020, 6, 15) and moved.status == "planned" and moved.updated_version == 2
        retired_done = session.execute(
            select(Milestone).where(Milestone.item_number == "1.13", Milestone.org_id == "oo1")
        ).scalar_one()
        assert retired_done.status == "retired" and retired_done.retired_version == 2
        assert retired_done.evidence == "Соглашение № 3" and retired_done.done_at is not None
        changes = session.execute(select(DeadlineChange)).scalars().all()
        assert len(changes) == 6 and {c.new_end for c in changes} == {date(2020, 6, 15)}
        assert {c.old_end for c in changes} == {date(2020, 5, 29)}
        version = session.execute(select(RoadmapVersion).where(RoadmapVersion.version == 2)).scalar_one()
        assert version.note == "приказ УО № 30 от 01.06.2020" and version.yaml_text == amended
        items = {p.number: p for p in session.execute(select(PlanItem)).scalars()}
        assert items["1.13"].retired_version == 2 and items["4.5"].version == 2
        assert items["2.3"].title.endswith("(в новой редакции)")
        actions = session.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars().all()
        # the amendment's own events, then one event per milestone it changed, saying what changed
        assert [a for a in actions if a.startswith("roadmap.")][-2:] == ["roadmap.amended", "roadmap.synced"]
        assert actions.count("milestone.retired") == 14 and actions.count("milestone.moved") == 6
        assert verify_chain(session).ok
    assert count(engine) == count(engine, Milestone.status != "retired") + 14  # nothing deleted

    # syncing the amended file again changes nothing
    assert not run_sync(engine, amended).changed


def test_registry_changes_fan_out_to_new_organisations_and_retire_departed_ones(engine):
    add_orgs(engine, SECH_ORGS)
    text = SECH.read_text(encoding="utf-8")
    first = run_sync(engine, text)
    per_oo = count(engine, Milestone.org_id == "oo1")
    add_orgs(engine, [("oo6", "ОО", SECH_REGION, SECH_MUN)])
    with session_scope(engine) as session:
        session.execute(update(Organisation).where(Organisation.id == "do2").values(active=False))
    report = run_sync(engine, text)
    assert not report.new_version
    assert report.added == per_oo == count(engine, Milestone.org_id == "oo6")
    per_do = count(engine, Milestone.org_id == "do2")
    assert report.retired == per_do == count(engine, Milestone.org_id == "do2", Milestone.status == "retired")
    assert report.total == first.total + per_oo - per_do


def test_the_cycle_recurs_in_every_academic_year_for_each_organisation(engine):
    region = "Оренбургская область"
    add_orgs(engine, [("orsk-oo1", "ОО", region, "Орск"), ("orsk-spo", "СПО", region, "Орск"),
                      ("orsk-uo", "УО", region, "Орск")])  # fmt: skip
    run_sync(engine, ORENBURG.read_text(encoding="utf-8"))
    with session_scope(engine) as session:
        rows = session.execute(
            select(Milestone.item_number, Milestone.org_id, Milestone.occurrence, Milestone.status).where(
                Milestone.item_number.like("Ц%")  # type: ignore[attr-defined]
            )
        ).all()
    years = {"2021/2022", "2022/2023", "2023/2024", "2024/2025"}
    assert {r.occurrence for r in rows} == years
    assert {r.org_id for r in rows} == {"orsk-oo1", "orsk-spo"}  # scope ОО, ДО, СПО: not the УО
    assert len(rows) == 7 * 4 * 2
    # the source gives the cycle no dates: each step waits for one, every year
    assert {r.status for r in rows} == {"waiting-for-date"}


def test_a_cycle_with_dates_is_read_in_each_academic_year(engine):
    plan = (
        SECH.read_text(encoding="utf-8")
        .replace(
            "\nparties:",
            "\ncycle:\n  title: Циклограмма\n  scope: {per_organisation: [ОО]}\n  steps:\n"
            "    - {number: '1', title: База наставляемых, deadline: с 1 по 15 сентября, responsible: [oo_curator]}\n"
            "    - {number: '2', title: Завершение, deadline: май, responsible: [oo_curator]}\n"
            "\nparties:",
            1,
        )
        .replace("  end: 2020-12-31", "  end: 2022-12-31", 1)
    )
    add_orgs(engine, [("oo1", "ОО", SECH_REGION, SECH_MUN)])
    run_sync(engine, plan)
    with session_scope(engine) as session:
        rows = session.execute(
            select(Milestone.item_number, Milestone.occurrence, Milestone.window_start, Milestone.window_end)
            .where(Milestone.item_number.like("Ц%"))  # type: ignore[attr-defined]
            .order_by(Milestone.window_end)
        ).all()
    assert [(r.item_number, r.window_start, r.window_end) for r in rows] == [
        ("Ц1", date(2020, 9, 1), date(2020, 9, 15)),
        ("Ц2", date(2021, 5, 1), date(2021, 5, 31)),
        ("Ц1", date(2021, 9, 1), date(2021, 9, 15)),
        ("Ц2", date(2022, 5, 1), date(2022, 5, 31)),
        ("Ц1", date(2022, 9, 1), date(2022, 9, 15)),
        ("Ц2", date(2023, 5, 1), date(2023, 5, 31)),
    ]
    assert rows[0].occurrence == "2020/2021"


@pytest.mark.parametrize("as_of", [date(2020, 6, 1)])
def test_status_is_derived_per_date(engine, as_of):
    from tasks.status import StatusFilter, status_counts, status_rows

    add_orgs(engine, SECH_ORGS)
    run_sync(engine, SECH.read_text(encoding="utf-8"))
    with session_scope(engine) as session:
        counts = status_counts(session, as_of=as_of, f=StatusFilter())
        rows = list(status_rows(session, as_of=as_of, f=StatusFilter(overdue_only=True)))
    assert sum(counts["counts"].values()) == count(engine)
    assert rows and all(r.status == "overdue" and r.end is not None and r.end < as_of for r in rows)
    assert all(r.days_left == (r.end - as_of).days < 0 for r in rows)  # type: ignore[operator]
    one = next(r for r in rows if r.item == "1.1")
    assert (
        one.end == date(2020, 5, 29) and one.days_left == -3 and one.responsible == ["anisimova", "mavrina", "surina"]
    )


def test_sample_registry_and_sechenovsky_counts_follow_from_plan_and_registry(engine):
    from collections import Counter

    from tasks.registry import load_orgs, parse_orgs_csv

    csv_path = ROOT / "roadmaps" / "registry" / "sechenovsky-orgs.csv"
    rows = parse_orgs_csv(csv_path.read_text(encoding="utf-8"), source=str(csv_path))
    with session_scope(engine) as session:
        load_orgs(session, rows, actor="operator", now=NOW, source=str(csv_path), sha256="test")
    text = SECH.read_text(encoding="utf-8")
    roadmap = parse_plan(text, str(SECH))
    municipality = roadmap.territory.municipality
    kinds = Counter(r.kind for r in rows if r.active and r.region == SECH_REGION and r.municipality == municipality)
    assert kinds["ОО"] and kinds["ДО"]
    report = run_sync(engine, text)
    assert report.added == expected_milestones(roadmap, dict(kinds)) == count(engine)
    assert not run_sync(engine, text).changed


def test_a_synced_version_is_kept_parsed_for_the_sweeps_and_a_dry_run_keeps_nothing(engine, tmp_path, monkeypatch):
    """A sweep reads every stored plan; parsing the five seed plans takes 1-1.5 s, most of a small region's sweep.
    A sync leaves its version parsed in the data folder's cache, so the next sweep (a new process) reads it
    parsed; the entry is the plan itself, and an entry that cannot be read is parsed again."""
    import pickle

    from models.loader import parse_stored_plan, plan_cache
    from models.settings import get_settings
    from tasks.sweep import _stored_plan, active_roadmaps

    monkeypatch.setenv("ROADMAP_DATA_DIR", str(tmp_path / "data"))  # a data folder of this test's own
    get_settings.cache_clear()
    add_orgs(engine, SECH_ORGS)
    text = SECH.read_text(encoding="utf-8")
    run_sync(engine, text, dry_run=True)
    assert not list(plan_cache().glob("*.pickle"))
    run_sync(engine, text)
    (entry,) = plan_cache().glob("*.pickle")
    with entry.open("rb") as f:
        assert pickle.load(f) == parse_plan(text, "plan.yaml")
    _stored_plan.cache_clear()  # as in a new process
    with session_scope(engine) as session:
        (plan,) = active_roadmaps(session)
    assert plan == parse_plan(text, "plan.yaml")
    entry.write_bytes(b"not a pickle")
    assert parse_stored_plan(text, "stored", plan_cache()) == plan
    monkeypatch.undo()
    get_settings.cache_clear()
