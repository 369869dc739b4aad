"""The yearly monitoring on the Sechenovsky, Orenburg and Tomsk roadmaps: roll-ups, verdicts, computed figures,
criteria on their scales, snapshots that are kept, the monitor flow in Prefect and the command.

Expected figures are written as the arithmetic of the fixture rows, so each can be checked by hand.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from sqlalchemy import func, select

from models.db import session_scope
from models.loader import load_plan
from models.plan import Tolerance
from models.store import AuditEvent, Milestone, MonitoringResult, MonitoringSnapshot
from monitoring.evaluate import MonitoringError
from monitoring.measures import band, judge
from monitoring.snapshots import snapshot_view, take_snapshot
from tasks.complete import CompletionRequest, complete, reopen
from tests.test_indicators import (
    HEADER,
    ORENBURG,
    REGISTRY,
    ROADMAPS,
    SECH,
    TOMSK,
    load_text,
    make_app,
    plan_text,
    store_for,
    sync_text,
)

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2021, 8, 1, 4, tzinfo=UTC)
TOMSK_PLAN = load_plan(ROADMAPS / TOMSK)
TOMSK_UO = [line.split(",")[0] for line in (REGISTRY / "tomsk-orgs.csv").read_text("utf-8").splitlines()
            if ",УО," in line]  # fmt: skip


def snapshot(engine, roadmap: str, year: int | None, *, now: datetime = NOW):
    with session_scope(engine) as session:
        return take_snapshot(session, roadmap_id=roadmap, year=year, now=now, actor="operator")


def result(report, key: str, level: str, scope: str | None = None) -> dict:
    [row] = [r for r in report.rows if r["key"] == key and r["level"] == level and scope in (None, r["scope"])]
    return row


# -- verdicts and scales, without a store ---------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "target", "percent", "tolerance", "verdict", "text"),
    [
        (10, 10, True, None, "met", "выполнен"),  # exactly at target
        (10.5, 10, True, None, "met", "выполнен"),
        (9, 10, True, None, "missed", "не выполнен на 1 п.п."),  # 1 point under, no tolerance
        (9, 10, True, Tolerance(points=1), "within", "в пределах допуска (ниже цели на 1 п.п.)"),  # on the edge
        (8.99, 10, True, Tolerance(points=1), "missed", "не выполнен на 1,01 п.п."),  # just beyond
        (20, 20, False, Tolerance(percent=1), "met", "выполнен"),
        (19.8, 20, False, Tolerance(percent=1), "within", "в пределах допуска (ниже цели на 1 %)"),  # 1 % under
        (19.7, 20, False, Tolerance(percent=1), "missed", "не выполнен на 1,5 %"),  # just beyond
        (19.8, 20, True, Tolerance(percent=1), "within", "в пределах допуска (ниже цели на 0,2 п.п.)"),
        (0, 0, False, Tolerance(percent=1), "met", "выполнен"),  # Tomsk 2.3 in 2020: target 0
        (None, 10, True, None, "no-data", "нет данных"),
        (5, None, True, None, "no-target", "цель на год не установлена"),
    ],
)
def test_verdicts_at_the_tolerance_edges(actual, target, percent, tolerance, verdict, text):
    judgement = judge(actual, target, percent=percent, tolerance=tolerance)
    assert (judgement.verdict, judgement.text) == (verdict, text)
    if actual is not None and target is not None:
        assert judgement.deviation == pytest.approx(actual - target)


@pytest.mark.parametrize(
    ("percent", "label"),
    [(100, "100 – 80%"), (80, "100 – 80%"), (79.5, "79-60%"), (79, "79-60%"), (60, "79-60%"), (59.99, "59-40%"),
     (40, "59-40%"), (39.5, "39% и ниже"), (39, "39% и ниже"), (0, "39% и ниже")],
)  # fmt: skip
def test_percent_bands_of_criterion_4_a_value_between_bands_falls_to_the_lower(percent, label):
    scale = next(c.scale for c in TOMSK_PLAN.criteria if c.number == "4")
    assert band(scale, percent) == label


# -- Sechenovsky: schools, the УО and the district -------------------------------------------------


def test_sechenovsky_figures_roll_up_as_sums_of_numerators_and_denominators(engine):
    store_for(engine, SECH)
    load_text(engine, (REGISTRY / "sechenovsky-indicators.csv").read_text("utf-8"))
    report = snapshot(engine, "sechenovsky-2020", 2020)
    district = "Сеченовский муниципальный район"

    mentees = result(report, "mentees_10_19", "municipality")
    assert mentees["scope"] == district and mentees["basis"] == "rolled-up"
    assert (mentees["numerator"], mentees["denominator"]) == (24 + 15 + 6 + 9, 180 + 140 + 75 + 60)
    assert mentees["actual"] == pytest.approx(100 * (24 + 15 + 6 + 9) / (180 + 140 + 75 + 60))
    # not the average of the four percentages
    assert mentees["actual"] != pytest.approx((100 * 24 / 180 + 100 * 15 / 140 + 100 * 6 / 75 + 100 * 9 / 60) / 4)
    assert mentees["verdict"] == "met" and mentees["detail"]["rows"] == 4
    # a share's target applies to each school too: 6 of 75 is 8 %, 2 points under 10 %
    school = result(report, "mentees_10_19", "organisation", "sech-oo-03")
    assert (school["actual"], school["verdict_text"]) == (pytest.approx(100 * 6 / 75), "не выполнен на 2 п.п.")
    assert school["scope_name"] == 'МБОУ "Болтинская СШ" (образец)'

    mentors = result(report, "mentors_15_19", "municipality")
    assert mentors["actual"] == pytest.approx(100 * (3 + 1) / (90 + 70)) and mentors["verdict"] == "met"
    teachers = result(report, "young_teachers", "municipality")  # the УО's figure is the district's
    assert (teachers["basis"], teachers["actual"], teachers["verdict"]) == ("submitted", 100 * 7 / 7, "met")
    enterprises = result(report, "enterprises", "municipality")  # given for the whole district
    assert (enterprises["basis"], enterprises["actual"], enterprises["target"]) == ("submitted", 100 * 1 / 40, 2)
    assert result(report, "satisfaction_mentees", "municipality")["actual"] == 62.5
    satisfied = result(report, "satisfaction_mentors", "municipality")
    assert satisfied["actual"] == pytest.approx(100 * (5 + 4) / (9 + 6))
    assert report.summary["counts"] == {"met": 6, "within": 0, "missed": 0, "no-data": 0, "no-target": 0}

    # 2021 is outside the roadmap's period but inside its indicators' targets: monitored, with no data yet
    later = snapshot(engine, "sechenovsky-2020", 2021)
    assert later.summary["counts"] == {"met": 0, "within": 0, "missed": 0, "no-data": 6, "no-target": 0}
    assert later.lines()[1] == f"  {district}: выполнено 0, в пределах допуска 0, не выполнено 0, нет данных 6"


# -- Orenburg: schools, УО and region; verdict edges -----------------------------------------------

ORENBURG_2021 = HEADER + (
    "orenburg-2021-2024,mentees_children_10_19,2021,orb-oo-buzuluk-1,12,100,,отчёт,ОО\n"
    "orenburg-2021-2024,mentees_children_10_19,2021,orb-oo-buzuluk-2,8,100,,отчёт,ОО\n"
    "orenburg-2021-2024,mentees_children_10_19,2021,orb-oo-orsk-1,30,400,,отчёт,ОО\n"
    "orenburg-2021-2024,mentees_children_10_19,2021,orb-oo-orsk-2,6,100,,отчёт,ОО\n"
    "orenburg-2021-2024,mentees_children_10_19,2021,orb-do-orsk-1,2,50,,отчёт,ДО\n"
    "orenburg-2021-2024,mentors_children_15_19,2021,orb-uo-orsk,9,450,,сведения УО,УО Орска\n"
    "orenburg-2021-2024,mentors_children_15_19,2021,orb-oo-orsk-1,1,100,,отчёт,ОО\n"
    "orenburg-2021-2024,mentors_children_15_19,2021,orb-oo-orsk-2,1,100,,отчёт,ОО\n"
    "orenburg-2021-2024,mentors_children_15_19,2021,orb-oo-buzuluk-1,3,200,,отчёт,ОО\n"
    "orenburg-2021-2024,mentees_young_teachers,2021,,,,9,сводный отчёт,ГБУ РЦРО\n"
    'orenburg-2021-2024,satisfaction_mentees,2021,,,,"49,5",анкетирование,ГБУ РЦРО\n'
    "orenburg-2021-2024,enterprises_with_mentors,2021,,,,2,реестр,ГБУ РЦРО\n"
)


def test_orenburg_rolls_up_school_to_municipality_to_region_and_judges_each_level(engine):
    store_for(engine, ORENBURG)
    load_text(engine, ORENBURG_2021)
    report = snapshot(engine, "orenburg-2021-2024", 2021)

    buzuluk = result(report, "mentees_children_10_19", "municipality", "Город Бузулук")
    assert (buzuluk["numerator"], buzuluk["denominator"]) == (12 + 8, 100 + 100)
    assert (buzuluk["actual"], buzuluk["verdict"], buzuluk["verdict_text"]) == (10, "met", "выполнен")  # at target
    orsk = result(report, "mentees_children_10_19", "municipality", "Город Орск")
    assert orsk["actual"] == pytest.approx(100 * (30 + 6 + 2) / (400 + 100 + 50))
    region = result(report, "mentees_children_10_19", "region")
    assert (region["scope"], region["basis"]) == ("Оренбургская область", "rolled-up")
    assert (region["numerator"], region["denominator"]) == (12 + 8 + 30 + 6 + 2, 100 + 100 + 400 + 100 + 50)
    short = 10 - 100 * (12 + 8 + 30 + 6 + 2) / (100 + 100 + 400 + 100 + 50)
    assert region["verdict_text"] == f"не выполнен на {round(short, 2):.2f} п.п.".replace(".", ",", 1)
    assert region["deviation"] == pytest.approx(-short) and region["detail"]["municipalities"] == 2

    # the УО's figure stands for Orsk; its schools' 1 % does not replace it; the region adds Orsk's УО figure
    orsk_mentors = result(report, "mentors_children_15_19", "municipality", "Город Орск")
    assert (orsk_mentors["basis"], orsk_mentors["actual"], orsk_mentors["verdict"]) == ("submitted", 2, "met")
    mentors = result(report, "mentors_children_15_19", "region")
    assert (mentors["numerator"], mentors["denominator"]) == (3 + 9, 200 + 450)
    assert mentors["verdict"] == "missed"

    teachers = result(report, "mentees_young_teachers", "region")  # 1 point under its target of 10
    assert (teachers["actual"], teachers["verdict_text"]) == (9, "не выполнен на 1 п.п.")
    assert result(report, "satisfaction_mentees", "region")["verdict_text"] == "не выполнен на 0,5 п.п."
    assert result(report, "enterprises_with_mentors", "region")["verdict"] == "met"  # 2 of a target of 2
    assert result(report, "satisfaction_mentors", "region")["verdict"] == "no-data"
    assert report.summary["counts"] == {"met": 1, "within": 0, "missed": 4, "no-data": 1, "no-target": 0}
    # schools are judged against the same share: Buzuluk's school 1 has 12 %, school 2 has 8 %
    assert result(report, "mentees_children_10_19", "organisation", "orb-oo-buzuluk-2")["verdict"] == "missed"
    assert result(report, "mentees_children_10_19", "organisation", "orb-oo-buzuluk-1")["verdict"] == "met"


def test_an_indicator_tolerance_in_points_at_target_on_the_edge_and_just_beyond(engine):
    store_for(engine, ORENBURG)
    # an amended plan gives one indicator a tolerance of 1 percentage point
    text = plan_text(ORENBURG).replace(
        "    targets: {2021: 10, 2022: 30, 2023: 50, 2024: 70}\n  - id: enterprises_with_mentors",
        "    targets: {2021: 10, 2022: 30, 2023: 50, 2024: 70}\n    tolerance: {points: 1}\n"
        "  - id: enterprises_with_mentors",
    )
    assert "tolerance: {points: 1}" in text
    sync_text(engine, text)
    load_text(engine, HEADER + (
        "orenburg-2021-2024,mentees_young_teachers,2021,,,,10,отчёт,РЦРО\n"
        "orenburg-2021-2024,mentees_young_teachers,2022,,,,29,отчёт,РЦРО\n"
        'orenburg-2021-2024,mentees_young_teachers,2023,,,,"48,99",отчёт,РЦРО\n'
    ))  # fmt: skip
    verdicts = [result(snapshot(engine, "orenburg-2021-2024", year), "mentees_young_teachers", "region")
                for year in (2021, 2022, 2023)]  # fmt: skip
    assert [(r["target"], r["verdict"], r["verdict_text"]) for r in verdicts] == [
        (10, "met", "выполнен"),
        (30, "within", "в пределах допуска (ниже цели на 1 п.п.)"),
        (50, "missed", "не выполнен на 1,01 п.п."),
    ]


# -- Tomsk: item targets computed from milestones, criteria on their scales --------------------------


def complete_milestones(engine, item: str, orgs: list[str], occurrence: str, at: datetime) -> list[int]:
    """Record the item's milestones of these organisations (and occurrence) done at `at`, as the operator."""
    with session_scope(engine) as session:
        ids = session.execute(
            select(Milestone.id).where(Milestone.roadmap_id == TOMSK_PLAN.id, Milestone.item_number == item,
                                       Milestone.org_id.in_(orgs), Milestone.occurrence == occurrence)  # type: ignore[attr-defined]
        ).scalars().all()  # fmt: skip
        assert len(ids) == len(orgs), (item, orgs, occurrence)
        for milestone_id in ids:
            request = CompletionRequest(milestone_id, evidence="Приказ № 1", by="operator", at=at)
            complete(session, roadmap=TOMSK_PLAN, request=request, now=at, recorded_by="operator", version=1)
    return list(ids)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=5, tzinfo=UTC)


