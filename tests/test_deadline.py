"""The deadline grammar: every deadline phrase of the five seed documents, look-alikes, and rejections."""

from __future__ import annotations

from datetime import date

import pytest

from models.deadline import Deadline, DeadlineError, Period, parse_deadline

D = date
Y2020 = Period(D(2020, 1, 1), D(2020, 12, 31))
TOMSK = Period(D(2020, 1, 1), D(2024, 12, 31))
ORENBURG = Period(D(2021, 1, 1), D(2024, 12, 31))
CHELYABINSK = Period(D(2021, 1, 1), D(2022, 12, 31))
VALUYKI = Period(D(2022, 1, 1), D(2022, 12, 31))

# (phrase as printed in a seed, period of its roadmap, kind, start, end) — windows checked by hand.
SEED_WINDOWS = [
    # Sechenovsky district, 2020
    ("до 29.05.2020", Y2020, "window", D(2020, 1, 1), D(2020, 5, 29)),
    ("до 03.06.2020", Y2020, "window", D(2020, 1, 1), D(2020, 6, 3)),
    ("до 22.06.2020", Y2020, "window", D(2020, 1, 1), D(2020, 6, 22)),
    ("до 10.07.2020", Y2020, "window", D(2020, 1, 1), D(2020, 7, 10)),
    ("до 15.07.2020", Y2020, "window", D(2020, 1, 1), D(2020, 7, 15)),
    ("до 20.08.2020", Y2020, "window", D(2020, 1, 1), D(2020, 8, 20)),
    ("28.05.2020", Y2020, "window", D(2020, 5, 28), D(2020, 5, 28)),
    ("июнь 2020 г.", Y2020, "window", D(2020, 6, 1), D(2020, 6, 30)),
    ("до 01.08.2020", Y2020, "window", D(2020, 1, 1), D(2020, 8, 1)),
    ("до 15.08.2020", Y2020, "window", D(2020, 1, 1), D(2020, 8, 15)),
    ("август - декабрь 2020 г.", Y2020, "window", D(2020, 8, 1), D(2020, 12, 31)),
    ("июнь - август 2020 г.", Y2020, "window", D(2020, 6, 1), D(2020, 8, 31)),
    ("с 1 по 15 сентября 2020 г.", Y2020, "window", D(2020, 9, 1), D(2020, 9, 15)),
    ("с 16 по 30 сентября 2020 г.", Y2020, "window", D(2020, 9, 16), D(2020, 9, 30)),
    ("до 30 октября 2020 г.", Y2020, "window", D(2020, 1, 1), D(2020, 10, 30)),
    ("до 01.10.2020", Y2020, "window", D(2020, 1, 1), D(2020, 10, 1)),
    ("ноябрь - декабрь 2020 г.", Y2020, "window", D(2020, 11, 1), D(2020, 12, 31)),
    ("сентябрь - декабрь 2020 г.", Y2020, "window", D(2020, 9, 1), D(2020, 12, 31)),
    ("декабрь 2020 г.", Y2020, "window", D(2020, 12, 1), D(2020, 12, 31)),
    ("С 1 июня по 31 декабря 2020 г.", Y2020, "window", D(2020, 6, 1), D(2020, 12, 31)),
    ("в течение всего периода реализации ЦМН", Y2020, "continuous", D(2020, 1, 1), D(2020, 12, 31)),
    ("в течение всего периода внедрения ЦМН", Y2020, "continuous", D(2020, 1, 1), D(2020, 12, 31)),
    ("В течение всего периода внедрения ЦМН", Y2020, "continuous", D(2020, 1, 1), D(2020, 12, 31)),
    ("по отдельному графику", Y2020, "separate_schedule", None, None),
    ("в соответствии со сроками, устанавливаемыми Минпросвещения России", Y2020, "external", None, None),
    ("в соответствии со сроками реализации программ наставничества", Y2020, "external", None, None),
    # Orenburg region, 2021-2024
    ("январь-февраль 2021 года", ORENBURG, "window", D(2021, 1, 1), D(2021, 2, 28)),
    ("январь-май 2021 года", ORENBURG, "window", D(2021, 1, 1), D(2021, 5, 31)),
    ("сентябрь 2021 года", ORENBURG, "window", D(2021, 9, 1), D(2021, 9, 30)),
    ("30 декабря 2021 года", ORENBURG, "window", D(2021, 12, 30), D(2021, 12, 30)),
    ("2022-2024 годы", ORENBURG, "window", D(2022, 1, 1), D(2024, 12, 31)),
    ("2021-2024 годы", ORENBURG, "window", D(2021, 1, 1), D(2024, 12, 31)),
    ("2021 год", ORENBURG, "window", D(2021, 1, 1), D(2021, 12, 31)),
    ("2024 год", ORENBURG, "window", D(2024, 1, 1), D(2024, 12, 31)),
    ("в течение всего периода", ORENBURG, "continuous", D(2021, 1, 1), D(2024, 12, 31)),
    ("по необходимости", ORENBURG, "on_demand", None, None),
    # Tomsk region, 2020-2024
    ("Май 2020", TOMSK, "window", D(2020, 5, 1), D(2020, 5, 31)),
    ("Май - июнь 2020", TOMSK, "window", D(2020, 5, 1), D(2020, 6, 30)),
    ("Апрель – июнь 2020", TOMSK, "window", D(2020, 4, 1), D(2020, 6, 30)),
    ("Май - август 2020", TOMSK, "window", D(2020, 5, 1), D(2020, 8, 31)),
    ("Июль 2020", TOMSK, "window", D(2020, 7, 1), D(2020, 7, 31)),
    ("Декабрь 2020", TOMSK, "window", D(2020, 12, 1), D(2020, 12, 31)),
    ("Май 2020, далее постоянно", TOMSK, "continuous", D(2020, 5, 1), D(2024, 12, 31)),
    # Valuysky city district, 2022
    ("Февраль 2022 года", VALUYKI, "window", D(2022, 2, 1), D(2022, 2, 28)),
    ("Февраль-март 2022 года", VALUYKI, "window", D(2022, 2, 1), D(2022, 3, 31)),
    ("Март 2022 года", VALUYKI, "window", D(2022, 3, 1), D(2022, 3, 31)),
    ("Постоянно", VALUYKI, "continuous", D(2022, 1, 1), D(2022, 12, 31)),
    ("1 полугодие 2022 года", VALUYKI, "window", D(2022, 1, 1), D(2022, 6, 30)),
    ("В течение 2022 года", VALUYKI, "continuous", D(2022, 1, 1), D(2022, 12, 31)),
    ("В течение 2022 года (при необходимости)", VALUYKI, "on_demand", D(2022, 1, 1), D(2022, 12, 31)),
    ("Октябрь 2022 года", VALUYKI, "window", D(2022, 10, 1), D(2022, 10, 31)),
    ("Декабрь 2022 года", VALUYKI, "window", D(2022, 12, 1), D(2022, 12, 31)),
    ("4 квартал 2022 года", VALUYKI, "window", D(2022, 10, 1), D(2022, 12, 31)),
    ("к 30 ноября 2022 года", VALUYKI, "window", D(2022, 1, 1), D(2022, 11, 30)),
    # Chelyabinsk region fragment, 2021-2022
    ("III квартал 2021", CHELYABINSK, "window", D(2021, 7, 1), D(2021, 9, 30)),
    ("II квартал 2021", CHELYABINSK, "window", D(2021, 4, 1), D(2021, 6, 30)),
    ("2021", CHELYABINSK, "window", D(2021, 1, 1), D(2021, 12, 31)),
    ("II - III квартал 2021", CHELYABINSK, "window", D(2021, 4, 1), D(2021, 9, 30)),
    ("2021 - 2022 годы", CHELYABINSK, "window", D(2021, 1, 1), D(2022, 12, 31)),
    ("2021 - 2022", CHELYABINSK, "window", D(2021, 1, 1), D(2022, 12, 31)),
    ("2021 год I квартал", CHELYABINSK, "window", D(2021, 1, 1), D(2021, 3, 31)),
    ("2021 год 2-3 квартал", CHELYABINSK, "window", D(2021, 4, 1), D(2021, 9, 30)),
]


