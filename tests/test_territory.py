"""A plan's territory meets the registry (issue 11, item 1): official spellings of one place match, the ОКТМО
code decides when both sides have it, a sync that would reach nobody is refused, and an organisation loaded
after a sync is fanned out to the roadmaps it falls under."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from models.db import session_scope
from models.store import AuditEvent, Milestone, RoadmapVersion
from models.territory import oktmo_prefix, same_place
from tasks.sync import SyncRefused
from tests.helpers.sechenovsky import PLAN

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "roadmaps" / "registry"
SECH_ORGS = (REGISTRY / "sechenovsky-orgs.csv").read_text(encoding="utf-8")
HEADER = "id,name,kind,municipality,region,timezone,curator_email,head_email"
runner = CliRunner()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Сеченовский муниципальный район", "Сеченовский район"),
        ("Сеченовский муниципальный район", "Сеченовский м. р."),
        ("Сеченовский муниципальный район", "Сеченовский м.р-н"),
        ("Сеченовский муниципальный район", "СЕЧЕНОВСКИЙ  РАЙОН"),
        ("Сеченовский муниципальный район", "Сеченовский р-н"),
        ("Сеченовский муниципальный район", "Сеченовский"),
        ("Валуйский городской округ", "Валуйский г. о."),
        ("Валуйский городской округ", "городской округ «Валуйский»"),
        ("Город Томск", "г. Томск"),
        ("Город Томск", "Городской округ город Томск"),
        ("Город Томск", "Томск"),
        ("ЗАТО Северск", "Городской округ ЗАТО Северск"),
        ("Городской округ Стрежевой", "г.о. Стрежевой"),
        ("Верхнекетский район", "Верхнекетский муниципальный район"),
        ("Чаинский муниципальный округ", "Чаинский м. о."),
        ("Орловский муниципальный округ", "Орловский муниципальный округ"),
        ("Алёшинский район", "Алешинский район"),
        ("Нижегородская область", "Нижегородская обл."),
        ("Нижегородская область", "нижегородская  область"),
        ("Республика Татарстан", "Татарстан республика"),
        ("Республика Саха (Якутия)", "Республика Саха (Якутия)"),
    ],
)
def test_official_spellings_of_one_place_match(a, b):
    assert same_place(a, b) and same_place(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Сеченовский муниципальный район", "Сеченовский муниципальный округ"),  # a district turned okrug
        ("Валуйский городской округ", "Валуйский район"),
        ("Город Томск", "Томский район"),
        ("Сеченовский муниципальный район", "Починковский муниципальный район"),
        ("Нижегородская область", "Новгородская область"),
        ("Томская область", "Томский район"),
    ],
)
def test_other_places_do_not_match(a, b):
    assert not same_place(a, b)


def test_the_oktmo_code_covers_the_codes_that_start_with_its_significant_part():
    assert [oktmo_prefix(c) for c in ("69000000", "22649000", "22649151", "22649151051")] == [
        "69", "22649", "22649151", "22649151"
    ]  # fmt: skip


# -- sync against the registry ---------------------------------------------------------------------


def load_orgs(engine, text: str, source: str = "orgs.csv"):  # noqa: ANN201
    from tests.test_registry import load_orgs_text

    return load_orgs_text(engine, text, source=source)


def sync(engine, text: str, **kw):  # noqa: ANN003, ANN201
    from datetime import UTC, datetime

    from models.loader import parse_plan
    from tasks.sync import sync_plan

    with session_scope(engine) as session:
        return sync_plan(session, roadmap=parse_plan(text, "plan"), yaml_text=text, source_path="plan",
                         actor="operator", now=datetime(2020, 5, 1, tzinfo=UTC), **kw)  # fmt: skip


def count(engine, *where) -> int:  # noqa: ANN002
    with session_scope(engine, readonly=True) as session:
        return session.execute(select(func.count()).select_from(Milestone).where(*where)).scalar_one()


def test_a_registry_that_spells_the_municipality_differently_is_fanned_out_to(engine):
    load_orgs(engine, SECH_ORGS.replace("Сеченовский муниципальный район", "Сеченовский район")
              .replace("Нижегородская область", "Нижегородская обл."))  # fmt: skip
    report = sync(engine, PLAN.read_text(encoding="utf-8"))
    assert report.added == 493  # the same as with the plan's own spelling (tests/test_sync.py)
    assert count(engine, Milestone.org_id == "sech-oo-01") > 0


def test_the_oktmo_code_decides_over_the_names_when_both_have_one(engine):
    plan = PLAN.read_text(encoding="utf-8").replace(
        "  municipality: Сеченовский муниципальный район\n",
        '  municipality: Сеченовский муниципальный район\n  oktmo: "22649000"\n',
    )
    text = (f"{HEADER},oktmo\n"
            "a,Школа А,ОО,Район имени другого названия,Нижегородская область,,,,22649151\n"  # the code says: inside
            "b,Школа Б,ОО,Сеченовский муниципальный район,Нижегородская область,,,,22701000\n"  # the code says: not
            "c,Школа В,ОО,Сеченовский район,Нижегородская область,,,,\n"  # no code: the name decides
            "d,ДО Г,ДО,Сеченовский район,Нижегородская область,,,,22649000\n")  # fmt: skip
    load_orgs(engine, text)
    sync(engine, plan)
    with session_scope(engine, readonly=True) as session:
        reached = set(session.execute(select(Milestone.org_id).distinct()).scalars()) - {""}
    assert reached == {"a", "c", "d"}


def test_a_bad_oktmo_code_is_refused_in_the_registry_and_the_plan(engine, tmp_path):
    from tasks.registry import RegistryError, parse_orgs_csv

    with pytest.raises(RegistryError) as err:
        parse_orgs_csv(f"{HEADER},oktmo\na,Школа,ОО,Район,Область,,,,2264\n", source="orgs.csv")
    assert [str(i) for i in err.value.issues] == [
        "orgs.csv:2: oktmo: expected an ОКТМО code of 8 or 11 digits, e.g. 22649000, found «2264»"
    ]
    bad = tmp_path / "plan.yaml"
    bad.write_text(PLAN.read_text(encoding="utf-8").replace(
        "  municipality: Сеченовский муниципальный район\n",
        "  municipality: Сеченовский муниципальный район\n  oktmo: \"22-649\"\n"), encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:25:10: territory.oktmo: expected an ОКТМО code of 8 or 11 digits, e.g. 22649000, found «22-649»" in (
        result.stderr
    )


def test_a_sync_that_would_reach_no_organisation_is_refused_naming_the_closest(engine):
    load_orgs(engine, SECH_ORGS.replace("Сеченовский муниципальный район", "Сеченовский муниципальный округ"))
    with pytest.raises(SyncRefused) as refused:
        sync(engine, PLAN.read_text(encoding="utf-8"))
    message = str(refused.value)
    assert message.startswith(
        "sechenovsky-2020: the plan's territory «Сеченовский муниципальный район, Нижегородская область» matches "
        "no organisation of the registry, so 33 per-organisation items (1.2, 1.6, 1.7, "
    )
    assert "closest in the registry: «Сеченовский муниципальный округ» (Нижегородская область)" in message
    assert message.endswith(
        "correct the plan's territory or the registry (or give both the ОКТМО code), load the registry with "
        "`roadmap orgs load FILE.csv`, or sync with --allow-empty to store the plan anyway"
    )
    with session_scope(engine, readonly=True) as session:
        assert session.execute(select(func.count()).select_from(RoadmapVersion)).scalar_one() == 0
    # with --allow-empty: stored, with a loud warning in the report
    report = sync(engine, PLAN.read_text(encoding="utf-8"), allow_empty=True)
    assert report.warnings and report.warnings[0].startswith("sechenovsky-2020: the plan's territory")
    assert "  WARNING: " + report.warnings[0] in report.lines()


def test_an_item_whose_kinds_of_organisation_the_territory_lacks_is_refused(engine):
    # only schools: the plan's items for ДО alone reach nobody
    load_orgs(engine, "\n".join(line for line in SECH_ORGS.splitlines() if ",ДО," not in line) + "\n")
    plan = PLAN.read_text(encoding="utf-8").replace(
        "        scope: {per_organisation: [ОО, ДО]}\n        result: Приказы ОО",
        "        scope: {per_organisation: [ДО]}\n        result: Приказы ОО",
        1,
    )
    with pytest.raises(SyncRefused) as refused:
        sync(engine, plan)
    assert str(refused.value).startswith(
        "sechenovsky-2020: item 1.2 is for each ДО of «Сеченовский муниципальный район, Нижегородская область», "
        "and the registry has no active ДО there (it has ОО 8, УО 1): "
    )


@pytest.fixture
def cli_store(engine, db_url, prefect_harness):
    return engine, db_url


def test_cli_sync_refuses_with_exit_2_and_allow_empty_warns_loudly(cli_store, tmp_path):
    engine, db_url = cli_store
    orgs = tmp_path / "orgs.csv"
    orgs.write_text(SECH_ORGS.replace("Сеченовский муниципальный район", "Сеченовский муниципальный округ"), "utf-8")
    assert runner.invoke(app, ["orgs", "load", str(orgs), "--db", db_url]).exit_code == 0
    refused = runner.invoke(app, ["sync", str(PLAN), "--db", db_url])
    assert refused.exit_code == 2, refused.output
    # (under the test harness Prefect's own log lines reach stderr too; the command prints none of its own)
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error: ")]
    assert errors[0].startswith("error: sechenovsky-2020: the plan's territory «Сеченовский муниципальный район")
    assert refused.stdout == ""
    allowed = runner.invoke(app, ["sync", str(PLAN), "--allow-empty", "--db", db_url])
    assert allowed.exit_code == 0, allowed.output
    assert any(
        line.startswith("WARNING: sechenovsky-2020: the plan's territory") for line in allowed.stderr.splitlines()
    )
    assert "sechenovsky-2020: version 1 stored" in allowed.stdout


def test_orgs_load_after_a_sync_fans_the_new_organisations_out_in_the_same_transaction(cli_store, tmp_path):
    engine, db_url = cli_store
    first = tmp_path / "orgs.csv"
    first.write_text(SECH_ORGS, "utf-8")
    assert runner.invoke(app, ["orgs", "load", str(first), "--db", db_url]).exit_code == 0
    assert runner.invoke(app, ["sync", str(PLAN), "--db", db_url]).exit_code == 0
    before = count(engine)
    added = tmp_path / "more.csv"
    added.write_text(f"{HEADER}\n"
                     "sech-oo-10,Школа № 10 (образец),ОО,Сеченовский район,Нижегородская область,,,\n"
                     "far-oo-01,Школа далеко (образец),ОО,Другой район,Другая область,,,\n", "utf-8")  # fmt: skip
    dry = runner.invoke(app, ["orgs", "load", str(added), "--dry-run", "--db", db_url])
    assert dry.exit_code == 0 and "sechenovsky-2020: would add 45 milestones for sech-oo-10" in dry.stdout
    assert count(engine) == before
    result = runner.invoke(app, ["orgs", "load", str(added), "--db", db_url])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "  sechenovsky-2020: added 45 milestones for sech-oo-10 (fanned out in this load)" in lines
    assert "  far-oo-01: in «Другой район, Другая область», which no roadmap of the store covers" in lines
    assert count(engine, Milestone.org_id == "sech-oo-10") == 45 and count(engine) == before + 45
    with session_scope(engine, readonly=True) as session:
        actions = [e.action for e in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
                   if not e.action.startswith("milestone.")]  # fmt: skip
    # the load, then the re-sync it caused (each new milestone's creation is an event of its own)
    assert actions[-2:] == ["registry.orgs.loaded", "roadmap.synced"]
    status = json.loads(runner.invoke(app, ["status", "--org", "sech-oo-10", "--format", "json", "--as-of",
                                            "2020-05-25", "--db", db_url]).stdout)  # fmt: skip
    assert status["milestones"] and {m["org"] for m in status["milestones"]} == {"sech-oo-10"}
