"""The order around a roadmap: who issued it, its kind, date and number, title, territory, period."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources

from ruamel.yaml import YAML

from importer.cells import clean

_KIND = re.compile(
    r"^\s*(П\s*Р\s*И\s*К\s*А\s*З|Р\s*А\s*С\s*П\s*О\s*Р\s*Я\s*Ж\s*Е\s*Н\s*И\s*Е|П\s*О\s*С\s*Т\s*А\s*Н\s*О\s*В\s*Л\s*Е\s*Н\s*И\s*Е)\s*$",
    re.IGNORECASE,
)
_APPROVED = re.compile(
    r"утвержд\w*\s+(приказом|распоряжением|постановлением)\s+(.+?)\s+от\s+(\S.*?)\s*№\s*(.*)$", re.IGNORECASE
)
MONTHS_GEN = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()
DATE = re.compile(
    r"\b(\d{1,2}\.\d{1,2}\.(?:19|20)\d\d|\d{1,2}\s+(?:"
    + "|".join(MONTHS_GEN)
    + r")\s+(?:19|20)\d\d(?:\s*(?:года|г\.))?)"
)
_NUMBER = re.compile(r"№\s*([^\s].*?)\s*$")
_BLANK = re.compile(r"^[_\s]*$")
_SIGNATURE = re.compile(
    r"подписан\w* электронн|сертификат|владелец|действителен|signed|ЭЦП|электронной подписью", re.IGNORECASE
)
_NOMINATIVE_FIRST = {
    "управления": "Управление", "министерства": "Министерство", "департамента": "Департамент",
    "комитета": "Комитет", "отдела": "Отдел", "администрации": "Администрация",
}  # fmt: skip
_GENITIVE_FIRST = {v.lower(): k for k, v in _NOMINATIVE_FIRST.items()}
_DEPARTMENT = re.compile(
    r"^(управление образования|отдел образования|комитет по образованию|комитет образования)", re.I
)
_REGION = re.compile(r"\b([А-ЯЁ][а-яё]+(?:ской|цкой|ной|ьской))\s+(области|края)\b|\b(Республик[аи]\s+[А-ЯЁ][а-яё]+)")
_MUNICIPALITY = re.compile(
    r"\b([А-ЯЁ][а-яё]+(?:ского|цкого|ного))\s+(муниципального района|городского округа|муниципального округа)\b"
)
_PERIOD_RANGE = re.compile(
    r"((?:19|20)\d\d)\s*[-–—/]\s*((?:19|20)\d\d)\s*(учебн\w*\s+год\w*|г\.?\s*г\.?|гг\.?|год\w*)?"
)
_PERIOD_FROM_TO = re.compile(r"с\s+((?:19|20)\d\d)\s*г?\.?\s*(?:год\w*)?\s+по\s+((?:19|20)\d\d)")
_PERIOD_ONE = re.compile(r"\bна\s+((?:19|20)\d\d)\s*(?:год|г\.)")
_ORGANISATION = re.compile(
    r"\b(МБОУ|МАОУ|МКОУ|ГБОУ|МБДОУ|МАДОУ|МКДОУ|ГБПОУ|ГАПОУ|ГПОУ|ОГБПОУ|школ[аы]|гимнази|лице[йя]|детский сад|"
    r"колледж|техникум)",
    re.IGNORECASE,
)


@dataclass
class OrderHeader:
    issuer: str = ""
    kind: str = ""
    date: str = ""
    number: str = ""
    title: str = ""
    review: list[str] = field(default_factory=list)


def _case_from_text(caps: str, text: str) -> str:
    """An ALL-CAPS heading in the case the document's own text writes it, when it does."""
    pattern = re.compile(re.escape(caps).replace(r"\ ", r"\s+"), re.IGNORECASE)
    for match in pattern.finditer(text):
        found = match.group(0)
        if not found.isupper():
            return re.sub(r"\s+", " ", found[0].upper() + found[1:])
    words = caps.lower().split()
    common = {"городского", "муниципального", "сельского", "районного", "областного", "общего", "городской"}
    return " ".join(w.capitalize() if k == 0 or (re.search(r"(ской|цкой|ского|цкого)$", w) and w not in common) else w
                    for k, w in enumerate(words))  # fmt: skip


def _genitive(phrase: str) -> str:
    words = phrase.split(" ")
    first = _GENITIVE_FIRST.get(words[0].lower())
    return " ".join([first or words[0].lower(), *words[1:]])


