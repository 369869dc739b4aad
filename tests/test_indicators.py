"""Submitted figures: the CSV checked whole with located errors, loads that supersede and keep history, the CLI."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from audit.chain import verify_chain
from cli.monitor import register
from models.db import session_scope
from models.loader import load_plan, parse_plan
from models.store import AuditEvent, IndicatorLoad, IndicatorValue
from monitoring.figures import (
    ValuesLoadReport,
    list_values,
    load_values,
    parse_number,
    parse_values_csv,
    registry_orgs,
)
from tasks.registry import RegistryError, load_orgs, parse_orgs_csv
from tasks.sweep import active_roadmaps
from tasks.sync import sync_plan

ROOT = Path(__file__).resolve().parent.parent
ROADMAPS = ROOT / "roadmaps"
REGISTRY = ROADMAPS / "registry"
SECH, TOMSK, ORENBURG = "sechenovsky-2020.yaml", "tomsk-2020-2024.yaml", "orenburg-2021-2024.yaml"
NOW = datetime(2021, 8, 2, 6, tzinfo=UTC)
HEADER = "roadmap,indicator,year,org,numerator,denominator,value,source,submitted_by\n"

# Orenburg has no sample registry: two municipalities with their УО, schools and an additional-education
# organisation, written for the tests
ORENBURG_ORGS = """id,name,kind,municipality,region,timezone,curator_email,head_email
orb-uo-buzuluk,УО города Бузулука (образец),УО,Город Бузулук,Оренбургская область,,,
orb-oo-buzuluk-1,Школа № 1 г. Бузулука (образец),ОО,Город Бузулук,Оренбургская область,,,
orb-oo-buzuluk-2,Школа № 2 г. Бузулука (образец),ОО,Город Бузулук,Оренбургская область,,,
orb-uo-orsk,УО города Орска (образец),УО,Город Орск,Оренбургская область,,,
orb-oo-orsk-1,Школа № 1 г. Орска (образец),ОО,Город Орск,Оренбургская область,,,
orb-oo-orsk-2,Школа № 2 г. Орска (образец),ОО,Город Орск,Оренбургская область,,,
orb-do-orsk-1,Дом творчества г. Орска (образец),ДО,Город Орск,Оренбургская область,,,
"""


def load_orgs_text(engine, text: str, source: str = "orgs.csv") -> None:
    with session_scope(engine) as session:
        load_orgs(session, parse_orgs_csv(text, source=source), actor="operator", now=NOW, source=source, sha256="-")


def sync_text(engine, text: str, *, now: datetime = NOW):
    with session_scope(engine) as session:
        return sync_plan(session, roadmap=parse_plan(text, "plan"), yaml_text=text, source_path="plan",
                         actor="operator", now=now)  # fmt: skip


def plan_text(name: str) -> str:
    return (ROADMAPS / name).read_text(encoding="utf-8")


def store_for(engine, *names: str) -> None:
    """The sample registry of each roadmap named (the test's own for Orenburg), then the plans synced."""
    registries = {SECH: (REGISTRY / "sechenovsky-orgs.csv").read_text("utf-8"),
                  TOMSK: (REGISTRY / "tomsk-orgs.csv").read_text("utf-8"), ORENBURG: ORENBURG_ORGS}  # fmt: skip
    for name in names:
        load_orgs_text(engine, registries[name], source=name)
    for name in names:
        sync_text(engine, plan_text(name))


def load_text(
    engine, text: str, *, source: str = "values.csv", dry_run: bool = False, now: datetime = NOW
) -> ValuesLoadReport:
    """Check and load a values file in one transaction, as the CLI does."""
    with session_scope(engine) as session:
        plans = {plan.id: plan for plan in active_roadmaps(session)}
        rows = parse_values_csv(text, source=source, plans=plans, orgs=registry_orgs(session))
        return load_values(session, rows, actor="operator", now=now, source=source,
                           sha256=hashlib.sha256(text.encode()).hexdigest(), dry_run=dry_run)  # fmt: skip


def refusal(engine, text: str) -> list[str]:
    with pytest.raises(RegistryError) as raised:
        load_text(engine, text)
    return [str(issue) for issue in raised.value.issues]


def stored_counts(engine) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        values = session.execute(select(func.count()).select_from(IndicatorValue)).scalar_one()
        loads = session.execute(select(func.count()).select_from(IndicatorLoad)).scalar_one()
        events = session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "indicators.loaded")
        ).scalar_one()
    return values, loads, events


