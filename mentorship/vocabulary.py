"""The words of the mentorship cycle, as curators write them in their files, and the rules between them.

Categories of participants (категории), forms of mentorship by who mentors whom (формы: ученик-ученик,
учитель-ученик, …, as the Orenburg programme lists them), formats (one-to-one, group, flash, network,
reverse, virtual), meeting kinds of the Sechenovsky roadmap's item 3.6. Each is accepted in the
spellings a curator is likely to type and stored in one canonical form.
"""

from __future__ import annotations

import re

DEFAULT_MAX_MENTEES = 3  # mentees a mentor takes when the base does not say (a proposal's --max-mentees)

MENTOR, MENTEE = "mentor", "mentee"
ROLES: dict[str, str] = {"mentor": MENTOR, "наставник": MENTOR, "mentee": MENTEE, "наставляемый": MENTEE}

PUPIL, YOUNG_TEACHER, TEACHER, STUDENT, EMPLOYER = (
    "обучающийся", "молодой специалист", "педагог", "студент", "представитель предприятия",
)  # fmt: skip
CATEGORIES: dict[str, str] = {
    "обучающийся": PUPIL, "ученик": PUPIL, "pupil": PUPIL,
    "молодой специалист": YOUNG_TEACHER, "young teacher": YOUNG_TEACHER,
    "педагог": TEACHER, "учитель": TEACHER, "teacher": TEACHER,
    "студент": STUDENT, "student": STUDENT,
    "представитель предприятия": EMPLOYER, "работодатель": EMPLOYER, "employer": EMPLOYER,
}  # fmt: skip
MENTEE_CATEGORIES = (PUPIL, YOUNG_TEACHER, TEACHER, STUDENT)
MENTOR_CATEGORIES = (PUPIL, TEACHER, STUDENT, EMPLOYER)

# who mentors whom makes the form (the forms of the Orenburg programme, plus student-student for colleges)
FORM_OF: dict[tuple[str, str], str] = {
    (PUPIL, PUPIL): "ученик-ученик",
    (TEACHER, PUPIL): "учитель-ученик",
    (TEACHER, YOUNG_TEACHER): "учитель-учитель",
    (TEACHER, TEACHER): "учитель-учитель",
    (STUDENT, PUPIL): "студент-ученик",
    (STUDENT, STUDENT): "студент-студент",
    (EMPLOYER, PUPIL): "работодатель-ученик",
    (EMPLOYER, STUDENT): "работодатель-студент",
}
FORMS: tuple[str, ...] = tuple(dict.fromkeys(FORM_OF.values()))

ONE_TO_ONE, GROUP = "one-to-one", "group"
FORMATS: dict[str, str] = {
    "one-to-one": ONE_TO_ONE, "индивидуальная": ONE_TO_ONE, "один на один": ONE_TO_ONE,
    "group": GROUP, "групповая": GROUP,
    "flash": "flash", "флеш": "flash", "флэш": "flash",
    "network": "network", "сетевая": "network",
    "reverse": "reverse", "реверсивная": "reverse",
    "virtual": "virtual", "виртуальная": "virtual",
}  # fmt: skip
FORMAT_WORDS: dict[str, str] = {ONE_TO_ONE: "индивидуальная", GROUP: "групповая", "flash": "флеш",
                                "network": "сетевая", "reverse": "реверсивная", "virtual": "виртуальная"}  # fmt: skip

# item 3.6 of the Sechenovsky roadmap: знакомство, пробная встреча, планирование, совместная работа, итоговая
MEETING_KINDS: dict[str, str] = {
    "знакомство": "знакомство", "встреча-знакомство": "знакомство",
    "пробная": "пробная", "пробная встреча": "пробная",
    "планирование": "планирование", "встреча-планирование": "планирование",
    "совместная работа": "совместная работа", "работа": "совместная работа",
    "итоговая": "итоговая", "итоговая встреча": "итоговая",
}  # fmt: skip
MEETING_WORDS = tuple(dict.fromkeys(MEETING_KINDS.values()))

YES = ("да", "yes", "1", "true")
NO = ("нет", "no", "0", "false")

AGE_BAND = re.compile(r"^(\d{1,2})\s*(?:-|–|—)\s*(\d{1,2})$|^(\d{1,2})\s*\+$")


def canonical(word: str) -> str:
    """Lower case with single spaces: how every vocabulary word is looked up."""
    return " ".join(word.lower().replace("ё", "е").split())


def age_range(band: str) -> tuple[int, int] | None:
    """(min, max) years of a band such as «10-14» or «25+» (max 120); None when it is not a band."""
    found = AGE_BAND.match(band.strip())
    if not found:
        return None
    if found.group(3):
        return int(found.group(3)), 120
    low, high = int(found.group(1)), int(found.group(2))
    return (low, high) if low <= high else None


def academic_year(year: int) -> str:
    """«2020/2021» for 2020."""
    return f"{year}/{year + 1}"
