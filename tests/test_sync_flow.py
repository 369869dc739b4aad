"""The sync flow in a real Prefect run, and the store commands as an operator uses them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from models.db import session_scope
from models.store import Organisation

ROOT = Path(__file__).resolve().parent.parent
SECH = ROOT / "roadmaps" / "sechenovsky-2020.yaml"
runner = CliRunner()


pytestmark = pytest.mark.usefixtures("prefect_harness")  # every test here runs the sync flow


@pytest.fixture
def store(engine, db_url):
    with session_scope(engine) as session:
        for i in (1, 2):
            session.add(Organisation(id=f"oo{i}", name=f"Школа {i} (образец)", kind="ОО",
                                     region="Нижегородская область", municipality="Сеченовский муниципальный район",
                                     updated_at=datetime(2020, 1, 1, tzinfo=UTC)))  # fmt: skip
    return db_url


def test_sync_flow_runs_in_prefect_and_reports(store):
    from prefect.client.orchestration import get_client

    from flows.sync import sync_roadmap

    state = sync_roadmap(plan=str(SECH), db=store, note="first load", actor="operator", return_state=True)
    assert state.is_completed()
    result = state.result()
    assert result["report"].version == 1 and result["report"].added > 0
    assert result["lines"][0] == "sechenovsky-2020: version 1 stored"

    async def names() -> list[str]:
        async with get_client() as client:
            runs = await client.read_flow_runs()
            return [r.name for r in runs]

    import asyncio

    assert f"sync {SECH}" in asyncio.run(names())


def test_cli_sync_then_resync_then_status(store):
    first = runner.invoke(app, ["sync", str(SECH), "--db", store, "--by", "operator"])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("sechenovsky-2020: version 1 stored\n  milestones: ")
    second = runner.invoke(app, ["sync", str(SECH), "--db", store])
    assert second.exit_code == 0, second.output
    assert "sechenovsky-2020: plan unchanged (version 1)" in second.stdout
    assert "nothing to change" in second.stdout

    status = runner.invoke(app, ["status", "--db", store, "--as-of", "2020-06-01", "--format", "json"])
    assert status.exit_code == 0, status.output
    data = json.loads(status.stdout)
    assert data["as_of"] == "2020-06-01"
    assert set(data["counts"]) == {"planned", "due", "overdue", "done", "waiting-for-date", "retired"}
    milestone = data["milestones"][0]
    keys = {
        "id",
        "roadmap",
        "item",
        "org",
        "occurrence",
        "start",
        "end",
        "status",
        "responsible",
        "done_at",
        "evidence",
    }
    assert keys <= set(milestone)
    assert sum(data["counts"].values()) >= len(data["milestones"])

    overdue = runner.invoke(app, ["status", "--db", store, "--as-of", "2020-06-01", "--overdue", "--org", "oo1"])
    assert overdue.exit_code == 0
    assert "as of 2020-06-01:" in overdue.stdout
    lines = [line for line in overdue.stdout.splitlines() if line.strip().split(" ")[0].isdigit()]
    assert lines and all(" overdue " in line and " oo1 " in line for line in lines)

    csv_out = runner.invoke(app, ["status", "--db", store, "--as-of", "2020-06-01", "--format", "csv"])
    assert csv_out.stdout.splitlines()[0].startswith("id,roadmap,item,title,org")

    info = runner.invoke(app, ["info", "--db", store])
    assert info.exit_code == 0
    assert "roadmap sechenovsky-2020: version 1" in info.stdout


def test_cli_sync_dry_run_and_invalid_plan(store, tmp_path):
    dry = runner.invoke(app, ["sync", str(SECH), "--db", store, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would store" in dry.stdout and "dry run, nothing written" in dry.stdout
    status = runner.invoke(app, ["status", "--db", store, "--format", "json", "--all"])
    assert json.loads(status.stdout)["milestones"] == []

    bad = tmp_path / "bad.yaml"
    bad.write_text(SECH.read_text(encoding="utf-8").replace("responsible: [uo, oo]", "responsible: [uo, nobody]", 1))
    result = runner.invoke(app, ["sync", str(bad), "--db", store])
    assert result.exit_code == 2
    assert "unknown party «nobody»" in result.stderr


def test_cli_diff_prints_item_changes(tmp_path):
    new = tmp_path / "new.yaml"
    new.write_text(SECH.read_text(encoding="utf-8").replace("deadline: до 29.05.2020", "deadline: до 05.06.2020", 1))
    result = runner.invoke(app, ["diff", str(SECH), str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "~ 1.1 deadline: «до 29.05.2020» (1 января – 29 мая 2020 г.) -> «до 05.06.2020» (1 января – 5 июня 2020 г.)"
    )
    same = runner.invoke(app, ["diff", str(SECH), str(SECH)])
    assert same.stdout.strip() == "no differences"


def test_bad_db_url_is_refused_clearly():
    result = runner.invoke(app, ["status", "--db", "roadmap.db"])
    assert result.exit_code == 2
    assert "--db: expected an SQLAlchemy URL such as sqlite:///roadmap.db" in result.stderr


@pytest.fixture
def registry_store(engine, db_url):
    from tests.helpers.sechenovsky import load_registry

    load_registry(engine)
    return db_url


def test_sweep_flow_delivers_digests_and_names_its_run(registry_store):
    store = registry_store
    from flows.sweep import sweep
    from flows.sync import sync_roadmap
    from notifications.mailsink import MailSink

    sync_roadmap(plan=str(SECH), db=store, actor="operator")
    with MailSink() as sink:
        state = sweep(as_of=date(2020, 5, 25), db=store, smtp_url=sink.url(), external="record",
                      now=datetime(2020, 5, 25, 6, tzinfo=UTC), return_state=True)  # fmt: skip
        assert state.is_completed()
        result = state.result()
        # e-mail reached the server; the two ntfy contacts of the sample were recorded instead of sent
        assert result["dispatch"].sent == len(sink.received) + len(result["recorded"]) > 2
        assert len(result["recorded"]) == 2
        assert any("статус" in line or "statuses" in line for line in result["lines"])
    import asyncio

    from prefect.client.orchestration import get_client

    async def run_name() -> str:
        async with get_client() as client:
            return (await client.read_flow_run(state.state_details.flow_run_id)).name

    assert asyncio.run(run_name()) == "sweep as of 2020-05-25"


def test_cli_sweep_dry_run_prints_digests_and_outbox_shows_what_was_sent(registry_store, tmp_path):
    store = registry_store
    runner.invoke(app, ["sync", str(SECH), "--db", store])
    dry = runner.invoke(app, ["sweep", "--db", store, "--as-of", "2020-05-25", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "digests would be sent; nothing was written" in dry.stdout
    assert "--- to " in dry.stdout and "Здравствуйте" in dry.stdout
    empty = runner.invoke(app, ["outbox", "--db", store, "--state", "all"])
    assert "outbox: pending 0, failed 0, sent 0, no-contact 0" in empty.stdout

    demo = runner.invoke(app, ["demo", "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--as-of", "2020-05-25"])
    assert demo.exit_code == 0, demo.output
    assert "mail sink on 127.0.0.1:" in demo.stdout and "received" in demo.stdout
    assert "recorded, not sent (not e-mail): ntfy://ntfy.example.org/***" in demo.stdout
    # the summary counts what went out: 26 e-mails reached the sink; the 2 ntfy digests never left
    assert "sent 26 e-mails (digests); 2 ntfy messages recorded, not sent; 0 failed" in demo.stdout.splitlines()
    assert "sent 28 digests" not in demo.stdout
    # then the 2020 monitoring on the sample figures: the УО's two addresses get the notice, report attached
    assert "received 2 monitoring notices:" in demo.stdout
    name = "monitoring-sechenovsky-2020-2020-snapshot-1.html"
    assert demo.stdout.count(f"выполнено 6 из 6 показателей [attached: {name}]") == 2
    # the report files sit beside the store
    assert f"the monitoring report in a browser: {tmp_path / 'reports' / name}" in demo.stdout
    assert (tmp_path / "reports" / name).is_file()
    outbox = runner.invoke(app, ["outbox", "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--state", "sent"])
    assert outbox.exit_code == 0 and " sent " in outbox.stdout
