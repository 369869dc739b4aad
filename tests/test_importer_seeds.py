"""Importing each seed document gives the hand-encoded roadmap, item by item (issue 16).

For every seed the test imports the plain-text export, validates the draft with the plan loader and
compares it with the plan in roadmaps/ on item numbers, titles (whitespace normalised), deadlines
(kind and parsed windows) and responsible parties. The report of differences is printed; every
difference must be listed below with the source quirk that explains it, and every explanation must
still hold, so neither a new mismatch nor a stale excuse passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from importer import ImportOptions, import_document
from importer.emit import render
from models.loader import load_plan
from tests.importer_compare import compare

SEEDS = Path(__file__).resolve().parent.parent / "roadmaps" / "sources"
ROADMAPS = Path(__file__).resolve().parents[1] / "roadmaps"

# Source wordings that name a hand-encoded party by another name (abbreviations and spellings of the
# source), as the hand-encoded plans' notes record them.
ALIASES: dict[str, dict[str, str]] = {
    "sechenovsky-2020": {"УО": "uo", "ОО, ДО": "oo"},  # «УО» abbreviates the department (party note)
    "tomsk-2020-2024": {
        "ТОИПКРО": "toipkro",  # the institute's abbreviation, defined in the order («далее - ТОИПКРО»)
        "ДО ТОО": "do_to",  # two spellings of the Department (plan note «responsible spellings»)
        "ДОО ТО": "do_to",
    },
    "orenburg-2021-2024": {
        "ГБУ РЦРО": "rcro",
        "НЦ": "nc",
        "ММЦ": "mmc",
        "МЦНПК": "mcnpk",
        "ВУЗы": "universities",
        "учреждения СПО": "spo_institutions",
        "учреждения ДПО": "dpo",
        "региональные стажировочные площадки": "internship_sites",
        "ОО": "oo",
    },  # fmt: skip
    "valuysky-2022": {},
    "chelyabinsk-2021-2022": {},
}

# Differences that remain, each with the source quirk behind it: (item number, field) -> why.
EXPLAINED: dict[str, dict[tuple[str, str], str]] = {
    "orenburg-2021-2024": {},
    "tomsk-2020-2024": {},
    "sechenovsky-2020": {},
    "valuysky-2022": {},
    "chelyabinsk-2021-2022": {},
}

CASES = [
    ("000_b46de85a7745766d.txt", "orenburg-2021-2024"),
    ("001_905e2c18c33bca16.txt", "tomsk-2020-2024"),
    ("002_2879a328bbd28f4e.txt", "sechenovsky-2020"),
    ("003_6139fa60e3cbcb22.txt", "valuysky-2022"),
    ("004_0c5f07910fbcd7e3.txt", "chelyabinsk-2021-2022"),
]


@pytest.mark.parametrize(("source", "plan"), CASES, ids=[c[1] for c in CASES])
def test_importing_a_seed_gives_its_hand_encoded_roadmap(source: str, plan: str) -> None:
    result = import_document(SEEDS / source, ImportOptions())
    _text, imported = render(result, name=f"{source} (draft)")
    hand = load_plan(ROADMAPS / f"{plan}.yaml")
    matched, total, differences = compare(imported, hand, ALIASES[plan])
    print(f"\n{plan}: {matched}/{total} items match")
    for difference in differences:
        print(f"  {difference}  -- {EXPLAINED[plan].get((difference.number, difference.field), 'UNEXPLAINED')}")
    assert matched / total >= 0.95, f"{plan}: only {matched}/{total} items match"
    unexplained = [str(d) for d in differences if (d.number, d.field) not in EXPLAINED[plan]]
    assert not unexplained, "differences without an explanation:\n" + "\n".join(unexplained)
    stale = set(EXPLAINED[plan]) - {(d.number, d.field) for d in differences}
    assert not stale, f"explained differences that no longer occur: {sorted(stale)}"


def test_the_seed_imports_read_their_orders_and_periods() -> None:
    expected = {
        "000_b46de85a7745766d.txt": ("приказ", "17.12.2020", "О1-21/1706", "Asia/Yekaterinburg", 2021, 2024),
        "001_905e2c18c33bca16.txt": ("распоряжение", "13.04.2020", "305-р", "Asia/Tomsk", 2020, 2024),
        "002_2879a328bbd28f4e.txt": ("приказ", "", "", "Europe/Moscow", 2020, 2020),
        "003_6139fa60e3cbcb22.txt": ("приказ", "18 февраля 2022 года", "98 - од", "Europe/Moscow", 2022, 2022),
    }
    for source, (kind, when, number, zone, first, last) in expected.items():
        result = import_document(SEEDS / source, ImportOptions())
        _text, plan = render(result, name=source)
        assert (plan.order.kind, plan.order.date, plan.order.number) == (kind, when, number), source
        assert (plan.timezone, plan.period.start.year, plan.period.end.year) == (zone, first, last), source


def test_seed_indicators_are_read_with_their_yearly_targets() -> None:
    result = import_document(SEEDS / "002_2879a328bbd28f4e.txt", ImportOptions())
    _text, plan = render(result, name="sechenovsky")
    hand = load_plan(ROADMAPS / "sechenovsky-2020.yaml")
    assert [i.targets for i in plan.indicators] == [i.targets for i in hand.indicators]
    assert [i.name for i in plan.indicators] == [i.name for i in hand.indicators]
    assert [i.formula for i in plan.indicators] == [i.formula for i in hand.indicators]
    assert [i.method for i in plan.indicators] == [i.method for i in hand.indicators]


def test_tomsk_targets_and_tolerance_footnote_are_read() -> None:
    result = import_document(SEEDS / "001_905e2c18c33bca16.txt", ImportOptions())
    _text, plan = render(result, name="tomsk")
    hand = load_plan(ROADMAPS / "tomsk-2020-2024.yaml")
    assert {i.number: i.targets for i in plan.items} == {i.number: i.targets for i in hand.items}
    assert plan.item_target_tolerance is not None and plan.item_target_tolerance.percent == 1
    # the stray export cells of 1.5 are left out, with a note to review
    item = plan.item("1.5")
    assert item.result == "Наличие локальных методических рекомендаций по развитию системы наставничества"
    assert any("«пакета актов, по системе» left out" in note for note in item.review)