def test_numbers_take_a_decimal_comma_and_spaces_between_thousands():
    assert parse_number("12,5") == 12.5
    assert parse_number("12.5") == 12.5
    assert parse_number("1 234,5") == 1234.5
    assert parse_number("1\u00a0234") == 1234
    for bad in ("-3", "много", "1e3", "12,5,1", ""):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_the_sample_files_load_and_are_marked_as_samples(engine):
    store_for(engine, SECH, TOMSK)
    sech = load_text(engine, (REGISTRY / "sechenovsky-indicators.csv").read_text("utf-8"), source="sech.csv")
    tomsk = load_text(engine, (REGISTRY / "tomsk-indicators.csv").read_text("utf-8"), source="tomsk.csv")
    assert sech.counts() == {"added": 11, "superseded": 0, "unchanged": 0}
    assert tomsk.counts() == {"added": 11, "superseded": 0, "unchanged": 0}
    assert (sech.roadmaps, tomsk.roadmaps) == (["sechenovsky-2020"], ["tomsk-2020-2024"])
    with session_scope(engine) as session:
        rows = list_values(session)
    assert len(rows) == 22
    assert all(r["source"].endswith("(образец)") and r["submitted_by"].endswith("(образец)") for r in rows)
    assert "indicators.csv" in (REGISTRY / "README.md").read_text("utf-8")


def test_a_load_stores_each_figure_with_its_level_and_writes_one_audit_event(engine):
    store_for(engine, SECH)
    text = HEADER + (
        "sechenovsky-2020,mentees_10_19,2020,sech-oo-01,24,180,,отчёт ОО,куратор\n"
        "sechenovsky-2020,young_teachers,2020,sech-uo,7,7,,сведения УО,специалист УО\n"
        'sechenovsky-2020,satisfaction_mentees,2020,,,,"62,5",анкетирование,специалист УО\n'
    )
    report = load_text(engine, text)
    assert report.lines() == ["values.csv: 3 figures for sechenovsky-2020: 3 added, 0 corrected, 0 unchanged (load 1)"]
    with session_scope(engine) as session:
        stored = session.execute(select(IndicatorValue).order_by(IndicatorValue.line)).scalars().all()
        got = [(v.line, v.key, v.org_id, v.level, v.municipality, v.numerator, v.denominator, v.value, v.load_id)
               for v in stored]  # fmt: skip
        events = session.execute(select(AuditEvent).where(AuditEvent.action == "indicators.loaded")).scalars().all()
        assert verify_chain(session).ok
    muni = "Сеченовский муниципальный район"
    assert got == [
        (2, "mentees_10_19", "sech-oo-01", "organisation", muni, 24, 180, None, 1),
        (3, "young_teachers", "sech-uo", "municipality", muni, 7, 7, None, 1),  # a УО speaks for its municipality
        (4, "satisfaction_mentees", "", "municipality", muni, None, None, 62.5, 1),  # the whole territory
    ]
    [event] = events
    assert event.subject == "values.csv" and event.actor == "operator"
    assert event.payload | {"sha256": "-"} == {
        "file": "values.csv", "sha256": "-", "load_id": 1, "roadmaps": ["sechenovsky-2020"], "added": 3,
        "superseded": 0, "unchanged": 0, "superseded_keys": [],
    }  # fmt: skip


def test_a_semicolon_file_as_russian_excel_writes_it_loads(engine):
    store_for(engine, TOMSK)
    report = load_text(engine, (REGISTRY / "tomsk-indicators.csv").read_text("utf-8"))
    assert report.counts()["added"] == 11
    with session_scope(engine) as session:
        rows = {(r["indicator"], r["org"]): r for r in list_values(session, roadmap="tomsk-2020-2024", year=2021)}
    # the criterion's answer is stored as its scale writes it, whatever the case in the file
    assert rows[("criterion:programme_presence", "tomsk-oo-tomsk-1")]["value"] == "Имеется"
    # criterion 4 was addressed by its number and is stored by its id
    assert rows[("criterion:young_teacher_retention", "tomsk-oo-tomsk-1")]["numerator"] == "7"


