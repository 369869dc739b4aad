"""Roadmap documents written for the importer's tests, in the styles schools, kindergartens, colleges and
municipal departments publish them, and writers that make them .docx, .pdf, .xlsx, .html or text.

Nothing binary is committed: each test writes the files it needs into tmp_path, so the fixtures are
reproducible from this module. The PDF writer uses a Cyrillic TrueType font found on the machine
(DejaVu Sans, Debian's fonts-dejavu-core, which scripts/test.sh installs when it is missing).
"""

from __future__ import annotations

from pathlib import Path

HEADER = ["№ п/п", "Мероприятие", "Срок исполнения", "Ответственный", "Результат"]

SCHOOL_PREAMBLE = [
    "МУНИЦИПАЛЬНОЕ БЮДЖЕТНОЕ ОБЩЕОБРАЗОВАТЕЛЬНОЕ УЧРЕЖДЕНИЕ «СРЕДНЯЯ ОБЩЕОБРАЗОВАТЕЛЬНАЯ ШКОЛА № 7» Г. ВАЛУЙКИ",
    "ПРИКАЗ",
    "01.09.2022 № 112-од",
    "Об утверждении дорожной карты внедрения целевой модели наставничества",
    "Документ подписан электронной подписью. Сертификат 01AB. Владелец Иванова А.П. "
    "Действителен с 10.01.2022 по 10.04.2023",
    "Дорожная карта внедрения целевой модели наставничества в МБОУ «СОШ № 7» на 2022/2023 учебный год",
]
SCHOOL_ROWS = [
    ["1.", "Организационный этап", "", "", ""],
    ["1.1", "Издание приказа о внедрении целевой модели наставничества в 2022 г.", "до 15.09.2022г.",
     "Директор школы Иванова А.П.", "Приказ"],
    ["1.2", "Назначение куратора внедрения ЦМН", "сентябрь 2022 г.", "Директор школы", "Приказ о назначении"],
    ["2.", "Формирование баз наставников и наставляемых", "", "", ""],
    ["2.1", "Формирование базы наставляемых", "с 01.09.2022 г. по 30.09.2022 г.", "Куратор", "База наставляемых"],
    ["2.2", "Формирование базы наставников", "до 15.10.2022", "Куратор, классные руководители", "База наставников"],
    ["2.3", "Мониторинг работы наставнических пар", "ежеквартально", "Заместитель директора по УВР", "Справка"],
    ["3.", "Работа наставнических пар", "", "", ""],
    ["3.1", "Встречи наставнических пар", "в течение учебного года", "Наставники", "Журнал встреч"],
    ["3.2", "Отчёт о работе наставнических пар", "по итогам четверти", "Куратор", "Отчёт"],
    ["4.", "Завершение цикла наставничества", "", "", ""],
    ["4.1", "Итоговая конференция наставников и наставляемых", "до конца учебного года", "Директор школы, куратор",
     "Программа конференции"],
    ["4.2", "Анкетирование участников программ наставничества", "май 2023 г.", "Педагог-психолог",
     "Результаты анкетирования"],
]  # fmt: skip
# (number, kind, start, end) the school's items read to
SCHOOL_EXPECTED = {
    "1.1": ("window", "2022-09-01", "2022-09-15"),
    "1.2": ("window", "2022-09-01", "2022-09-30"),
    "2.1": ("window", "2022-09-01", "2022-09-30"),
    "2.2": ("window", "2022-09-01", "2022-10-15"),
    "2.3": ("windows", "2022-09-01", "2023-05-31"),
    "3.1": ("continuous", "2022-09-01", "2023-05-31"),
    "3.2": ("unparsed", None, None),
    "4.1": ("window", "2022-09-01", "2023-05-31"),
    "4.2": ("window", "2023-05-01", "2023-05-31"),
}

