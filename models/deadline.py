"""The deadline grammar: Russian deadline wording of roadmaps -> a structured deadline.

`parse_deadline(text, period=...)` reads phrases such as "до 29.05.2020", "III квартал 2021",
"ежегодно к 1 ноября", "Май 2020, далее постоянно" or "по отдельному графику" and returns a
`Deadline`: its kind, the window [start, end] in calendar dates, the yearly recurrence and the list of
windows it stands for. Phrases without a year take it from the roadmap period. A phrase that cannot
be read raises `DeadlineError`, whose message shows the phrase, where reading stopped and the forms
that are accepted.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal

from lark import Lark, Token, Transformer, UnexpectedInput, v_args
from lark.exceptions import VisitError
from pydantic import BaseModel, ConfigDict, Field, model_validator

DeadlineKind = Literal[
    "window",  # one window of dates: "до 29.05.2020", "III квартал 2021"
    "yearly",  # recurs every year of the period: "ежегодно к 1 ноября"
    "continuous",  # goes on through a span with periodic check-ins: "постоянно"
    "on_demand",  # happens when needed: "по необходимости"
    "separate_schedule",  # dates come from a schedule not yet given: "по отдельному графику"
    "external",  # dates are set by someone else: "в соответствии со сроками, устанавливаемыми ..."
    "alternatives",  # either of several: "... или май 2021 г."
    "windows",  # several windows: "Август -октябрь 2021 Август -октябрь 2022", "ежеквартально"
    "unspecified",  # the source gives no deadline at all
    "unparsed",  # a wording the grammar cannot read yet (an imported draft): kept as text, waits for review
]

# Kinds whose milestones cannot be reminded of until somebody supplies a date.
WAITING_KINDS: frozenset[str] = frozenset({"on_demand", "separate_schedule", "external", "unspecified", "unparsed"})

DEFAULT_REVIEW_MONTHS = 3

ACCEPTED_FORMS = (
    "a date: «28.05.2020», «30 декабря 2021 года»",
    "by a date: «до 29.05.2020», «к 30 ноября 2022 года», «в срок до 31 марта 2022 года», «не позднее 01.09.2022», "
    "«до 31.12.2022 включительно», «до конца 2020 года», «до конца года», «до конца учебного года»",
    "a range of days: «с 1 по 15 сентября 2020 г.», «с 1 июня по 31 декабря 2020 г.»",
    "a month or months: «июнь 2020 г.», «август - декабрь 2020 г.», «Февраль-март 2022 года»",
    "a quarter: «III квартал 2021», «4 квартал 2022 года», «II - III квартал 2021», «2021 год 2-3 квартал»",
    "a half-year: «1 полугодие 2022 года»",
    "a year or years: «2021 год», «2021 - 2022 годы»; an academic year: «2020 - 2021 учебный год»",
    "yearly: «ежегодно», «ежегодно к 1 ноября», «ежегодно до 10 июня», «Ежегодно с 2021 г.», «1 раз в год»",
    "every quarter, month or half-year: «ежеквартально», «ежемесячно», «1 раз в квартал», «1 раз в полугодие»",
    "continuous: «постоянно», «в течение всего периода …», «Май 2020, далее постоянно», «в течение 2022 года», "
    "«в течение года», «в течение 2022/2023 учебного года»",
    "waiting for a date: «по необходимости», «по мере необходимости», «по отдельному графику», "
    "«в соответствии со сроками, устанавливаемыми …»",
    "alternatives: «… или май 2021 г.»; several windows: «Август -октябрь 2021 Август -октябрь 2022»",
)


class DeadlineError(ValueError):
    """A deadline phrase that cannot be read; the message says why and what is accepted."""

    def __init__(self, text: str, reason: str, *, column: int | None = None) -> None:
        self.text = text
        self.reason = reason
        self.column = column
        super().__init__(self._message())

    def _message(self) -> str:
        where = f" (at column {self.column})" if self.column else ""
        return f"cannot read deadline «{self.text}»{where}: {self.reason}. Accepted forms: " + "; ".join(ACCEPTED_FORMS)

    @property
    def short(self) -> str:
        where = f" (at column {self.column})" if self.column else ""
        return f"cannot read deadline «{self.text}»{where}: {self.reason}"


class Window(BaseModel):
    """One window of calendar dates, both ends inclusive; `start` is None for "by DATE" without context."""

    model_config = ConfigDict(extra="forbid")

    start: date | None = None
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.start is not None and self.end < self.start:
            raise ValueError(f"window ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")
        return self


class Recurrence(BaseModel):
    """A recurring rule: every year from `from_year` to `to_year`, due by `month`/`day` (or the whole year);
    or every half-year, quarter or month of the period (one window each)."""

    model_config = ConfigDict(extra="forbid")

    every: Literal["year", "half_year", "quarter", "month"] = "year"
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    start_month: int | None = Field(default=None, ge=1, le=12, description="window starts on the 1st of this month")
    from_year: int | None = None
    to_year: int | None = None


class Deadline(BaseModel):
    """A deadline: the source's wording beside its structured form.

    In a plan either may be written by hand; when only the text is given, the grammar fills in the rest.
    """

    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", description="the wording of the source, kept as written")
    kind: DeadlineKind
    start: date | None = Field(default=None, description="first day of the window (inclusive)")
    end: date | None = Field(default=None, description="last day of the window (inclusive)")
    recurrence: Recurrence | None = None
    windows: list[Window] = Field(default_factory=list, description="every window the deadline stands for")
    review_months: int | None = Field(
        default=None, ge=1, le=12, description="continuous items: months between check-ins"
    )
    authority: str | None = Field(default=None, description="external items: who sets the date")
    alternatives: list[Deadline] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Deadline:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"window ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")
        if self.kind == "window" and self.end is None:
            raise ValueError("a deadline of kind 'window' needs an end date")
        if self.kind == "alternatives" and len(self.alternatives) < 2:
            raise ValueError("a deadline of kind 'alternatives' needs at least two alternatives")
        return self

    @property
    def waits_for_date(self) -> bool:
        """True when no date can be reminded of until someone sets one."""
        if self.kind == "alternatives":
            return all(alt.waits_for_date for alt in self.alternatives)
        # "в течение 2022 года (при необходимости)" has bounds but no date that can lapse
        return self.kind in WAITING_KINDS

    def as_json(self) -> dict[str, object]:
        """The stable JSON form used by `roadmap when` and `roadmap show --format json`."""
        data: dict[str, object] = {
            "text": self.text,
            "kind": self.kind,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "recurrence": self.recurrence.model_dump(exclude_none=True) if self.recurrence else None,
            "windows": [
                {"start": w.start.isoformat() if w.start else None, "end": w.end.isoformat()} for w in self.windows
            ],
        }
        if self.review_months is not None:
            data["review_months"] = self.review_months
        if self.authority is not None:
            data["authority"] = self.authority
        if self.alternatives:
            data["alternatives"] = [alt.as_json() for alt in self.alternatives]
        return data


@dataclass(frozen=True)
class Period:
    """The roadmap period that year-less and yearly phrases are read against."""

    start: date
    end: date
    academic: bool = False  # an academic year: September-December fall in the first year, the rest in the second

    @property
    def single_year(self) -> int | None:
        return self.start.year if self.start.year == self.end.year else None

    @classmethod
    def academic_year(cls, first_year: int) -> Period:
        """1 September of `first_year` to 31 May of the next: the year-less months of a cycle fall in it."""
        return cls(date(first_year, 9, 1), date(first_year + 1, 5, 31), academic=True)


# ---------------------------------------------------------------------------------------------
# Parsing


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = resources.files("models").joinpath("deadline.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="earley", lexer="dynamic", ambiguity="resolve", propagate_positions=False)


_DASHES = re.compile(r"\s*[-‐‑‒–—−]+\s*")
_SPACES = re.compile(r"\s+")
_QUALIFIER = re.compile(r"\(\s*(?:при|по)\s+необходимости\s*\)")
_AUTHORITY = re.compile(r"(?i)срок(?:ами|ам)[,\s]+(.+?)(?:\s+или\s+|$)")
_CYRILLIC_ROMAN = str.maketrans({"і": "i", "х": "x", "ѵ": "v"})
# "4-й квартал", "2-го полугодия": the ordinal ending says nothing the number does not
_ORDINAL_ENDING = re.compile(r"(\d)\s*[-‐‑‒–—−]\s*(?:й|го|ой|ый|м|ом|е|я|ая|ое)(?![а-я])")
# "28.05.2022г.", "10июня": a number glued to the word after it
_GLUED_WORD = re.compile(r"(\d)([а-я])")
_INCLUSIVE = re.compile(r"\(\s*включительно\s*\)")


def normalise(text: str) -> str:
    """Lower-case the phrase and make dashes, spaces and trailing punctuation uniform."""
    out = text.strip().lower().replace("ё", "е")
    out = out.replace("\u00a0", " ")
    out = _ORDINAL_ENDING.sub(r"\1", out)
    out = _GLUED_WORD.sub(r"\1 \2", out)
    out = _INCLUSIVE.sub(" включительно", out)
    out = _DASHES.sub(" - ", out)
    out = out.replace("/", " / ")
    out = _SPACES.sub(" ", out).strip()
    out = out.rstrip(" .;,")
    return out


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6,
    "июл": 7, "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip


def _month(word: str) -> int:
    for stem in sorted(_MONTHS, key=len, reverse=True):
        if word.startswith(stem):
            return _MONTHS[stem]
    raise ValueError(f"unknown month «{word}»")


def _ordinal(token: str, what: str, maximum: int) -> int:
    raw = token.translate(_CYRILLIC_ROMAN)
    value = int(raw) if raw.isdigit() else _ROMAN.get(raw)
    if value is None or not 1 <= value <= maximum:
        romans = ", ".join(list(_ROMAN)[:maximum]).upper()
        raise _SemanticError(f"{what} must be 1-{maximum} ({romans}), found «{token.upper()}»")
    return value


class _SemanticError(Exception):
    """A phrase that parses but names an impossible date, quarter or range."""


# A YMD part whose year may still be missing (year-less phrases) and whose day may be "last".
@dataclass(frozen=True)
class _Point:
    year: int | None
    month: int
    day: int | None  # None = last day of month when used as an end, first when used as a start

    def with_year(self, year: int) -> _Point:
        return _Point(year, self.month, self.day) if self.year is None else self

    def as_start(self) -> date:
        assert self.year is not None
        return _make_date(self.year, self.month, self.day or 1)

    def as_end(self) -> date:
        assert self.year is not None
        day = self.day or calendar.monthrange(self.year, self.month)[1]
        return _make_date(self.year, self.month, day)


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _SemanticError(f"{day:02d}.{month:02d}.{year} is not a date of the calendar") from None


@dataclass(frozen=True)
class _Span:
    start: _Point
    end: _Point

    @property
    def has_year(self) -> bool:
        return self.start.year is not None and self.end.year is not None

    def resolve(self, year: int | None) -> Window:
        start, end = self.start, self.end
        if end.year is None and start.year is not None:
            end = end.with_year(start.year)
        if start.year is None and end.year is not None:
            # "сентябрь - май 2021" ends in 2021 and so starts in 2020 when the start month is later
            start = start.with_year(end.year - 1 if start.month > end.month else end.year)
        if start.year is None or end.year is None:
            if year is None:
                raise _NeedsYear()
            # a range that crosses the new year ("сентябрь - май") ends in the following year
            end = end.with_year(year + 1 if (start.year or year) == year and start.month > end.month else year)
            start = start.with_year(year)
        s, e = start.as_start(), end.as_end()
        if e < s:
            raise _SemanticError(f"the range ends ({e:%d.%m.%Y}) before it starts ({s:%d.%m.%Y})")
        return Window(start=s, end=e)


class _NeedsYear(Exception):
    pass


# Intermediate results of the transformer, resolved against the period afterwards.
@dataclass(frozen=True)
class _SpanNode:
    span: _Span


@dataclass(frozen=True)
class _ByNode:
    point: _Point
    by_end_of: _Span | None = None


@dataclass(frozen=True)
class _YearlyNode:
    month: int | None = None
    day: int | None = None
    from_year: int | None = None
    start_month: int | None = None
    end_month: int | None = None


@dataclass(frozen=True)
class _ContinuousNode:
    first: _Span | None = None
    within: _Span | None = None


@dataclass(frozen=True)
class _SimpleNode:
    kind: DeadlineKind
    authority: str | None = None


@dataclass(frozen=True)
class _WindowsNode:
    spans: tuple[_Span, ...]


@dataclass(frozen=True)
class _PeriodicNode:
    months: int  # 1 = every month, 3 = every quarter, 6 = every half-year


def _year_span(year: int) -> _Span:
    return _Span(_Point(year, 1, 1), _Point(year, 12, 31))


def _quarter_span(q: int, q_end: int, year: int | None) -> _Span:
    if q_end < q:
        raise _SemanticError(f"the quarter range ends (quarter {q_end}) before it starts (quarter {q})")
    return _Span(_Point(year, 3 * q - 2, 1), _Point(year, 3 * q_end, None))


def _half_span(h: int, year: int | None) -> _Span:
    return _Span(_Point(year, 6 * h - 5, 1), _Point(year, 6 * h, None))


@v_args(inline=True)
class _ToNodes(Transformer):  # type: ignore[type-arg]
    """Turns the parse tree into the intermediate nodes above (no period applied yet)."""

    # terminals / small pieces
    def month_name(self, tok: Token) -> int:
        return _month(str(tok))

    def year(self, num: Token, _word: Token | None) -> int:
        return int(num)

    def numeric_date(self, d: Token, m: Token, y: Token, _w: Token | None = None) -> _Point:
        month = int(m)
        if not 1 <= month <= 12:
            raise _SemanticError(f"month must be 01-12, found «{m}»")
        point = _Point(int(y), month, int(d))
        point.as_start()  # validates the day
        return point

    def worded_date(self, d: Token, month: int, year: int) -> _Point:
        point = _Point(year, month, int(d))
        point.as_start()
        return point

    def worded_daymonth(self, d: Token, month: int) -> _Point:
        _check_day_month(int(d), month)
        return _Point(None, month, int(d))

    def numeric_daymonth(self, d: Token, m: Token) -> _Point:
        month = int(m)
        if not 1 <= month <= 12:
            raise _SemanticError(f"month must be 01-12, found «{m}»")
        _check_day_month(int(d), month)
        return _Point(None, month, int(d))

    # spans
    def day_range(self, d1: Token, m1: int | None, d2: Token, m2: int, year: int) -> _Span:
        start, end = _Point(year, m1 or m2, int(d1)), _Point(year, m2, int(d2))
        start.as_start()
        end.as_end()
        return _Span(start, end)

    def day_range_noyear(self, d1: Token, m1: int | None, d2: Token, m2: int) -> _Span:
        _check_day_month(int(d1), m1 or m2)
        _check_day_month(int(d2), m2)
        return _Span(_Point(None, m1 or m2, int(d1)), _Point(None, m2, int(d2)))

    def date_range(self, p1: _Point, p2: _Point) -> _Span:
        return _Span(p1, p2)

    def month_y(self, month: int, year: int) -> _Span:
        return _Span(_Point(year, month, 1), _Point(year, month, None))

    def month_only(self, month: int) -> _Span:
        return _Span(_Point(None, month, 1), _Point(None, month, None))

    def month_range_y(self, m1: int, y1: int | None, m2: int, y2: int) -> _Span:
        return _Span(_Point(y1, m1, 1), _Point(y2, m2, None))

    def month_range_only(self, m1: int, m2: int) -> _Span:
        return _Span(_Point(None, m1, 1), _Point(None, m2, None))

    def quarter_y(self, q: Token, _w: Token, year: int) -> _Span:
        n = _ordinal(str(q), "quarter", 4)
        return _quarter_span(n, n, year)

    def year_quarter(self, year: int, q: Token, _w: Token) -> _Span:
        return self.quarter_y(q, _w, year)

    def quarter_only(self, q: Token, _w: Token) -> _Span:
        n = _ordinal(str(q), "quarter", 4)
        return _quarter_span(n, n, None)

    def quarter_range_y(self, q1: Token, q2: Token, _w: Token, year: int) -> _Span:
        return _quarter_span(_ordinal(str(q1), "quarter", 4), _ordinal(str(q2), "quarter", 4), year)

    def year_quarter_range(self, year: int, q1: Token, q2: Token, _w: Token) -> _Span:
        return self.quarter_range_y(q1, q2, _w, year)

    def quarter_range_only(self, q1: Token, q2: Token, _w: Token) -> _Span:
        return _quarter_span(_ordinal(str(q1), "quarter", 4), _ordinal(str(q2), "quarter", 4), None)

    def half_y(self, h: Token, _w: Token, year: int) -> _Span:
        return _half_span(_ordinal(str(h), "half-year", 2), year)

    def year_half(self, year: int, h: Token, _w: Token) -> _Span:
        return self.half_y(h, _w, year)

    def half_only(self, h: Token, _w: Token) -> _Span:
        return _half_span(_ordinal(str(h), "half-year", 2), None)

    def year_span(self, year: int) -> _Span:
        return _year_span(year)

    def year_range(self, y1: Token, y2: Token, _w: Token | None) -> _Span:
        return _Span(_Point(int(y1), 1, 1), _Point(int(y2), 12, 31))

    def academic_year(self, y1: Token, y2: Token, _a: Token, _w: Token | None) -> _Span:
        if int(y2) != int(y1) + 1:
            raise _SemanticError(f"an academic year spans two consecutive years, found {y1}-{y2}")
        return _Span(_Point(int(y1), 9, 1), _Point(int(y2), 5, 31))

    # the phrase kinds
    def span_in(self, span: _Span | _Point, _incl: Token | None = None) -> _SpanNode:
        return _SpanNode(_as_span(span))

    def by_date(self, _by: Token, point: _Point, _incl: Token | None = None) -> _ByNode:
        return _ByNode(point)

    def by_end_year(self, _by: Token, _w: Token) -> _ByNode:
        return _ByNode(_Point(None, 12, 31))

    def by_end_academic(self, _by: Token, _a: Token, _w: Token) -> _ByNode:
        # the academic year ends on 31 May (the year comes from the roadmap period)
        return _ByNode(_Point(None, 5, 31))

    def quarterly(self, *_tokens: Token) -> _PeriodicNode:
        return _PeriodicNode(3)

    def monthly(self, *_tokens: Token) -> _PeriodicNode:
        return _PeriodicNode(1)

    def half_yearly(self, *_tokens: Token) -> _PeriodicNode:
        return _PeriodicNode(6)

    def by_end(self, _by: Token, span: _Span | _Point) -> _ByNode:
        s = _as_span(span)
        return _ByNode(s.end, by_end_of=s)

    def yearly_plain(self, *_tokens: Token) -> _YearlyNode:
        return _YearlyNode()

    def yearly_by(self, _y: Token, _by: Token, point: _Point) -> _YearlyNode:
        return _YearlyNode(month=point.month, day=point.day)

    def yearly_from(self, _y: Token, year: int) -> _YearlyNode:
        return _YearlyNode(from_year=year)

    def yearly_month(self, _y: Token, month: int) -> _YearlyNode:
        return _YearlyNode(start_month=month, end_month=month)

    def yearly_month_range(self, _y: Token, m1: int, m2: int) -> _YearlyNode:
        if m2 < m1:
            raise _SemanticError("a yearly month range must not cross the new year")
        return _YearlyNode(start_month=m1, end_month=m2)

    def continuous_plain(self, _rest: Token | None) -> _ContinuousNode:
        return _ContinuousNode()

    def continuous_always(self) -> _ContinuousNode:
        return _ContinuousNode()

    def continuous_from(self, span: _Span | _Point) -> _ContinuousNode:
        return _ContinuousNode(first=_as_span(span))

    def during(self, span: _Span | _Point) -> _ContinuousNode:
        return _ContinuousNode(within=_as_span(span))

    def on_demand(self) -> _SimpleNode:
        return _SimpleNode("on_demand")

    def separate(self) -> _SimpleNode:
        return _SimpleNode("separate_schedule")

    def external(self, rest: Token) -> _SimpleNode:
        return _SimpleNode("external", authority=str(rest).strip(" ,"))

    def windows_list(self, *spans: _Span | _Point) -> _WindowsNode:
        return _WindowsNode(tuple(_as_span(s) for s in spans))

    def start(self, node: object) -> object:
        return node


def _as_span(value: _Span | _Point) -> _Span:
    return value if isinstance(value, _Span) else _Span(value, value)


def _check_day_month(day: int, month: int) -> None:
    # February 29 exists in leap years, so year-less checks use a leap year.
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2000, month)[1]:
        raise _SemanticError(f"day {day} does not exist in month {month:02d}")


def _parse_single(text: str, original: str) -> object:
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        pos = getattr(exc, "pos_in_stream", None)
        if pos is None or pos >= len(text):
            raise DeadlineError(original, "the phrase ends too early") from None
        # quote the whole word where reading stopped (the parser may stop inside a word)
        start = text.rfind(" ", 0, pos) + 1
        end = text.find(" ", pos)
        word = text[start : end if end != -1 else len(text)]
        raise DeadlineError(original, f"unexpected «{word}» (word {text[:start].count(' ') + 1})") from None
    try:
        return _ToNodes().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, _SemanticError | ValueError):
            raise DeadlineError(original, str(exc.orig_exc)) from None
        raise


def _context_year(period: Period | None, original: str, month: int = 1) -> int:
    if period is not None and period.academic:
        return period.start.year if month >= period.start.month else period.end.year
    if period is None:
        raise DeadlineError(original, "the phrase has no year and no roadmap period was given (use --period)")
    if period.single_year is None:
        raise DeadlineError(
            original,
            f"the phrase has no year and the period {period.start.year}-{period.end.year} spans several "
            "years: write the year",
        )
    return period.single_year


def _resolve(node: object, text: str, period: Period | None, review_months: int) -> Deadline:
    def window(span: _Span) -> Window:
        try:
            return span.resolve(None)
        except _NeedsYear:
            return span.resolve(_context_year(period, text, span.start.month))
        except _SemanticError as exc:
            raise DeadlineError(text, str(exc)) from None

    if isinstance(node, _SpanNode):
        w = window(node.span)
        return Deadline(text=text, kind="window", start=w.start, end=w.end, windows=[w])

    if isinstance(node, _ByNode):
        point = node.point
        if point.year is None:
            point = point.with_year(_context_year(period, text, point.month))
        by = window(node.by_end_of).end if node.by_end_of else point.as_end()
        start = period.start if period and period.start <= by else None
        w = Window(start=start, end=by)
        return Deadline(text=text, kind="window", start=start, end=by, windows=[w])

    if isinstance(node, _YearlyNode):
        return _resolve_yearly(node, text, period)

    if isinstance(node, _ContinuousNode):
        first = window(node.first) if node.first else None
        if node.within is not None:
            w = window(node.within)
            return Deadline(
                text=text, kind="continuous", start=w.start, end=w.end, windows=[w], review_months=review_months
            )
        start = first.start if first else (period.start if period else None)
        end: date | None = period.end if period else None
        if first is not None and end is not None and end < first.end:
            end = first.end
        return Deadline(
            text=text,
            kind="continuous",
            start=start,
            end=end,
            windows=[first] if first else [],
            review_months=review_months,
        )

    if isinstance(node, _SimpleNode):
        authority = None
        if node.kind == "external":
            # the grammar sees lower-cased text; take who sets the date from the original wording
            found = _AUTHORITY.search(text)
            authority = found.group(1).strip(" ,") if found else node.authority
        return Deadline(text=text, kind=node.kind, authority=authority)

    if isinstance(node, _PeriodicNode):
        return _resolve_periodic(node, text, period)

    if isinstance(node, _WindowsNode):
        windows = [window(s) for s in node.spans]
        windows.sort(key=lambda w: (w.start or w.end, w.end))
        return Deadline(text=text, kind="windows", start=windows[0].start, end=windows[-1].end, windows=windows)

    raise AssertionError(f"unexpected node {node!r}")  # pragma: no cover


def _resolve_yearly(node: _YearlyNode, text: str, period: Period | None) -> Deadline:
    rec = Recurrence(
        month=node.month if node.month is not None else node.end_month,
        day=node.day,
        start_month=node.start_month,
        from_year=node.from_year,
    )
    if period is None:
        return Deadline(text=text, kind="yearly", recurrence=rec)
    first = max(period.start.year, node.from_year or period.start.year)
    last = period.end.year
    if first > last:
        raise DeadlineError(text, f"recurrence starts in {first}, after the period ends in {last}")
    rec.from_year, rec.to_year = first, last
    windows: list[Window] = []
    for year in range(first, last + 1):
        if node.start_month is not None:
            assert node.end_month is not None
            w = _Span(_Point(year, node.start_month, 1), _Point(year, node.end_month, None)).resolve(year)
        elif node.month is not None:
            end = _make_date(year, node.month, node.day or calendar.monthrange(year, node.month)[1])
            # each year's window opens the day after the previous year's deadline (or on 1 January
            # of the first year), so that the occurrences tile the period without overlapping
            start = date(year, 1, 1) if year == first else _next_day(_make_date(year - 1, node.month, node.day or 1))
            w = Window(start=max(start, period.start) if year == first else start, end=end)
        else:
            w = Window(start=date(year, 1, 1), end=date(year, 12, 31))
        if w.end < period.start or (w.start and w.start > period.end):
            continue
        windows.append(w)
    if not windows:
        raise DeadlineError(text, "the yearly deadline falls outside the roadmap period")
    return Deadline(
        text=text, kind="yearly", start=windows[0].start, end=windows[-1].end, recurrence=rec, windows=windows
    )


_EVERY: dict[int, Literal["month", "quarter", "half_year"]] = {1: "month", 3: "quarter", 6: "half_year"}


def _resolve_periodic(node: _PeriodicNode, text: str, period: Period | None) -> Deadline:
    """One window per calendar month, quarter or half-year that overlaps the period, cut to the period."""
    rec = Recurrence(every=_EVERY[node.months])
    if period is None:
        return Deadline(text=text, kind="windows", recurrence=rec)
    rec.from_year, rec.to_year = period.start.year, period.end.year
    windows: list[Window] = []
    month = (period.start.month - 1) // node.months * node.months + 1
    start = date(period.start.year, month, 1)
    while start <= period.end:
        last_month = start.month + node.months - 1
        end = date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])
        windows.append(Window(start=max(start, period.start), end=min(end, period.end)))
        start = _next_day(end)
    return Deadline(
        text=text, kind="windows", start=windows[0].start, end=windows[-1].end, recurrence=rec, windows=windows
    )


def _next_day(d: date) -> date:
    return date.fromordinal(d.toordinal() + 1)


def parse_deadline(
    text: str,
    *,
    period: Period | None = None,
    review_months: int = DEFAULT_REVIEW_MONTHS,
) -> Deadline:
    """Read one deadline phrase; raise `DeadlineError` naming the phrase when it cannot be read."""
    original = " ".join(text.split())
    if not original:
        raise DeadlineError(text, "the phrase is empty")
    norm = normalise(original)

    on_demand = bool(_QUALIFIER.search(norm))
    norm = _QUALIFIER.sub(" ", norm).strip(" ,")
    if on_demand and not norm:
        return Deadline(text=original, kind="on_demand")

    parts = [p.strip(" ,") for p in re.split(r"(?:^|\s+)или(?:\s+|$)", norm)]
    if any(not p for p in parts):
        raise DeadlineError(original, "an alternative («или») is empty")
    resolved = [_resolve(_parse_single(p, original), original, period, review_months) for p in parts]

    if len(resolved) > 1:
        dated = [d for d in resolved if d.end is not None]
        result = Deadline(
            text=original,
            kind="alternatives",
            start=min((d.start for d in dated if d.start), default=None),
            end=max((d.end for d in dated if d.end), default=None),
            windows=[w for d in dated for w in d.windows],
            alternatives=[d.model_copy(update={"text": _original_part(original, i)}) for i, d in enumerate(resolved)],
        )
    else:
        result = resolved[0]

    if on_demand:
        # "в течение 2022 года (при необходимости)": happens when needed, within the window
        result = result.model_copy(update={"kind": "on_demand", "review_months": None})
    return result


def _original_part(original: str, index: int) -> str:
    parts = re.split(r"\s+или\s+", original, flags=re.IGNORECASE)
    return parts[index].strip(" ,") if index < len(parts) else original
