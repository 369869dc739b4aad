"""The organisation registry and party contacts against a real SQLite store: loads, re-loads, refusals, routing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from audit.chain import verify_chain
from cli.registry import orgs_app, parties_app
from models.addresses import is_email, mask_url
from models.db import session_scope
from models.loader import load_plan
from models.store import AuditEvent, Contact, Organisation
from tasks.registry import (
    Address,
    LoadReport,
    RegistryError,
    contacts_for,
    decode_csv,
    load_orgs,
    load_parties,
    parse_orgs_csv,
    parse_parties_csv,
)

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "roadmaps" / "registry"
SECH_ORGS, SECH_PARTIES = REGISTRY / "sechenovsky-orgs.csv", REGISTRY / "sechenovsky-parties.csv"
TOMSK_ORGS, TOMSK_PARTIES = REGISTRY / "tomsk-orgs.csv", REGISTRY / "tomsk-parties.csv"
NOW = datetime(2024, 9, 2, 6, 0, tzinfo=UTC)
LATER = datetime(2024, 10, 1, 6, 0, tzinfo=UTC)
HEADER = "id,name,kind,municipality,region,timezone,curator_email,head_email"
SECH = "Сеченовский муниципальный район,Нижегородская область"


def load_orgs_text(engine, text: str, *, source: str = "orgs.csv", now: datetime = NOW, dry_run: bool = False):
    rows = parse_orgs_csv(text, source=source)
    with session_scope(engine) as session:
        return load_orgs(session, rows, actor="operator", now=now, source=source,
                         sha256=hashlib.sha256(text.encode()).hexdigest(), dry_run=dry_run)  # fmt: skip


def load_parties_text(engine, text: str, *, source: str = "parties.csv", now: datetime = NOW) -> LoadReport:
    rows = parse_parties_csv(text, source=source)
    with session_scope(engine) as session:
        return load_parties(session, rows, actor="operator", now=now, source=source,
                            sha256=hashlib.sha256(text.encode()).hexdigest())  # fmt: skip


def count(engine, table) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def orgs(engine) -> dict[str, Organisation]:
    with session_scope(engine) as session:
        return {o.id: o for o in session.execute(select(Organisation)).scalars()}


def refused(text: str, parse=parse_orgs_csv, source: str = "orgs.csv") -> list[str]:
    with pytest.raises(RegistryError) as exc:
        parse(text, source=source)
    return [str(issue) for issue in exc.value.issues]


# -- the sample registries ---------------------------------------------------------------------------


def test_sample_registries_load_and_are_marked_as_samples(engine):
    assert load_orgs_text(engine, SECH_ORGS.read_text("utf-8")).counts()["added"] == 13
    assert load_orgs_text(engine, TOMSK_ORGS.read_text("utf-8")).counts()["added"] == 60
    assert load_parties_text(engine, SECH_PARTIES.read_text("utf-8")).counts()["added"] == 5
    assert load_parties_text(engine, TOMSK_PARTIES.read_text("utf-8")).counts()["added"] == 3
    stored = orgs(engine)
    assert len(stored) == 73
    with session_scope(engine) as session:
        contacts = session.execute(select(Contact)).scalars().all()
    for name in [o.name for o in stored.values()] + [c.name for c in contacts]:
        assert name.endswith("(образец)"), name
    for address in (
        [o.curator_email for o in stored.values()]
        + [o.head_email for o in stored.values()]
        + [c.email for c in contacts]
    ):
        assert address is None or address.endswith("@example.org"), address
    for url in [o.curator_url for o in stored.values()] + [c.url for c in contacts]:
        assert url is None or ".example.org/" in url, url
    assert "(образец)" in (REGISTRY / "README.md").read_text("utf-8")


def test_sample_organisations_fit_the_plans_territories(engine):
    sech = load_plan(ROOT / "roadmaps" / "sechenovsky-2020.yaml")
    tomsk = load_plan(ROOT / "roadmaps" / "tomsk-2020-2024.yaml")
    rows = parse_orgs_csv(SECH_ORGS.read_text("utf-8"), source="s.csv")
    assert {(r.region, r.municipality) for r in rows} == {(sech.territory.region, sech.territory.municipality)}
    kinds = [r.kind for r in rows]
    assert (kinds.count("УО"), kinds.count("ОО"), kinds.count("ДО")) == (1, 9, 3)
    assert {r.timezone for r in rows} == {"Europe/Moscow"}  # empty cells took the region's zone
    assert [r.id for r in rows if not r.active] == ["sech-oo-09"]
    rows = parse_orgs_csv(TOMSK_ORGS.read_text("utf-8"), source="t.csv")
    assert {r.region for r in rows} == {tomsk.territory.region}
    departments = {r.municipality for r in rows if r.kind == "УО"}
    assert len(departments) == 20 == len([r for r in rows if r.kind == "УО"])
    schools = [r for r in rows if r.kind == "ОО"]
    assert len(schools) == 40 and {r.municipality for r in schools} <= departments
    assert {r.timezone for r in rows} == {"Asia/Tomsk"}
    assert "" in {cells["timezone"] for cells in csv.DictReader(io.StringIO(TOMSK_ORGS.read_text("utf-8")))}


def test_sample_contacts_name_parties_of_their_plans():
    for file, plan in ((SECH_PARTIES, "sechenovsky-2020"), (TOMSK_PARTIES, "tomsk-2020-2024")):
        roadmap = load_plan(ROOT / "roadmaps" / f"{plan}.yaml")
        rows = parse_parties_csv(file.read_text("utf-8"), source=file.name)
        assert {r.roadmap for r in rows} == {plan}
        for row in rows:
            assert not roadmap.party(row.party).per_organisation, row.party
    sech = {r.party for r in parse_parties_csv(SECH_PARTIES.read_text("utf-8"), source="s.csv")}
    assert sech == {"uo", "anisimova", "mavrina", "surina", "partners"}
    tomsk = {r.party for r in parse_parties_csv(TOMSK_PARTIES.read_text("utf-8"), source="t.csv")}
    assert tomsk == {"do_to", "toipkro", "dpo_orgs"}


# -- re-loads ----------------------------------------------------------------------------------------


def test_reloading_the_same_file_changes_nothing_and_says_so(engine):
    text = SECH_ORGS.read_text("utf-8")
    load_orgs_text(engine, text)
    report = load_orgs_text(engine, text, now=LATER)
    assert report.counts() == {"added": 0, "updated": 0, "unchanged": 13, "deactivated": 0, "not_in_file": 0}
    assert {o.updated_at.replace(tzinfo=UTC) for o in orgs(engine).values()} == {NOW}


def test_a_changed_row_is_updated_in_place_and_deactivation_is_a_column(engine):
    text = SECH_ORGS.read_text("utf-8")
    load_orgs_text(engine, text)
    changed = text.replace('МБОУ ""Сеченовская СШ № 2"" (образец)', 'МБОУ ""Сеченовская средняя школа № 2"" (образец)')
    changed = changed.replace("sech-oo-02-head@example.org", "sech-oo-02-director@example.org")
    changed = changed.replace("sech-oo-03-head@example.org,,,", "sech-oo-03-head@example.org,,,no")
    report = load_orgs_text(engine, changed, now=LATER)
    assert report.updated == {"sech-oo-02": ["name", "head_email"], "sech-oo-03": ["active"]}
    assert report.deactivated == ["sech-oo-03"]
    assert report.counts()["unchanged"] == 11
    stored = orgs(engine)
    assert len(stored) == 13
    assert stored["sech-oo-02"].name == 'МБОУ "Сеченовская средняя школа № 2" (образец)'
    assert stored["sech-oo-02"].head_email == "sech-oo-02-director@example.org"
    assert stored["sech-oo-03"].active is False
    assert stored["sech-oo-02"].updated_at.replace(tzinfo=UTC) == LATER
    assert stored["sech-oo-04"].updated_at.replace(tzinfo=UTC) == NOW


def test_organisations_missing_from_a_reload_are_left_as_they_are(engine):
    lines = SECH_ORGS.read_text("utf-8").splitlines()
    load_orgs_text(engine, "\n".join(lines))
    report = load_orgs_text(engine, "\n".join(lines[:4]))  # the header and the first three rows
    assert report.counts() == {"added": 0, "updated": 0, "unchanged": 3, "deactivated": 0, "not_in_file": 10}
    assert len(orgs(engine)) == 13 and all(o.active for k, o in orgs(engine).items() if k != "sech-oo-09")


def test_a_failed_transaction_writes_nothing(engine):
    rows = parse_orgs_csv(SECH_ORGS.read_text("utf-8"), source="orgs.csv")
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        load_orgs(session, rows, actor="operator", now=NOW, source="orgs.csv", sha256="0" * 64)
        raise RuntimeError("a later step of the same transaction fails")
    assert (count(engine, Organisation), count(engine, AuditEvent)) == (0, 0)


def test_dry_run_reports_and_writes_nothing(engine):
    report = load_orgs_text(engine, SECH_ORGS.read_text("utf-8"), dry_run=True)
    assert report.counts()["added"] == 13 and report.dry_run
    assert (count(engine, Organisation), count(engine, AuditEvent)) == (0, 0)


# -- refusals ----------------------------------------------------------------------------------------

BAD = f"""{HEADER}
sech-oo-01,"МБОУ ""Сеченовская СШ № 1"" (образец)",ОО,{SECH},,a@example.org,
x-2,Школа 2 (образец),школа,{SECH},,,
x-3,Школа 3 (образец),ОО,{SECH},,curator@,
x-4,Школа 4 (образец),ОО,{SECH},Europe/Sechenovo,,
sech-oo-01,Дубль (образец),ОО,{SECH},,,
x-6,,ОО,{SECH},,,
x-7,Школа 7 (образец),ОО,{SECH},,,head@example.org,extra
"""


def test_a_file_with_bad_rows_is_refused_whole_naming_each_line(engine):
    load_orgs_text(engine, TOMSK_ORGS.read_text("utf-8"))
    before = (count(engine, Organisation), count(engine, AuditEvent))
    assert refused(BAD) == [
        "orgs.csv:3: kind: expected one of ОО, ДО, СПО, УО (Cyrillic letters), found «школа»",
        "orgs.csv:4: curator_email: expected one e-mail address such as curator@school.example.org, found «curator@»",
        "orgs.csv:5: timezone: expected an IANA time zone such as Europe/Moscow or Asia/Tomsk, "
        "found «Europe/Sechenovo»",
        "orgs.csv:6: id: duplicate id «sech-oo-01», first on line 2",
        "orgs.csv:7: name: expected a value, found an empty cell",
        "orgs.csv:8: row: expected 8 cells as in the header, found 9 (is a «,» inside a value without quotes?)",
    ]
    assert (count(engine, Organisation), count(engine, AuditEvent)) == before


def test_header_problems_are_named():
    assert refused(HEADER.replace(",head_email", ",phone") + "\n") == [
        "orgs.csv:1: header: missing required columns head_email "
        "(expected id,name,kind,municipality,region,timezone,curator_email,head_email)",
        "orgs.csv:1: header: unknown columns «phone» (optional columns are curator_url, head_url, active, oktmo)",
    ]
    assert refused("") == [
        "orgs.csv:1: header: expected the header id,name,kind,municipality,region,timezone,curator_email,"
        "head_email, found an empty file"
    ]
    assert refused(HEADER + "\n\n") == ["orgs.csv:2: row: expected at least one row after the header, found none"]


def test_other_cell_problems_are_named():
    text = f"""{HEADER},active,curator_url