@pytest.mark.parametrize(("phrase", "period", "kind", "start", "end"), SEED_WINDOWS, ids=[r[0] for r in SEED_WINDOWS])
def test_every_seed_phrase_parses_to_its_hand_checked_window(phrase, period, kind, start, end):
    deadline = parse_deadline(phrase, period=period)
    assert deadline.text == phrase
    assert (deadline.kind, deadline.start, deadline.end) == (kind, start, end)


def windows(deadline: Deadline) -> list[tuple[date | None, date]]:
    return [(w.start, w.end) for w in deadline.windows]


def test_yearly_by_a_day_gives_one_window_per_year_that_tiles_the_period():
    d = parse_deadline("ежегодно к 1 ноября", period=ORENBURG)
    assert d.kind == "yearly"
    assert d.recurrence is not None and (d.recurrence.month, d.recurrence.day) == (11, 1)
    assert (d.recurrence.from_year, d.recurrence.to_year) == (2021, 2024)
    assert windows(d) == [
        (D(2021, 1, 1), D(2021, 11, 1)),
        (D(2021, 11, 2), D(2022, 11, 1)),
        (D(2022, 11, 2), D(2023, 11, 1)),
        (D(2023, 11, 2), D(2024, 11, 1)),
    ]


def test_yearly_until_a_day_in_june():
    d = parse_deadline("ежегодно до 10 июня", period=ORENBURG)
    assert [w.end for w in d.windows] == [D(y, 6, 10) for y in range(2021, 2025)]
    assert parse_deadline("ежегодно до 1 сентября", period=ORENBURG).end == D(2024, 9, 1)