def test_tomsk_item_targets_are_computed_from_done_milestones(engine):
    store_for(engine, TOMSK)
    # 1.1 (one deadline, May 2020): 18 programmes by 2020, one more in 2022
    complete_milestones(engine, "1.1", TOMSK_UO[:18], "", at("2020-05-20"))
    complete_milestones(engine, "1.1", TOMSK_UO[18:19], "", at("2022-02-01"))
    # 1.3 (continuous: May 2020, then check-ins): sites of the Tomsk УО and two Tomsk schools in 2020-2021;
    # a Seversk school's done in January 2022 does not count for 2021
    complete_milestones(engine, "1.3", ["tomsk-uo-tomsk", "tomsk-oo-tomsk-1"], "2020-05", at("2020-05-25"))
    complete_milestones(engine, "1.3", ["tomsk-oo-tomsk-2"], "2021-03", at("2021-04-01"))
    complete_milestones(engine, "1.3", ["tomsk-oo-seversk-1"], "2021-12", at("2022-01-10"))
    # 1.6 (yearly): 5 municipalities' 2021 monitoring, 3 others' of 2020; one 2021 completion reopened
    complete_milestones(engine, "1.6", TOMSK_UO[:5], "2021", at("2021-06-01"))
    complete_milestones(engine, "1.6", TOMSK_UO[5:8], "2020", at("2020-11-01"))
    [wrong] = complete_milestones(engine, "1.6", TOMSK_UO[8:9], "2021", at("2021-06-02"))
    with session_scope(engine) as session:
        reopen(session, roadmap=TOMSK_PLAN, milestone_id=wrong, reason="не тот отчёт", by="operator",
               now=at("2021-06-03"), recorded_by="operator")  # fmt: skip
    # 3.4 (% of municipalities holding a contest, yearly): 6 of 20 in 2021, exactly the 30 % target
    complete_milestones(engine, "3.4", TOMSK_UO[:6], "2021", at("2021-10-01"))
    # 2.3 (the roadmap's own, yearly from 2021)
    complete_milestones(engine, "2.3", [""], "2021", at("2021-09-01"))
    load_text(engine, HEADER + (
        "tomsk-2020-2024,item:1.1,2021,,,,20,аналитический отчёт,ТОИПКРО\n"
        "tomsk-2020-2024,item:1.3,2021,tomsk-uo-tomsk,,,9,сведения УО,УО Томска\n"
    ))  # fmt: skip
    report = snapshot(engine, TOMSK_PLAN.id, 2021)

    programmes = result(report, "1.1", "region")
    assert (programmes["computed"], programmes["submitted"], programmes["actual"]) == (18, 20, 20)
    assert (programmes["basis"], programmes["verdict"], programmes["detail"]["differs"]) == ("submitted", "met", True)
    assert programmes["detail"]["computed"] == {"done": 18, "of": 20}
    sites = result(report, "1.3", "region")
    assert (sites["computed"], sites["submitted"], sites["target"]) == (2 + 1, 9, 335)
    tomsk_sites = result(report, "1.3", "municipality", "Город Томск")
    assert (tomsk_sites["computed"], tomsk_sites["submitted"], tomsk_sites["verdict"]) == (3, 9, "not-judged")
    assert tomsk_sites["target"] is None  # 335 is the region's total, not Tomsk's
    assert result(report, "1.3", "organisation", "tomsk-oo-seversk-1")["computed"] == 0
    assert result(report, "1.3", "organisation", "tomsk-oo-tomsk-2")["computed"] == 1
    monitoring = result(report, "1.6", "region")  # no figure submitted: the computed one decides
    assert (monitoring["computed"], monitoring["basis"], monitoring["actual"]) == (5, "computed", 5)
    contests = result(report, "3.4", "region")
    assert (contests["numerator"], contests["denominator"]) == (6, 20)
    assert (contests["actual"], contests["target"], contests["verdict"]) == (100 * 6 / 20, 30, "met")
    assert result(report, "2.3", "region")["actual"] == 1
    assert result(report, "1.4", "region")["verdict_text"] == "не выполнен на 100 %"  # nothing recorded done
    assert {(d["address"], d["level"], d["scope"]) for d in report.summary["differences"]} == {
        ("item:1.1", "region", "Томская область"), ("item:1.3", "region", "Томская область"),
        ("item:1.3", "municipality", "Город Томск"),
    }  # fmt: skip
    lines = report.lines()
    assert "  item:1.1: цель 20 ед., факт 20 ед. — выполнен" in lines
    assert ("      представлено 20 ед., вычислено по отметкам о выполнении 18 ед.: расхождение, оценка по "
            "представленному") in lines  # fmt: skip

    earlier = snapshot(engine, TOMSK_PLAN.id, 2020)
    assert [result(earlier, n, "region")["computed"] for n in ("1.1", "1.3", "1.6", "2.3")] == [18, 2, 3, 0]
    assert result(earlier, "2.3", "region")["verdict"] == "met"  # target 0 in 2020, before the item starts
    later = snapshot(engine, TOMSK_PLAN.id, 2022)
    assert result(later, "1.1", "region")["computed"] == 18 + 1


