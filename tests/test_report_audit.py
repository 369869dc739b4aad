"""The audit report against a real store: counts by hand, late days, plan versions, three formats that
agree, the CLI as an operator runs it, the flow's artifact, and the HTML page in a real headless Chromium.

The store: the Sechenovsky sample registry and plan (version 1), milestones marked done directly in
SQL (on time, late, late only by the local date), item 1.13 done and then removed by an amendment
(version 2), one milestone done under version 2; the rest overdue, due, planned or waiting.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from openpyxl import load_workbook
from sqlalchemy import select, update
from typer.testing import CliRunner

from cli.report import report_app
from models.db import session_scope
from models.ru import format_date
from models.store import Milestone
from reports.execution import build_execution_report, render_html, render_markdown, write_report
from reports.execution_view import COLOURS, EMPTY, judge, retired_reason_ru
from reports.files import write_atomically
from tests.helpers.sechenovsky import PLAN, load_registry, sync
from tests.test_sync import _item, amend

ROADMAP, SCHOOL = "sechenovsky-2020", "sech-oo-01"
SCHOOL_NAME = 'МБОУ "Сеченовская СШ № 1" (образец)'
AS_OF = date(2020, 10, 1)


def _remove(data, number: str) -> None:  # noqa: ANN001
    holder, item = _item(data, number)
    holder["items"].remove(item)


AMENDED = amend(PLAN.read_text(encoding="utf-8"), lambda data: _remove(data, "1.13"))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (item, occurrence) of the school -> (done_at in UTC, evidence, plan version); Moscow is UTC+3
DONE_V1 = {
    ("1.2", ""): (utc(2020, 5, 25, 9), "Приказ ОО № 15 от 25.05.2020", 1),  # window ends 29 May: on time
    ("1.6", ""): (utc(2020, 6, 3, 20, 59), "Приказ ОО № 16 от 03.06.2020", 1),  # 23:59 on the last day: on time
    ("1.7", ""): (utc(2020, 6, 25, 10), "Дорожная карта ОО | ред. 2", 1),  # ends 22 June: 3 days late
    ("1.8", ""): (utc(2020, 6, 22, 21, 30), "Положение о наставничестве", 1),  # 00:30 on 23 June locally: 1 day
    ("2.4", "2020-01"): (utc(2020, 4, 20, 8), "Отчёт за I квартал", 1),  # ends 31 March: 20 days late
    ("1.13", ""): (utc(2020, 8, 10, 8), "Соглашение № 3", 1),  # then item 1.13 is removed by version 2
}
DONE_V2 = {("3.2", ""): (utc(2020, 9, 10, 8), "База наставляемых", 2)}  # 1-15 September: on time, version 2


def mark_done(engine, done: dict) -> None:  # noqa: ANN001
    with session_scope(engine) as session:
        for (item, occurrence), (at, evidence, version) in done.items():
            session.execute(
                update(Milestone)
                .where(Milestone.item_number == item, Milestone.org_id == SCHOOL, Milestone.occurrence == occurrence)
                .values(status="done", done_at=at, done_by="oo_head", evidence=evidence, done_version=version)
            )


def build_store(engine) -> None:  # noqa: ANN001
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    mark_done(engine, DONE_V1)
    sync(engine, AMENDED, day=date(2020, 8, 15))
    mark_done(engine, DONE_V2)


def report_of(engine, org: str | None = SCHOOL, as_of: date = AS_OF):  # noqa: ANN001
    with session_scope(engine, readonly=True) as session:
        return build_execution_report(session, roadmap_id=ROADMAP, org_id=org, as_of=as_of)


def test_judge_counts_late_days_from_the_window_end_by_local_date():
    end = date(2020, 6, 22)
    assert judge(status="done", end=end, done_on=end, as_of=AS_OF) == ("on-time", 0, "выполнено в срок")
    assert judge(status="done", end=end, done_on=date(2020, 6, 23), as_of=AS_OF) == (
        "late", 1, "выполнено с опозданием на 1 день")  # fmt: skip
    assert judge(status="done", end=None, done_on=end, as_of=AS_OF) == ("on-time", None, "выполнено в срок")
    assert judge(status="overdue", end=date(2020, 9, 26), done_on=None, as_of=AS_OF) == (
        "overdue", 5, "просрочено на 5 дней")  # fmt: skip
    assert judge(status="due", end=AS_OF, done_on=None, as_of=AS_OF) == ("open", None, "сегодня последний день")
    assert judge(status="waiting-for-date", end=None, done_on=None, as_of=AS_OF) == (
        "waiting", None, "срок не установлен")  # fmt: skip
    # a milestone done late and later retired keeps its late days
    assert judge(status="retired", end=end, done_on=date(2020, 6, 25), as_of=AS_OF) == (
        "retired", 3, "выполнено с опозданием на 3 дня")  # fmt: skip
    assert retired_reason_ru("item 1.13 is not in version 2") == "мероприятие 1.13 исключено из плана в версии 2"


def test_one_school_counts_late_days_and_plan_versions_by_hand(engine):
    build_store(engine)
    report = report_of(engine)
    # 45 milestones of the school as of 1 October 2020, counted from the plan by hand:
    # done on time 1.2, 1.6, 3.2; late 1.7, 1.8, 2.4 (I quarter); retired 1.13; waiting 3.4, 3.6, 5.2;
    # overdue (ended before 1 October): 1.10, 1.11, 1.12, 1.14, 1.15, 2.3, 2.6, 3.1, 3.3 and the II and
    # III quarters of 2.4, the I-III of 2.5, 4.3, 6.2.1 = 20; planned (not yet open): 3.7, 4.4, 5.6, 5.7;
    # due: the rest (IV quarters of 2.4, 2.5, 4.3, 6.2.1; 2.8, 2.8а, 3.5, 4.2, 5.1, 5.3, 6.1.1) = 11
    assert report.counts.as_dict() == {"total": 45, "done_on_time": 3, "done_late": 3, "overdue": 20, "due": 11,
                                       "planned": 4, "waiting": 3, "retired": 1}  # fmt: skip
    assert report.org_name == SCHOOL_NAME and report.current_version == 2
    assert [(v.version, v.loaded_on) for v in report.versions] == [(1, date(2020, 5, 1)), (2, date(2020, 8, 15))]
    rows = {(r.item, r.occurrence): r for r in report.rows}
    assert len(rows) == 45 and {r.org_name for r in report.rows} == {SCHOOL_NAME}
    late = {key: (r.late_days, r.note) for key, r in rows.items() if r.outcome == "late"}
    assert late == {
        ("1.7", ""): (3, "выполнено с опозданием на 3 дня"),
        ("1.8", ""): (1, "выполнено с опозданием на 1 день"),
        ("2.4", "2020-01"): (20, "выполнено с опозданием на 20 дней"),
    }
    assert rows[("1.6", "")].done_on == date(2020, 6, 3) and rows[("1.6", "")].late_days == 0
    assert rows[("1.8", "")].done_on == date(2020, 6, 23)  # the local date, not the UTC one
    # the version a milestone was done under; open ones show the current version; retired their own
    assert {key: rows[key].plan_version for key in [*DONE_V1, *DONE_V2]} == {
        **{key: 1 for key in DONE_V1 if key != ("1.13", "")}, ("1.13", ""): 2, ("3.2", ""): 2}  # fmt: skip
    assert rows[("1.10", "")].plan_version == 2 and rows[("1.10", "")].late_days == 78
    assert rows[("1.10", "")].note == "просрочено на 78 дней"
    retired = rows[("1.13", "")]
    assert retired.status == "retired" and retired.evidence == "Соглашение № 3" and retired.done_by == "oo_head"
    assert retired.note == "снято в версии 2: мероприятие 1.13 исключено из плана в версии 2"
    assert rows[("4.2", "")].note == "сегодня последний день" and rows[("4.2", "")].status == "due"
    assert rows[("3.4", "")].values()[6:9] == (None, None, "ожидает даты")
    assert rows[("1.7", "")].cells()[6:15] == (
        "1 января 2020 г.", "22 июня 2020 г.", "выполнено", "25 июня 2020 г.", "oo_head",
        "Дорожная карта ОО | ред. 2", "3", "1", "выполнено с опозданием на 3 дня")  # fmt: skip


def test_whole_roadmap_counts_agree_with_an_independent_count(engine):
    build_store(engine)
    report = report_of(engine, org=None)
    with session_scope(engine, readonly=True) as session:
        stored = session.execute(select(Milestone)).scalars().all()
    expected = Counter()
    for m in stored:  # judged here from the stored facts alone, without the report's code
        if m.status == "retired":
            expected["retired"] += 1
        elif m.status == "done":
            done_on = m.done_at.replace(tzinfo=m.done_at.tzinfo or UTC).astimezone(ZoneInfo(m.timezone)).date()
            late = done_on > m.window_end
            expected["done_late" if late else "done_on_time"] += 1
        elif m.status == "waiting-for-date":
            expected["waiting"] += 1
        elif m.window_end < AS_OF:
            expected["overdue"] += 1
        elif m.window_start <= AS_OF:
            expected["due"] += 1
        else:
            expected["planned"] += 1
    assert report.counts.as_dict() == {"total": len(stored), **{k: expected[k] for k in report.counts.as_dict()
                                                                if k != "total"}}  # fmt: skip
    assert report.counts.retired == 11  # 1.13 for each of the 8 active schools and 3 ДО
    assert report.counts.done_late == 3 and report.counts.done_on_time == 3
    # per organisation: the roadmap itself first, then by name; the totals add up
    assert report.per_org[0][0] == "в целом по дорожной карте" and len(report.per_org) == 12
    assert sum(c.total for _, c in report.per_org) == report.counts.total
    # one timeline row per item that has milestones, in plan order
    assert [r.item for r in report.timeline.rows][:3] == ["1.1", "1.2", "1.3"] and len(report.timeline.rows) == 46


class TableParser(HTMLParser):
    """The text of every cell of one table of an HTML page, row by row (header row first)."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.depth, self.rows, self.cell = table_id, 0, [], None

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag == "table" and ("id", self.table_id) in attrs:
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):  # noqa: ANN001
        if self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None
        elif tag == "table":
            self.depth = 0

    def handle_data(self, data):  # noqa: ANN001
        if self.cell is not None:
            self.cell += data


