"""roadmaps/orenburg-2021-2024.yaml: the Orenburg regional programme (приказ 17.12.2020 № О1-21/1706).

These tests pin what the source says: the item numbers with no 4, the stages with their gap, the
cycle, the forms, the indicator targets, and how each deadline wording reads as calendar windows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.loader import load_plan
from models.plan import PerOrganisation, Roadmap

PLAN = Path(__file__).resolve().parents[1] / "roadmaps" / "orenburg-2021-2024.yaml"
YEARS = (2021, 2022, 2023, 2024)


@pytest.fixture(scope="module")
def plan() -> Roadmap:
    return load_plan(PLAN)


def test_identity_and_territory(plan: Roadmap) -> None:
    assert plan.id == "orenburg-2021-2024"
    assert plan.level == "region"
    assert plan.territory.region == "Оренбургская область"
    assert plan.timezone == "Asia/Yekaterinburg"
    assert (plan.period.start, plan.period.end) == (date(2021, 1, 1), date(2024, 12, 31))


def test_order_is_kept_as_the_header_gives_it(plan: Roadmap) -> None:
    assert plan.order.date == "17.12.2020"
    # the header's number starts with the Cyrillic capital О (U+041E), not the digit zero
    assert plan.order.number == "\u041e1-21/1706"
    assert not plan.order.number.startswith("0")


def test_appendix_discrepancy_is_recorded(plan: Roadmap) -> None:
    texts = [note.text for note in plan.notes if note.about == "order"]
    assert len(texts) == 1
    assert "17.12.2019" in texts[0] and "01-2/1706" in texts[0]
    assert "17.12.2020" in texts[0] and "\u041e1-21/1706" in texts[0]


def test_item_numbers_are_the_sources_with_no_4(plan: Roadmap) -> None:
    numbers = [item.number for item in plan.items]
    assert numbers == ["1", "2", "3", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"]
    assert "4" not in numbers
    assert all(item.source_number is None for item in plan.items)
    assert any("there is no row 4" in note.text for note in plan.notes if note.about == "numbering")


def test_sections_are_the_three_unnumbered_stage_groups(plan: Roadmap) -> None:
    groups = [(s.number, s.source_number, s.title, [i.number for i in s.items]) for s in plan.sections]
    assert groups == [
        ("1", "", "Подготовительный этап", ["1", "2", "3", "5", "6"]),
        ("2", "", "Основной этап", ["7", "8", "9", "10", "11"]),
        ("3", "", "Заключительный этап", ["12", "13", "14"]),
    ]
    assert all(section.notes for section in plan.sections)


def test_stages_from_the_passport(plan: Roadmap) -> None:
    stages = [(s.number, s.start, s.end, s.text) for s in plan.stages]
    assert stages == [
        ("1", date(2021, 1, 1), date(2021, 8, 31), "январь - август 2021 г."),
        ("2", date(2021, 9, 1), date(2023, 5, 31), "сентябрь 2021 - май 2023 г."),
        ("3", date(2024, 6, 1), date(2024, 12, 31), "июнь - декабрь 2024 г."),
    ]
    assert all(stage.description for stage in plan.stages)


def test_gap_between_stage_2_and_3_is_kept_and_noted(plan: Roadmap) -> None:
    second, third = plan.stages[1], plan.stages[2]
    assert (third.start - second.end).days > 365
    assert any("gap" in note.text for note in plan.notes if note.about == "stages")


def test_cycle_has_seven_steps_without_dates_or_parties(plan: Roadmap) -> None:
    assert plan.cycle is not None
    assert plan.cycle.title == "Циклограмма реализации программы наставничества"
    assert plan.cycle.scope == PerOrganisation(per_organisation=["ОО", "ДО", "СПО"])
    assert [(s.number, s.title) for s in plan.cycle.steps] == [
        ("1", "подготовка условий для запуска программы наставничества"),
        ("2", "формирование базы данных наставляемых"),
        ("3", "формирование базы данных наставников"),
        ("4", "отбор и обучение наставников"),
        ("5", "формирование наставнических групп"),
        ("6", "организация хода работы наставнических групп"),
        ("7", "завершение наставничества"),
    ]
    for step in plan.cycle.steps:
        assert step.deadline.kind == "unspecified"
        assert step.responsible == "unassigned"


def test_six_forms_as_written(plan: Roadmap) -> None:
    assert plan.forms == [
        "ученик-ученик",
        "учитель-ученик",
        "учитель-учитель",
        "студент-ученик",
        "работодатель-ученик",
        "работодатель-студент",
    ]


def test_indicator_targets(plan: Roadmap) -> None:
    targets = {ind.id: [ind.targets[y] for y in YEARS] for ind in plan.indicators}
    assert targets == {
        "mentees_children_10_19": [10, 30, 50, 70],
        "mentors_children_15_19": [2, 5, 8, 10],
        "mentees_young_teachers": [10, 30, 50, 70],
        "enterprises_with_mentors": [2, 10, 20, 30],
        "satisfaction_mentees": [50, 60, 70, 85],
        "satisfaction_mentors": [50, 60, 70, 85],
    }
    assert [ind.id for ind in plan.indicators] == list(targets)  # the source's order
    assert all(set(ind.targets) == set(YEARS) for ind in plan.indicators)


def test_indicators_units_methods_and_no_formula(plan: Roadmap) -> None:
    assert all(ind.unit == "%" and ind.formula is None for ind in plan.indicators)
    methods = {ind.id: ind.method for ind in plan.indicators}
    assert {k for k, v in methods.items() if v == "опросный"} == {
        "satisfaction_mentees",
        "satisfaction_mentors",
    }
    assert {v for k, v in methods.items() if not k.startswith("satisfaction_")} == {None}


def test_indicator_split_by_page_break_is_rejoined(plan: Roadmap) -> None:
    name = next(ind.name for ind in plan.indicators if ind.id == "mentors_children_15_19")
    assert name == (
        "Доля детей и подростков в возрасте от 15 до 19 лет, проживающих в регионе, вошедших в "
        "программы наставничества в роли наставника"
    )


@pytest.mark.parametrize(
    ("number", "text", "month", "day"),
    [
        ("5", "ежегодно к 1 ноября", 11, 1),
        ("12", "ежегодно до 1 сентября", 9, 1),
        ("13", "ежегодно до 10 июня", 6, 10),
    ],
    ids=["item-5", "item-12", "item-13"],
)
def test_yearly_items_have_one_window_per_year(plan: Roadmap, number: str, text: str, month: int, day: int) -> None:
    deadline = plan.item(number).deadline
    assert deadline.text == text
    assert deadline.kind == "yearly"
    assert [w.end for w in deadline.windows] == [date(year, month, day) for year in YEARS]
    # the windows tile the period: each opens the day after the previous one closes
    assert deadline.windows[0].start == date(2021, 1, 1)
    for before, after in zip(deadline.windows, deadline.windows[1:], strict=False):
        assert after.start is not None
        assert (after.start - before.end).days == 1


def test_item_14_is_on_demand(plan: Roadmap) -> None:
    deadline = plan.item("14").deadline
    assert (deadline.text, deadline.kind) == ("по необходимости", "on_demand")
    assert deadline.waits_for_date


def test_item_11_is_continuous_over_the_period(plan: Roadmap) -> None:
    deadline = plan.item("11").deadline
    assert (deadline.text, deadline.kind) == ("в течение всего периода", "continuous")
    assert (deadline.start, deadline.end) == (date(2021, 1, 1), date(2024, 12, 31))


def test_item_6_is_a_single_day(plan: Roadmap) -> None:
    deadline = plan.item("6").deadline
    assert (deadline.text, deadline.kind) == ("30 декабря 2021 года", "window")
    assert [(w.start, w.end) for w in deadline.windows] == [(date(2021, 12, 30), date(2021, 12, 30))]


def test_item_7_spans_2022_to_2024(plan: Roadmap) -> None:
    deadline = plan.item("7").deadline
    assert (deadline.text, deadline.kind) == ("2022-2024 годы", "window")
    assert (deadline.start, deadline.end) == (date(2022, 1, 1), date(2024, 12, 31))


@pytest.mark.parametrize(
    ("number", "text", "start", "end"),
    [
        ("1", "январь-февраль 2021 года", date(2021, 1, 1), date(2021, 2, 28)),
        ("2", "январь-май 2021 года", date(2021, 1, 1), date(2021, 5, 31)),
        ("3", "сентябрь 2021 года", date(2021, 9, 1), date(2021, 9, 30)),
        ("8", "2021-2024 годы", date(2021, 1, 1), date(2024, 12, 31)),
        ("9", "2021 год", date(2021, 1, 1), date(2021, 12, 31)),
        ("10", "2024 год", date(2024, 1, 1), date(2024, 12, 31)),
    ],
    ids=["item-1", "item-2", "item-3", "item-8", "item-9", "item-10"],
)
def test_other_windows(plan: Roadmap, number: str, text: str, start: date, end: date) -> None:
    deadline = plan.item(number).deadline
    assert (deadline.text, deadline.kind, deadline.start, deadline.end) == (text, "window", start, end)


def test_scope_is_the_kinds_of_the_per_organisation_parties(plan: Roadmap) -> None:
    for item in plan.items:
        parties = [plan.party(ref) for ref in item.party_ids]
        kinds = {kind for party in parties if party.per_organisation for kind in party.org_kinds}
        if kinds:
            assert isinstance(item.scope, PerOrganisation), item.number
            assert set(item.scope.per_organisation) == kinds, item.number
        else:
            assert item.scope == "roadmap", item.number


def test_responsible_parties_per_item(plan: Roadmap) -> None:
    responsible = {item.number: item.responsible for item in plan.items}
    assert responsible == {
        "1": ["ministry", "rcro", "nc", "muo"],
        "2": ["rcro", "nc"],
        "3": ["nc", "muo", "oo"],
        "5": ["nc", "muo", "oo"],
        "6": ["rcro", "nc", "muo", "universities", "spo_institutions", "mmc", "mcnpk", "dpo", "oo"],
        "7": ["rcro", "nc", "muo", "mmc", "oo"],
        "8": ["rcro", "nc", "mmc", "oo", "internship_sites"],
        "9": ["rcro"],
        "10": ["rcro", "nc", "mmc", "oo"],
        "11": ["ministry", "nc", "muo", "oo"],
        "12": ["rcro", "nc", "muo"],
        "13": ["oo"],
        "14": ["rcro"],
    }


def test_per_organisation_parties(plan: Roadmap) -> None:
    per_org = {p.id: p.org_kinds for p in plan.parties if p.per_organisation}
    assert per_org == {"muo": ["УО"], "oo": ["ОО", "ДО", "СПО"]}


def test_escalation_chain(plan: Roadmap) -> None:
    chain = ["oo"]
    while (above := plan.party(chain[-1]).escalates_to) is not None:
        chain.append(above)
    assert chain == ["oo", "muo", "rcro", "ministry"]