a b,Школа (образец),ОО,{SECH},,,,может,tgram://123456:SECRET/42
c,Школа (образец),ОО,{SECH},,x@example.org,"Иванов <y@example.org>",,tgram://***
d,Школа (образец),ОО,,Нижегородская область,,,,,token-SECRET
e,Школа (образец)
"""
    assert refused(text) == [
        "orgs.csv:2: id: expected letters, digits, '-', '_' or '.' without spaces (at most 100), found «a b»",
        "orgs.csv:2: active: expected yes or no (да, нет; empty = yes), found «может»",
        "orgs.csv:3: head_email: expected one e-mail address such as curator@school.example.org, "
        "found «Иванов <y@example.org>»",
        "orgs.csv:3: curator_url: expected the full URL, found the masked form «tgram://***» that `list` prints",
        "orgs.csv:4: municipality: expected a value, found an empty cell",
        "orgs.csv:4: curator_url: expected an apprise URL such as tgram://… or ntfy://…, found «***»",
        "orgs.csv:5: row: expected 10 cells as in the header, found 2 (every column needs a cell, even an empty one)",
    ]


def test_a_file_that_is_not_utf8_names_the_line():
    data = (HEADER + "\n").encode() + "a,Школа,ОО\n".encode("cp1251")
    with pytest.raises(RegistryError) as exc:
        decode_csv(data, source="orgs.csv")
    assert str(exc.value) == "orgs.csv:2: file: expected UTF-8 text, found byte 0xD8 (in Excel save as «CSV UTF-8»)"


# -- what the file may look like ---------------------------------------------------------------------


def test_semicolon_separated_files_load_like_comma_separated_ones(engine):
    text = SECH_ORGS.read_text("utf-8")
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(csv.reader(io.StringIO(text)))
    assert out.getvalue().startswith("id;name;kind;")
    assert parse_orgs_csv(out.getvalue(), source="excel.csv") == parse_orgs_csv(text, source="orgs.csv")
    assert load_orgs_text(engine, out.getvalue()).counts()["added"] == 13


def test_a_file_with_a_bom_loads(engine):
    data = "\ufeff".encode() + SECH_ORGS.read_bytes()
    text = decode_csv(data, source="bom.csv")
    assert text.startswith("id,name,")
    assert parse_orgs_csv("\ufeff" + SECH_ORGS.read_text("utf-8"), source="bom.csv")[0].id == "sech-uo"
    assert load_orgs_text(engine, text).counts()["added"] == 13


def test_region_default_time_zone_and_unknown_regions():
    text = f"""{HEADER}