def test_reloading_changes_nothing_and_a_correction_supersedes_keeping_the_history(engine):
    store_for(engine, ORENBURG)
    first = HEADER + (
        "orenburg-2021-2024,mentees_children_10_19,2021,orb-oo-orsk-1,30,400,,отчёт,ОО\n"
        "orenburg-2021-2024,mentees_children_10_19,2021,orb-oo-orsk-2,6,100,,отчёт,ОО\n"
    )
    load_text(engine, first)
    again = load_text(engine, first, now=datetime(2021, 8, 3, tzinfo=UTC))
    assert again.counts() == {"added": 0, "superseded": 0, "unchanged": 2}
    assert again.lines()[0] == "values.csv: 2 figures for orenburg-2021-2024: nothing to change (2 unchanged) (load 2)"
    corrected = first.replace(",6,100,", ",16,100,")
    fix = load_text(engine, corrected, source="fix.csv", now=datetime(2021, 8, 10, tzinfo=UTC))
    assert fix.lines() == [
        "fix.csv: 2 figures for orenburg-2021-2024: 0 added, 1 corrected, 1 unchanged (load 3)",
        "  superseded orenburg-2021-2024 mentees_children_10_19 2021 orb-oo-orsk-2 (the earlier figure stays in the "
        "history)",
    ]
    with session_scope(engine) as session:
        current = list_values(session)
        history = list_values(session, include_superseded=True)
        old = session.execute(select(IndicatorValue).where(IndicatorValue.numerator == 6)).scalar_one()
    assert [(r["org"], r["numerator"]) for r in current] == [("orb-oo-orsk-1", "30"), ("orb-oo-orsk-2", "16")]
    assert [(r["org"], r["numerator"], r["load"], r["superseded_by_load"]) for r in history] == [
        ("orb-oo-orsk-1", "30", 1, ""), ("orb-oo-orsk-2", "6", 1, 3), ("orb-oo-orsk-2", "16", 3, ""),
    ]  # fmt: skip
    assert old.superseded_at == datetime(2021, 8, 10, tzinfo=UTC) and old.superseded_by_load == 3
    assert stored_counts(engine) == (3, 3, 3)


def test_a_dry_run_reports_and_writes_nothing(engine):
    store_for(engine, ORENBURG)
    text = HEADER + "orenburg-2021-2024,mentees_children_10_19,2021,,,,9,отчёт,РЦРО\n"
    report = load_text(engine, text, dry_run=True)
    assert report.lines() == [
        "values.csv: 1 figure for orenburg-2021-2024: 1 would be added, 0 would be corrected, 0 unchanged — dry run, "
        "nothing written"
    ]
    assert stored_counts(engine) == (0, 0, 0)


def test_a_bad_file_is_refused_whole_with_each_bad_line_named(engine):
    store_for(engine, SECH)
    load_orgs_text(engine, (REGISTRY / "tomsk-orgs.csv").read_text("utf-8"))
    text = HEADER + (
        "sechenovsky-2020,mentees_10_19,2020,sech-oo-01,много,180,,отчёт,куратор\n"  # 2
        "sechenovsky-2020,mentees_10_19,2020,sech-oo-02,120,100,,отчёт,куратор\n"  # 3
        "sechenovsky-2020,mentees_10_19,2020,sech-oo-99,1,100,,отчёт,куратор\n"  # 4
        "sechenovsky-2020,mentees_10_19,2025,sech-oo-03,1,100,,отчёт,куратор\n"  # 5
        "sechenovsky-2020,mentees,2020,sech-oo-03,1,100,,отчёт,куратор\n"  # 6
        "sechenovsky-2020,mentees_10_19,2020,sech-oo-04,,,12,отчёт,куратор\n"  # 7
        "sechenovsky-2020,mentees_10_19,2020,sech-oo-05,1,0,,отчёт,куратор\n"  # 8
        "sechenovsky-2020,mentees_10_19,2020,sech-oo-06,-3,100,,отчёт,куратор\n"  # 9
        "sechenovsky-2020,mentees_10_19,2020,sech-oo-07,3,,,отчёт,куратор\n"  # 10
        "sechenovsky-2020,mentees_10_19,2020,tomsk-oo-tomsk-1,3,100,,отчёт,куратор\n"  # 11
        "sechenovsky-2020,mentees_10_19,2020,sech-oo-08,3,100,,отчёт,\n"  # 12
        "sechenovsky-2020,mentees_10_19,2020,sech-do-01,9,60,,отчёт,куратор\n"  # 13: good
        "sechenovsky-2020,mentees_10_19,2020,sech-do-01,9,60,,отчёт,куратор\n"  # 14
        "sechenovsky-2020,mentees_10_19,2020,,9,60,12,отчёт,куратор\n"  # 15
        "sechenovsky-2020,mentees_10_19,двадцатый,,9,60,,отчёт,куратор\n"  # 16
        "sechenovsky-2020,satisfaction_mentees,2020,,,,101,отчёт,куратор\n"  # 17
        "orenburg-2021-2024,mentees_children_10_19,2021,,,,9,отчёт,РЦРО\n"  # 18
    )
    expected = [
        "values.csv:2: numerator: expected a number such as 12 or 12,5, found «много»",
        "values.csv:3: numerator: numerator 120 is above denominator 100 (a share cannot exceed 100 %)",
        "values.csv:4: org: unknown organisation «sech-oo-99»: expected an id of the registry (see `roadmap orgs "
        "list`), or an empty cell for the whole territory",
        "values.csv:5: year: expected a year inside the period of sechenovsky-2020 (2020) or one with a target of "
        "mentees_10_19 (2020-2024), found 2025",
        "values.csv:6: indicator: expected an indicator id (mentees_10_19, mentors_15_19, young_teachers, enterprises, "
        "satisfaction_mentees, satisfaction_mentors), found «mentees»",
        "values.csv:7: value: a share below the whole territory needs numerator and denominator, so that it adds up "
        "to the municipality and the region; value alone is for an empty org",
        "values.csv:8: denominator: expected a denominator above 0, found «0»",
        "values.csv:9: numerator: expected 0 or more, found «-3»",
        "values.csv:10: denominator: expected numerator and denominator together, found only the numerator",
        "values.csv:11: org: organisation «tomsk-oo-tomsk-1» is in Город Томск, Томская область: outside the "
        "territory of sechenovsky-2020 (Сеченовский муниципальный район, Нижегородская область)",
        "values.csv:12: submitted_by: expected a value, found an empty cell",
        "values.csv:14: roadmap: duplicate figure for mentees_10_19 2020 sech-do-01 in sechenovsky-2020, first on "
        "line 13",
        "values.csv:15: value: expected numerator and denominator, or value, not both (the share is computed from "
        "them)",
        "values.csv:16: year: expected a year such as 2021, found «двадцатый»",
        "values.csv:17: value: expected a share from 0 to 100 (%), found «101»",
        "values.csv:18: roadmap: expected a roadmap of the store (sechenovsky-2020), found «orenburg-2021-2024»; load "
        "its plan first with `roadmap sync PLAN`",
    ]
    assert refusal(engine, text) == expected
    assert stored_counts(engine) == (0, 0, 0)  # nothing half-written, no audit event