def test_bare_yearly_is_every_whole_year_of_the_period():
    d = parse_deadline("Ежегодно", period=TOMSK)
    assert windows(d) == [(D(y, 1, 1), D(y, 12, 31)) for y in range(2020, 2025)]


def test_yearly_from_a_year_starts_that_year():
    d = parse_deadline("Ежегодно с 2021 г.", period=TOMSK)
    assert windows(d) == [(D(y, 1, 1), D(y, 12, 31)) for y in range(2021, 2025)]
    assert d.recurrence is not None and d.recurrence.from_year == 2021


def test_yearly_without_a_period_keeps_only_the_rule():
    d = parse_deadline("ежегодно к 1 ноября")
    assert d.kind == "yearly" and d.windows == [] and d.start is None
    assert d.recurrence is not None and (d.recurrence.month, d.recurrence.day) == (11, 1)


def test_continuous_from_a_month_keeps_the_first_window_and_a_review_interval():
    d = parse_deadline("Май 2020, далее постоянно", period=TOMSK)
    assert windows(d) == [(D(2020, 5, 1), D(2020, 5, 31))]
    assert d.review_months == 3
    assert parse_deadline("постоянно", period=TOMSK, review_months=1).review_months == 1


def test_alternatives_keep_both_and_take_the_dated_window():
    d = parse_deadline("в соответствии со сроками реализации программ наставничества или май 2021 г.", period=Y2020)
    assert d.kind == "alternatives"
    assert [a.kind for a in d.alternatives] == ["external", "window"]
    assert d.alternatives[0].text == "в соответствии со сроками реализации программ наставничества"
    assert d.alternatives[1].text == "май 2021 г."
    assert (d.start, d.end) == (D(2021, 5, 1), D(2021, 5, 31))
    assert not d.waits_for_date


def test_a_list_of_windows_keeps_each_window():
    d = parse_deadline("Август -октябрь 2021 Август -октябрь 2022", period=CHELYABINSK)
    assert d.kind == "windows"
    assert windows(d) == [(D(2021, 8, 1), D(2021, 10, 31)), (D(2022, 8, 1), D(2022, 10, 31))]