def read_order(lines: list[str], text: str) -> OrderHeader:
    """The order header from the document's first lines (before the roadmap table)."""
    header = OrderHeader()
    lines = [clean(line) for line in lines if not _SIGNATURE.search(line)]
    for k, line in enumerate(lines):
        approved = _APPROVED.search(line) or (
            _APPROVED.search(" ".join(lines[k : k + 6])) if re.match(r"^утвержд", line, re.I) else None
        )
        if approved and not header.kind:
            header.kind = approved.group(1).lower().replace("ом", "").replace("ием", "ие")
            header.kind = {"приказ": "приказ", "распоряжен": "распоряжение", "постановлен": "постановление"}.get(
                header.kind.rstrip("и"), approved.group(1).lower()
            )
            issuer = approved.group(2)
            first = issuer.split(" ")[0].lower()
            header.issuer = " ".join([_NOMINATIVE_FIRST.get(first, issuer.split(" ")[0]), *issuer.split(" ")[1:]])
            found_date = approved.group(3).strip()
            header.date = "" if _BLANK.match(found_date) else found_date
            found_number = approved.group(4).strip()
            header.number = "" if _BLANK.match(found_number) else found_number
            break
        if _KIND.match(line) and not header.kind:
            header.kind = re.sub(r"\s+", "", line).lower()
            caps = [c for c in lines[max(0, k - 4) : k] if c and c.isupper() and len(c) > 3]
            header.issuer = _issuer(caps, text)
            for follow in lines[k + 1 : k + 6]:
                if not header.date and (m := DATE.search(follow)):
                    header.date = m.group(1)
                if not header.number and (m := _NUMBER.search(follow)):
                    header.number = m.group(1)
            for m_k, follow in enumerate(lines[k + 1 : k + 12]):
                t = follow.lstrip("▭ *")
                if re.match(r"^(Об?|О)\s", t):
                    title = [t]
                    for more in lines[k + 2 + m_k : k + 12]:
                        if not more or more.endswith(":"):
                            break
                        title.append(more.lstrip("▭ *"))
                    header.title = " ".join(title).strip("* ")
                    break
            break
    if not header.kind:
        header.review.append("no approving order found in the document: fill in order.issuer, kind, date and number")
    elif not header.date or not header.number:
        header.review.append("the order's date or number is blank in the source (kept as '')")
    return header


def _issuer(caps: list[str], text: str) -> str:
    if not caps:
        return ""
    joined = " ".join(caps)
    if len(caps) >= 2 and _DEPARTMENT.match(caps[-1]):
        # «АДМИНИСТРАЦИЯ … ОКРУГА / УПРАВЛЕНИЕ ОБРАЗОВАНИЯ»: the department of that administration
        department = _case_from_text(caps[-1], text)
        above = _case_from_text(_genitive(" ".join(caps[:-1]).lower()), text)
        return f"{department} {above[0].lower()}{above[1:]}"
    return _case_from_text(joined, text)


def nominative_place(adjective: str, noun: str) -> str:
    """«Оренбургской области» -> «Оренбургская область», «Сеченовского муниципального района» -> …."""
    fixed = {
        "муниципального района": "муниципальный район", "городского округа": "городской округ",
        "муниципального округа": "муниципальный округ", "области": "область", "края": "край",
    }  # fmt: skip
    for ending, replacement in (("ской", "ская"), ("цкой", "цкая"), ("ной", "ная"), ("ского", "ский"),
                                ("цкого", "цкий"), ("ного", "ный")):  # fmt: skip
        if adjective.endswith(ending):
            if noun == "края":
                replacement = {"ская": "ский", "цкая": "цкий", "ная": "ный"}[replacement]
            return f"{adjective[: -len(ending)]}{replacement} {fixed[noun]}"
    return f"{adjective} {fixed.get(noun, noun)}"


def territory(text: str) -> tuple[str, str | None]:
    """The region (most often named) and the municipality (first named) of the document."""
    regions: dict[str, int] = {}
    for m in _REGION.finditer(text):
        name = nominative_place(m.group(1), m.group(2)) if m.group(1) else m.group(3)
        regions[name] = regions.get(name, 0) + 1
    region = max(regions, key=lambda r: regions[r]) if regions else ""
    muni = _MUNICIPALITY.search(text)
    return region, nominative_place(muni.group(1), muni.group(2)) if muni else None


def level_of(issuer: str, title: str, text: str) -> str:
    if _ORGANISATION.search(issuer) or _ORGANISATION.search(title):
        return "organisation"
    if re.search(r"муниципальн|городского округа|района|администраци", f"{issuer} {title}", re.IGNORECASE):
        return "municipality"
    if re.search(r"министерств|департамент|региональн|област|края|республик", f"{issuer} {title}", re.IGNORECASE):
        return "region"
    return "municipality"


def period_in(text: str) -> tuple[date, date, bool, str] | None:
    """A period named in a title: «на 2020 год», «(2020-2024 г.г.)», «на 2022/2023 учебный год»."""
    if m := _PERIOD_RANGE.search(text):
        first, last = int(m.group(1)), int(m.group(2))
        if m.group(3) and m.group(3).startswith("учебн") and last == first + 1:
            return date(first, 9, 1), date(last, 5, 31), True, m.group(0).strip()
        if first <= last:
            return date(first, 1, 1), date(last, 12, 31), False, m.group(0).strip()
    if m := _PERIOD_FROM_TO.search(text):
        return date(int(m.group(1)), 1, 1), date(int(m.group(2)), 12, 31), False, m.group(0)
    if m := _PERIOD_ONE.search(text):
        year = int(m.group(1))
        return date(year, 1, 1), date(year, 12, 31), False, m.group(0)
    return None


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    data = YAML(typ="safe").load(resources.files("importer").joinpath("regions.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def timezone_of(region: str) -> str | None:
    """The IANA zone of a federal subject, when it has one zone (see importer/regions.yaml)."""
    return _zones().get(region)