def test_the_year_must_be_inside_the_period_and_counts_and_answers_fit_their_measure(engine):
    store_for(engine, ORENBURG, TOMSK)
    text = HEADER + (
        "orenburg-2021-2024,mentees_children_10_19,2020,,,,9,отчёт,РЦРО\n"
        "tomsk-2020-2024,item:1.1,2021,,19,20,,отчёт,ТОИПКРО\n"
        "tomsk-2020-2024,item:1.1,2021,tomsk-uo-tomsk,,,,отчёт,ТОИПКРО\n"
        "tomsk-2020-2024,criterion:programme_presence,2021,tomsk-oo-tomsk-1,,,есть,ответ,куратор\n"
        "tomsk-2020-2024,criterion:programme_presence,2021,tomsk-oo-tomsk-2,1,1,,ответ,куратор\n"
        "tomsk-2020-2024,item:9.9,2021,,,,1,отчёт,ТОИПКРО\n"
        "tomsk-2020-2024,criterion:9,2021,,,,1,отчёт,ТОИПКРО\n"
    )
    criteria = ("criterion:programme_presence, criterion:deficit_conditions, criterion:motivation_system, "
                "criterion:young_teacher_retention, criterion:young_specialist_contests, "
                "criterion:experience_dissemination, criterion:mentee_results_dynamics")  # fmt: skip
    items = ", ".join(f"item:{n}" for n in ("1.1 1.2 1.3 1.4 1.5 1.6 1.7 1.8 1.9 1.10 2.1 2.2 2.3 2.4 3.1 3.2 3.3 "
                                            "3.4").split())  # fmt: skip
    unknown = f"expected an item with targets ({items}); a criterion ({criteria})"
    assert refusal(engine, text) == [
        "values.csv:2: year: expected a year inside the period of orenburg-2021-2024 (2021-2024), found 2020",
        "values.csv:3: numerator: item:1.1 is a count (ед.): give it in value, not as numerator and denominator",
        "values.csv:4: value: expected the count (ед.) in value, found an empty cell",
        "values.csv:5: value: expected one of «Имеется», «отсутствует» (criterion:programme_presence), found «есть»",
        "values.csv:6: numerator: criterion:programme_presence is answered in value with one of its levels, not with "
        "numerator and denominator",
        "values.csv:6: value: expected one of «Имеется», «отсутствует», found an empty cell",
        f"values.csv:7: indicator: {unknown}, found «item:9.9»",
        f"values.csv:8: indicator: {unknown}, found «criterion:9»",
    ]