a,Школа (образец),ОО,Район,Томская область,,,
b,Школа (образец),ОО,Район,Камчатский край,,,
c,Школа (образец),ОО,Район,Камчатский край,Asia/Kamchatka,,
"""
    assert [r.timezone for r in parse_orgs_csv(text, source="o.csv")] == ["Asia/Tomsk", None, "Asia/Kamchatka"]


@pytest.mark.parametrize(
    "value, ok",
    [
        ("curator@example.org", True),
        ("first.last+tag@school-1.example.org", True),
        ("директор@школа.рф", False),  # the local part must be ASCII
        ("head@школа.рф", True),
        ("curator@", False),
        ("@example.org", False),
        ("a b@example.org", False),
        ("a..b@example.org", False),
        ("a@example", False),
        ("a@-example.org", False),
        ("a@example.org; b@example.org", False),
        ("a@1.2.3.4", False),
    ],
)
def test_is_email(value: str, ok: bool):
    assert is_email(value) is ok


@pytest.mark.parametrize(
    "url, shown",
    [
        ("mailto://user:secret@smtp.example.org:587/?to=a@example.org", "mailto://***@smtp.example.org:587/***"),
        ("tgram://123456789:AAH-secret/-100123", "tgram://***"),
        ("ntfy://ntfy.example.org/secret-topic", "ntfy://ntfy.example.org/***"),
        ("json://hooks.example.org", "json://hooks.example.org"),
        ("json://localhost:8080/hook?token=x", "json://localhost:8080/***"),
        ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "discord://***"),
        ("token-without-scheme", "***"),
    ],
)
def test_mask_url_keeps_only_scheme_and_host(url: str, shown: str):
    assert mask_url(url) == shown


# -- contacts ----------------------------------------------------------------------------------------


def test_parties_are_keyed_by_roadmap_and_party(engine):
    text = """party,name,email,url,roadmap