KINDERGARTEN_TEXT = """\
Утверждаю
Заведующий МБДОУ «Детский сад № 3 «Солнышко»»
Белгородской области
_________ О.В. Смирнова

План мероприятий (дорожная карта) по внедрению целевой модели наставничества в МБДОУ «Детский сад № 3» на 2022 год

№ п/п\tНаименование мероприятия\tСрок\tОтветственный\tРезультат
1\t2\t3\t4\t5
1\tИзучение нормативных документов по внедрению\tдо 01.10.2022 г.\tЗаведующий\tПротокол
\tцелевой модели наставничества\t\t\t
2\tКонсультирование педагогов по вопросам наставничества\tв течение года\tСтарший воспитатель\tЖурнал
3\tВзаимопосещение занятий наставниками и молодыми педагогами\tежемесячно\tВоспитатели групп\tЛисты

2

№ п/п\tНаименование мероприятия\tСрок\tОтветственный\tРезультат
4\tОтчёт о работе наставников на педагогическом совете\tдо конца года\tСтарший воспитатель\tПротокол педсовета
5\tМастер-классы молодых педагогов\t1 раз в квартал\tСтарший воспитатель, наставники\tМетодические
\t\t\t\tразработки
6\tОбновление раздела «Наставничество» на сайте детского сада\tрегулярно\tОтветственный за сайт\tРаздел сайта
"""
KINDERGARTEN_EXPECTED = {
    "1": ("window", "2022-01-01", "2022-10-01",
          "Изучение нормативных документов по внедрению целевой модели наставничества"),  # joined over two lines
    "2": ("continuous", "2022-01-01", "2022-12-31", "Консультирование педагогов по вопросам наставничества"),
    "3": ("windows", "2022-01-01", "2022-12-31", "Взаимопосещение занятий наставниками и молодыми педагогами"),
    "4": ("window", "2022-01-01", "2022-12-31", "Отчёт о работе наставников на педагогическом совете"),
    "5": ("windows", "2022-01-01", "2022-12-31", "Мастер-классы молодых педагогов"),
    "6": ("continuous", "2022-01-01", "2022-12-31", "Обновление раздела «Наставничество» на сайте детского сада"),
}  # fmt: skip

COLLEGE_PREAMBLE = [
    "Дорожная карта реализации программы наставничества «работодатель – студент» в ГБПОУ «Валуйский колледж» "
    "Белгородской области на 2022/2023 учебный год",
]
COLLEGE_HEADER = [
    "№",
    "Наименование мероприятия",
    "Ответственные исполнители",
    "Сроки реализации",
    "Ожидаемый результат",
]
COLLEGE_ROWS = [
    ["1", "Заключение договоров с предприятиями-партнёрами о наставничестве",
     "Заместитель директора по УПР, ООО «Агрохолдинг»", "не позднее чем 1 ноября 2022 г.", "Договоры"],
    ["2", "Формирование базы наставников от предприятий-партнёров", "Руководитель центра карьеры",
     "в период с 1 по 15 сентября 2022 г.", "База наставников"],
    ["3", "Стажировки студентов на предприятиях под руководством наставников", "Наставники от предприятий",
     "в течение 2022/2023 учебного года", "Дневники стажировок"],
    ["4", "Промежуточная аттестация студентов с участием наставников", "Мастера производственного обучения",
     "до 31.12.2022 включительно", "Ведомости"],
    ["5", "Круглый стол с работодателями по итогам практики", "Заместитель директора по УПР",
     "4-й квартал 2022 г.", "Резолюция"],
    ["6", "Анкетирование работодателей", "Социальный педагог", "1 раз в полугодие", "Анализ анкет"],
]  # fmt: skip
COLLEGE_EXPECTED = {
    "1": ("window", "2022-09-01", "2022-11-01"),
    "2": ("window", "2022-09-01", "2022-09-15"),
    "3": ("continuous", "2022-09-01", "2023-05-31"),
    "4": ("window", "2022-09-01", "2022-12-31"),
    "5": ("window", "2022-10-01", "2022-12-31"),
    "6": ("windows", "2022-09-01", "2023-05-31"),
}

