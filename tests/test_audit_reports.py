"""Reports say which history they were built against, and say it loudly when that history does not verify."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from typer.testing import CliRunner

from audit.keys import generate_key
from audit.verify import Provenance
from cli.main import app
from models.db import session_scope
from models.settings import get_settings
from models.store import Milestone
from tests.helpers.sechenovsky import PLAN, load_registry, sync
from tests.test_audit_keys import ctx, first_open
from tests.test_monitoring import snapshot
from tests.test_report_monitoring import OREN, orenburg

runner = CliRunner()
SIGNED = datetime(2021, 10, 12, 6, 0, tzinfo=UTC)  # 09:00 in Moscow


def test_the_history_line_reads_as_officials_write_it():
    assert Provenance(True, 1234, 1234, SIGNED).text("Europe/Moscow") == (
        "история проверена до события 1 234, подпись от 12.10.2021 09:00"
    )
    assert Provenance(True, 1290, 1234, SIGNED).text("Asia/Tomsk") == (
        "история проверена до события 1 290, подписана до события 1 234, подпись от 12.10.2021 13:00"
    )
    assert (
        Provenance(True, 17).text() == "история проверена до события 17; журнал не подписан (ключ подписи не настроен)"
    )
    assert Provenance(False, 17, problems=3).text() == (
        "ВНИМАНИЕ: проверка журнала аудита не пройдена (замечаний: 3); сведения отчёта могли быть изменены в обход "
        "журнала. Подробности: roadmap audit verify"
    )


def _report(monkeypatch: pytest.MonkeyPatch, key: Path, args: list[str]):  # noqa: ANN202
    monkeypatch.setenv("ROADMAP_AUDIT_KEY", str(key))
    get_settings.cache_clear()
    try:
        return runner.invoke(app, args)
    finally:
        get_settings.cache_clear()


def test_the_audit_report_states_its_history_and_marks_a_failed_verification(engine, db_url, tmp_path, monkeypatch):
    from operations import audit as audit_ops

    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    key = tmp_path / "audit.key"
    generate_key(key)
    signed = audit_ops.checkpoint(ctx(engine, key, tmp_path, SIGNED))
    size = signed.statement.size
    base = ["report", "audit", "--roadmap", "sechenovsky-2020", "--as-of", "2020-10-01", "--db", db_url]
    for fmt in ("html", "md", "xlsx"):
        result = _report(monkeypatch, key, [*base, "-o", str(tmp_path / f"a.{fmt}")])
        assert result.exit_code == 0 and result.stderr == "", result.output
    number = f"{size:,}".replace(",", " ")
    line = f"история проверена до события {number}, подпись от 12.10.2021 09:00"
    assert f'<p class="meta" id="history">Журнал аудита: {line}.</p>' in (tmp_path / "a.html").read_text("utf-8")
    assert f"Журнал аудита: {line}." in (tmp_path / "a.md").read_text("utf-8")
    sheet = load_workbook(tmp_path / "a.xlsx")["Сводка"]
    assert ["Журнал аудита", line] in [[c.value for c in row[:2]] for row in sheet.iter_rows()]

    # someone marks a milestone done in the table itself: the report still shows the row, and says loudly
    # that the history does not back it
    with session_scope(engine) as session:
        session.execute(update(Milestone).where(Milestone.id == first_open(engine)).values(
            status="done", evidence="Приказ (выдуман)", done_by="oo_head", done_at=SIGNED))  # fmt: skip
    for fmt in ("html", "md"):
        result = _report(monkeypatch, key, [*base, "-o", str(tmp_path / f"b.{fmt}")])
        assert result.exit_code == 0
        assert result.stderr.strip() == (
            "warning: the audit history does not verify; the report says so on its first page "
            "(see roadmap audit verify)"
        )
    html = (tmp_path / "b.html").read_text("utf-8")
    assert '<p class="history-failed" id="history">ВНИМАНИЕ: проверка журнала аудита не пройдена (замечаний: 4)' in html
    assert "**ВНИМАНИЕ: проверка журнала аудита не пройдена" in (tmp_path / "b.md").read_text("utf-8")


def test_the_monitoring_report_states_its_history(engine, db_url, tmp_path, monkeypatch):
    orenburg(engine)
    snapshot(engine, OREN, 2021)
    key = tmp_path / "audit.key"
    generate_key(key)
    out = tmp_path / "m.md"
    result = _report(monkeypatch, key, ["report", "monitoring", "--roadmap", OREN, "--year", "2021", "-o", str(out),
                                        "--db", db_url])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "Журнал аудита: история проверена до события " in text
    assert "журнал не подписан (ключ подписи не настроен)" in text  # a key, but no checkpoint signed yet
