"""The `roadmap` command as a user meets it: validate, show, when, schema, help and docs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from cli.main import app
from models.loader import find_plans, read_yaml
from models.schema import SCHEMA_FILE, schema_text

ROOT = Path(__file__).resolve().parent.parent
ROADMAPS = ROOT / "roadmaps"
runner = CliRunner()


def test_every_shipped_roadmap_is_valid():
    result = runner.invoke(app, ["validate", str(ROADMAPS)])
    assert result.exit_code == 0, result.output
    files = list(find_plans([ROADMAPS]))
    assert len(files) >= 1
    assert f"{len(files)} valid, 0 invalid" in result.output


def test_validate_summary_describes_each_plan():
    result = runner.invoke(app, ["validate", "--summary", str(ROADMAPS / "chelyabinsk-2021-2022.yaml")])
    assert result.exit_code == 0, result.output
    assert "chelyabinsk-2021-2022: План («дорожная карта»)" in result.stdout
    assert "time zone Asia/Yekaterinburg; period 1 января 2021 г. – 31 декабря 2022 г." in result.stdout
    assert "3 sections, 14 items (0 per organisation)" in result.stdout
    assert "deadlines: window 13, windows 1" in result.stdout
    assert "waiting for a date: 0; unassigned: 14" in result.stdout


def test_show_json_is_the_documented_stable_shape():
    result = runner.invoke(app, ["show", str(ROADMAPS / "chelyabinsk-2021-2022.yaml"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"id", "title", "timezone", "period", "items", "indicators"} <= set(data)
    assert data["period"] == {"start": "2021-01-01", "end": "2022-12-31"}
    item = data["items"][0]
    assert {"number", "title", "section", "deadline", "responsible", "result", "scope"} <= set(item)
    assert item["number"] == "1.1" and item["section"] == "1"
    assert item["deadline"]["text"] == "III квартал 2021"
    assert (item["deadline"]["kind"], item["deadline"]["start"], item["deadline"]["end"]) == (
        "window",
        "2021-07-01",
        "2021-09-30",
    )
    assert {"text", "kind", "start", "end", "recurrence"} <= set(item["deadline"])
    assert item["responsible"] == [] and item["unassigned"] is True and item["scope"] == "roadmap"
    last = data["items"][-1]
    assert last["number"] == "3.6"


def test_show_text_lists_items_with_their_windows():
    result = runner.invoke(app, ["show", str(ROADMAPS / "chelyabinsk-2021-2022.yaml")])
    assert result.exit_code == 0, result.output
    assert "  3.5  Проведение регионального Интернет-конкурса" in result.stdout
    assert (
        "срок: «Август -октябрь 2021 Август -октябрь 2022» -> windows: "
        "1 августа – 31 октября 2021 г.; 1 августа – 31 октября 2022 г." in result.stdout
    )
    assert "ответственные: unassigned" in result.stdout


def test_show_an_invalid_plan_exits_2_with_the_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: Bad Id\n", encoding="utf-8")
    result = runner.invoke(app, ["show", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:1:5: id: string should match pattern" in result.stderr


def test_when_prints_the_structured_deadline():
    result = runner.invoke(app, ["when", "ежегодно до 10 июня", "--period", "2021-2024", "--tz", "Asia/Yekaterinburg"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "yearly"
    assert [w["end"] for w in data["windows"]] == ["2021-06-10", "2022-06-10", "2023-06-10", "2024-06-10"]
    assert data["recurrence"] == {"every": "year", "month": 6, "day": 10, "from_year": 2021, "to_year": 2024}
    assert data["timezone"] == "Asia/Yekaterinburg"


def test_when_without_period_reads_a_dated_phrase():
    result = runner.invoke(app, ["when", "II - III квартал 2021"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["kind"], data["start"], data["end"]) == ("window", "2021-04-01", "2021-09-30")
    assert data["windows"] == [{"start": "2021-04-01", "end": "2021-09-30"}]


def test_when_refuses_nonsense_with_the_accepted_forms():
    result = runner.invoke(app, ["when", "до 31.02.2021"])
    assert result.exit_code == 2
    assert "error: cannot read deadline «до 31.02.2021»: 31.02.2021 is not a date of the calendar" in result.stderr
    assert "accepted forms:" in result.stderr
    assert "  - a quarter: «III квартал 2021»" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            ["--period", "2024-2020"],
            "--period: expected YEAR, YEAR-YEAR (e.g. 2020-2024) or START..END dates, found «2024-2020»",
        ),
        (["--tz", "Mars/Olympus"], "--tz: unknown IANA time zone «Mars/Olympus»"),
    ],
)
def test_when_refuses_bad_options(option, message):
    result = runner.invoke(app, ["when", "2021 год", *option])
    assert result.exit_code == 2
    assert message in result.stderr


def test_schema_is_valid_json_schema_and_the_shipped_file_is_current():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "models/roadmap.schema.json is stale: regenerate it with `roadmap schema > models/roadmap.schema.json`"
    )


def test_every_shipped_roadmap_satisfies_the_json_schema():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for file in find_plans([ROADMAPS]):
        data = json.loads(json.dumps(read_yaml(file.read_text(encoding="utf-8"), str(file)), default=str))
        errors = sorted(validator.iter_errors(data), key=lambda e: e.path)
        assert not errors, f"{file}: {errors[0].message} at {list(errors[0].path)}"


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [[c.name or c.callback.__name__] for c in app.registered_commands]
    for group in app.registered_groups:
        commands += [[group.name, c.name or c.callback.__name__] for c in group.typer_instance.registered_commands]
    assert len(commands) > 4
    for words in commands:
        name = " ".join(words)
        result = runner.invoke(app, [*words, "--help"])
        assert result.exit_code == 0
        assert "Example: roadmap " in result.stdout, f"`roadmap {name} --help` has no example"
        assert f"roadmap {name}" in readme, f"README does not document `roadmap {name}`"


@pytest.mark.skipif(
    shutil.which("roadmap") is None and not (Path(sys.executable).parent / "roadmap").exists(),
    reason="console script not installed (pip install -e .)",
)
def test_the_console_script_runs_and_exits_2_on_invalid_input(tmp_path):
    exe = shutil.which("roadmap") or str(Path(sys.executable).parent / "roadmap")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nlevel: [\n", encoding="utf-8")
    proc = subprocess.run([exe, "validate", str(bad)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert f"{bad}:" in proc.stderr and "YAML syntax error" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(
    shutil.which("roadmap") is None and not (Path(sys.executable).parent / "roadmap").exists(),
    reason="console script not installed (pip install -e .)",
)
def test_a_refusal_inside_a_flow_prints_one_line_and_no_prefect_traceback(tmp_path):
    exe = shutil.which("roadmap") or str(Path(sys.executable).parent / "roadmap")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(tmp_path / "prefect"), "ROADMAP_DATA_DIR": str(tmp_path / "data"),
    }  # fmt: skip
    proc = subprocess.run([exe, "monitor", "--roadmap", "nope", "--year", "2021", "--no-notify",
                           "--db", f"sqlite:///{tmp_path / 'store.db'}"],
                          capture_output=True, text=True, check=False, env=env, timeout=120)  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr
    assert ("error: no roadmap «nope» in the store (it holds: none); load its plan first with `roadmap sync PLAN`"
            in proc.stderr.splitlines())  # fmt: skip


@pytest.mark.parametrize(
    ("command", "url", "found"),
    [
        (["info"], "mysql://user:secret@localhost/roadmap", "mysql://user:***@localhost/roadmap"),
        (["status"], "oracle://user:secret@localhost/roadmap", "oracle://user:***@localhost/roadmap"),
        (["audit", "verify"], "mssql+pyodbc://host/db", "mssql+pyodbc://host/db"),
        (
            ["orgs", "list"],
            "postgresql+psycopg2://user:secret@localhost/db",
            "postgresql+psycopg2://user:***@localhost/db",
        ),
        (["demo", "--print"], "mysql://localhost/roadmap", "mysql://localhost/roadmap"),
    ],
)
def test_a_store_url_of_an_unsupported_database_is_refused_not_a_traceback(command, url, found):
    result = runner.invoke(app, [*command, "--db", url])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert (
        f"--db: the store must be SQLite (sqlite:///path/to/roadmap.db) or PostgreSQL "
        f"(postgresql+psycopg://user:password@host/dbname), found «{found}»"
    ) in result.stderr
    assert "secret" not in result.output


def test_roadmap_db_of_an_unsupported_database_is_refused_naming_the_variable(monkeypatch):
    from models.settings import get_settings

    monkeypatch.setenv("ROADMAP_DB", "oracle://scott:tiger@localhost/orcl")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["info"])
    finally:
        monkeypatch.delenv("ROADMAP_DB")
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    assert "ROADMAP_DB: the store must be SQLite" in result.stderr and "tiger" not in result.output