def test_a_bad_header_is_refused_before_any_row(engine):
    store_for(engine, ORENBURG)
    text = "roadmap,indicator,year,org,value,source,submitted_by,comment\n"
    assert refusal(engine, text) == [
        "values.csv:1: header: missing required columns numerator, denominator (expected roadmap,indicator,year,org,"
        "numerator,denominator,value,source,submitted_by)",
        "values.csv:1: header: unknown columns «comment» (optional columns are )",
    ]


# -- the commands ----------------------------------------------------------------------------------

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
    register(app)
    return app


def run(*args: str):
    return runner.invoke(make_app(), list(args))


def test_indicators_load_and_list_from_the_command_line(engine, db_url, tmp_path):
    store_for(engine, SECH)
    sample = REGISTRY / "sechenovsky-indicators.csv"
    dry = run("indicators", "load", str(sample), "--db", db_url, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.endswith("11 would be added, 0 would be corrected, 0 unchanged — dry run, nothing written\n")
    loaded = run("indicators", "load", str(sample), "--db", db_url, "--by", "operator")
    assert loaded.exit_code == 0, loaded.output
    assert loaded.stdout == f"{sample}: 11 figures for sechenovsky-2020: 11 added, 0 corrected, 0 unchanged (load 1)\n"

    listed = run("indicators", "list", "--db", db_url, "--roadmap", "sechenovsky-2020", "--format", "csv")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0] == HEADER.strip()
    assert ("sechenovsky-2020,satisfaction_mentees,2020,,,,62.5,анкетирование (образец),специалист УО (образец)"
            in lines)  # fmt: skip
    # a listing loads back as it is: nothing to change
    back = tmp_path / "back.csv"
    back.write_text(listed.stdout, encoding="utf-8")
    again = run("indicators", "load", str(back), "--db", db_url)
    assert again.stdout == f"{back}: 11 figures for sechenovsky-2020: nothing to change (11 unchanged) (load 2)\n"

    as_json = json.loads(run("indicators", "list", "--db", db_url, "--year", "2020", "--format", "json").stdout)
    assert {"roadmap": "sechenovsky-2020", "indicator": "young_teachers", "year": 2020, "org": "sech-uo",
            "numerator": "7", "denominator": "7", "value": "", "source": "сведения УО (образец)",
            "submitted_by": "специалист УО (образец)"} in as_json  # fmt: skip
    table = run("indicators", "list", "--db", db_url, "--year", "2021")
    assert table.stdout == "(no figures match)\n"


def test_indicators_load_refuses_a_bad_file_with_exit_2_and_writes_nothing(engine, db_url, tmp_path):
    store_for(engine, SECH)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "sechenovsky-2020,mentees_10_19,2020,sech-oo-01,много,180,,отчёт,куратор\n"
                   "sechenovsky-2020,mentees_10_19,2020,nobody,1,180,,отчёт,куратор\n", encoding="utf-8")  # fmt: skip
    result = run("indicators", "load", str(bad), "--db", db_url)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{bad}:2: numerator: expected a number such as 12 or 12,5, found «много»",
        f"{bad}:3: org: unknown organisation «nobody»: expected an id of the registry (see `roadmap orgs list`), or "
        "an empty cell for the whole territory",
        f"error: {bad}: 2 problems; nothing was loaded",
    ]
    assert stored_counts(engine) == (0, 0, 0)
    missing = run("indicators", "load", str(tmp_path / "none.csv"), "--db", db_url)
    assert (missing.exit_code, missing.stderr) == (2, f"error: {tmp_path / 'none.csv'}: no such file\n")


def test_every_monitoring_command_has_an_example_in_its_help():
    for words in (["indicators", "load"], ["indicators", "list"], ["monitor"]):
        result = run(*words, "--help")
        assert result.exit_code == 0, result.output
        assert f"Example: roadmap {' '.join(words)}" in result.stdout
        assert f"roadmap {' '.join(words)}" in (ROOT / "README.md").read_text("utf-8")


def test_every_shipped_plan_names_its_measures_uniquely():
    # the CSV addresses a measure by id or item:NUMBER: two with one address would be ambiguous
    from monitoring.measures import measures

    for name in (SECH, TOMSK, ORENBURG):
        addresses = [m.address for m in measures(load_plan(ROADMAPS / name))]
        assert len(addresses) == len(set(addresses)), name
