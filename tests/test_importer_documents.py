"""Importing roadmap documents that are not seeds, in every form the importer reads (issue 16).

The documents come from tests/importer_docs.py and are written into tmp_path by each test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from importer import ImportOptions, ImportRefusal, import_document
from importer.emit import render
from models.loader import load_plan
from models.plan import Roadmap
from tests import importer_docs as docs

runner = CliRunner()


def imported(path: Path) -> Roadmap:
    result = import_document(path, ImportOptions())
    _text, plan = render(result, name=str(path))
    return plan


def windows_of(plan: Roadmap) -> dict[str, tuple[str, str | None, str | None]]:
    out = {}
    for item in plan.items:
        d = item.deadline
        out[item.number] = (d.kind, d.start.isoformat() if d.start else None, d.end.isoformat() if d.end else None)
    return out


def test_school_roadmap_docx(tmp_path: Path) -> None:
    path = docs.write_docx(tmp_path / "school.docx", docs.SCHOOL_PREAMBLE, docs.HEADER, docs.SCHOOL_ROWS)
    plan = imported(path)
    assert windows_of(plan) == docs.SCHOOL_EXPECTED
    assert (plan.level, plan.period.academic, plan.period.start.isoformat()) == ("organisation", True, "2022-09-01")
    assert [s.number for s in plan.sections] == ["1", "2", "3", "4"]
    assert (plan.order.kind, plan.order.date, plan.order.number) == ("приказ", "01.09.2022", "112-од")
    # the signature stamp's validity and the year in a title are not deadlines
    assert plan.item("1.1").deadline.end.isoformat() == "2022-09-15"
    assert "Иванова А.П." in [plan.party(p).name for p in plan.item("1.1").party_ids]
    assert any("по итогам четверти" in note for note in plan.item("3.2").review)
    assert plan.timezone == "Europe/Moscow"


def test_school_roadmap_docx_with_merged_heading_cells(tmp_path: Path) -> None:
    path = docs.write_docx(
        tmp_path / "school.docx", docs.SCHOOL_PREAMBLE, docs.HEADER, docs.SCHOOL_ROWS, merged_headings=True
    )
    plan = imported(path)
    assert windows_of(plan) == docs.SCHOOL_EXPECTED
    assert plan.sections[1].title == "Формирование баз наставников и наставляемых"


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled-table", "no-ruling"])
def test_school_roadmap_pdf(tmp_path: Path, ruled: bool) -> None:
    rows = docs.SCHOOL_ROWS if ruled else [r for r in docs.SCHOOL_ROWS if r[2]]  # short cells fit one line
    path = docs.write_pdf(tmp_path / "school.pdf", docs.SCHOOL_PREAMBLE[1:], docs.HEADER, rows, ruled=ruled)
    plan = imported(path)
    expected = {k: v for k, v in docs.SCHOOL_EXPECTED.items()}
    got = windows_of(plan)
    if ruled:
        assert got == expected
    else:
        # without cell borders the columns come from the header's positions
        assert {k: got[k] for k in ("1.1", "2.1", "4.2")} == {k: expected[k] for k in ("1.1", "2.1", "4.2")}


def test_a_scanned_pdf_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = docs.write_scanned_pdf(tmp_path / "scan.pdf")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 2
    assert f"{path}: the PDF has no text layer (1 page(s) of images, a scan?)" in result.output
    assert "Traceback" not in result.output


def test_school_roadmap_as_space_aligned_text(tmp_path: Path) -> None:
    text = docs.spaced_text(docs.SCHOOL_PREAMBLE, docs.HEADER, docs.SCHOOL_ROWS, (8, 46, 34, 32, 26))
    path = tmp_path / "school.txt"
    path.write_text(text, encoding="utf-8")
    plan = imported(path)
    assert windows_of(plan) == docs.SCHOOL_EXPECTED
    assert plan.item("2.3").title == "Мониторинг работы наставнических пар"


def test_kindergarten_text_export_with_broken_layout(tmp_path: Path) -> None:
    path = tmp_path / "kindergarten.txt"
    path.write_text(docs.KINDERGARTEN_TEXT, encoding="utf-8")
    plan = imported(path)
    got = {i.number: (*windows_of(plan)[i.number], i.title) for i in plan.items}
    assert got == docs.KINDERGARTEN_EXPECTED
    assert plan.item("5").result == "Методические разработки"
    assert plan.territory.region == "Белгородская область" and plan.level == "organisation"


@pytest.mark.parametrize("form", ["xlsx", "html"])
def test_college_roadmap_with_employer_mentors(tmp_path: Path, form: str) -> None:
    writer = docs.write_xlsx if form == "xlsx" else docs.write_html
    path = writer(tmp_path / f"college.{form}", docs.COLLEGE_PREAMBLE, docs.COLLEGE_HEADER, docs.COLLEGE_ROWS)
    plan = imported(path)
    assert windows_of(plan) == docs.COLLEGE_EXPECTED
    names = {plan.party(p).name for p in plan.item("1").party_ids}
    assert names == {"Заместитель директора по УПР", "ООО «Агрохолдинг»"}
    assert plan.party("oo_other" if False else plan.item("3").party_ids[0]).name == "Наставники от предприятий"


@pytest.mark.parametrize("form", ["docx", "txt"])
def test_order_with_numbered_points_and_deadlines(tmp_path: Path, form: str) -> None:
    if form == "docx":
        path = docs.write_docx(tmp_path / "order.docx", docs.ORDER_LINES, None, [])
    else:
        path = tmp_path / "order.txt"
        path.write_text("\n\n".join(docs.ORDER_LINES) + "\n", encoding="utf-8")
    plan = imported(path)
    assert windows_of(plan) == docs.ORDER_EXPECTED
    assert (plan.order.date, plan.order.number) == ("10 января 2022 года", "5-од")
    assert plan.issuer == "Управление образования администрации Валуйского городского округа"
    heads = plan.party(plan.item("П.2").party_ids[0])
    assert (heads.kind, heads.role, heads.name) == ("role", "head", "Руководители общеобразовательных организаций")
    # the law cited in the preamble (25.12.2019) is neither the order's date nor a deadline
    assert all(i.deadline.start is None or i.deadline.start.year == 2022 for i in plan.items)


def test_cli_writes_plan_and_review_page(tmp_path: Path) -> None:
    source = tmp_path / "kindergarten.txt"
    source.write_text(docs.KINDERGARTEN_TEXT, encoding="utf-8")
    out, page = tmp_path / "plan.yaml", tmp_path / "review.html"
    result = runner.invoke(app, ["import", str(source), "-o", str(out), "--review", str(page), "--tz", "Europe/Moscow"])
    assert result.exit_code == 0, result.output
    assert "items read: 6" in result.output and "notes to review:" in result.output
    plan = load_plan(out)
    assert plan.timezone == "Europe/Moscow" and len(plan.items) == 6
    html = page.read_text(encoding="utf-8")
    assert "Проверка импорта дорожной карты" in html and "Изучение нормативных документов" in html
    assert 'class="source"' in html
    again = runner.invoke(app, ["import", str(source), "-o", str(out)])
    assert again.exit_code == 2 and f"{out} exists: give another -o/--review path, or --force" in again.output


def test_a_document_without_a_roadmap_table_is_refused(tmp_path: Path) -> None:
    path = docs.write_docx(tmp_path / "letter.docx", ["Информационное письмо", "О проведении семинара"],
                           ["ФИО", "Должность"], [["Петров П.П.", "учитель"]])  # fmt: skip
    result = runner.invoke(app, ["import", str(path), "-o", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2
    assert f"error: {path}: no roadmap table found: expected a table whose header names an activity" in result.output
    assert "found 1 table(s): table 1: «ФИО | Должность»" in result.output
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.docx", None, "no such file"),
        ("plan.doc", b"x", "unknown kind of document «.doc»: expected .docx, .pdf, .xlsx, .html or .txt"),
        ("broken.docx", b"not a zip", "cannot be read as .docx"),
    ],
)
def test_unreadable_documents_are_refused(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImportRefusal) as err:
        import_document(path, ImportOptions())
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)
