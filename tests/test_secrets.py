"""Secrets and contacts (issue 11, item 9): tokens kept out of the store by ${NAME}, a warning when one is
written inline, apprise's own log lines masked, contacts masked in audit exports."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from notifications.dispatch import AppriseNotifier, RecordingNotifier, SendError
from tests.helpers.sechenovsky import PLAN, REGISTRY, load_registry, sweep, sync

runner = CliRunner()


def test_a_url_with_its_secret_inline_loads_with_a_warning_and_a_placeholder_does_not(db_url, tmp_path):
    path = tmp_path / "parties.csv"
    path.write_text("party,name,email,url\n"
                    "uo,УО (образец),,ntfy://ntfy.example.org/secret-topic-42\n"
                    "toipkro,ТОИПКРО (образец),,tgram://${TOIPKRO_BOT_TOKEN}/${TOIPKRO_CHAT}\n", "utf-8")  # fmt: skip
    result = runner.invoke(app, ["parties", "load", str(path), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {path}:2: url: «ntfy://ntfy.example.org/***» holds its secret (the part shown as ***) as "
        "written, and the store keeps it in plain text: write that part as ${NAME} and set NAME in the "
        "environment (roadmaps/registry/README.md, Secrets)"
    ]
    assert "secret-topic-42" not in result.output


def test_the_sample_registries_keep_their_secrets_out_of_the_files(db_url):
    for name in ("sechenovsky-orgs.csv", "tomsk-orgs.csv"):
        result = runner.invoke(app, ["orgs", "load", str(REGISTRY / name), "--db", db_url])
        assert result.exit_code == 0 and "warning" not in result.stderr, result.output
    for name in ("sechenovsky-parties.csv", "tomsk-parties.csv"):
        result = runner.invoke(app, ["parties", "load", str(REGISTRY / name), "--db", db_url])
        assert result.exit_code == 0 and "warning" not in result.stderr, result.output


def test_apprise_log_lines_never_carry_a_full_url(caplog):
    caplog.set_level(logging.DEBUG, logger="apprise")
    # a closed port on loopback: apprise logs the URL it loaded, its payload and the failure
    with pytest.raises(SendError):
        AppriseNotifier().send("ntfy://127.0.0.1:9/secret-topic-42", "s", "t", "h")
    with pytest.raises(SendError):
        AppriseNotifier().send("nosuchscheme://token123@host.example.org/path?key=abc", "s", "t", "h")
    logged = caplog.text
    assert "apprise" in logged and "ntfy://127.0.0.1:9/***" in logged
    assert "secret-topic-42" not in logged and "token123" not in logged and "key=abc" not in logged


@pytest.fixture
def swept(engine):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    sweep(engine, date(2020, 5, 25), RecordingNotifier())
    return engine


def test_audit_log_exports_mask_contacts_unless_the_operator_asks(swept, db_url):
    masked = runner.invoke(app, ["audit", "log", "--format", "json", "--db", db_url])
    assert masked.exit_code == 0, masked.output
    events = json.loads(masked.stdout)
    sent = [e for e in events if e["action"] == "reminder.sent"]
    assert sent and all(m["recipient"].count("***") == 1 for e in sent for m in e["payload"]["messages"])
    assert "sech-oo-02-head@example.org" not in masked.stdout and "s***@example.org" in masked.stdout
    for fmt in ("csv", "table"):
        assert "sech-oo-02-head@" not in runner.invoke(app, ["audit", "log", "--format", fmt, "--db", db_url]).stdout
    shown = runner.invoke(app, ["audit", "log", "--format", "json", "--show-contacts", "--db", db_url])
    assert "sech-oo-02-head@example.org" in shown.stdout
    assert json.loads(shown.stdout)[0]["hash"] == events[0]["hash"]


def test_the_data_folder_docs_name_the_placeholder_as_the_default():
    readme = (Path(__file__).resolve().parent.parent / "roadmaps" / "registry" / "README.md").read_text("utf-8")
    assert "${NAME}" in readme and "warning" in readme
