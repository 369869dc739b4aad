"""The Sechenovsky district roadmap for 2020 says what its source document says, row by row.

The expectations below were written by hand from `002_2879a328bbd28f4e.txt` (План мероприятий
(дорожная карта) на 2020 год and the indicators 2020-2024), not derived from the YAML.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.loader import load_plan
from models.plan import PerOrganisation, Roadmap

PLAN = Path(__file__).resolve().parents[1] / "roadmaps" / "sechenovsky-2020.yaml"

OFFICIALS = ["anisimova", "mavrina", "surina"]
OO_DO = ["ОО", "ДО"]

# number -> (deadline wording as printed, responsible, per-organisation kinds or None for the roadmap)
ROWS: dict[str, tuple[str | None, list[str] | str, list[str] | None]] = {
    "1.1": ("до 29.05.2020", OFFICIALS, None),
    "1.2": ("до 29.05.2020", ["oo_head"], OO_DO),
    "1.3": ("до 29.05.2020", OFFICIALS, None),
    "1.4": ("до 29.05.2020", OFFICIALS, None),
    "1.5": ("до 03.06.2020", OFFICIALS, None),
    "1.6": ("до 03.06.2020", ["oo_head"], OO_DO),
    "1.7": ("до 22.06.2020", ["oo_head"], OO_DO),
    "1.8": ("до 22.06.2020", ["oo_curator"], OO_DO),
    "1.9": ("до 10.07.2020", OFFICIALS, None),
    "1.10": ("до 15.07.2020", ["oo_head"], OO_DO),
    "1.11": ("до 15.07.2020", ["oo_head"], OO_DO),
    "1.12": ("до 15.07.2020", ["uo", "oo"], OO_DO),
    "1.13": ("до 20.08.2020", ["oo"], OO_DO),
    "1.14": ("до 20.08.2020", ["uo", "oo"], OO_DO),
    "1.15": ("до 20.08.2020", ["uo", "oo"], OO_DO),
    "2.1": ("28.05.2020", OFFICIALS, None),
    "2.2": ("июнь 2020 г.", OFFICIALS, None),
    "2.3": ("до 01.08.2020", ["oo"], OO_DO),
    "2.4": ("в течение всего периода реализации ЦМН", ["oo"], OO_DO),
    "2.5": ("в течение всего периода реализации ЦМН", ["oo"], OO_DO),
    "2.6": ("до 15.08.2020", ["oo"], OO_DO),
    "2.7": ("по отдельному графику", OFFICIALS, None),
    "2.8": ("август - декабрь 2020 г.", ["uo", "oo"], OO_DO),
    "2.8а": ("август - декабрь 2020 г.", ["uo", "oo"], OO_DO),
    "3.1": ("июнь - август 2020 г.", ["oo_head", "oo_curator"], OO_DO),
    "3.2": ("с 1 по 15 сентября 2020 г.", ["oo_curator"], OO_DO),
    "3.3": ("с 16 по 30 сентября 2020 г.", ["oo_curator"], OO_DO),
    "3.4": ("по отдельному графику", ["uo", "oo"], ["ОО"]),
    "3.5": ("до 30 октября 2020 г.", ["oo_curator"], OO_DO),
    "3.6": ("в соответствии со сроками реализации программ наставничества", ["oo_curator"], OO_DO),
    "3.7": (
        "в соответствии со сроками реализации программ наставничества или май 2021 г.",
        ["oo_curator"],
        OO_DO,
    ),
    "4.1": ("до 01.10.2020", OFFICIALS, None),
    "4.2": ("до 01.10.2020", ["oo"], OO_DO),
    "4.3": ("в течение всего периода внедрения ЦМН", ["oo"], OO_DO),
    "4.4": ("ноябрь - декабрь 2020 г.", ["oo"], OO_DO),
    "5.1": ("сентябрь - декабрь 2020 г.", ["oo_curator"], OO_DO),
    "5.2": ("в соответствии со сроками, устанавливаемыми Минпросвещения России", ["oo_curator"], OO_DO),
    "5.3": ("сентябрь - декабрь 2020 г.", ["oo_curator"], OO_DO),
    "5.4": ("сентябрь - декабрь 2020 г.", OFFICIALS, None),
    "5.5": (None, "unassigned", None),
    "5.6": ("декабрь 2020 г.", ["oo_curator", "partners"], OO_DO),
    "5.7": ("декабрь 2020 г.", ["oo_curator", "partners"], OO_DO),
    "6.1.1": ("С 1 июня по 31 декабря 2020 г.", ["oo_curator"], OO_DO),
    "6.1.2": (None, OFFICIALS, None),
    "6.2.1": ("В течение всего периода внедрения ЦМН", ["oo_head"], ["ОО"]),
    "6.2.2": (None, ["uo"], None),
}

NUMBERS = [
    "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11", "1.12", "1.13",
    "1.14", "1.15",
    "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.8а",
    "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7",
    "4.1", "4.2", "4.3", "4.4",
    "5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7",
    "6.1.1", "6.1.2", "6.2.1", "6.2.2",
]  # fmt: skip


@pytest.fixture(scope="module")
def plan() -> Roadmap:
    return load_plan(PLAN)


def _all_text(plan: Roadmap) -> list[str]:
    texts = [plan.title]
    for _, section in plan.walk_sections():
        texts.append(section.title)
    for item in plan.items:
        texts += [item.title, item.result or "", *item.notes]
    for indicator in plan.indicators:
        texts += [indicator.name, indicator.formula or ""]
    return texts


# -- the document ---------------------------------------------------------------------------------


def test_header_territory_period_and_blank_order(plan: Roadmap) -> None:
    assert plan.id == "sechenovsky-2020"
    assert plan.level == "municipality"
    assert plan.territory.region == "Нижегородская область"
    assert plan.territory.municipality == "Сеченовский муниципальный район"
    assert plan.timezone == "Europe/Moscow"
    assert (plan.period.start, plan.period.end) == (date(2020, 1, 1), date(2020, 12, 31))
    assert plan.title.endswith("на территории Сеченовского муниципального района на 2020 год")
    # «от _____ № _____»: blank in the source, kept blank, and said so
    assert (plan.order.number, plan.order.date) == ("", "")
    order_notes = [n.text for n in plan.notes if n.about == "order"]
    assert order_notes and "_____" in order_notes[0]


def test_exactly_46_leaf_items_in_document_order(plan: Roadmap) -> None:
    assert len(NUMBERS) == 46
    assert [item.number for item in plan.items] == NUMBERS


def test_six_sections_with_6_1_and_6_2_as_sub_sections(plan: Roadmap) -> None:
    assert [s.number for s in plan.sections] == ["1", "2", "3", "4", "5", "6"]
    section_6 = plan.sections[5]
    assert section_6.items == []
    assert [s.number for s in section_6.sections] == ["6.1", "6.2"]
    assert [i.number for i in section_6.sections[0].items] == ["6.1.1", "6.1.2"]
    assert [i.number for i in section_6.sections[1].items] == ["6.2.1", "6.2.2"]
    assert section_6.sections[1].title == "Координирование внедрения целевой модели наставничества"
    assert [len(s.items) for s in plan.sections[:5]] == [15, 9, 7, 4, 7]


@pytest.mark.parametrize("number", NUMBERS)
def test_each_row_deadline_wording_responsible_and_scope(plan: Roadmap, number: str) -> None:
    wording, responsible, kinds = ROWS[number]
    item = plan.item(number)
    if wording is None:
        assert item.deadline.kind == "unspecified"
    else:
        assert item.deadline.text == wording
    assert item.responsible == responsible
    if kinds is None:
        assert item.scope == "roadmap"
    else:
        assert isinstance(item.scope, PerOrganisation)
        assert item.scope.per_organisation == kinds


def test_the_unnumbered_row_after_2_8(plan: Roadmap) -> None:
    item = plan.item("2.8а")
    assert item.number == "2.8" + "\u0430"  # Cyrillic а, as Russian numbering writes it
    assert item.source_number == ""
    # the stray comma after «через» is the source's
    assert item.title.startswith("Популяризация ЦМН через, муниципальные СМИ")
    assert item.result == ("Наполнение информационных ресурсов актуальной информацией с применением единого брендинга")
    # only this row carries a source number of its own
    assert [i.number for i in plan.items if i.source_number is not None] == ["2.8а"]


def test_empty_cells_stay_empty(plan: Roadmap) -> None:
    row_5_5 = plan.item("5.5")
    assert row_5_5.deadline.kind == "unspecified"
    assert row_5_5.unassigned
    assert row_5_5.result is None
    assert row_5_5.title.startswith("Мониторинг процесса реализации программ наставничества")
    assert [n for n in NUMBERS if plan.item(n).deadline.kind == "unspecified"] == ["5.5", "6.1.2", "6.2.2"]
    assert [n for n in NUMBERS if plan.item(n).result is None] == ["5.5", "6.1.1", "6.1.2", "6.2.2"]


# -- deadlines checked by hand ------------------------------------------------------------------------


def test_by_date_opens_at_the_period_start(plan: Roadmap) -> None:
    d = plan.item("1.1").deadline
    assert (d.kind, d.start, d.end) == ("window", date(2020, 1, 1), date(2020, 5, 29))


def test_single_day(plan: Roadmap) -> None:
    d = plan.item("2.1").deadline
    assert (d.kind, d.start, d.end) == ("window", date(2020, 5, 28), date(2020, 5, 28))


def test_month(plan: Roadmap) -> None:
    d = plan.item("2.2").deadline
    assert (d.kind, d.start, d.end) == ("window", date(2020, 6, 1), date(2020, 6, 30))


def test_separate_schedule_waits_for_a_date(plan: Roadmap) -> None:
    d = plan.item("2.7").deadline
    assert d.kind == "separate_schedule"
    assert (d.start, d.end) == (None, None)
    assert d.waits_for_date


def test_day_range(plan: Roadmap) -> None:
    d = plan.item("3.2").deadline
    assert (d.kind, d.start, d.end) == ("window", date(2020, 9, 1), date(2020, 9, 15))


def test_alternatives_with_may_2021(plan: Roadmap) -> None:
    d = plan.item("3.7").deadline
    assert d.kind == "alternatives"
    assert [alt.kind for alt in d.alternatives] == ["external", "window"]
    may = d.alternatives[1]
    assert may.text == "май 2021 г."
    assert (may.start, may.end) == (date(2021, 5, 1), date(2021, 5, 31))
    assert (d.start, d.end) == (date(2021, 5, 1), date(2021, 5, 31))
    assert not d.waits_for_date


def test_external_schedule_of_the_ministry(plan: Roadmap) -> None:
    d = plan.item("5.2").deadline
    assert d.kind == "external"
    assert d.authority is not None and "минпросвещения" in d.authority.lower()
    assert d.waits_for_date


def test_day_range_across_months(plan: Roadmap) -> None:
    d = plan.item("6.1.1").deadline
    assert (d.kind, d.start, d.end) == ("window", date(2020, 6, 1), date(2020, 12, 31))


def test_continuous_through_the_period(plan: Roadmap) -> None:
    d = plan.item("2.4").deadline
    assert d.kind == "continuous"
    assert (d.start, d.end) == (date(2020, 1, 1), date(2020, 12, 31))
    assert d.review_months == 3


def test_no_deadline_at_all(plan: Roadmap) -> None:
    d = plan.item("5.5").deadline
    assert d.kind == "unspecified"
    assert (d.start, d.end, d.text) == (None, None, "")
    assert d.waits_for_date


# -- parties ------------------------------------------------------------------------------------------


def test_officials_belong_to_the_department(plan: Roadmap) -> None:
    assert [plan.party(p).name for p in OFFICIALS] == ["Анисимова Е.Н.", "Маврина Т.А.", "Сурина Н.М."]
    assert {plan.party(p).kind for p in OFFICIALS} == {"official"}
    assert {plan.party(p).body for p in OFFICIALS} == {"uo"}
    assert plan.party("uo").kind == "body"
    assert plan.party("uo").name == "Управление образования администрации Сеченовского муниципального района"
    # the source's «Сурина Н.М..» is recorded without the extra dot, and the typo is noted
    assert "Сурина Н.М.." in (plan.party("surina").note or "")
    assert any("Сурина Н.М.." in n.text for n in plan.notes)


def test_roles_in_each_organisation_and_escalation(plan: Roadmap) -> None:
    head, curator, org = plan.party("oo_head"), plan.party("oo_curator"), plan.party("oo")
    assert (head.kind, head.role, head.name) == ("role", "head", "Руководители ОО, ДО")
    assert (curator.kind, curator.role) == ("role", "curator")
    assert curator.name == "Кураторы внедрения ЦМН в ОО, ДО"
    assert (org.kind, org.name) == ("organisation", "ОО, ДО")
    for party in (head, curator, org):
        assert party.per_organisation
        assert party.org_kinds == OO_DO
    assert curator.escalates_to == "oo_head"
    assert head.escalates_to == "uo"
    partners = plan.party("partners")
    assert (partners.kind, partners.name) == ("body", "организации - партнеры")
    assert not partners.per_organisation


def test_heads_of_oo_only_in_6_2_1(plan: Roadmap) -> None:
    # «Руководители ОО»: the same heads, limited to ОО organisations by the scope
    assert plan.item("6.2.1").scope == PerOrganisation(per_organisation=["ОО"])
    assert plan.item("6.2.1").notes


# -- text as written ------------------------------------------------------------------------------


def test_cells_split_across_page_breaks_are_joined(plan: Roadmap) -> None:
    assert plan.item("1.3").title.endswith(
        "в Сеченовском муниципальном районе (далее - лица, ответственные за внедрение ЦМН в районе)"
    )
    title_1_11 = plan.item("1.11").title
    for entry in (
        "- сроки внедрения ЦМН в образовательной организации;",
        "- назначение ответственных за материально-техническое обеспечение программ наставничества",
        "- сроки проведения мониторинга эффективности программ наставничества;",
        "- утверждение положения о программе наставничества и дорожной карты внедрения ЦМН в "
        "образовательной организации.",
    ):
        assert entry in title_1_11
    assert plan.item("2.6").title.endswith("необходимых для реализации целевой модели наставничества")
    assert plan.item("3.5").result == (
        "Сформированные наставнические пары или группы, готовые продолжить работу в рамках программ"
    )
    assert plan.item("4.4").result == (
        "Выявление и распространение лучших наставнических практик, различных форм и ролевых моделей "
        "для обучающихся, педагогов и молодых специалистов"
    )


def test_no_export_markup_or_line_breaks_left(plan: Roadmap) -> None:
    for text in _all_text(plan):
        assert "<" not in text and ">" not in text, text
        assert "\n" not in text and "  " not in text, text


def test_copy_error_in_3_4_kept_and_noted(plan: Roadmap) -> None:
    item = plan.item("3.4")
    assert item.result == "конкретных программ и запросов наставляемых"
    assert any("copy error" in n for n in item.notes)


def test_dependencies_are_the_documented_order_only(plan: Roadmap) -> None:
    deps = {item.number: item.depends_on for item in plan.items if item.depends_on}
    assert deps == {"1.10": ["1.9"], "3.3": ["3.2"], "3.5": ["3.3"], "3.6": ["3.5"], "3.7": ["3.6"]}


# -- indicators ---------------------------------------------------------------------------------------


INDICATORS = {
    "mentees_10_19": {2020: 10, 2021: 20, 2022: 35, 2023: 50, 2024: 70},
    "mentors_15_19": {2020: 2, 2021: 4, 2022: 6, 2023: 8, 2024: 10},
    "young_teachers": {2020: 100, 2021: 100, 2022: 100, 2023: 100, 2024: 100},
    "enterprises": {2020: 2, 2021: 5, 2022: 10, 2023: 20, 2024: 30},
    "satisfaction_mentees": {2020: 50, 2021: 55, 2022: 60, 2023: 70, 2024: 85},
    "satisfaction_mentors": {2020: 50, 2021: 55, 2022: 60, 2023: 70, 2024: 85},
}


def test_indicators_and_their_targets(plan: Roadmap) -> None:
    assert [i.id for i in plan.indicators] == list(INDICATORS)
    assert [i.number for i in plan.indicators] == ["1", "2", "3", "4", "5", "6"]
    for indicator in plan.indicators:
        assert indicator.targets == INDICATORS[indicator.id], indicator.id
        assert indicator.unit == "%"
        assert indicator.formula is not None and indicator.formula.startswith("отношение количества")
        assert indicator.tolerance is None
    assert [i.method for i in plan.indicators] == [None, None, None, None, "опросный", "опросный"]


def test_formulas_split_across_page_breaks_are_joined(plan: Roadmap) -> None:
    by_id = {i.id: i for i in plan.indicators}
    assert by_id["mentors_15_19"].formula == (
        "отношение количества детей и молодежи в возрасте от 15 до 19 лет, вошедших в программы "
        "наставничества в роли наставника, к общему количеству детей и молодежи в возрасте от 15 до 19 "
        "лет, проживающих в Сеченовском муниципальном районе"
    )
    assert by_id["enterprises"].formula == (
        "отношение количества предприятий (организаций), предоставивших своих сотрудников для участия в "
        "программах наставничества в роли наставников, к общему количеству предприятий (организаций), "
        "осуществляющих деятельность в Сеченовском муниципальном районе"
    )