def test_external_deadline_names_who_sets_the_date():
    d = parse_deadline("в соответствии со сроками, устанавливаемыми Минпросвещения России", period=Y2020)
    assert d.authority == "устанавливаемыми Минпросвещения России"
    assert d.waits_for_date


@pytest.mark.parametrize(
    "phrase",
    ["по необходимости", "при необходимости", "по отдельному графику", "В течение 2022 года (при необходимости)"],
)
def test_phrases_without_a_date_wait_for_one(phrase):
    assert parse_deadline(phrase, period=TOMSK).waits_for_date


# Phrases of the same kinds that are not in the seeds: other months, years, quarters, spellings.
LOOKALIKES = [
    ("до 31.12.2023", None, "window", None, D(2023, 12, 31)),
    ("к 1 марта 2024 г.", None, "window", None, D(2024, 3, 1)),
    ("не позднее 15.04.2025", None, "window", None, D(2025, 4, 15)),
    ("до конца 2023 года", None, "window", None, D(2023, 12, 31)),
    ("до конца III квартала 2023 года", None, "window", None, D(2023, 9, 30)),
    ("29.02.2024", None, "window", D(2024, 2, 29), D(2024, 2, 29)),
    ("1 апреля 2023 года", None, "window", D(2023, 4, 1), D(2023, 4, 1)),
    ("с 10 по 20 января 2025 г.", None, "window", D(2025, 1, 10), D(2025, 1, 20)),
    ("с 20 октября по 5 ноября 2023 года", None, "window", D(2023, 10, 20), D(2023, 11, 5)),
    ("с 01.06.2020 по 31.12.2020", None, "window", D(2020, 6, 1), D(2020, 12, 31)),
    ("февраль 2024 года", None, "window", D(2024, 2, 1), D(2024, 2, 29)),
    ("в ноябре 2023 г.", None, "window", D(2023, 11, 1), D(2023, 11, 30)),
    ("Март – апрель 2023 года", None, "window", D(2023, 3, 1), D(2023, 4, 30)),
    ("сентябрь 2021 - май 2023 г.", None, "window", D(2021, 9, 1), D(2023, 5, 31)),
    ("сентябрь - май 2023", None, "window", D(2022, 9, 1), D(2023, 5, 31)),
    ("I квартал 2023", None, "window", D(2023, 1, 1), D(2023, 3, 31)),
    ("IV квартал 2020 г.", None, "window", D(2020, 10, 1), D(2020, 12, 31)),
    ("1 квартал 2025 года", None, "window", D(2025, 1, 1), D(2025, 3, 31)),
    ("в I квартале 2022 года", None, "window", D(2022, 1, 1), D(2022, 3, 31)),
    ("I - II квартал 2024", None, "window", D(2024, 1, 1), D(2024, 6, 30)),
    ("2023 год 3-4 квартал", None, "window", D(2023, 7, 1), D(2023, 12, 31)),
    ("2 полугодие 2021 г.", None, "window", D(2021, 7, 1), D(2021, 12, 31)),
    ("II полугодие 2023 года", None, "window", D(2023, 7, 1), D(2023, 12, 31)),
    ("2023", None, "window", D(2023, 1, 1), D(2023, 12, 31)),
    ("в 2024 году", None, "window", D(2024, 1, 1), D(2024, 12, 31)),
    ("2022-2023 гг.", None, "window", D(2022, 1, 1), D(2023, 12, 31)),
    ("2020-2024 г.г.", None, "window", D(2020, 1, 1), D(2024, 12, 31)),
    ("2020 - 2021 учебный год", None, "window", D(2020, 9, 1), D(2021, 5, 31)),
    ("в 2023/2024 учебном году", None, "window", D(2023, 9, 1), D(2024, 5, 31)),
    ("в течение 2023 года", None, "continuous", D(2023, 1, 1), D(2023, 12, 31)),
    ("Сентябрь 2021, далее постоянно", None, "continuous", D(2021, 9, 1), None),
    ("ПО НЕОБХОДИМОСТИ", None, "on_demand", None, None),
    ("по отдельному плану", None, "separate_schedule", None, None),
    ("январь 2022 г. или по отдельному графику", None, "alternatives", D(2022, 1, 1), D(2022, 1, 31)),
    ("Май - июнь 2021 Сентябрь - октябрь 2021", None, "windows", D(2021, 5, 1), D(2021, 10, 31)),
]


