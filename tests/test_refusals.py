"""Nothing silent (issue 11): a command that would do nothing, or something impossible, says so and exits 2.

Each test names the mistake an operator made and asserts the words of the refusal and that nothing
was written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from models.db import session_scope
from models.loader import PlanError, load_plan
from models.store import AuditEvent, Milestone, MonitoringSnapshot, OutboxMessage
from tests.helpers.sechenovsky import PLAN, load_registry, sync

ROOT = Path(__file__).resolve().parent.parent
ROADMAPS = ROOT / "roadmaps"
runner = CliRunner()


@pytest.fixture
def store(engine):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    return engine


def count(engine, table) -> int:  # noqa: ANN001
    with session_scope(engine, readonly=True) as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def milestone_id(engine, item: str, org: str = "") -> int:
    with session_scope(engine, readonly=True) as session:
        return session.execute(
            select(Milestone.id).where(Milestone.item_number == item, Milestone.org_id == org)
        ).scalar_one()


# -- item 3: commands that did nothing and said nothing --------------------------------------------


def test_sweep_of_a_roadmap_not_in_the_store_is_refused_naming_the_ones_there(store, db_url):
    events = count(store, AuditEvent)
    result = runner.invoke(app, ["sweep", "--roadmap", "no-such", "--as-of", "2020-05-25", "--db", db_url])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == ("error: --roadmap: no roadmap «no-such» in the store (it holds: sechenovsky-2020)")
    assert count(store, OutboxMessage) == 0 and count(store, AuditEvent) == events


def test_sweep_of_a_time_zone_that_does_not_exist_or_holds_nothing_is_refused(store, db_url):
    mars = runner.invoke(app, ["sweep", "--timezone", "Mars/Olympus", "--as-of", "2020-05-25", "--db", db_url])
    assert mars.exit_code == 2, mars.output
    assert mars.stderr.strip() == (
        "error: --timezone: «Mars/Olympus» is not an IANA time zone (the store's milestones are in Europe/Moscow)"
    )
    tokyo = runner.invoke(app, ["sweep", "--timezone", "Asia/Tokyo", "--as-of", "2020-05-25", "--db", db_url])
    assert tokyo.exit_code == 2, tokyo.output
    assert tokyo.stderr.strip() == (
        "error: --timezone: no milestone of the store is in Asia/Tokyo (the store's milestones are in Europe/Moscow)"
    )
    assert count(store, OutboxMessage) == 0


def test_the_scheduled_sweep_of_an_empty_zone_says_so_and_of_an_unknown_roadmap_fails(store):
    from tasks.sweep import SweepScopeError, check_sweep_scope

    with session_scope(store, readonly=True) as session:
        # a deployment per time zone may run before any roadmap has milestones there: said, not refused
        assert check_sweep_scope(session, roadmaps=None, timezones=["Asia/Tokyo"], strict=False) == [
            "Asia/Tokyo: no milestone of the store is in this zone; nothing to sweep there"
        ]
        with pytest.raises(SweepScopeError, match="no roadmap «nope» in the store"):
            check_sweep_scope(session, roadmaps=["nope"], timezones=None, strict=False)


def test_monitoring_a_roadmap_with_nothing_to_monitor_is_refused_before_any_snapshot(engine, db_url, tmp_path):
    from models.loader import parse_plan
    from tasks.sync import sync_plan

    text = (ROADMAPS / "valuysky-2022.yaml").read_text(encoding="utf-8")
    with session_scope(engine) as session:  # no registry: its per-organisation items reach no one (allowed here)
        sync_plan(session, roadmap=parse_plan(text, "plan"), yaml_text=text, source_path="plan", actor="operator",
                  now=datetime(2022, 3, 1, tzinfo=UTC), allow_empty=True)  # fmt: skip
    result = runner.invoke(app, ["monitor", "--roadmap", "valuysky-2022", "--year", "2022", "--db", db_url,
                                 "--report-dir", str(tmp_path / "reports")])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        "error: valuysky-2022 has nothing to monitor: its plan (version 1) has no indicators, no items with "
        "yearly targets and no criteria"
    )
    assert count(engine, MonitoringSnapshot) == 0 and count(engine, OutboxMessage) == 0


def test_a_completion_in_the_future_is_refused(store, db_url, tmp_path):
    m = milestone_id(store, "1.2", "sech-oo-01")
    result = runner.invoke(app, ["complete", str(m), "--evidence", "Приказ № 5", "--by", "oo_head",
                                 "--at", "2030-01-01", "--db", db_url])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        "error: the completion time 2030-01-01 00:00 (Europe/Moscow) is in the future (it is now "
    )
    assert result.stderr.strip().endswith("there): record a milestone done once it has been done")
    csv_file = tmp_path / "done.csv"
    csv_file.write_text("organisation,item,occurrence,evidence,date,by\n"
                        "sech-oo-01,1.2,,Приказ № 5,2030-01-01,oo_head\n", encoding="utf-8")  # fmt: skip
    bulk = runner.invoke(app, ["complete", "--csv", str(csv_file), "--roadmap", "sechenovsky-2020", "--db", db_url])
    assert bulk.exit_code == 2, bulk.output
    assert f"{csv_file}:2: the completion time 2030-01-01 12:00 (Europe/Moscow) is in the future" in bulk.stderr
    with session_scope(store, readonly=True) as session:
        assert session.get(Milestone, m).status != "done"


def test_a_completion_dated_today_in_bulk_is_accepted_before_noon(store):
    from tasks.complete import CompletionRequest, complete_many
    from tests.test_complete import plan

    m = milestone_id(store, "1.2", "sech-oo-01")
    morning = datetime(2020, 6, 2, 5, tzinfo=UTC)  # 08:00 in Moscow: the CSV's date is today, its noon not yet
    roadmap = plan(store)
    with session_scope(store) as session:
        rows = [(2, CompletionRequest(m, "Приказ № 5", "oo_head", datetime(2020, 6, 2, 12)))]
        assert complete_many(session, roadmap=roadmap, rows=rows, source="done.csv", now=morning,
                             recorded_by="tester", version=1) == 1  # fmt: skip


OUTSIDE = """\
id: sample
title: Тестовый план
issuer: Управление образования
order: {number: "1", date: "01.02.2021"}
level: municipality
territory: {region: Тестовая область, municipality: Тестовый район}
timezone: Europe/Moscow
period: {start: 2021-01-01, end: 2021-12-31}
parties:
  - {id: uo, kind: body, name: УО}