def html_table(html: str, table_id: str = "milestones") -> list[list[str]]:
    parser = TableParser(table_id)
    parser.feed(html)
    return parser.rows


def as_text(value: object) -> str:
    """How the HTML shows a spreadsheet cell (written here, independently of the report's code)."""
    if value is None:
        return EMPTY
    if isinstance(value, datetime):
        return format_date(value.date())
    return str(value)


def test_xlsx_holds_the_same_rows_as_the_html_table(engine, tmp_path):
    build_store(engine)
    report = report_of(engine, org=None)
    html_path = write_report(report, fmt="html", path=tmp_path / "audit.html")
    xlsx_path = write_report(report, fmt="xlsx", path=tmp_path / "audit.xlsx")
    table = html_table(html_path.read_text(encoding="utf-8"))
    wb = load_workbook(xlsx_path)
    assert wb.sheetnames == ["Вехи", "Сводка"]
    ws = wb["Вехи"]
    sheet = [[as_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    assert len(table) == len(report.rows) + 1 == len(sheet) == 494
    assert sheet == table  # the header and every data row
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:O494"
    assert ws.column_dimensions["D"].width == 60 and ws.column_dimensions["A"].width < 10
    late = next(row for row in ws.iter_rows(min_row=2, values_only=True) if row[2] == "1.7" and row[12] == 3)
    assert late[6] == datetime(2020, 1, 1) and late[9] == datetime(2020, 6, 25)  # real dates, not text
    assert ws.cell(row=2, column=7).number_format == "DD.MM.YYYY"
    summary = {row[0]: row[1] for row in wb["Сводка"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Выполнено с опозданием"] == 3 and summary["Снято"] == 11
    assert summary["Просрочено"] == report.counts.overdue and summary["По состоянию на"] == datetime(2020, 10, 1)
    counts = html_table(html_path.read_text(encoding="utf-8"), "summary")
    assert counts[-1][0] == "Итого" and counts[-1][1:] == [str(n) for _, n in report.counts.items()]


def test_markdown_has_the_summary_and_a_table_that_a_pipe_cannot_break(engine):
    build_store(engine)
    report = report_of(engine)
    md = render_markdown(report)
    assert "По состоянию на 1 октября 2020 г., текущая версия плана: 2." in md
    assert "| Выполнено с опозданием | 3 |" in md and "| Снято | 1 |" in md
    table = [line for line in md.splitlines() if line.startswith("| ") and "sechenovsky-2020" in line]
    assert len(table) == 45
    assert all(line.count(" | ") == 14 for line in table if "\\|" not in line)
    assert "Дорожная карта ОО \\| ред. 2" in md
    short = render_markdown(report, limit=10, full_report="/srv/audit.html")
    assert "… и ещё 35 строк: полный отчёт — /srv/audit.html." in short


def test_html_escapes_what_the_store_holds_and_draws_the_timeline(engine):
    build_store(engine)
    with session_scope(engine) as session:
        session.execute(
            update(Milestone).where(Milestone.item_number == "1.2", Milestone.org_id == SCHOOL)
            .values(evidence="<script>alert(1)</script> Приказ")
        )  # fmt: skip
    report = report_of(engine)
    html = render_html(report)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Приказ" in html
    timeline = report.timeline
    rows = {r.item: r for r in timeline.rows}
    assert rows["1.2"].plan[0].fill == COLOURS["on-time"][0]
    assert rows["1.7"].plan[0].fill == COLOURS["late"][0]
    assert rows["1.7"].actual[0].x + rows["1.7"].actual[0].width > rows["1.7"].plan[0].x + rows["1.7"].plan[0].width
    assert rows["1.13"].plan[0].fill == COLOURS["retired"][0]
    assert rows["1.10"].plan[0].fill == COLOURS["overdue"][0] and rows["1.10"].actual[0].fill == COLOURS["overdue"][1]
    assert rows["3.4"].plan == [] and rows["3.4"].note == "ожидает даты: 1"
    labels = [t.label for t in timeline.ticks if t.label]
    assert labels[:3] == ["янв 2020", "фев", "мар"] and "янв 2021" in labels
    assert timeline.as_of_x is not None and timeline.as_of_label == "на 1 октября 2020 г."
    assert html.count('class="plan"') == sum(len(r.plan) for r in timeline.rows)


def test_write_is_atomic_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path):
    target = tmp_path / "audit.html"
    target.write_text("the earlier report", encoding="utf-8")

    def half_then_fail(f) -> None:  # noqa: ANN001
        f.write(b"<html>half a rep")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, half_then_fail)
    assert target.read_text(encoding="utf-8") == "the earlier report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.html"]
    write_atomically(target, lambda f: f.write(b"new"))
    assert target.read_bytes() == b"new" and oct(target.stat().st_mode & 0o777) == "0o644"


# -- the command -------------------------------------------------------------------------------------

cli = typer.Typer()
cli.add_typer(report_app, name="report")  # mounted as cli/main.py mounts it
runner = CliRunner()


def test_cli_writes_each_format_and_prints_the_counts(engine, db_url, tmp_path):
    build_store(engine)
    for fmt in ("html", "xlsx", "md"):
        out = tmp_path / f"audit.{fmt}"
        args = ["report", "audit", "--roadmap", ROADMAP, "--org", SCHOOL, "--as-of", "2020-10-01", "-o", str(out)]
        result = runner.invoke(cli, [*args, "--format", fmt, "--db", db_url])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == [
            f"wrote {out} ({fmt}, 45 milestones)",
            "sechenovsky-2020 / sech-oo-01 as of 2020-10-01: 45 milestones",
            "  done on time 3, done late 3, overdue 20, due 11, planned 4, waiting for a date 3, retired 1",
        ]
    assert load_workbook(tmp_path / "audit.xlsx")["Вехи"].max_row == 46
    assert (tmp_path / "audit.md").read_text(encoding="utf-8").startswith("# Отчёт об исполнении дорожной карты")
    # the format follows the file's suffix when not given
    inferred = runner.invoke(cli, ["report", "audit", "--roadmap", ROADMAP, "-o", str(tmp_path / "all.xlsx"),
                                   "--as-of", "2020-10-01", "--db", db_url])  # fmt: skip
    assert inferred.exit_code == 0 and "(xlsx, 493 milestones)" in inferred.stdout


def test_cli_refuses_bad_input_with_exit_2_and_writes_nothing(engine, db_url, tmp_path):
    build_store(engine)
    out = tmp_path / "audit.html"
    out.write_text("the earlier report", encoding="utf-8")
    base = ["report", "audit", "--db", db_url, "--as-of", "2020-10-01"]

    def refused(*args: str) -> str:
        result = runner.invoke(cli, [*base, *args])
        assert result.exit_code == 2, result.output
        assert out.read_text(encoding="utf-8") == "the earlier report"
        return result.stderr.strip()

    assert refused("--roadmap", "nope", "-o", str(out)) == (
        "error: --roadmap: unknown roadmap «nope»; the store holds: sechenovsky-2020"
    )
    org_error = refused("--roadmap", ROADMAP, "--org", "sech-oo-09", "-o", str(out))
    assert org_error.startswith(
        "error: --org: organisation «sech-oo-09» has no milestones in roadmap sechenovsky-2020; "
        "its organisations: sech-do-01, sech-do-02, sech-do-03, sech-oo-01"
    )
    assert refused("--roadmap", ROADMAP, "-o", str(tmp_path / "missing" / "a.html")) == (
        f"error: -o: cannot write «{tmp_path / 'missing' / 'a.html'}»: the folder «{tmp_path / 'missing'}» does not "
        "exist (create it first)")  # fmt: skip
    assert refused("--roadmap", ROADMAP, "-o", str(tmp_path)).startswith(f"error: -o: «{tmp_path}» is a folder")
    assert refused("--roadmap", ROADMAP, "-o", str(out / "a.html")) == (
        f"error: -o: cannot write «{out / 'a.html'}»: «{out}» is a file, not a folder"
    )
    assert refused("--roadmap", ROADMAP, "-o", str(tmp_path / "audit.pdf")) == (
        "error: --format: say html, xlsx or md (the file name «audit.pdf» does not tell)"
    )
    assert refused("--roadmap", ROADMAP, "-o", str(out), "--format", "pdf") == (
        "error: --format: expected html, xlsx or md, found «pdf»"
    )
    assert refused("--roadmap", ROADMAP, "-o", str(out), "--as-of", "1.10.2020") == (
        "error: --as-of: expected a date YYYY-MM-DD, found «1.10.2020»"
    )
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "store.db" and not p.name.startswith("store.db-"))\
        == ["audit.html"]  # fmt: skip