@pytest.mark.parametrize(("phrase", "period", "kind", "start", "end"), LOOKALIKES, ids=[r[0] for r in LOOKALIKES])
def test_phrases_of_the_same_kinds_not_in_the_seeds(phrase, period, kind, start, end):
    deadline = parse_deadline(phrase, period=period)
    assert (deadline.kind, deadline.start, deadline.end) == (kind, start, end)


def test_year_less_phrases_take_the_year_of_a_one_year_period():
    d = parse_deadline("с 1 по 15 сентября", period=Y2020)
    assert (d.start, d.end) == (D(2020, 9, 1), D(2020, 9, 15))
    assert parse_deadline("июнь", period=Y2020).end == D(2020, 6, 30)
    assert parse_deadline("III квартал", period=Y2020).start == D(2020, 7, 1)
    assert parse_deadline("до 10 июня", period=Y2020).end == D(2020, 6, 10)


def test_year_less_phrase_in_a_multi_year_period_asks_for_the_year():
    with pytest.raises(DeadlineError) as err:
        parse_deadline("июнь", period=TOMSK)
    assert "the period 2020-2024 spans several years: write the year" in err.value.short


def test_year_less_phrase_without_a_period_asks_for_one():
    with pytest.raises(DeadlineError) as err:
        parse_deadline("июнь")
    assert "no roadmap period was given (use --period)" in err.value.short


def test_by_date_opens_at_the_period_start_only_when_the_period_is_known():
    assert parse_deadline("до 29.05.2020").start is None
    assert parse_deadline("до 29.05.2020", period=Y2020).start == D(2020, 1, 1)
    # a deadline before the period opens gives no start rather than an inverted window
    assert parse_deadline("до 29.05.2019", period=Y2020).start is None


REJECTED = [
    ("до 31.02.2021", "31.02.2021 is not a date of the calendar"),
    ("30.13.2021", "month must be 01-12, found «13»"),
    ("V квартал 2021", "quarter must be 1-4 (I, II, III, IV), found «V»"),
    ("5 квартал 2021", "quarter must be 1-4 (I, II, III, IV), found «5»"),
    ("3 полугодие 2021", "half-year must be 1-2 (I, II), found «3»"),
    ("III - II квартал 2021", "the quarter range ends (quarter 2) before it starts (quarter 3)"),
    ("с 20 по 10 мая 2021 г.", "the range ends (10.05.2021) before it starts (20.05.2021)"),
    ("2021 - 2023 учебный год", "an academic year spans two consecutive years, found 2021-2023"),
    ("", "the phrase is empty"),
    ("   ", "the phrase is empty"),
    ("когда-нибудь потом", "unexpected «когда» (word 1)"),
    ("июнь 2020 г. или", "an alternative («или») is empty"),
    ("до 2020 года", "unexpected «2020» (word 2)"),
    ("31 июня 2020", "31.06.2020 is not a date of the calendar"),
]


@pytest.mark.parametrize(("phrase", "reason"), REJECTED, ids=[r[0] or "empty" for r in REJECTED])
def test_nonsense_is_rejected_with_the_phrase_and_the_reason(phrase, reason):
    with pytest.raises(DeadlineError) as err:
        parse_deadline(phrase, period=TOMSK)
    message = str(err.value)
    assert f"cannot read deadline «{phrase.strip()}»" in message or phrase.strip() == ""
    assert reason in message
    assert "Accepted forms:" in message and "«III квартал 2021»" in message


