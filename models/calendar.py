"""The Russian production calendar: which days are working days.

Up to the last year whose Government decree the `holidays` package carries (`LIBRARY_DECREES_UNTIL`),
its Russian calendar is used as it is: public holidays, the decreed transfers of days off and the
Saturdays made working days. For later years the package knows only the fixed holidays, so the
Labour Code art. 112 rule is applied: a non-working holiday that falls on a Saturday or Sunday moves
to the next working day (the January holidays are moved by each year's decree instead, so they get no
automatic transfer). A decree published after this release is entered in the project-owned table
`calendar_decrees.yaml`, which overrides both.

What the package says about the years 2000-2040 is kept as a table of days off in the data folder's
cache (keyed by the package's version), so a process asks the package nothing when the table is there:
importing `holidays` and its country registry costs about 0.2 s, most of a small sweep's decision.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

LIBRARY_DECREES_UNTIL = 2027
TABLE_YEARS = range(2000, 2041)  # the years whose days off are kept in the cached table
_WEEKEND = (5, 6)


@dataclass(frozen=True)
class Decree:
    """Days off and working days set by one year's decree (or its amendments)."""

    year: int
    source: str
    days_off: frozenset[date] = field(default_factory=frozenset)
    working_days: frozenset[date] = field(default_factory=frozenset)


def load_decrees(text: str | None = None) -> dict[int, Decree]:
    """Read the decree table (the packaged `calendar_decrees.yaml` unless `text` is given)."""
    if text is None:
        text = resources.files("models").joinpath("calendar_decrees.yaml").read_text(encoding="utf-8")
    data = YAML(typ="safe").load(text) or {}
    out: dict[int, Decree] = {}
    for entry in data.get("decrees") or []:
        year = int(entry["year"])
        days_off = frozenset(entry.get("days_off") or [])
        working = frozenset(entry.get("working_days") or [])
        for d in days_off | working:
            if not isinstance(d, date) or d.year != year:
                raise ValueError(f"calendar decree {year}: «{d}» is not a date of {year}")
        out[year] = Decree(year, str(entry.get("source", "")), days_off, working)
    return out


class ProductionCalendar:
    """Working days of the Russian Federation."""

    def __init__(
        self, decrees: dict[int, Decree] | None = None, table: dict[int, frozenset[date]] | None = None
    ) -> None:
        """`table`: the package's days off by year (default: the cached table, made on first use; `{}` asks
        the package every time)."""
        self._decrees = load_decrees() if decrees is None else decrees
        self._table = cached_table() if table is None else table
        self._library: Any = None  # the package's calendar, made when a day outside the table is asked
        # a sweep asks about the same few hundred days tens of thousands of times (every milestone's end)
        self._known: dict[date, bool] = {}

    def is_working_day(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._is_working_day(day)
        return known

    def _is_working_day(self, day: date) -> bool:
        decree = self._decrees.get(day.year)
        if decree is not None:
            if day in decree.working_days:
                return True
            if day in decree.days_off:
                return False
        days_off = self._table.get(day.year)
        if days_off is not None:
            return day not in days_off
        return self._package_says_working(day)

    def _package_says_working(self, day: date) -> bool:
        if day.year <= LIBRARY_DECREES_UNTIL:
            if self._library is None:
                import holidays

                self._library = holidays.country_holidays("RU")
            return bool(self._library.is_working_day(day))
        return day.weekday() not in _WEEKEND and day not in _art112_days_off(day.year)

    def previous_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days(self, start: date, end: date) -> list[date]:
        """The working days from `start` to `end`, both included."""
        out = []
        day = start
        while day <= end:
            if self.is_working_day(day):
                out.append(day)
            day += timedelta(days=1)
        return out


@lru_cache(maxsize=64)
def _art112_days_off(year: int) -> frozenset[date]:
    import holidays

    fixed = holidays.country_holidays("RU", years=year)
    off = set(fixed)
    for day in sorted(fixed):
        if day.weekday() in _WEEKEND and not (day.month == 1 and day.day <= 8):
            moved = day + timedelta(days=1)
            while moved.weekday() in _WEEKEND or moved in off:
                moved += timedelta(days=1)
            off.add(moved)
    return frozenset(off)


def package_table(years: range = TABLE_YEARS) -> dict[int, frozenset[date]]:
    """The days off of each year by the `holidays` package (and art. 112 after its last decree), decrees aside."""
    asker = ProductionCalendar(decrees={}, table={})
    table = {}
    for year in years:
        day, off = date(year, 1, 1), set()
        while day.year == year:
            if not asker._package_says_working(day):
                off.add(day)
            day += timedelta(days=1)
        table[year] = frozenset(off)
    return table


def cached_table(cache_dir: Path | None = None) -> dict[int, frozenset[date]]:
    """The package's table from the data folder's cache/calendar, made (and kept) when it is not there yet."""
    if cache_dir is None:
        from models.settings import get_settings

        cache_dir = get_settings.__wrapped__().data_dir / "cache" / "calendar"
    path = cache_dir / f"ru-{version('holidays')}-{LIBRARY_DECREES_UNTIL}-{TABLE_YEARS.start}-{TABLE_YEARS.stop}.pickle"
    try:
        with path.open("rb") as f:
            table = pickle.load(f)
        if isinstance(table, dict) and set(table) == set(TABLE_YEARS):
            return table
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass
    table = package_table()
    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        with partial.open("wb") as f:
            pickle.dump(table, f, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)  # whole or not at all, whoever writes it at the same time
    except OSError:
        pass  # a read-only data folder: the table is made again by the next process
    return table


@lru_cache(maxsize=1)
def default_calendar() -> ProductionCalendar:
    return ProductionCalendar()