def test_an_empty_store_says_how_to_fill_it(engine):
    from reports.files import ReportError

    with session_scope(engine, readonly=True) as session, pytest.raises(ReportError) as caught:
        build_execution_report(session, roadmap_id=ROADMAP, as_of=AS_OF)
    assert str(caught.value) == (
        "--roadmap: unknown roadmap «sechenovsky-2020»; the store holds none: load one with roadmap sync"
    )


# -- the flow ----------------------------------------------------------------------------------------


def artifact_of(state, key: str) -> tuple[str, str]:  # noqa: ANN001
    """The markdown of the one artifact `key` that this flow run published, and the run's name.

    Filtered by the run: the test server outlives the test, and the other backend's run has the same key.
    """
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    async def read() -> tuple[str, str]:
        run_id = state.state_details.flow_run_id
        async with get_client() as client:
            artifacts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])
                )
            )
            run = await client.read_flow_run(run_id)
        [artifact] = artifacts  # exactly one per run
        return artifact.data, run.name

    return asyncio.run(read())


def test_flow_writes_the_report_and_publishes_the_summary_as_an_artifact(prefect_harness, engine, db_url, tmp_path):

    from flows.report import report_audit

    build_store(engine)
    out = tmp_path / "audit.xlsx"
    state = report_audit(roadmap=ROADMAP, output=str(out), format="xlsx", org=SCHOOL, as_of=AS_OF, db=db_url,
                         return_state=True)  # fmt: skip
    assert state.is_completed()
    result = state.result()
    assert result["path"] == str(out) and load_workbook(out)["Вехи"].max_row == 46
    assert result["lines"][0] == "sechenovsky-2020 / sech-oo-01 as of 2020-10-01: 45 milestones"

    markdown, run_name = artifact_of(state, "audit-sechenovsky-2020-sech-oo-01")
    assert run_name == "audit report sechenovsky-2020 / sech-oo-01 as of 2020-10-01"
    assert "| Выполнено с опозданием | 3 |" in markdown and "| Просрочено | 20 |" in markdown
    # the artifact holds at most 50 rows; the school's 45 all fit
    assert markdown.count("| sechenovsky-2020 |") == 45 and "и ещё" not in markdown