def test_the_json_form_has_the_documented_keys():
    data = parse_deadline("ежегодно до 10 июня", period=ORENBURG).as_json()
    assert {"text", "kind", "start", "end", "recurrence", "windows"} <= set(data)
    assert data["windows"][0] == {"start": "2021-01-01", "end": "2021-06-10"}


def test_a_hand_written_window_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends \\(2021-01-01\\) before it starts \\(2021-02-01\\)"):
        Deadline(kind="window", start=D(2021, 2, 1), end=D(2021, 1, 1))


# Issue 11, item 10: phrasings real roadmaps use that the grammar refused or never checked. Each
# comes from a seed or from one of the roadmap documents written for the importer's tests
# (tests/importer_docs.py: a school's, a kindergarten's, a college's and an order with points),
# which are written in the style of published municipal and school roadmaps.
SCHOOL = Period(D(2022, 9, 1), D(2023, 5, 31), academic=True)
Y2022 = Period(D(2022, 1, 1), D(2022, 12, 31))
WIDENED = [
    # (phrase, where it is met, period, kind, start, end)
    ("ежеквартально", "school roadmap 2.3", Y2022, "windows", D(2022, 1, 1), D(2022, 12, 31)),
    ("ежемесячно", "kindergarten roadmap 3", Y2022, "windows", D(2022, 1, 1), D(2022, 12, 31)),
    ("1 раз в квартал", "kindergarten roadmap 5", Y2022, "windows", D(2022, 1, 1), D(2022, 12, 31)),
    ("1 раз в полугодие", "college roadmap 3.2", Y2022, "windows", D(2022, 1, 1), D(2022, 12, 31)),
    ("1 раз в год", "college roadmap 4.1", Y2022, "yearly", D(2022, 1, 1), D(2022, 12, 31)),
    ("в течение года", "kindergarten roadmap 2", Y2022, "continuous", D(2022, 1, 1), D(2022, 12, 31)),
    ("в течение учебного года", "school roadmap 3.4", SCHOOL, "continuous", D(2022, 9, 1), D(2023, 5, 31)),
    ("в течение всего учебного года", "school roadmap 3.5", SCHOOL, "continuous", D(2022, 9, 1), D(2023, 5, 31)),
    ("в течение 2022/2023 учебного года", "college roadmap 2.1", Y2022, "continuous", D(2022, 9, 1), D(2023, 5, 31)),
    ("в течение 2022-2023 учебного года", "college roadmap 2.2", Y2022, "continuous", D(2022, 9, 1), D(2023, 5, 31)),
    (
        "в течение всего срока реализации программы",
        "order point 4",
        Y2022,
        "continuous",
        D(2022, 1, 1),
        D(2022, 12, 31),
    ),
    (
        "на протяжении всего периода реализации",
        "college roadmap 4.2",
        Y2022,
        "continuous",
        D(2022, 1, 1),
        D(2022, 12, 31),
    ),
    ("регулярно", "kindergarten roadmap 6", Y2022, "continuous", D(2022, 1, 1), D(2022, 12, 31)),
    ("в срок до 31 марта 2022 года", "order point 2", Y2022, "window", D(2022, 1, 1), D(2022, 3, 31)),
    ("в срок не позднее 01.09.2022", "order point 3", Y2022, "window", D(2022, 1, 1), D(2022, 9, 1)),
    ("не позднее чем 1 ноября 2022 г.", "college roadmap 1.3", Y2022, "window", D(2022, 1, 1), D(2022, 11, 1)),
    ("до 31.12.2022 включительно", "college roadmap 1.4", Y2022, "window", D(2022, 1, 1), D(2022, 12, 31)),
    ("по 31 мая 2022 г. (включительно)", "order point 5", Y2022, "window", D(2022, 1, 1), D(2022, 5, 31)),
    ("до конца года", "kindergarten roadmap 4", Y2022, "window", D(2022, 1, 1), D(2022, 12, 31)),
    ("до конца текущего года", "order point 6", Y2022, "window", D(2022, 1, 1), D(2022, 12, 31)),
    ("до конца учебного года", "school roadmap 4.1", SCHOOL, "window", D(2022, 9, 1), D(2023, 5, 31)),
    ("до конца мая 2023 г.", "school roadmap 4.2", SCHOOL, "window", D(2022, 9, 1), D(2023, 5, 31)),
    ("28.05.2020 г.", "Sechenovsky 2.1 with the year word", Y2020, "window", D(2020, 5, 28), D(2020, 5, 28)),
    ("до 01.10.2022 г.", "kindergarten roadmap 1", Y2022, "window", D(2022, 1, 1), D(2022, 10, 1)),
    ("до 15.09.2022г.", "school roadmap 1.2 (no space)", Y2022, "window", D(2022, 1, 1), D(2022, 9, 15)),
    ("с 01.09.2022 г. по 30.09.2022 г.", "school roadmap 2.1", Y2022, "window", D(2022, 9, 1), D(2022, 9, 30)),
    ("в период с 1 по 15 сентября 2022 г.", "college roadmap 2.3", Y2022, "window", D(2022, 9, 1), D(2022, 9, 15)),
    ("4-й квартал 2022 г.", "college roadmap 3.1", Y2022, "window", D(2022, 10, 1), D(2022, 12, 31)),
    ("по мере необходимости", "school roadmap 5.1", Y2022, "on_demand", None, None),
]


