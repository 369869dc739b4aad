"""The Tomsk regional roadmap (распоряжение ДОО ТО от 13.04.2020 № 305-р) as encoded in roadmaps/.

The expected values below are typed from the source document, not read back from the YAML, so a
slip in either shows up here.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from models.loader import load_plan
from models.plan import PerOrganisation, Roadmap

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "roadmaps" / "tomsk-2020-2024.yaml"
SEED = ROOT / "roadmaps" / "sources" / "001_905e2c18c33bca16.txt"

# number -> (printed number, yearly targets 2020..2024, unit), typed from the roadmap table
TARGETS: dict[str, tuple[str, tuple[int, int, int, int, int], str]] = {
    "1.1": ("1", (20, 20, 20, 20, 20), "ед."),
    "1.2": ("2", (7, 9, 13, 13, 13), "ед."),
    "1.3": ("3", (21, 335, 335, 335, 335), "ед."),
    "1.4": ("4", (1, 1, 1, 1, 1), "ед."),
    "1.5": ("5", (1, 21, 336, 336, 336), "ед."),
    "1.6": ("6", (1, 1, 1, 1, 1), "ед."),
    "1.7": ("7", (1, 1, 1, 1, 1), "ед."),
    "1.8": ("8", (20, 20, 20, 20, 20), "ед."),
    "1.9": ("9", (1, 1, 1, 1, 1), "ед."),
    "1.10": ("10", (1, 1, 1, 1, 1), "ед."),
    "2.1": ("1", (1, 1, 1, 1, 1), "ед."),
    "2.2": ("2", (1, 1, 1, 1, 1), "ед."),
    "2.3": ("3", (0, 1, 1, 1, 1), "ед."),
    "2.4": ("4", (1, 3, 5, 7, 10), "ед."),
    "3.1": ("1", (1, 2, 2, 3, 3), "ед."),
    "3.2": ("2", (2, 3, 5, 7, 9), "ед."),
    "3.3": ("3", (10, 20, 30, 40, 50), "%"),
    "3.4": ("4", (0, 30, 60, 80, 100), "%"),
}

# number -> (deadline as written, result as written, responsible party ids)
CELLS: dict[str, tuple[str, str, list[str]]] = {
    "1.1": ("Май 2020", "Наличие программ", ["muo"]),
    "1.2": ("Май 2020", "Наличие программ", ["oo_head", "sub_heads"]),
    "1.3": (
        "Май 2020, далее постоянно",
        "Наличие раздела на сайте с содержанием наполнением",
        ["do_to", "toipkro", "muo", "sub_heads", "oo_head"],
    ),
    "1.4": (
        "Май - июнь 2020",
        "Наличие методики оценки эффективности системы наставничества",
        ["do_to", "toipkro"],
    ),
    "1.5": (
        "Апрель – июнь 2020",
        "Наличие локальных методических рекомендаций по развитию системы наставничества",
        ["muo", "sub_heads", "oo_head"],
    ),
    "1.6": ("Ежегодно", "Наличие локальных методических рекомендаций", ["muo"]),
    "1.7": ("Ежегодно", "Аналитический отчет", ["muo", "toipkro"]),
    "1.8": ("Май - август 2020", "Наличие муниципальных комплексов мер", ["muo"]),
    "1.9": ("Июль 2020", "Утвержденные методические рекомендации", ["toipkro"]),
    "1.10": ("Ежегодно", "Аналитические материалы", ["do_to", "toipkro"]),
    "2.1": ("Декабрь 2020", "Наличие информационной базы", ["toipkro"]),
    "2.2": ("Декабрь 2020", "Наличие раздела", ["toipkro"]),
    "2.3": ("Ежегодно с 2021 г.", "Факт проведения «Педагогического десанта»", ["toipkro"]),
    "2.4": ("Ежегодно", "Проведение мероприятий", ["muo", "toipkro"]),
    "3.1": ("Ежегодно", "Наличие программ ДПО", ["muo", "toipkro", "dpo_orgs"]),
    "3.2": ("Ежегодно", "Программы семинаров, вебинаров, отчеты об их проведении", ["muo", "toipkro"]),
    "3.3": (
        "Ежегодно",
        "Наличие участников профессиональных конкурсов от муниципалитетов",
        ["do_to", "muo", "toipkro"],
    ),
    "3.4": (
        "Ежегодно",
        "Наличие профессиональных конкурсов для наставников на уровне муниципалитетов",
        ["muo"],
    ),
}

YEARS = (2020, 2021, 2022, 2023, 2024)
PER_ORG_PARTIES = {"muo": "УО", "oo_head": "ОО", "sub_heads": "ОО"}


@pytest.fixture(scope="module")
def roadmap() -> Roadmap:
    return load_plan(PLAN)


def _windows(roadmap: Roadmap, number: str) -> list[tuple[date | None, date]]:
    return [(w.start, w.end) for w in roadmap.item(number).deadline.windows]


def test_header(roadmap: Roadmap) -> None:
    assert roadmap.id == "tomsk-2020-2024"
    assert roadmap.level == "region"
    assert roadmap.territory.region == "Томская область"
    assert roadmap.territory.municipality is None
    assert roadmap.timezone == "Asia/Tomsk"
    assert (roadmap.period.start, roadmap.period.end) == (date(2020, 1, 1), date(2024, 12, 31))
    assert roadmap.issuer == "Департамент общего образования Томской области"
    assert (roadmap.order.kind, roadmap.order.number, roadmap.order.date) == (
        "распоряжение",
        "305-р",
        "13.04.2020",
    )


def test_three_unnumbered_sections_of_10_4_4(roadmap: Roadmap) -> None:
    assert [(s.number, s.source_number, len(s.items)) for s in roadmap.sections] == [
        ("1", "", 10),
        ("2", "", 4),
        ("3", "", 4),
    ]
    assert roadmap.sections[0].title.startswith("Реализация и актуализация нормативно-правовых")
    assert roadmap.sections[1].title == (
        "Создание информационно-коммуникативного пространства для развития системы наставничества"
    )
    assert roadmap.sections[2].title.startswith("Формирование комплексного подхода к модернизации")


def test_eighteen_items_with_printed_numbers(roadmap: Roadmap) -> None:
    assert [(i.number, i.source_number) for i in roadmap.items] == [(n, t[0]) for n, t in TARGETS.items()]


@pytest.mark.parametrize("number", list(TARGETS))
def test_yearly_targets_and_unit(roadmap: Roadmap, number: str) -> None:
    item = roadmap.item(number)
    _, values, unit = TARGETS[number]
    assert item.targets == dict(zip(YEARS, values, strict=True))
    assert item.target_unit == unit


@pytest.mark.parametrize("number", list(TARGETS))
def test_targets_text_says_the_same_numbers(roadmap: Roadmap, number: str) -> None:
    item = roadmap.item(number)
    assert item.targets_text is not None
    unit = "%" if TARGETS[number][2] == "%" else ""
    pairs = re.findall(r"(\d{4}) г\. – (\d+)(%?)", item.targets_text)
    assert [(int(y), int(v)) for y, v, _ in pairs] == list(zip(YEARS, TARGETS[number][1], strict=True))
    assert {u for _, _, u in pairs} == {unit}


def test_targets_text_exact_samples(roadmap: Roadmap) -> None:
    assert roadmap.item("1.1").targets_text == "2020 г. – 20; 2021 г. – 20; 2022 г. – 20; 2023 г. – 20; 2024 г. – 20."
    assert (
        roadmap.item("1.3").targets_text == "2020 г. – 21; 2021 г. – 335; 2022 г. – 335; 2023 г. – 335; 2024 г. – 335"
    )
    assert (
        roadmap.item("3.4").targets_text == "2020 г. – 0%; 2021 г. – 30%; 2022 г. – 60%; 2023 г. – 80%; 2024 г. – 100%"
    )


@pytest.mark.parametrize("number", list(CELLS))
def test_deadline_result_and_responsible_as_written(roadmap: Roadmap, number: str) -> None:
    item = roadmap.item(number)
    deadline, result, responsible = CELLS[number]
    assert item.deadline.text == deadline
    assert item.result == result
    assert item.responsible == responsible


@pytest.mark.parametrize("number", list(CELLS))
def test_scope_follows_per_organisation_parties(roadmap: Roadmap, number: str) -> None:
    item = roadmap.item(number)
    kinds = {PER_ORG_PARTIES[p] for p in item.party_ids if p in PER_ORG_PARTIES}
    if kinds:
        assert isinstance(item.scope, PerOrganisation)
        assert set(item.scope.per_organisation) == kinds
    else:
        assert item.scope == "roadmap"


def test_tolerance_from_the_footnote(roadmap: Roadmap) -> None:
    tolerance = roadmap.item_target_tolerance
    assert tolerance is not None
    assert tolerance.percent == 1
    assert tolerance.points is None
    assert tolerance.text == "Допустимое возможное отклонение от показателей – не более 1 %"


def test_parties_and_escalation(roadmap: Roadmap) -> None:
    by_id = {p.id: p for p in roadmap.parties}
    assert set(by_id) == {"do_to", "toipkro", "muo", "oo_head", "sub_heads", "dpo_orgs"}
    muo, head, sub = by_id["muo"], by_id["oo_head"], by_id["sub_heads"]
    assert (muo.kind, muo.per_organisation, muo.org_kinds) == ("organisation", True, ["УО"])
    assert muo.name == "Муниципальные органы управления образования"
    assert (head.kind, head.role, head.per_organisation, head.org_kinds) == ("role", "head", True, ["ОО"])
    assert head.name == "Руководители образовательных организаций"
    assert (sub.kind, sub.role, sub.per_organisation, sub.org_kinds) == ("role", "head", True, ["ОО"])
    assert sub.name == "Руководители подведомственных учреждений"
    assert by_id["dpo_orgs"].kind == "body"
    assert by_id["dpo_orgs"].name == "Организации, реализующие программы ДПО (по согласованию)"
    assert by_id["do_to"].name == "Департамент общего образования Томской области"
    assert "ТОИПКРО" in by_id["toipkro"].name

    def chain(start: str) -> list[str]:
        out = [start]
        while (up := by_id[out[-1]].escalates_to) is not None:
            out.append(up)
        return out

    assert chain("oo_head") == ["oo_head", "muo", "toipkro", "do_to"]
    assert chain("sub_heads") == ["sub_heads", "do_to"]
    assert chain("dpo_orgs") == ["dpo_orgs"]


def test_department_spellings_point_to_one_party(roadmap: Roadmap) -> None:
    # «ДО ТОО» in 1.3 and 1.4, «ДОО ТО» in 1.10 and 3.3: the same Department
    for number in ("1.3", "1.4", "1.10", "3.3"):
        assert "do_to" in roadmap.item(number).party_ids
    note = roadmap.party("do_to").note
    assert note is not None and "«ДО ТОО»" in note and "«ДОО ТО»" in note


# -- parsed deadlines for a sample of items ------------------------------------------------


def test_deadline_1_1_may_2020(roadmap: Roadmap) -> None:
    d = roadmap.item("1.1").deadline
    assert d.kind == "window"
    assert _windows(roadmap, "1.1") == [(date(2020, 5, 1), date(2020, 5, 31))]
    assert roadmap.item("1.1").responsible == ["muo"]


def test_deadline_1_3_continuous_from_may_2020(roadmap: Roadmap) -> None:
    d = roadmap.item("1.3").deadline
    assert d.kind == "continuous"
    assert (d.start, d.end) == (date(2020, 5, 1), date(2024, 12, 31))
    assert _windows(roadmap, "1.3") == [(date(2020, 5, 1), date(2020, 5, 31))]
    assert roadmap.item("1.3").responsible == ["do_to", "toipkro", "muo", "sub_heads", "oo_head"]


def test_deadline_1_4_may_june_2020(roadmap: Roadmap) -> None:
    d = roadmap.item("1.4").deadline
    assert d.kind == "window"
    assert _windows(roadmap, "1.4") == [(date(2020, 5, 1), date(2020, 6, 30))]
    assert roadmap.item("1.4").responsible == ["do_to", "toipkro"]


def test_deadline_1_5_april_june_2020(roadmap: Roadmap) -> None:
    d = roadmap.item("1.5").deadline
    assert (d.kind, d.text) == ("window", "Апрель – июнь 2020")
    assert _windows(roadmap, "1.5") == [(date(2020, 4, 1), date(2020, 6, 30))]
    assert roadmap.item("1.5").responsible == ["muo", "sub_heads", "oo_head"]


def test_deadline_1_6_yearly_one_window_per_year(roadmap: Roadmap) -> None:
    d = roadmap.item("1.6").deadline
    assert d.kind == "yearly"
    assert _windows(roadmap, "1.6") == [(date(y, 1, 1), date(y, 12, 31)) for y in YEARS]
    assert roadmap.item("1.6").responsible == ["muo"]


def test_deadline_1_9_july_2020(roadmap: Roadmap) -> None:
    assert roadmap.item("1.9").deadline.kind == "window"
    assert _windows(roadmap, "1.9") == [(date(2020, 7, 1), date(2020, 7, 31))]
    assert roadmap.item("1.9").responsible == ["toipkro"]


def test_deadline_2_1_december_2020(roadmap: Roadmap) -> None:
    assert roadmap.item("2.1").deadline.kind == "window"
    assert _windows(roadmap, "2.1") == [(date(2020, 12, 1), date(2020, 12, 31))]
    assert roadmap.item("2.1").responsible == ["toipkro"]


def test_deadline_2_3_yearly_from_2021(roadmap: Roadmap) -> None:
    d = roadmap.item("2.3").deadline
    assert d.kind == "yearly"
    assert d.recurrence is not None and (d.recurrence.from_year, d.recurrence.to_year) == (2021, 2024)
    assert _windows(roadmap, "2.3") == [(date(y, 1, 1), date(y, 12, 31)) for y in (2021, 2022, 2023, 2024)]
    assert roadmap.item("2.3").responsible == ["toipkro"]


# -- criteria (Приложение 1 к программе) ---------------------------------------------------

CRITERIA = [
    ("programme_presence", "1", "categorical", ["Имеется", "отсутствует"]),
    (
        "deficit_conditions",
        "2",
        "categorical",
        ["Имеется, доступно", "Имеется, недоступно", "Не имеется, недоступно"],
    ),
    ("motivation_system", "3", "categorical", ["Имеется, эффективна", "Имеется, неэффективна", "Не имеется"]),
    ("young_teacher_retention", "4", "percent_bands", ["100 – 80%", "79-60%", "59-40%", "39% и ниже"]),
    ("young_specialist_contests", "5", "percent_bands", ["100 – 80%", "79-60%", "59-40%", "39% и ниже"]),
    ("experience_dissemination", "6", "count", []),
    (
        "mentee_results_dynamics",
        "7",
        "categorical",
        ["Положительная динамика", "стабильные результаты", "отрицательная динамика"],
    ),
]


def test_seven_criteria_with_scale_kinds_and_levels(roadmap: Roadmap) -> None:
    assert [(c.id, c.number, c.scale.kind, [lv.label for lv in c.scale.levels]) for c in roadmap.criteria] == CRITERIA


def test_scale_texts_as_written(roadmap: Roadmap) -> None:
    texts = {c.number: c.scale.text for c in roadmap.criteria}
    assert texts["1"] == "Имеется отсутствует"
    assert texts["2"] == "Имеется, доступно Имеется, недоступно Не имеется, недоступно"
    assert texts["3"] == "Имеется, эффективна Имеется, неэффективна Не имеется"
    assert texts["4"] == texts["5"] == "100 – 80% 79-60% 59-40% 39% и ниже"
    assert texts["6"].splitlines() == [
        "Количество участия, публикаций, выступлений на уровне ОО, муниципалитета, региона",
        "Наличие, периодичность",
        "Участие / Неучастие на уровне ОО, муниципалитета, региона",
    ]
    assert texts["7"] == "Положительная динамика, стабильные результаты, отрицательная динамика"


@pytest.mark.parametrize("number", ["4", "5"])
def test_percent_bands(roadmap: Roadmap, number: str) -> None:
    (criterion,) = [c for c in roadmap.criteria if c.number == number]
    assert [(lv.min, lv.max) for lv in criterion.scale.levels] == [(80, 100), (60, 79), (40, 59), (None, 39)]


def test_split_criteria_cells_rejoined(roadmap: Roadmap) -> None:
    lines = {c.number: len(c.indicators.splitlines()) for c in roadmap.criteria}
    assert lines == {"1": 2, "2": 3, "3": 2, "4": 2, "5": 1, "6": 3, "7": 1}
    six = roadmap.criteria[5]
    assert six.method.splitlines() == [
        "АИС «Паспорт школы», отчёты по запросу",
        "АИС «Паспорт школы»",
        "отчёты операторов конкурсов",
    ]


# -- faithfulness to the source text (roadmaps/sources/) -------------------------------------


def _source_text() -> str:
    text = SEED.read_text(encoding="utf-8")
    return " ".join(re.sub(r"</?p>", " ", text).split())


def test_every_cell_occurs_verbatim_in_the_source(roadmap: Roadmap) -> None:
    source = _source_text()
    for item in roadmap.items:
        for what, value in (
            ("title", item.title),
            ("deadline", item.deadline.text),
            ("result", item.result),
            ("targets_text", item.targets_text),
        ):
            assert value is not None and " ".join(value.split()) in source, f"{item.number} {what}: {value}"
    for section in roadmap.sections:
        assert " ".join(section.title.split()) in source, section.number
    assert roadmap.item_target_tolerance is not None
    assert f"¹ {roadmap.item_target_tolerance.text}" in source


def test_criteria_cells_occur_in_the_source(roadmap: Roadmap) -> None:
    source = _source_text()
    for c in roadmap.criteria:
        for value in (c.name, *c.scale.text.splitlines(), *c.indicators.splitlines(), *c.method.splitlines()):
            assert " ".join(value.split()) in source, f"criterion {c.number}: {value}"
        for level in c.scale.levels:
            assert level.label in c.scale.text, f"criterion {c.number}: {level.label}"