# -- the page in a real browser ------------------------------------------------------------------------


def chromium() -> str:
    found = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    if found is None:
        message = "chromium is not installed: apt-get install chromium (the test command installs it as root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI must run the browser test", pytrace=False)
        pytest.skip(message)
    return found


def run_chromium(binary: str, url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--window-size=1400,2000", *extra]  # fmt: skip
    return subprocess.run([binary, *flags, url], capture_output=True, text=True, timeout=120, check=False)


def png_colours(path: Path) -> Counter[bytes]:
    """How many pixels of each RGB colour an 8-bit, non-interlaced RGB(A) PNG has (stdlib only)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and not interlace
            n = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    raw, stride, counts = zlib.decompress(b"".join(idat)), width * n, Counter()
    prev = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride) if kind else ():
            a = line[i - n] if i >= n else 0
            b, c = prev[i], (prev[i - n] if i >= n else 0)
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        counts.update(bytes(line[i : i + 3]) for i in range(0, stride, n))
        prev = line
    return counts


def test_html_report_renders_in_headless_chromium_with_timeline_and_table(engine, tmp_path):
    binary = chromium()
    build_store(engine)
    page = write_report(report_of(engine), fmt="html", path=tmp_path / "audit.html")
    url = page.resolve().as_uri()
    dom = run_chromium(binary, url, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert '<svg id="timeline"' in rendered and rendered.count('class="plan"') >= 30
    assert len(html_table(rendered)) == 46  # the header and the school's 45 milestones, as the browser parsed them
    shot = tmp_path / "audit.png"
    result = run_chromium(binary, url, tmp_path / "profile-shot", f"--screenshot={shot}")
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    assert shot.stat().st_size > 50_000  # a blank 1400×2000 page compresses to a few kilobytes
    colours = png_colours(shot)
    # each kind of plan bar is painted well beyond its legend swatch (180 pixels of that colour)
    for outcome in ("on-time", "late", "overdue", "open", "retired"):
        assert colours[bytes.fromhex(COLOURS[outcome][0][1:])] > 1000, outcome
    assert colours[bytes.fromhex("dde5f0")] > 5000  # the tables' header cells