@pytest.mark.parametrize(("phrase", "where", "period", "kind", "start", "end"), WIDENED, ids=[r[0] for r in WIDENED])
def test_widened_phrasings_read_to_their_window(phrase, where, period, kind, start, end):
    deadline = parse_deadline(phrase, period=period)
    assert (deadline.kind, deadline.start, deadline.end) == (kind, start, end), where


def test_quarterly_gives_one_window_per_quarter_cut_to_the_period():
    d = parse_deadline("ежеквартально", period=SCHOOL)
    assert windows(d) == [
        (D(2022, 9, 1), D(2022, 9, 30)),
        (D(2022, 10, 1), D(2022, 12, 31)),
        (D(2023, 1, 1), D(2023, 3, 31)),
        (D(2023, 4, 1), D(2023, 5, 31)),
    ]
    assert d.recurrence is not None and d.recurrence.every == "quarter"


def test_monthly_gives_one_window_per_month():
    d = parse_deadline("ежемесячно", period=Y2022)
    assert len(d.windows) == 12 and d.windows[1] == d.windows[1].model_validate(
        {"start": D(2022, 2, 1), "end": D(2022, 2, 28)}
    )
    assert d.recurrence is not None and d.recurrence.every == "month"


def test_end_of_year_in_a_multi_year_period_asks_for_the_year():
    with pytest.raises(DeadlineError) as err:
        parse_deadline("до конца года", period=TOMSK)
    assert "spans several years: write the year" in err.value.short


STILL_REJECTED = [
    ("включительно", "unexpected «включительно» (word 1)"),
    ("в срок", "unexpected «срок» (word 2)"),
    ("до 31.12.2022 включительно включительно", "unexpected «включительно» (word 4)"),
    ("1 раз в неделю", "unexpected «неделю» (word 4)"),
    ("ежеквартально 2022", "unexpected «2022» (word 2)"),
    ("до конца 13 квартала 2022", "unexpected «квартала» (word 4)"),
    ("в течение 2022/2024 учебного года", "an academic year spans two consecutive years, found 2022-2024"),
    ("не позднее 31.04.2022", "31.04.2022 is not a date of the calendar"),
    ("4-й квартал", "the period 2020-2024 spans several years: write the year"),
]


@pytest.mark.parametrize(("phrase", "reason"), STILL_REJECTED, ids=[r[0] for r in STILL_REJECTED])
def test_the_widened_grammar_still_refuses_nonsense(phrase, reason):
    with pytest.raises(DeadlineError) as err:
        parse_deadline(phrase, period=TOMSK)
    assert reason in str(err.value)