def test_tomsk_criteria_are_scored_on_their_declared_scales(engine):
    store_for(engine, TOMSK)
    load_text(engine, HEADER + (
        "tomsk-2020-2024,criterion:4,2021,tomsk-oo-tomsk-1,159,200,,АИС,ОО\n"
        "tomsk-2020-2024,criterion:4,2021,tomsk-oo-tomsk-2,80,100,,АИС,ОО\n"
        "tomsk-2020-2024,criterion:4,2021,tomsk-oo-seversk-1,39,100,,АИС,ОО\n"
        "tomsk-2020-2024,criterion:4,2021,tomsk-oo-seversk-2,40,100,,АИС,ОО\n"
        "tomsk-2020-2024,criterion:1,2021,tomsk-uo-tomsk,,,Имеется,ответ на запрос,УО\n"
        "tomsk-2020-2024,criterion:1,2021,tomsk-oo-tomsk-1,,,имеется,ответ на запрос,ОО\n"
        "tomsk-2020-2024,criterion:1,2021,tomsk-oo-tomsk-2,,,отсутствует,ответ на запрос,ОО\n"
        "tomsk-2020-2024,criterion:1,2021,tomsk-oo-seversk-1,,,Имеется,ответ на запрос,ОО\n"
        "tomsk-2020-2024,criterion:6,2021,tomsk-oo-tomsk-1,,,4,АИС,ОО\n"
        "tomsk-2020-2024,criterion:6,2021,tomsk-oo-seversk-1,,,2,АИС,ОО\n"
        "tomsk-2020-2024,criterion:6,2021,tomsk-uo-seversk,,,5,отчёт УО,УО\n"
    ))  # fmt: skip
    report = snapshot(engine, TOMSK_PLAN.id, 2021)

    def scored(key: str, level: str, scope: str | None = None) -> tuple:
        row = result(report, key, level, scope)
        return row["actual"], row["score"], row["verdict"]

    retention = "young_teacher_retention"
    assert scored(retention, "organisation", "tomsk-oo-tomsk-1") == (100 * 159 / 200, "79-60%", "scored")  # 79.5
    assert scored(retention, "organisation", "tomsk-oo-tomsk-2") == (80, "100 – 80%", "scored")
    assert scored(retention, "municipality", "Город Томск") == (pytest.approx(100 * (159 + 80) / 300), "79-60%",
                                                               "scored")  # fmt: skip
    assert scored(retention, "municipality", "ЗАТО Северск") == (100 * (39 + 40) / 200, "39% и ниже", "scored")
    assert scored(retention, "region") == (pytest.approx(100 * (159 + 80 + 39 + 40) / 500), "79-60%", "scored")
    assert result(report, retention, "region")["verdict_text"] == "63,6 %: «79-60%»"

    presence = result(report, "programme_presence", "municipality", "Город Томск")
    assert (presence["score"], presence["detail"]["answers"]) == ("Имеется", {"Имеется": 1, "отсутствует": 1})
    region = result(report, "programme_presence", "region")  # the schools' and the УО's answers
    assert (region["score"], region["actual"]) == (None, 100 * 3 / 4)
    assert region["verdict_text"] == "«Имеется» у 3 из 4 (75 %)"

    assert result(report, "experience_dissemination", "municipality", "ЗАТО Северск")["actual"] == 5  # the УО's
    assert result(report, "experience_dissemination", "municipality", "Город Томск")["actual"] == 4
    assert result(report, "experience_dissemination", "region")["actual"] == 4 + 5
    assert result(report, "motivation_system", "region")["verdict"] == "no-data"