ORDER_LINES = [
    "АДМИНИСТРАЦИЯ ВАЛУЙСКОГО ГОРОДСКОГО ОКРУГА",
    "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ",
    "ПРИКАЗ",
    "10 января 2022 года",
    "№ 5-од",
    "О внедрении целевой модели наставничества в общеобразовательных организациях Валуйского городского округа",
    "В соответствии с распоряжением Минпросвещения России от 25.12.2019 № Р-145 и в целях внедрения целевой модели "
    "наставничества в Валуйском городском округе",
    "п р и к а з ы в а ю:",
    "1. Утвердить состав муниципальной рабочей группы (приложение 1).",
    "2. Руководителям общеобразовательных организаций в срок до 31 марта 2022 года разработать и утвердить "
    "дорожные карты внедрения целевой модели наставничества.",
    "3. МКУ «ИМЦ» (Петрова А.А.) в срок не позднее 01.09.2022 организовать обучение кураторов.",
    "4. Кураторам внедрения ЦМН в течение всего срока реализации программы вести базы наставников и наставляемых.",
    "5. Руководителям ОО, ДО по 31 мая 2022 г. (включительно) представить отчёты о реализации дорожных карт.",
    "6. Главному специалисту управления образования до конца текущего года провести мониторинг внедрения.",
    "7. Контроль за исполнением настоящего приказа оставляю за собой.",
    "Начальник управления образования С.И. Жукова",
]
ORDER_EXPECTED = {
    "П.2": ("window", "2022-01-01", "2022-03-31"),
    "П.3": ("window", "2022-01-01", "2022-09-01"),
    "П.4": ("continuous", "2022-01-01", "2022-12-31"),
    "П.5": ("window", "2022-01-01", "2022-05-31"),
    "П.6": ("window", "2022-01-01", "2022-12-31"),
}


# ---------------------------------------------------------------------------------------------
# Writers


def write_docx(path: Path, preamble: list[str], header: list[str] | None, rows: list[list[str]],
               *, merged_headings: bool = False) -> Path:  # fmt: skip
    import docx

    document = docx.Document()
    for line in preamble:
        document.add_paragraph(line)
    if header is not None:
        table = document.add_table(rows=1, cols=len(header))
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
        for row in rows:
            cells = table.add_row().cells
            if merged_headings and not any(row[2:]):
                merged = cells[1].merge(cells[-1])
                merged.text = row[1]
                cells[0].text = row[0]
                continue
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
    document.save(str(path))
    return path


def font_path() -> Path:
    for candidate in (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    ):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("DejaVuSans.ttf not found: install fonts-dejavu-core (scripts/test.sh does)")


def write_pdf(path: Path, preamble: list[str], header: list[str], rows: list[list[str]], *, ruled: bool = True) -> Path:
    from fpdf import FPDF

    pdf = FPDF(orientation="L")
    pdf.add_font("DejaVu", fname=str(font_path()))
    pdf.set_font("DejaVu", size=9)
    pdf.add_page()
    for line in preamble:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (16, 95, 60, 60, 40)
    if ruled:
        from fpdf.fonts import FontFace

        with pdf.table(col_widths=widths, repeat_headings=1, headings_style=FontFace(emphasis=None)) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell(value)
    else:
        # a layout without cell borders: columns held by position only (what a "print to PDF" of a text gives)
        for values in [header, *rows]:
            x = pdf.l_margin
            for width, value in zip(widths, values, strict=True):
                pdf.set_x(x)
                while pdf.get_string_width(value) > width - 3:  # cut what would run into the next column
                    value = value[:-1]
                pdf.cell(width, 5, value)
                x += width
            pdf.ln(6)
    pdf.output(str(path))
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF of pictures only (a scan): no text layer at all."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(200, 200, 200)
    for k in range(12):
        pdf.rect(20, 20 + 12 * k, 170, 8, style="F")
    pdf.output(str(path))
    return path


def write_xlsx(path: Path, preamble: list[str], header: list[str], rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for line in preamble:
        sheet.append([line])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(str(path))
    return path


def write_html(path: Path, preamble: list[str], header: list[str], rows: list[list[str]]) -> Path:
    from html import escape

    cells = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>\n" for row in rows)
    text = "".join(f"<p>{escape(line)}</p>\n" for line in preamble)
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{text}"
        f"<table border='1'><thead><tr>{cells}</tr></thead><tbody>\n{body}</tbody></table></body></html>",
        encoding="utf-8",
    )
    return path


def spaced_text(preamble: list[str], header: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> str:
    """A space-aligned export (as pdftotext -layout gives), long cells wrapped onto the next lines."""
    import textwrap

    lines = [*preamble, ""]
    for values in [header, *rows]:
        wrapped = [textwrap.wrap(v, w - 2) or [""] for v, w in zip(values, widths, strict=True)]
        for k in range(max(len(w) for w in wrapped)):
            parts = [(w[k] if k < len(w) else "").ljust(width) for w, width in zip(wrapped, widths, strict=True)]
            lines.append("".join(parts).rstrip())
    return "\n".join(lines) + "\n"
