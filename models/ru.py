"""Russian wording of dates, windows and quarters as officials write them ("1 сентября 2025 г.")."""

from __future__ import annotations

from datetime import date

MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
MONTHS_NOMINATIVE = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
ROMAN = ("I", "II", "III", "IV")


def format_date(d: date) -> str:
    """1 сентября 2025 г."""
    return f"{d.day} {MONTHS_GENITIVE[d.month - 1]} {d.year} г."


def format_quarter(year: int, quarter: int) -> str:
    """III квартал 2025 г."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1-4, got {quarter}")
    return f"{ROMAN[quarter - 1]} квартал {year} г."


def format_window(start: date | None, end: date | None) -> str:
    """A window in words: "1 – 15 сентября 2020 г.", "1 июня – 31 декабря 2020 г.", "до 29 мая 2020 г."."""
    if end is None:
        return "срок не установлен" if start is None else f"с {format_date(start)}"
    if start is None:
        return f"до {format_date(end)}"
    if start == end:
        return format_date(end)
    if start.year == end.year:
        if start.month == end.month:
            return f"{start.day} – {end.day} {MONTHS_GENITIVE[end.month - 1]} {end.year} г."
        return f"{start.day} {MONTHS_GENITIVE[start.month - 1]} – {format_date(end)}"
    return f"{format_date(start)} – {format_date(end)}"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form for n: 1 день, 2 дня, 5 дней."""
    n10, n100 = abs(n) % 10, abs(n) % 100
    if n10 == 1 and n100 != 11:
        return one
    if 2 <= n10 <= 4 and not 12 <= n100 <= 14:
        return few
    return many


def ru_number(value: float, digits: int = 2) -> str:
    """12,5 · 20 · 0,33: rounded, trailing zeros dropped, a decimal comma."""
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def format_occurrence(occurrence: str) -> str:
    """A milestone's occurrence as officials read it: «2021 г.», «январь 2020 г.», «2020/2021 учебный год»,
    «2020/2021 учебный год, сентябрь 2020 г.»; anything else as it is."""
    parts = occurrence.split()
    if not parts:
        return ""
    return ", ".join(_occurrence_part(part) for part in parts)


def _occurrence_part(part: str) -> str:
    if len(part) == 4 and part.isdigit():
        return f"{part} г."
    if len(part) == 7 and part[4] == "-" and part[:4].isdigit() and part[5:].isdigit() and 1 <= int(part[5:]) <= 12:
        return f"{MONTHS_NOMINATIVE[int(part[5:]) - 1]} {part[:4]} г."
    first, slash, second = part.partition("/")
    if slash and first.isdigit() and second.isdigit() and int(second) == int(first) + 1:
        return f"{part} учебный год"
    return part
