"""The production calendar: holidays, decreed transfers, art. 112 after the package's decrees end."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from models.calendar import LIBRARY_DECREES_UNTIL, TABLE_YEARS, ProductionCalendar, cached_table, load_decrees

CAL = ProductionCalendar(decrees={}, table={})  # the package asked for every day: the rules themselves
D = date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2020, 12, 31), True),  # Thursday before the New Year holidays
        (D(2021, 1, 1), False),
        (D(2021, 1, 8), False),
        (D(2021, 1, 11), True),  # first working day of 2021
        (D(2021, 2, 20), True),  # a Saturday made a working day by decree
        (D(2021, 2, 22), False),  # the Monday it was transferred to
        (D(2025, 5, 1), False),
        (D(2025, 5, 2), False),  # transferred from 4 January
        (D(2025, 5, 8), False),  # transferred from 23 February
        (D(2025, 5, 12), True),
        (D(2025, 11, 1), True),  # Saturday worked, 3 November off
        (D(2025, 11, 3), False),
        (D(2025, 12, 31), False),  # transferred from 5 January
        (D(2027, 2, 20), True),
    ],
)
def test_days_of_the_decreed_years(day, working):
    assert CAL.is_working_day(day) is working


def test_after_the_packaged_decrees_holidays_on_a_weekend_move_to_the_next_working_day():
    assert LIBRARY_DECREES_UNTIL == 2027
    # 2028: 23 February is a Wednesday (no transfer); 12 June is a Monday; 4 November a Saturday
    assert not CAL.is_working_day(D(2028, 11, 4))
    assert not CAL.is_working_day(D(2028, 11, 6))  # moved to Monday
    assert CAL.is_working_day(D(2028, 11, 7))
    # 2029: 9 May is a Wednesday; 4 November a Sunday -> Monday 5 November off
    assert not CAL.is_working_day(D(2029, 11, 5))
    # January holidays on a weekend are not moved automatically (each year's decree moves them)
    assert CAL.is_working_day(D(2028, 1, 10))


def test_a_project_decree_overrides_the_package_and_the_rule():
    decrees = load_decrees(
        "decrees:\n  - year: 2028\n    source: test decree\n    days_off: [2028-01-10]\n"
        "    working_days: [2028-11-06]\n"
    )
    cal = ProductionCalendar(decrees=decrees)
    assert not cal.is_working_day(D(2028, 1, 10))
    assert cal.is_working_day(D(2028, 11, 6))


def test_a_decree_date_outside_its_year_is_refused():
    with pytest.raises(ValueError, match="calendar decree 2028: «2029-01-01» is not a date of 2028"):
        load_decrees("decrees:\n  - year: 2028\n    days_off: [2029-01-01]\n")


def test_previous_and_next_working_day_across_the_new_year_and_may():
    assert CAL.previous_working_day(D(2021, 1, 5)) == D(2020, 12, 31)
    assert CAL.next_working_day(D(2021, 1, 5)) == D(2021, 1, 11)
    assert CAL.previous_working_day(D(2025, 5, 10)) == D(2025, 5, 7)
    assert CAL.next_working_day(D(2025, 5, 8)) == D(2025, 5, 12)
    assert CAL.previous_working_day(D(2021, 3, 3)) == D(2021, 3, 3)


def test_the_shipped_decree_table_loads():
    assert isinstance(load_decrees(), dict)


def test_the_cached_table_answers_as_the_package_and_a_later_process_does_not_import_it(tmp_path: Path):
    cache = tmp_path / "calendar"
    table = cached_table(cache)
    (kept,) = cache.glob("*.pickle")
    tabled = ProductionCalendar(decrees={}, table=table)
    day = date(TABLE_YEARS.start, 1, 1)
    while day.year < TABLE_YEARS.stop:
        assert tabled.is_working_day(day) == CAL.is_working_day(day), day
        day += timedelta(days=1)
    # the next process reads the table and never imports the package (0.2 s of every sweep's start)
    code = (
        "import sys; from pathlib import Path; from datetime import date;"
        "from models.calendar import ProductionCalendar, cached_table;"
        f"cal = ProductionCalendar(table=cached_table(Path({str(cache)!r})));"
        "print(cal.is_working_day(date(2020, 6, 12)), cal.is_working_day(date(2020, 6, 11)), 'holidays' in sys.modules)"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout.split() == ["False", "True", "False"]
    # a damaged table is made again, not believed
    kept.write_bytes(b"not a pickle")
    assert cached_table(cache) == table
    assert kept.read_bytes() != b"not a pickle"