sections:
  - number: "1"
    title: Раздел
    items:
      - number: "1.1"
        title: Приказ
        deadline: до 01.03.2022
        responsible: [uo]
        result: Приказ УО
"""


def test_a_deadline_outside_the_plans_period_is_a_validation_error_unless_the_item_says_why(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(OUTSIDE, encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(path)
    assert [str(i) for i in err.value.issues] == [
        f"{path}:17:19: sections[0].items[0].deadline: the deadline (1 января 2021 г. – 1 марта 2022 г.) lies "
        "outside the roadmap's period (1 января – 31 декабря 2021 г.): correct it, or say why in 'outside_period' "
        "(for example, as the source explains it)"
    ]
    path.write_text(OUTSIDE + "        outside_period: приказ вступает в силу с 2022 г.\n", encoding="utf-8")
    assert load_plan(path).items[0].outside_period == "приказ вступает в силу с 2022 г."
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output


# -- item 5: messages that misled ------------------------------------------------------------------


def test_already_done_and_status_give_the_date_in_the_roadmaps_zone_not_utc(store, db_url):
    import json

    m = milestone_id(store, "1.2", "sech-oo-01")
    # 01:30 on 28 May in Moscow is still 27 May in UTC
    first = runner.invoke(app, ["complete", str(m), "--evidence", "Приказ № 5", "--by", "oo_head",
                                "--at", "2020-05-28T01:30", "--db", db_url])  # fmt: skip
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["complete", str(m), "--evidence", "Приказ № 6", "--by", "oo_head", "--db", db_url])
    assert again.exit_code == 2
    assert f"error: milestone {m} is already done on 2020-05-28 by oo_head: Приказ № 5;" in again.stderr
    table = runner.invoke(app, ["status", "--org", "sech-oo-01", "--all", "--as-of", "2020-06-01", "--db", db_url])
    assert "[done 2020-05-28 by oo_head: Приказ № 5]" in table.stdout
    data = json.loads(runner.invoke(app, ["status", "--org", "sech-oo-01", "--all", "--format", "json",
                                          "--as-of", "2020-06-01", "--db", db_url]).stdout)  # fmt: skip
    [row] = [r for r in data["milestones"] if r["id"] == m]
    assert row["done_at"] == "2020-05-28T01:30:00+03:00"


def test_a_kind_typed_in_latin_letters_is_read_as_the_cyrillic_kind_and_said(engine, db_url, tmp_path):
    from models.store import Organisation

    text = ("id,name,kind,municipality,region,timezone,curator_email,head_email\n"
            "s1,Школа 1,OO,Сеченовский муниципальный район,Нижегородская область,,,\n"
            "s2,Управление,YO,Сеченовский муниципальный район,Нижегородская область,,,\n"
            "s3,Дом творчества,ДО,Сеченовский муниципальный район,Нижегородская область,,,\n")  # fmt: skip
    path = tmp_path / "orgs.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["orgs", "load", str(path), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert f"  {path}:2: kind «OO» is written in Latin letters: read as «ОО» (Cyrillic)" in result.stdout
    assert f"  {path}:3: kind «YO» is written in Latin letters: read as «УО» (Cyrillic)" in result.stdout
    with session_scope(engine, readonly=True) as session:
        kinds = dict(session.execute(select(Organisation.id, Organisation.kind)).all())
    assert kinds == {"s1": "ОО", "s2": "УО", "s3": "ДО"}
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace(",OO,", ",OOO,"), encoding="utf-8")
    refused = runner.invoke(app, ["orgs", "load", str(bad), "--db", db_url])
    assert refused.exit_code == 2
    assert (f"{bad}:2: kind: expected one of ОО, ДО, СПО, УО (Cyrillic letters), found «OOO» (Latin letters)"
            in refused.stderr)  # fmt: skip
    listed = runner.invoke(app, ["orgs", "list", "--kind", "OO", "--format", "csv", "--db", db_url])
    assert listed.exit_code == 0 and listed.stdout.splitlines()[1].startswith("s1,Школа 1,ОО,")


def test_a_duplicate_row_in_a_bulk_completion_is_named_as_such_with_both_lines(store, db_url, tmp_path):
    path = tmp_path / "done.csv"
    path.write_text("organisation,item,occurrence,evidence,date,by\n"
                    "sech-oo-01,1.2,,Приказ № 5,2020-05-20,oo_head\n"
                    "sech-oo-02,1.2,,Приказ № 6,2020-05-20,oo_head\n"
                    "sech-oo-01,1.2,,Приказ № 5,2020-05-21,oo_head\n", encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["complete", "--csv", str(path), "--roadmap", "sechenovsky-2020", "--db", db_url])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:4: duplicate row: the same milestone as line 2 (organisation «sech-oo-01», item «1.2», occurrence «»)",
        f"error: {path}: 1 problem; nothing was recorded",
    ]
    assert "already done" not in result.stderr
    with session_scope(store, readonly=True) as session:
        assert session.get(Milestone, milestone_id(store, "1.2", "sech-oo-01")).status != "done"


def test_status_and_audit_log_filters_that_name_nothing_are_refused_with_what_exists(store, db_url):
    cases = [
        (["status", "--roadmap", "sechenovsky"],
         "error: --roadmap: no roadmap «sechenovsky» in the store (it holds: sechenovsky-2020)"),
        (["status", "--org", "sech-oo-1"],
         "error: --org: no organisation «sech-oo-1» in the registry or the milestones (closest: sech-oo-01, "),
        (["status", "--party", "curator"],
         "error: --party: no milestone names party «curator» (parties of the store's roadmaps: anisimova, mavrina, "),
        (["audit", "log", "--roadmap", "tomsk"],
         "error: --roadmap: no roadmap «tomsk» in the store (it holds: sechenovsky-2020)"),
        (["audit", "log", "--milestone", "999999"], "error: --milestone: no milestone 999999 in the store"),
    ]  # fmt: skip
    for args, message in cases:
        result = runner.invoke(app, [*args, "--db", db_url])
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith(message), (args, result.stderr)
    assert runner.invoke(app, ["status", "--party", "oo_curator", "--db", db_url]).exit_code == 0


def test_a_bulk_file_in_another_encoding_is_refused_naming_the_line_not_a_traceback(store, db_url, tmp_path):
    path = tmp_path / "done.csv"
    path.write_bytes("organisation,item,occurrence,evidence,date,by\n"
                     "sech-oo-01,1.2,,Приказ № 5,2020-05-20,oo_head\n".encode("cp1251"))  # fmt: skip
    for command in (["complete"], ["schedule"]):
        result = runner.invoke(app, [*command, "--csv", str(path), "--roadmap", "sechenovsky-2020", "--db", db_url])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"error: {path}:2: file: expected UTF-8 text, found byte 0x")


# -- one refusal style across the command (issue 12): word for word, `error: …`, exit 2, nothing written --------

REFUSALS = [
    (["validate", "{tmp}"], "error: no plan files (*.yaml, *.yml) found in: {tmp}"),
    (["orgs", "load", "{tmp}/none.csv"], "error: {tmp}/none.csv: no such file"),
    (["parties", "load", "{tmp}"], "error: {tmp}: is a folder; expected a CSV file"),
    (["orgs", "list", "--kind", "школа"],
     "error: --kind: expected one of ОО, ДО, СПО, УО (Cyrillic letters), found «школа»"),
    (["indicators", "load", "{tmp}/none.csv"], "error: {tmp}/none.csv: no such file"),
    (["sweep", "--as-of", "25.05.2020"], "error: --as-of: expected a date YYYY-MM-DD, found «25.05.2020»"),
    (["sweep", "--roadmap", "no-such", "--as-of", "2020-05-25"],
     "error: --roadmap: no roadmap «no-such» in the store (it holds: sechenovsky-2020)"),
    (["complete"], "error: give a MILESTONE id and --evidence (or --csv FILE --roadmap ID)"),
    (["complete", "999999", "--evidence", "Приказ № 5"],
     "error: no milestone 999999 in the store (see roadmap status)"),
    (["schedule", "999999", "--window", "до 15.10.2020"],
     "error: no milestone 999999 in the store (see roadmap status)"),
    (["report", "audit", "--roadmap", "sechenovsky-2020", "-o", "{tmp}"],
     "error: -o: «{tmp}» is a folder; name a file in it, for example {tmp}/report.html"),
    (["report", "audit", "--roadmap", "sechenovsky-2020", "-o", "{tmp}/a.pdf"],
     "error: --format: say html, xlsx or md (the file name «a.pdf» does not tell)"),
    (["report", "monitoring", "--roadmap", "sechenovsky-2020", "-o", "{tmp}/m.html"],
     "error: --year: say which year's monitoring to report (or --snapshot N for one snapshot)"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), REFUSALS, ids=[" ".join(a[:2]) for a, _ in REFUSALS])
def test_every_refusal_of_the_command_reads_error_and_exits_2_writing_nothing(store, db_url, tmp_path, args, message):
    events = count(store, AuditEvent)
    result = runner.invoke(app, [*(a.replace("{tmp}", str(tmp_path)) for a in args), "--db", db_url]
                           if args[0] != "validate" else [a.replace("{tmp}", str(tmp_path)) for a in args])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == message.replace("{tmp}", str(tmp_path))
    assert count(store, AuditEvent) == events and count(store, OutboxMessage) == 0