def test_a_rerun_after_a_correction_adds_a_second_snapshot_and_keeps_the_first(engine):
    store_for(engine, TOMSK)
    load_text(engine, HEADER + (
        'tomsk-2020-2024,item:1.1,2021,,,,"19,7",аналитический отчёт,ТОИПКРО\n'
        "tomsk-2020-2024,item:1.1,2022,,,,20,аналитический отчёт,ТОИПКРО\n"
    ))  # fmt: skip
    first = snapshot(engine, TOMSK_PLAN.id, 2021)
    assert result(first, "1.1", "region")["verdict_text"] == "не выполнен на 1,5 %"  # just beyond 1 %
    load_text(engine, HEADER + 'tomsk-2020-2024,item:1.1,2021,,,,"19,8",исправленный отчёт,ТОИПКРО\n',
              source="fix.csv", now=datetime(2021, 8, 5, tzinfo=UTC))  # fmt: skip
    second = snapshot(engine, TOMSK_PLAN.id, 2021, now=datetime(2021, 8, 6, tzinfo=UTC))
    assert result(second, "1.1", "region")["verdict_text"] == "в пределах допуска (ниже цели на 1 %)"  # on the edge
    third = snapshot(engine, TOMSK_PLAN.id, 2022)
    assert result(third, "1.1", "region")["verdict"] == "met"  # exactly 20

    assert second.snapshot_id != first.snapshot_id
    assert (first.summary["load_ids"], second.summary["load_ids"]) == ([1], [2])
    assert (first.summary["run"], second.summary["run"]) == (1, 2)
    with session_scope(engine) as session:
        kept = snapshot_view(session, snapshot_id=first.snapshot_id)
        latest = snapshot_view(session, roadmap_id=TOMSK_PLAN.id, year=2021)
        snapshots = session.execute(select(func.count()).select_from(MonitoringSnapshot)).scalar_one()
        results = session.execute(select(func.count()).select_from(MonitoringResult)).scalar_one()
        events = session.execute(
            select(AuditEvent.payload).where(AuditEvent.action == "monitoring.snapshot").order_by(AuditEvent.seq)
        ).all()  # in chain order: without ORDER BY, PostgreSQL may return them in any order
    assert kept is not None and latest is not None and latest.id == second.snapshot_id
    [kept_row] = [r for r in kept.territory() if r.key == "1.1"]
    assert (kept_row.actual, kept_row.verdict, kept.load_ids) == (19.7, "missed", (1,))
    assert kept.summary == first.summary and kept.taken_at == NOW
    assert (snapshots, results) == (3, len(first.rows) + len(second.rows) + len(third.rows))
    assert [e.payload["snapshot_id"] for e in events] == [1, 2, 3]


