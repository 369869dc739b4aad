"""The monitoring report on the Orenburg, Sechenovsky and Tomsk roadmaps: the verdict tables per level, the
trend over the years from snapshots, who is furthest behind, who has not submitted, the criteria; three
formats that agree; the command as an operator runs it; the flow's artifact; the page in headless Chromium.

Expected figures are the arithmetic of the fixture rows (tests/test_monitoring.py ORENBURG_2021 and the
sample files in roadmaps/registry), written out so each can be checked by hand.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli.monitor import register as register_monitoring
from cli.report import report_app
from models.db import session_scope
from monitoring.view import CHART_COLOURS, Trend, TrendPoint, build_chart, nice_step
from reports.files import ReportError
from reports.monitoring import build_monitoring_report, render_html, render_markdown, write_report
from tests.test_indicators import HEADER, ORENBURG, REGISTRY, SECH, TOMSK, load_orgs_text, load_text, store_for
from tests.test_monitoring import ORENBURG_2021, TOMSK_PLAN, TOMSK_UO, at, complete_milestones, snapshot
from tests.test_report_audit import artifact_of, chromium, html_table, png_colours, run_chromium

OREN = "orenburg-2021-2024"
LATER = datetime(2022, 8, 1, 4, tzinfo=UTC)


def report_of(engine, roadmap: str, year: int | None = None, snapshot_id: int | None = None):
    with session_scope(engine, readonly=True) as session:
        return build_monitoring_report(session, roadmap_id=roadmap, year=year, snapshot_id=snapshot_id)


def orenburg(engine) -> None:
    store_for(engine, ORENBURG)
    load_text(engine, ORENBURG_2021)


def rows_of(lines, address: str) -> dict[str, object]:
    return {r.scope: r for r in lines if r.address == address}


# -- the view ------------------------------------------------------------------------------------------


def test_orenburg_report_judges_each_level_and_ranks_who_is_behind(engine):
    orenburg(engine)
    snapshot(engine, OREN, 2021)
    report = report_of(engine, OREN, 2021)

    assert (report.snapshot_id, report.run, report.territory, report.load_ids) == (1, 1, "Оренбургская область", (1,))
    assert report.taken_text == "1 августа 2021 г., 09:00"  # 04:00 UTC in Asia/Yekaterinburg
    assert report.counts == {"met": 1, "within": 0, "missed": 4, "no-data": 1, "no-target": 0}
    mentees = rows_of(report.territory_rows, "mentees_children_10_19")["Оренбургская область"]
    # 12+8+30+6+2 of 100+100+400+100+50
    assert (mentees.fraction, mentees.actual_text, mentees.target_text) == ("58 / 750", "7,73 %", "10 %")
    assert (mentees.deviation_ru, mentees.verdict_text) == ("−2,27 п.п.", "не выполнен на 2,27 п.п.")
    assert rows_of(report.territory_rows, "enterprises_with_mentors")["Оренбургская область"].deviation_ru == "0 п.п."

    columns, rows = report.matrix("municipality")
    assert [m.address for m in columns] == ["mentees_children_10_19", "mentors_children_15_19"]
    cells = {name: [(c.cell, c.css) for c in row] for _, name, _, row in rows}
    # Buzuluk 20/200 exactly at target; its one school's 3/200 is 1.5 %; Orsk's УО gave 9/450 = 2 % for Orsk
    assert cells == {"Город Бузулук": [("10 %", "met"), ("1,5 %", "missed")],
                     "Город Орск": [("6,91 %", "missed"), ("2 %", "met")]}  # fmt: skip

    behind = [(g.level, g.scope, g.count, round(g.points_behind, 2)) for g in report.laggards]
    assert behind == [
        ("municipality", "Город Орск", 1, round(10 - 100 * 38 / 550, 2)),  # 3.09 points behind outranks 0.5
        ("municipality", "Город Бузулук", 1, 0.5),
        ("organisation", "orb-oo-orsk-2", 2, 4 + 1),  # 6 % and 1 %
        ("organisation", "orb-oo-orsk-1", 2, 2.5 + 1),  # 7.5 % and 1 %
        ("organisation", "orb-do-orsk-1", 1, 6),  # 4 %
        ("organisation", "orb-oo-buzuluk-2", 1, 2),  # 8 %
        ("organisation", "orb-oo-buzuluk-1", 1, 0.5),  # mentors 1.5 %
    ]
    assert report.laggards[2].text == ("mentees_children_10_19: 6 % при цели 10 % (−4 п.п.); "
                                       "mentors_children_15_19: 1 % при цели 2 % (−1 п.п.)")  # fmt: skip

    # schools submitted both shares; Orsk's УО answered for Orsk's mentors, so only Buzuluk's school 2
    # (which gave its mentees but not its mentors) is missing
    assert report.expected == {"mentees_children_10_19": "organisation", "mentors_children_15_19": "organisation"}
    assert [(s.scope, s.measures) for s in report.missing] == [("orb-oo-buzuluk-2", ("mentors_children_15_19",))]


def test_the_trend_takes_each_years_latest_snapshot_and_marks_years_without_one(engine):
    orenburg(engine)
    snapshot(engine, OREN, 2021)
    load_text(engine, HEADER + "orenburg-2021-2024,mentees_young_teachers,2022,,,,31,сводный отчёт,ГБУ РЦРО\n",
              source="2022.csv", now=LATER)  # fmt: skip
    snapshot(engine, OREN, 2022, now=LATER)
    report = report_of(engine, OREN, 2022)
    [teachers] = [t for t in report.trends if t.address == "mentees_young_teachers"]
    assert [(p.year, p.target, p.actual, p.source, p.snapshot_id) for p in teachers.points] == [
        (2021, 10, 9, "snapshot", 1), (2022, 30, 31, "snapshot", 2), (2023, 50, None, "", None),
        (2024, 70, None, "", None),
    ]  # fmt: skip
    assert len(report.trends) == 6  # every indicator has targets

    # Tomsk, 2021 with no snapshot of 2020: the 2020 point is evaluated from the current figures, marked live
    store_for(engine, TOMSK)
    complete_milestones(engine, "1.1", TOMSK_UO[:18], "", at("2020-05-20"))
    snapshot(engine, TOMSK_PLAN.id, 2021)
    tomsk = report_of(engine, TOMSK_PLAN.id, 2021)
    [programmes] = [t for t in tomsk.trends if t.address == "item:1.1"]
    assert [(p.year, p.target, p.actual, p.source) for p in programmes.points][:3] == [
        (2020, 20, 18, "live"), (2021, 20, 18, "snapshot"), (2022, 20, None, ""),
    ]  # fmt: skip
    assert [t.address for t in tomsk.trends][:3] == ["item:1.1", "item:1.2", "item:1.3"]
    assert len(tomsk.trends) == 18 and all(t.address.startswith("item:") for t in tomsk.trends)  # not criteria


def test_chart_geometry_puts_the_target_and_actual_on_one_round_scale():
    assert [nice_step(v) for v in (5.4, 0.27, 27, 0)] == [10, 0.5, 50, 1]
    assert nice_step(0.27, whole=True) == 1  # counts are whole units
    points = (TrendPoint(2020, 20, 18, "live"), TrendPoint(2021, 20, 20, "snapshot", 7), TrendPoint(2022, 20, None, ""))
    trend = Trend("item:1.1", "Программы", "ед.", points)
    chart = build_chart(trend, width=380, height=210)
    assert [label for _, label in chart.grid] == ["0", "10", "20", "30", "40"]  # 20 × 1.08 / 4 → steps of 10
    # years 18 px inside the plot's edges (46-366): 64, 206, 348; 20 of 40 is half way up 34-184
    assert chart.target_points == "64.0,109.0 206.0,109.0 348.0,109.0"
    assert chart.actual_points == "64.0,116.5 206.0,109.0"  # 18 sits at 184 - 150 × 18 / 40; nothing yet for 2022
    assert [m.hollow for m in chart.actual_marks] == [True, False]
    assert chart.actual_marks[1].tip == "2021: факт 20 ед. (снимок № 7)"
    share = build_chart(Trend("x", "Доля", "%", (TrendPoint(2021, 95, 100, "snapshot", 1),)), width=380, height=210)
    assert share.grid[-1][1] == "100"  # a share's axis stops at 100 %


def test_sechenovsky_lists_the_schools_that_have_not_submitted(engine):
    store_for(engine, SECH)
    load_text(engine, (REGISTRY / "sechenovsky-indicators.csv").read_text("utf-8"))
    snapshot(engine, "sechenovsky-2020", 2020)
    report = report_of(engine, "sechenovsky-2020", 2020)
    assert report.municipality_rows == [] and report.matrix("municipality") == ([], [])  # a municipal roadmap
    # figures came from schools for three shares; the УО's and the district's own figures expect nothing below
    assert report.expected == {"mentees_10_19": "organisation", "mentors_15_19": "organisation",
                               "satisfaction_mentors": "organisation", "young_teachers": "municipality"}  # fmt: skip
    missing = {s.scope: s.measures for s in report.missing}
    everything = ("mentees_10_19", "mentors_15_19", "satisfaction_mentors")
    assert missing == {
        "sech-oo-03": ("mentors_15_19", "satisfaction_mentors"),
        "sech-do-01": ("mentors_15_19", "satisfaction_mentors"),
        **{f"sech-oo-0{n}": everything for n in range(4, 9)}, "sech-do-02": everything, "sech-do-03": everything,
    }  # fmt: skip
    assert "sech-oo-09" not in missing  # the sample registry keeps it inactive: no milestones, nothing asked
    assert report.laggards[0].scope == "sech-oo-03"  # 6 of 75 is 8 %, 2 points under 10 %
    assert report.counts["met"] == 6 and report.differences == []


def test_tomsk_report_shows_criteria_by_level_computed_figures_and_missing_municipalities(engine):
    store_for(engine, TOMSK)
    complete_milestones(engine, "1.1", TOMSK_UO[:18], "", at("2020-05-20"))
    load_text(engine, (REGISTRY / "tomsk-indicators.csv").read_text("utf-8"))
    snapshot(engine, TOMSK_PLAN.id, 2021)
    report = report_of(engine, TOMSK_PLAN.id, 2021)

    [programmes] = [r for r in report.judged if r.address == "item:1.1"]
    assert (programmes.submitted, programmes.computed, programmes.verdict, programmes.differs) == (20, 18, "met", True)
    assert [(r.address, r.level) for r in report.differences][0] == ("item:1.1", "region")
    columns, rows = report.matrix("municipality", criteria=True)
    assert [m.short for m in columns] == ["Кр. 1", "Кр. 4", "Кр. 6"]
    assert [(name, [c.cell if c else None for c in cells]) for _, name, _, cells in rows] == [
        ("Город Томск", ["Имеется", "79-60%", "4 ед."]),  # the УО's answer; 7 of 9 is 77.8 %; a count
        ("ЗАТО Северск", [None, "79-60%", "2 ед."]),  # no answer to criterion 1; 3 of 5 is exactly 60 %
    ]
    [retention] = [r for r in report.criteria if r.address == "criterion:young_teacher_retention"]
    assert retention.verdict_text == "71,4 %: «79-60%»"  # (7 + 3) / (9 + 5), not the mean of 77.8 and 60
    # item 1.3's sites were submitted by two УО: the other 18 municipalities are asked for theirs
    assert report.expected["item:1.3"] == "municipality"
    municipal = [s for s in report.missing if s.level == "municipality"]
    assert len(municipal) == 18 and all("item:1.3" in s.measures for s in municipal)
    assert {"Город Томск", "ЗАТО Северск"}.isdisjoint(s.scope for s in municipal)
    kedrovy = next(s for s in municipal if s.scope == "Город Кедровый")
    assert kedrovy.scope_name == "Город Кедровый (Отдел образования администрации города Кедрового (образец))"
    # a municipality that has not done 1.1 is behind on it
    [last] = [g for g in report.laggards if g.level == "municipality" and g.scope == "Шегарский район"]
    assert "1.1" in last.not_done


def test_a_report_after_a_correction_reads_the_new_snapshot_and_an_old_one_stays_reachable(engine):
    orenburg(engine)
    snapshot(engine, OREN, 2021)
    fix = HEADER + "orenburg-2021-2024,mentees_young_teachers,2021,,,,10,исправленный отчёт,ГБУ РЦРО\n"
    load_text(engine, fix, source="fix.csv", now=datetime(2021, 8, 5, tzinfo=UTC))
    stale = report_of(engine, OREN, 2021)
    assert (stale.snapshot_id, stale.newer_loads) == (1, (2,))  # figures came after the snapshot
    assert "После снимка загружены новые сведения за 2021 год (загрузки 2)" in render_html(stale)
    snapshot(engine, OREN, 2021, now=datetime(2021, 8, 6, tzinfo=UTC))
    fresh = report_of(engine, OREN, 2021)
    assert (fresh.snapshot_id, fresh.run, fresh.newer_loads, fresh.counts["met"]) == (2, 2, (), 2)
    assert "запуск 2 за 2021 год, по уточнённым сведениям" in render_html(fresh)
    first = report_of(engine, OREN, snapshot_id=1)
    assert (first.snapshot_id, first.counts["met"]) == (1, 1)


def test_no_snapshot_unknown_roadmap_and_unknown_snapshot_are_refused_with_the_fix(engine):
    orenburg(engine)
    with pytest.raises(ReportError) as none_yet:
        report_of(engine, OREN, 2021)
    assert str(none_yet.value) == ("no monitoring snapshot of orenburg-2021-2024 for 2021 (it has no snapshot yet): "
                                   "run `roadmap monitor --roadmap orenburg-2021-2024 --year 2021` first")  # fmt: skip
    snapshot(engine, OREN, 2021)
    with pytest.raises(ReportError) as unknown:
        report_of(engine, "nope", 2021)
    assert str(unknown.value) == "--roadmap: unknown roadmap «nope»; the store holds: orenburg-2021-2024"
    with pytest.raises(ReportError) as wrong:
        report_of(engine, OREN, 2022, snapshot_id=1)
    assert str(wrong.value) == (
        "--snapshot: no snapshot 1 of orenburg-2021-2024 for 2022; its snapshots by year: 2021: 1"
    )


# -- the formats ---------------------------------------------------------------------------------------


def test_html_xlsx_and_markdown_hold_the_same_figures(engine, tmp_path):
    orenburg(engine)
    snapshot(engine, OREN, 2021)
    report = report_of(engine, OREN, 2021)
    html = render_html(report)
    table = html_table(html, "indicators")
    assert table[0] == ["Код", "Показатель", "Цель", "Факт", "Числитель / знаменатель", "Отклонение", "Оценка",
                        "Основание"]  # fmt: skip
    assert [row[0] for row in table[1:]] == [r.address for r in report.judged]
    assert table[1][2:7] == ["10 %", "7,73 %", "58 / 750", "−2,27 п.п.", "не выполнен на 2,27 п.п."]
    assert len(html_table(html, "laggards")) == 1 + 7 and html.count('<svg class="trend"') == 6

    write_report(report, fmt="xlsx", path=tmp_path / "m.xlsx")
    wb = load_workbook(tmp_path / "m.xlsx")
    assert wb.sheetnames == ["Сводка", "Показатели", "По уровням", "Динамика", "Отстающие", "Не представлено"]
    sheet = list(wb["Показатели"].iter_rows(values_only=True))
    assert [row[0] for row in sheet[1:]] == [r.address for r in report.judged]
    assert sheet[1][3:6] == (10, 7.73, -2.27)  # numbers, not text
    levels = list(wb["По уровням"].iter_rows(values_only=True))
    assert len(levels) == 1 + len(report.below) and levels[1][:4] == ("муниципалитет", "Город Бузулук", "Город Бузулук",
                                                                      "mentees_children_10_19")  # fmt: skip
    assert len(wb["Динамика"]._charts) == 6 and wb["Динамика"]["C2"].value == 10  # the target of 2021
    assert wb["Не представлено"]["B2"].value == "Школа № 2 г. Бузулука (образец)"
    assert [r[1] for r in list(wb["Отстающие"].iter_rows(values_only=True))[1:3]] == ["Город Орск", "Город Бузулук"]

    markdown = render_markdown(report)
    assert "| mentees_children_10_19 | 10 / 7,73 | 30 / — | 50 / — | 70 / — |" in markdown
    assert "| организация | Школа № 2 г. Бузулука (образец) | mentors_children_15_19 |" in markdown
    short = render_markdown(report, limit=3, full_report="/srv/m.html")
    assert f"… и ещё {len(report.below) - 3} строк: полный отчёт — /srv/m.html." in short


def test_html_escapes_what_the_store_holds(engine):
    store_for(engine, ORENBURG)
    header = "id,name,kind,municipality,region,timezone,curator_email,head_email\n"
    row = 'orb-oo-orsk-2,"<script>alert(1)</script> | школа",ОО,Город Орск,Оренбургская область,,,\n'
    load_orgs_text(engine, header + row)
    load_text(engine, ORENBURG_2021)
    snapshot(engine, OREN, 2021)
    report = report_of(engine, OREN, 2021)
    html = render_html(report)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; | школа" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| школа" in render_markdown(report)


# -- the command -----------------------------------------------------------------------------------------

cli = typer.Typer()
cli.add_typer(report_app, name="report")  # mounted as cli/main.py mounts it
register_monitoring(cli)
runner = CliRunner()


def test_cli_writes_each_format_and_refuses_bad_input_with_exit_2(engine, db_url, tmp_path):
    orenburg(engine)
    base = ["report", "monitoring", "--roadmap", OREN, "--db", db_url]
    out = tmp_path / "m.html"
    out.write_text("the earlier report", encoding="utf-8")

    def refused(*args: str) -> str:
        result = runner.invoke(cli, [*base, *args])
        assert result.exit_code == 2, result.output
        assert out.read_text(encoding="utf-8") == "the earlier report"
        return result.stderr.strip()

    assert refused("--year", "2021", "-o", str(out)) == (
        "error: no monitoring snapshot of orenburg-2021-2024 for 2021 (it has no snapshot yet): run "
        "`roadmap monitor --roadmap orenburg-2021-2024 --year 2021` first")  # fmt: skip
    snapshot(engine, OREN, 2021)
    assert (
        refused("-o", str(out))
        == "error: --year: say which year's monitoring to report (or --snapshot N for one snapshot)"
    )
    assert refused("--year", "2021", "-o", str(tmp_path / "m.pdf")) == (
        "error: --format: say html, xlsx or md (the file name «m.pdf» does not tell)")  # fmt: skip
    assert refused("--year", "2021", "--snapshot", "5", "-o", str(out)) == (
        "error: --snapshot: no snapshot 5 of orenburg-2021-2024 for 2021; its snapshots by year: 2021: 1")  # fmt: skip
    for fmt in ("html", "xlsx", "md"):
        target = tmp_path / f"m.{fmt}"
        result = runner.invoke(cli, [*base, "--year", "2021", "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == [
            f"wrote {target} ({fmt}, snapshot 1)",
            "orenburg-2021-2024, 2021: snapshot 1 (run 1), 6 measures with targets, 0 criteria",
            "  met 1, within tolerance 0, missed 4, no data 1",
            "  behind: 2 municipalities, 5 organisations; missing submissions: 1",
        ]
    markdown = (tmp_path / "m.md").read_text("utf-8")
    assert markdown.startswith("# Мониторинг реализации дорожной карты orenburg-2021-2024 за 2021 год")


def test_roadmap_snapshots_lists_the_monitorings_history(engine, db_url):
    orenburg(engine)
    snapshot(engine, OREN, 2021)
    load_text(engine, HEADER + "orenburg-2021-2024,mentees_young_teachers,2021,,,,10,исправленный отчёт,РЦРО\n",
              source="fix.csv", now=datetime(2021, 8, 5, tzinfo=UTC))  # fmt: skip
    snapshot(engine, OREN, 2021, now=datetime(2021, 8, 6, tzinfo=UTC))
    table = runner.invoke(cli, ["snapshots", "--roadmap", OREN, "--db", db_url])
    assert table.exit_code == 0, table.output
    assert [line.split()[:4] + line.split()[-4:] for line in table.stdout.splitlines()] == [
        ["id", "roadmap", "year", "run", "met", "within", "missed", "no_data"],
        ["1", OREN, "2021", "1", "1", "0", "4", "1"],
        ["2", OREN, "2021", "2", "2", "0", "3", "1"],  # the corrected figure meets its target
    ]
    rows = json.loads(runner.invoke(cli, ["snapshots", "--year", "2021", "--format", "json", "--db", db_url]).stdout)
    assert [(r["id"], r["loads"], r["taken_at"]) for r in rows] == [
        (1, "1", "2021-08-01T04:00:00+00:00"), (2, "1 2", "2021-08-06T00:00:00+00:00"),
    ]  # fmt: skip
    none = runner.invoke(cli, ["snapshots", "--year", "2030", "--db", db_url])
    assert none.stdout == "(no snapshots match: roadmap monitor --roadmap ID --year YEAR takes one)\n"


# -- the flow ------------------------------------------------------------------------------------------


def test_the_report_flow_writes_the_file_and_publishes_the_headline(prefect_harness, engine, db_url, tmp_path):

    from flows.report import report_monitoring

    orenburg(engine)
    snapshot(engine, OREN, 2021)
    out = tmp_path / "m.xlsx"
    state = report_monitoring(roadmap=OREN, year=2021, output=str(out), format="xlsx", db=db_url, return_state=True)
    assert state.is_completed()
    result = state.result()
    assert result["path"] == str(out) and load_workbook(out).sheetnames[0] == "Сводка"
    assert result["lines"][1] == "  met 1, within tolerance 0, missed 4, no data 1"

    markdown, run_name = artifact_of(state, "monitoring-report-orenburg-2021-2024-2021")
    assert run_name == "monitoring report orenburg-2021-2024 2021"
    assert "| mentees_children_10_19 | Доля детей" in markdown and f"Полный отчёт: {out}" in markdown


# -- the page in a real browser ------------------------------------------------------------------------


def test_html_report_renders_in_headless_chromium_with_its_charts_visible(engine, tmp_path):
    binary = chromium()
    orenburg(engine)
    snapshot(engine, OREN, 2021)
    load_text(engine, HEADER + "orenburg-2021-2024,mentees_young_teachers,2022,,,,31,сводный отчёт,ГБУ РЦРО\n",
              source="2022.csv", now=LATER)  # fmt: skip
    snapshot(engine, OREN, 2022, now=LATER)
    page = write_report(report_of(engine, OREN, 2022), fmt="html", path=tmp_path / "monitoring.html")
    url = page.resolve().as_uri()
    dom = run_chromium(binary, url, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert rendered.count('<svg class="trend"') == 6 and rendered.count('class="target"') == 6
    assert rendered.count('class="actual"') == 5  # satisfaction_mentors has no figure in either year
    assert len(html_table(rendered, "indicators")) == 1 + 6
    # no school has sent its 2022 shares yet: all five are listed, the way the browser parsed the table
    assert [row[1] for row in html_table(rendered, "missing")[1:]] == [
        "Школа № 1 г. Бузулука (образец)", "Школа № 2 г. Бузулука (образец)", "Дом творчества г. Орска (образец)",
        "Школа № 1 г. Орска (образец)", "Школа № 2 г. Орска (образец)",
    ]  # fmt: skip
    shot = tmp_path / "monitoring.png"
    result = run_chromium(binary, url, tmp_path / "profile-shot", f"--screenshot={shot}")
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    colours = png_colours(shot)
    # the target lines (dashed, 3 px, six charts) and the actual points and line are painted well beyond
    # the two legend swatches (about 80 pixels each)
    assert colours[bytes.fromhex(CHART_COLOURS["target"][1:])] > 1500
    assert colours[bytes.fromhex(CHART_COLOURS["actual"][1:])] > 400
    assert colours[bytes.fromhex("c8e6c9")] > 1000  # the cells of the verdicts met