uo,УО Сеченовского района (образец),sech@example.org,,sechenovsky-2020
uo,УО Валуйского округа (образец),,ntfy://ntfy.example.org/valuyki,valuysky-2022
uo,Любое УО (образец),any@example.org,,
"""
    report = load_parties_text(engine, text)
    assert sorted(report.added) == ["*/uo", "sechenovsky-2020/uo", "valuysky-2022/uo"]
    assert count(engine, Contact) == 3
    changed = text.replace("any@example.org", "any-uo@example.org")
    report = load_parties_text(engine, changed, now=LATER)
    assert report.updated == {"*/uo": ["email"]} and report.unchanged == 2
    assert count(engine, Contact) == 3


def test_bad_party_rows_are_refused():
    text = """party,name,email,url,roadmap
uo,УО (образец),,,sechenovsky-2020
uo,УО (образец),uo@example.org,,sechenovsky-2020
UO,УО (образец),uo@example.org,,
toipkro,ТОИПКРО (образец),,slack://TokenA/TokenB/TokenC,tomsk-2020-2024
dpo,ДПО (образец),,https//hooks.example.org/SECRET,Tomsk
"""
    assert refused(text, parse_parties_csv, "parties.csv") == [
        "parties.csv:2: email: expected an e-mail address or a url (at least one), found both empty",
        "parties.csv:3: party: duplicate party «uo» for roadmap «sechenovsky-2020», first on line 2",
        "parties.csv:4: party: expected a party id of the plans such as uo or toipkro, found «UO»",
        "parties.csv:6: url: expected an apprise URL such as tgram://… or ntfy://…, found «***»",
        "parties.csv:6: roadmap: expected a roadmap id such as tomsk-2020-2024 (empty = any), found «Tomsk»",
    ]


@pytest.fixture
def sechenovsky_registry(engine):
    load_orgs_text(engine, SECH_ORGS.read_text("utf-8"))
    load_parties_text(engine, SECH_PARTIES.read_text("utf-8"))
    return engine


def test_contacts_for_a_per_organisation_role_come_from_the_organisation(sechenovsky_registry):
    roadmap = load_plan(ROOT / "roadmaps" / "sechenovsky-2020.yaml")
    name = 'МБОУ "Сеченовская СШ № 1" (образец)'
    with session_scope(sechenovsky_registry) as session:
        assert contacts_for(session, roadmap=roadmap, party_id="oo_curator", org_id="sech-oo-01") == [
            Address("email", "sech-oo-01-curator@example.org", name),
            Address("apprise", "ntfy://ntfy.example.org/${SECH_OO_01_NTFY_TOPIC}", name),
        ]
        assert contacts_for(session, roadmap=roadmap, party_id="oo_head", org_id="sech-oo-01") == [
            Address("email", "sech-oo-01-head@example.org", name)
        ]
        assert contacts_for(session, roadmap=roadmap, party_id="oo", org_id="sech-do-02")[0].target == (
            "sech-do-02-head@example.org"
        )
        assert contacts_for(session, roadmap=roadmap, party_id="oo_curator", org_id="sech-oo-09") == []  # inactive
        assert contacts_for(session, roadmap=roadmap, party_id="oo_curator", org_id="nowhere") == []
        with pytest.raises(ValueError, match="per organisation"):
            contacts_for(session, roadmap=roadmap, party_id="oo_curator", org_id=None)
        with pytest.raises(KeyError):
            contacts_for(session, roadmap=roadmap, party_id="nobody", org_id=None)


def test_contacts_for_a_body_prefer_the_roadmap_then_any_roadmap(sechenovsky_registry):
    sech = load_plan(ROOT / "roadmaps" / "sechenovsky-2020.yaml")
    valuysky = load_plan(ROOT / "roadmaps" / "valuysky-2022.yaml")
    load_parties_text(sechenovsky_registry, "party,name,email,url\nuo,Любое УО (образец),any-uo@example.org,\n")
    with session_scope(sechenovsky_registry) as session:
        assert contacts_for(session, roadmap=sech, party_id="uo", org_id=None) == [
            Address("email", "sech-uo@example.org", "Управление образования Сеченовского района, приёмная (образец)")
        ]
        assert [a.target for a in contacts_for(session, roadmap=sech, party_id="surina", org_id=None)] == [
            "sech-uo-specialist-3@example.org",
            "ntfy://ntfy.example.org/${SECH_COORDINATOR_NTFY_TOPIC}",
        ]
        assert contacts_for(session, roadmap=valuysky, party_id="uo", org_id=None) == [
            Address("email", "any-uo@example.org", "Любое УО (образец)")
        ]
        assert contacts_for(session, roadmap=valuysky, party_id="milneva", org_id=None) == []


def test_contacts_for_an_organisation_party_of_kind_uo(engine):
    load_orgs_text(engine, TOMSK_ORGS.read_text("utf-8"))
    tomsk = load_plan(ROOT / "roadmaps" / "tomsk-2020-2024.yaml")
    with session_scope(engine) as session:
        found = contacts_for(session, roadmap=tomsk, party_id="muo", org_id="tomsk-uo-asinovsky")
    assert [(a.channel, a.target) for a in found] == [("email", "tomsk-uo-asinovsky@example.org")]


# -- audit -------------------------------------------------------------------------------------------


def test_every_load_is_one_audit_event_in_a_valid_chain(engine):
    text = SECH_ORGS.read_text("utf-8")
    load_orgs_text(engine, text, source="sechenovsky-orgs.csv")
    load_orgs_text(engine, text, source="sechenovsky-orgs.csv", now=LATER)  # unchanged, still recorded
    load_parties_text(engine, SECH_PARTIES.read_text("utf-8"), source="sechenovsky-parties.csv")
    with session_scope(engine) as session:
        assert verify_chain(session).ok
        events = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
    assert [e.action for e in events] == ["registry.orgs.loaded", "registry.orgs.loaded", "registry.parties.loaded"]
    first = events[0].payload
    assert first["file"] == "sechenovsky-orgs.csv" and events[0].subject == "sechenovsky-orgs.csv"
    assert first["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert (first["added"], first["updated"], first["unchanged"]) == (13, 0, 0)
    assert (events[1].payload["added"], events[1].payload["unchanged"]) == (0, 13)
    assert first["added_ids"][:2] == ["sech-do-01", "sech-do-02"] and first["changed_columns"] == {}
    assert "@" not in str(events[2].payload)  # addresses stay out of the audit chain


# -- the commands ------------------------------------------------------------------------------------

runner = CliRunner()


def make_app() -> typer.Typer:
    """The groups mounted as cli.main mounts them: `roadmap orgs …`, `roadmap parties …`."""
    app = typer.Typer(name="roadmap", no_args_is_help=True, add_completion=False, rich_markup_mode=None)
    app.add_typer(orgs_app, name="orgs")
    app.add_typer(parties_app, name="parties")
    return app


def run(*args: str):
    return runner.invoke(make_app(), [*args, "--by", "tester"] if args[1] == "load" else list(args))


def test_cli_load_prints_what_changed(engine, db_url):
    result = run("orgs", "load", str(SECH_ORGS), "--db", db_url)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{SECH_ORGS}: 13 organisations: 13 added, 0 updated, 0 unchanged\n"
    result = run("orgs", "load", str(SECH_ORGS), "--db", db_url)
    assert result.stdout == f"{SECH_ORGS}: 13 organisations: nothing to change (13 unchanged)\n"
    result = run("parties", "load", str(SECH_PARTIES), "--db", db_url)
    assert result.exit_code == 0 and result.stdout.startswith(f"{SECH_PARTIES}: 5 contacts: 5 added")
    with session_scope(engine) as session:
        assert session.execute(select(AuditEvent.actor)).scalars().all() == ["tester"] * 3


def test_cli_dry_run_writes_nothing(engine, db_url):
    result = run("orgs", "load", str(TOMSK_ORGS), "--db", db_url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{TOMSK_ORGS}: 60 organisations: 60 would be added, 0 would be updated, 0 unchanged"
        " — dry run, nothing written\n"
    )
    assert (count(engine, Organisation), count(engine, AuditEvent)) == (0, 0)


def test_cli_reports_changes_and_rows_left_out(engine, db_url, tmp_path):
    load_orgs_text(engine, SECH_ORGS.read_text("utf-8"))
    lines = SECH_ORGS.read_text("utf-8").splitlines()
    lines[2] = lines[2].replace("sech-oo-01-head@example.org", "sech-oo-01-director@example.org")
    changed = tmp_path / "orgs.csv"
    changed.write_text("\n".join(lines[:5]) + "\n", "utf-8")
    result = run("orgs", "load", str(changed), "--db", db_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{changed}: 4 organisations: 0 added, 1 updated, 3 unchanged",
        "  updated sech-oo-01: head_email",
        "  9 more organisations of the same regions are in the store but not in this file: left as they are "
        "(a re-load never deletes)",
    ]


def test_cli_refuses_a_bad_file_on_stderr_with_exit_2(engine, db_url, tmp_path):
    bad = tmp_path / "orgs.csv"
    bad.write_text(BAD, "utf-8")
    result = run("orgs", "load", str(bad), "--db", db_url)
    assert result.exit_code == 2 and result.stdout == ""
    errors = result.stderr.splitlines()
    assert errors[0] == f"{bad}:3: kind: expected one of ОО, ДО, СПО, УО (Cyrillic letters), found «школа»"
    assert errors[-1] == f"error: {bad}: 6 problems; nothing was loaded"
    assert (count(engine, Organisation), count(engine, AuditEvent)) == (0, 0)


def test_cli_user_mistakes_get_a_message_not_a_traceback(db_url, tmp_path):
    result = run("orgs", "load", str(tmp_path / "nope.csv"), "--db", db_url)
    assert (result.exit_code, result.stderr) == (2, f"error: {tmp_path / 'nope.csv'}: no such file\n")
    result = run("parties", "load", str(tmp_path), "--db", db_url)
    assert (result.exit_code, result.stderr) == (2, f"error: {tmp_path}: is a folder; expected a CSV file\n")
    cp1251 = tmp_path / "excel.csv"
    cp1251.write_bytes(SECH_ORGS.read_text("utf-8").encode("cp1251"))
    result = run("orgs", "load", str(cp1251), "--db", db_url)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(f"{cp1251}:2: file: expected UTF-8 text, found byte 0x")
    header = tmp_path / "header.csv"
    header.write_text("id;name\nx;y\n", "utf-8")
    result = run("orgs", "load", str(header), "--db", db_url)
    assert result.exit_code == 2 and result.stderr.startswith(f"{header}:1: header: missing required columns kind")
    result = run("orgs", "list", "--kind", "школа", "--db", db_url)
    assert (result.exit_code, result.stderr) == (
        2,
        "error: --kind: expected one of ОО, ДО, СПО, УО (Cyrillic letters), found «школа»\n",
    )
    assert "Traceback" not in result.output


def test_cli_list_filters_and_masks_urls(engine, db_url):
    load_orgs_text(engine, SECH_ORGS.read_text("utf-8"))
    load_orgs_text(engine, TOMSK_ORGS.read_text("utf-8"))
    load_parties_text(engine, TOMSK_PARTIES.read_text("utf-8"))
    result = run("orgs", "list", "--region", "Томская область", "--kind", "УО", "--format", "json", "--db", db_url)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 20 and {d["kind"] for d in data} == {"УО"}
    assert set(data[0]) == {"id", "name", "kind", "municipality", "region", "timezone", "curator_email",
                            "head_email", "curator_url", "head_url", "active", "oktmo"}  # fmt: skip
    table = run("orgs", "list", "--municipality", "Сеченовский муниципальный район", "--db", db_url).stdout
    assert "ntfy://ntfy.example.org/***" in table and "SECH_OO_01" not in table
    assert "sech-oo-09" not in table  # inactive: only with --all
    assert "sech-oo-09" in run("orgs", "list", "--all", "--db", db_url).stdout
    exported = run("orgs", "list", "--all", "--format", "csv", "--show-secrets", "--db", db_url).stdout
    assert len(parse_orgs_csv(exported, source="export.csv")) == 73  # an export loads back
    parties = run("parties", "list", "--roadmap", "tomsk-2020-2024", "--db", db_url).stdout
    assert "mmost://mattermost.example.org/***" in parties and "TOMSK_TOIPKRO" not in parties
    assert (
        "mmost://mattermost.example.org/${TOMSK_TOIPKRO_MATTERMOST_TOKEN}"
        in run("parties", "list", "--show-secrets", "--db", db_url).stdout
    )
    assert run("parties", "list", "--party", "nobody", "--db", db_url).stdout == "(no contacts match)\n"


def test_every_registry_command_has_an_example_in_its_help():
    app = make_app()
    group = typer.main.get_command(app)
    for name in ("orgs", "parties"):
        assert set(group.commands[name].commands) == {"load", "list"}  # type: ignore[attr-defined]
        for sub in ("load", "list"):
            result = runner.invoke(app, [name, sub, "--help"])
            assert result.exit_code == 0, result.output
            assert f"Example: roadmap {name} {sub}" in result.stdout, (name, sub)