def test_monitoring_refuses_an_unknown_roadmap_and_a_year_outside_the_plan(engine):
    store_for(engine, ORENBURG)
    with pytest.raises(MonitoringError) as unknown:
        snapshot(engine, "orenburg", 2021)
    assert str(unknown.value) == (
        "no roadmap «orenburg» in the store (it holds: orenburg-2021-2024); "
        "load its plan first with `roadmap sync PLAN`"
    )
    with pytest.raises(MonitoringError) as outside:
        snapshot(engine, "orenburg-2021-2024", 2025)
    assert (
        str(outside.value)
        == "year 2025: expected a year of the period or the targets of orenburg-2021-2024 (2021-2024)"
    )
    # without a year: the current year in the roadmap's zone (1 January 2022 already, in Orenburg)
    report = snapshot(engine, "orenburg-2021-2024", None, now=datetime(2021, 12, 31, 20, tzinfo=UTC))
    assert report.summary["year"] == 2022


# -- the flow in Prefect, the command, the schedule ------------------------------------------------


def test_the_monitor_flow_records_a_snapshot_and_publishes_the_headline(prefect_harness, engine, db_url):
    from prefect.client.orchestration import get_client

    from flows.monitor import monitor

    store_for(engine, ORENBURG)
    load_text(engine, ORENBURG_2021)
    # a scheduled run passes no year: the flow takes this year in Asia/Yekaterinburg
    state = monitor(roadmap="orenburg-2021-2024", db=db_url, now=NOW, actor="rcro", return_state=True)
    assert state.is_completed()
    out = state.result()
    assert out["summary"]["year"] == 2021 and out["summary"]["taken_by"] == "rcro"
    assert out["lines"][0] == ("orenburg-2021-2024, 2021: snapshot 1 (run 1 for 2021), plan version 1, figures of "
                               "loads 1")  # fmt: skip
    with session_scope(engine) as session:
        assert snapshot_view(session, snapshot_id=out["snapshot_id"]).summary == out["summary"]

    async def recorded() -> tuple[str, list[str]]:
        async with get_client() as client:
            run = await client.read_flow_run(state.state_details.flow_run_id)
            artifacts = await client.read_artifacts()
            return run.name, [a.key for a in artifacts]

    name, keys = asyncio.run(recorded())
    assert name == "monitor orenburg-2021-2024 this year"
    assert "monitor-orenburg-2021-2024-2021" in keys


