"""The Valuysky city district roadmap (приказ УО от 18 февраля 2022 года № 98 - од) as encoded in YAML.

Every expectation below was read off the source by hand
(roadmaps/sources/003_6139fa60e3cbcb22.txt), not computed from the plan.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.loader import load_plan
from models.plan import PerOrganisation, Roadmap

PLAN = Path(__file__).resolve().parents[1] / "roadmaps" / "valuysky-2022.yaml"

D = date

# number -> (responsible ids, deadline text, kind, start, end, per-organisation ОО?)
EXPECTED: dict[str, tuple[list[str], str, str, date, date, bool]] = {
    "1": (["milneva"], "Февраль 2022 года", "window", D(2022, 2, 1), D(2022, 2, 28), False),
    "2": (["uo"], "Февраль-март 2022 года", "window", D(2022, 2, 1), D(2022, 3, 31), False),
    "3": (["oo_head"], "Март 2022 года", "window", D(2022, 3, 1), D(2022, 3, 31), True),
    "4": (["aladin"], "Постоянно", "continuous", D(2022, 1, 1), D(2022, 12, 31), False),
    "5": (["barybina"], "1 полугодие 2022 года", "window", D(2022, 1, 1), D(2022, 6, 30), False),
    "6": (
        ["milneva", "barybina"],
        "В течение 2022 года (при необходимости)",
        "on_demand",
        D(2022, 1, 1),
        D(2022, 12, 31),
        False,
    ),
    "7": (["barybina"], "В течение 2022 года", "continuous", D(2022, 1, 1), D(2022, 12, 31), False),
    "8": (
        ["milneva", "barybina"],
        "В течение 2022 года",
        "continuous",
        D(2022, 1, 1),
        D(2022, 12, 31),
        False,
    ),
    "9": (["oo_head"], "Октябрь 2022 года", "window", D(2022, 10, 1), D(2022, 10, 31), True),
    "10": (["milneva", "barybina"], "Декабрь 2022 года", "window", D(2022, 12, 1), D(2022, 12, 31), False),
    "11": (["oo_head"], "4 квартал 2022 года", "window", D(2022, 10, 1), D(2022, 12, 31), True),
    "П.5": (["oo_head"], "к 30 ноября 2022 года", "window", D(2022, 1, 1), D(2022, 11, 30), True),
}


@pytest.fixture(scope="module")
def roadmap() -> Roadmap:
    return load_plan(PLAN)


def test_header(roadmap: Roadmap) -> None:
    assert roadmap.id == "valuysky-2022"
    assert roadmap.level == "municipality"
    assert roadmap.territory.region == "Белгородская область"
    assert roadmap.territory.municipality == "Валуйский городской округ"
    assert roadmap.timezone == "Europe/Moscow"
    assert (roadmap.period.start, roadmap.period.end) == (D(2022, 1, 1), D(2022, 12, 31))
    assert roadmap.order.number == "98 - од"
    assert roadmap.order.date == "18 февраля 2022 года"
    assert roadmap.order.kind == "приказ"
    assert roadmap.issuer == "Управление образования администрации Валуйского городского округа"
    assert roadmap.indicators == []
    assert roadmap.criteria == []


def test_sections(roadmap: Roadmap) -> None:
    assert [s.number for s in roadmap.sections] == ["1", "П"]
    table, order = roadmap.sections
    assert table.source_number == "" and order.source_number == ""
    assert table.title.startswith("План мероприятий (дорожная карта) по внедрению системы (целевой модели)")
    assert table.title.endswith("в общеобразовательных организациях Валуйского городского округа")
    assert [i.number for i in table.items] == [str(n) for n in range(1, 12)]
    assert [i.number for i in order.items] == ["П.5"]
    assert "98 - од" in order.title


def test_item_numbers(roadmap: Roadmap) -> None:
    assert [i.number for i in roadmap.items] == [*(str(n) for n in range(1, 12)), "П.5"]


@pytest.mark.parametrize("number", list(EXPECTED))
def test_item_responsible_and_deadline(roadmap: Roadmap, number: str) -> None:
    responsible, text, kind, start, end, per_org = EXPECTED[number]
    item = roadmap.item(number)
    assert item.responsible == responsible
    assert item.deadline.text == text
    assert item.deadline.kind == kind
    assert (item.deadline.start, item.deadline.end) == (start, end)
    if per_org:
        assert item.scope == PerOrganisation(per_organisation=["ОО"])
    else:
        assert item.scope == "roadmap"


def test_order_point_5(roadmap: Roadmap) -> None:
    item = roadmap.item("П.5")
    assert item.source_number == "5"
    assert item.title.startswith("Руководителям общеобразовательных организаций Валуйского городского округа")
    assert "обеспечить внедрение системы (целевой модели) наставничества" in item.title
    assert item.deadline.end == D(2022, 11, 30)
    assert item.result is None
    # the only per-organisation deadline that is a "by a date" instruction, not a table row
    assert not any(i.number == "П.5" for i in roadmap.sections[0].items)


def test_parties(roadmap: Roadmap) -> None:
    assert {p.id for p in roadmap.parties} == {
        "milneva",
        "aladin",
        "barybina",
        "uo",
        "tsso",
        "mmc",
        "oo_head",
    }
    milneva = roadmap.party("milneva")
    assert milneva.name == "Мильнева Е.Р."
    assert milneva.position == (
        "главный специалист отдела общего образования управления образования администрации Валуйского городского округа"
    )
    assert milneva.body == "uo"
    assert "пункт 3" in (milneva.note or "") and "координатор" in (milneva.note or "")
    aladin = roadmap.party("aladin")
    assert aladin.name == "Аладин Д.И."
    assert aladin.position == "ведущий специалист отдела оценки качества образования МКУ «ЦСО»"
    assert aladin.body == "tsso"
    barybina = roadmap.party("barybina")
    assert barybina.name == "Барыбина И.С."
    assert barybina.position == "заведующий Валуйским межмуниципальным методическим центром ОГАОУ ДПО «БелИРО»"
    assert barybina.body == "mmc"
    assert roadmap.party("mmc").name == "Валуйский межмуниципальный методический центр ОГАОУ ДПО «БелИРО»"
    assert roadmap.party("tsso").name == "МКУ «ЦСО»"
    assert all(roadmap.party(b).kind == "body" for b in ("uo", "tsso", "mmc"))
    head = roadmap.party("oo_head")
    assert head.name == "Руководители общеобразовательных организаций Валуйского городского округа"
    assert (head.kind, head.role, head.per_organisation, head.org_kinds) == ("role", "head", True, ["ОО"])
    assert head.escalates_to == "milneva"
    # the regulation's participant roles are a note, not parties
    assert not any(p.role == "curator" or "наставник" in p.name.lower() for p in roadmap.parties)


def test_parties_use_the_correct_spelling(roadmap: Roadmap) -> None:
    for party in roadmap.parties:
        for text in (party.name, party.position or ""):
            assert "БелПРО" not in text and "БелиРО" not in text


def _note(roadmap: Roadmap, about: str) -> str:
    matches = [n.text for n in roadmap.notes if n.about == about]
    assert len(matches) == 1, f"expected one note about {about!r}"
    return matches[0]


def test_notes_record_the_beliro_variants(roadmap: Roadmap) -> None:
    assert "«БелИРО»" in _note(roadmap, "spelling «БелИРО»")
    belpro = _note(roadmap, "spelling «БелПРО»")
    assert "item 5" in belpro
    beliro = _note(roadmap, "spelling «БелиРО»")
    assert "items 6, 7, 8 and 10" in beliro
    assert "items 9 and 11" in beliro
    # each affected row carries the variant it prints
    assert any("«БелПРО»" in n for n in roadmap.item("5").notes)
    for number in ("6", "7", "8", "9", "10", "11"):
        assert any("«БелиРО»" in n for n in roadmap.item(number).notes), number
    # titles keep the source's spelling
    assert "«БелиРО»" in roadmap.item("9").title
    assert "«БелиРО»" in roadmap.item("11").title


def test_split_cells_are_rejoined(roadmap: Roadmap) -> None:
    assert roadmap.item("6").title == (
        "Проведение вебинаров, семинаров, иных мероприятий по направлениям деятельности "
        "наставничества, обмену опытом в сфере наставничества"
    )
    assert roadmap.item("6").result == "Информация на сайте о проведенном мероприятия"
    note = _note(roadmap, "split cells")
    for number in ("item 6", "item 10", "item 11"):
        assert number in note
    for item in roadmap.items:
        for text in (item.title, item.deadline.text, item.result or ""):
            assert "необходимост " not in text and "общеобразовательн ых" not in text


def test_order_points_3_and_4_are_notes_not_items(roadmap: Roadmap) -> None:
    assert "Мильнева Е.Р." in _note(roadmap, "order point 3")
    assert "Барыбина И.С." in _note(roadmap, "order point 4")
    assert [i.source_number for i in roadmap.sections[1].items] == ["5"]


def test_regulation_roles_are_summarised(roadmap: Roadmap) -> None:
    text = _note(roadmap, "roles in the положение")
    for word in ("наставник", "наставляемый", "куратор", "тьютор"):
        assert word in text