def test_roadmap_monitor_prints_the_headline_and_refuses_bad_input(prefect_harness, engine, db_url):
    from typer.testing import CliRunner

    store_for(engine, ORENBURG)
    load_text(engine, ORENBURG_2021)
    runner = CliRunner()
    app = make_app()
    text = runner.invoke(app, ["monitor", "--roadmap", "orenburg-2021-2024", "--year", "2021", "--db", db_url])
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[1] == "  Оренбургская область: выполнено 1, в пределах допуска 0, не выполнено 4, нет данных 1"
    assert "  mentees_young_teachers: цель 10 %, факт 9 % — не выполнен на 1 п.п." in lines
    as_json = runner.invoke(app, ["monitor", "--roadmap", "orenburg-2021-2024", "--year", "2021", "--db", db_url,
                                  "--format", "json"])  # fmt: skip
    summary = json.loads(as_json.stdout)
    assert (summary["snapshot_id"], summary["run"], summary["year"]) == (2, 2, 2021)
    assert {h["address"]: h["verdict"] for h in summary["headline"]}["enterprises_with_mentors"] == "met"

    unknown = runner.invoke(app, ["monitor", "--roadmap", "nowhere", "--year", "2021", "--db", db_url])
    assert (unknown.exit_code, unknown.stderr) == (
        2, "error: no roadmap «nowhere» in the store (it holds: orenburg-2021-2024); load its plan first with "
           "`roadmap sync PLAN`\n",
    )  # fmt: skip
    outside = runner.invoke(app, ["monitor", "--roadmap", "orenburg-2021-2024", "--year", "2030", "--db", db_url])
    assert outside.exit_code == 2
    assert (
        outside.stderr
        == "error: year 2030: expected a year of the period or the targets of orenburg-2021-2024 (2021-2024)\n"
    )


def test_the_monitoring_deployments_run_before_each_roadmaps_own_deadline():
    deployments = YAML(typ="safe").load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    monitors = {d["name"]: d for d in deployments if d["entrypoint"] == "flows/monitor.py:monitor"}
    assert set(monitors) == {"monitor-orenburg", "monitor-tomsk", "monitor"}
    orenburg = monitors["monitor-orenburg"]
    # «ежегодно до 1 сентября»: on 1 August at 09:00 local time, for the current year
    assert orenburg["schedules"] == [{"cron": "0 9 1 8 *", "timezone": "Asia/Yekaterinburg"}]
    assert orenburg["parameters"] == {"roadmap": "orenburg-2021-2024", "year": None}
    assert load_plan(ROADMAPS / ORENBURG).item("12").deadline.text == "ежегодно до 1 сентября"
    tomsk = monitors["monitor-tomsk"]
    assert tomsk["schedules"] == [{"cron": "0 9 1 12 *", "timezone": "Asia/Tomsk"}]
    assert tomsk["parameters"] == {"roadmap": "tomsk-2020-2024", "year": None}
    assert "schedules" not in monitors["monitor"]
