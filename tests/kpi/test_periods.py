"""Reporting periods: parsing, quarters, last year, trend quarters, months."""

import datetime

import pytest

from reporting.periods import (
    Period,
    last_quarters,
    months,
    parse_period,
    previous_quarter,
    quarter,
    same_period_last_year,
)

D = datetime.date


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2024", D(2024, 1, 1), D(2024, 12, 31), "2024"),
        ("2024Q1", D(2024, 1, 1), D(2024, 3, 31), "2024Q1"),
        ("2024Q2", D(2024, 4, 1), D(2024, 6, 30), "2024Q2"),
        ("2024q3", D(2024, 7, 1), D(2024, 9, 30), "2024Q3"),
        ("2024Q4", D(2024, 10, 1), D(2024, 12, 31), "2024Q4"),
        (" 2024Q3 ", D(2024, 7, 1), D(2024, 9, 30), "2024Q3"),
        # Issue 7: one parser, so every spelling the quarterly_report command took works here too.
        ("2024 Q3", D(2024, 7, 1), D(2024, 9, 30), "2024Q3"),
        ("2024-Q3", D(2024, 7, 1), D(2024, 9, 30), "2024Q3"),
        ("2024-q3", D(2024, 7, 1), D(2024, 9, 30), "2024Q3"),
        ("2024 q3", D(2024, 7, 1), D(2024, 9, 30), "2024Q3"),
        ("2024-01-01:2024-03-31", D(2024, 1, 1), D(2024, 3, 31), "2024-01-01:2024-03-31"),
        ("2024-02-29:2024-02-29", D(2024, 2, 29), D(2024, 2, 29), "2024-02-29:2024-02-29"),
    ],
)
def test_parse_period_accepts_a_year_a_quarter_and_a_range(text, start, end, label):
    assert parse_period(text) == Period(start, end, label)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024Q5", "quarter must be 1, 2, 3 or 4"),
        ("2024Q0", "quarter must be 1, 2, 3 or 4"),
        ("2024-03-31:2024-01-01", "end date lies before the start date"),
        ("2023-02-29:2023-03-31", "Invalid date"),
        ("2024-13-01:2024-12-31", "Invalid date"),
        ("24Q3", "expected a year"),
        ("Q3 2024", "expected a year"),
        ("2024-01-01", "expected a year"),
        ("", "expected a year"),
    ],
)
def test_parse_period_refuses_anything_else_with_a_clear_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse_period(text)


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="before it starts"):
        Period(D(2024, 2, 1), D(2024, 1, 31), "x")


def test_quarter_rejects_a_fifth_quarter():
    with pytest.raises(ValueError):
        quarter(2024, 5)


@pytest.mark.parametrize(
    ("today", "label"),
    [
        (D(2024, 10, 1), "2024Q3"),
        (D(2024, 12, 31), "2024Q3"),
        (D(2024, 7, 1), "2024Q2"),
        (D(2024, 1, 1), "2023Q4"),
        (D(2024, 3, 31), "2023Q4"),
    ],
)
def test_previous_quarter_is_the_last_quarter_that_has_ended(today, label):
    assert previous_quarter(today).label == label


def test_same_period_last_year_keeps_the_form_of_the_label():
    assert same_period_last_year(quarter(2024, 1)) == Period(D(2023, 1, 1), D(2023, 3, 31), "2023Q1")
    assert same_period_last_year(parse_period("2024")) == Period(D(2023, 1, 1), D(2023, 12, 31), "2023")
    assert same_period_last_year(parse_period("2024-03-15:2024-05-01")) == Period(
        D(2023, 3, 15), D(2023, 5, 1), "2023-03-15:2023-05-01"
    )


def test_same_period_last_year_is_29_february_safe():
    assert same_period_last_year(parse_period("2024-02-29:2024-02-29")) == Period(
        D(2023, 2, 28), D(2023, 2, 28), "2023-02-28:2023-02-28"
    )
    assert same_period_last_year(parse_period("2024-02-01:2024-02-29")).end == D(2023, 2, 28)
    # February of a leap year follows from February of the year before: up to the 29th.
    feb_2025 = months(parse_period("2025-02-01:2025-02-28"))[0]
    assert same_period_last_year(feb_2025) == Period(D(2024, 2, 1), D(2024, 2, 29), "2024-02")


def test_last_quarters_ends_with_the_quarter_of_the_day_oldest_first():
    labels = [p.label for p in last_quarters(D(2024, 8, 15))]
    assert labels == ["2022Q4", "2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3"]
    assert [p.label for p in last_quarters(D(2024, 1, 1), n=2)] == ["2023Q4", "2024Q1"]
    assert last_quarters(D(2024, 1, 1), n=1) == [quarter(2024, 1)]


def test_months_are_the_calendar_months_clipped_to_the_period():
    assert [(p.start, p.end, p.label) for p in months(quarter(2024, 1))] == [
        (D(2024, 1, 1), D(2024, 1, 31), "2024-01"),
        (D(2024, 2, 1), D(2024, 2, 29), "2024-02"),
        (D(2024, 3, 1), D(2024, 3, 31), "2024-03"),
    ]
    clipped = months(parse_period("2023-12-15:2024-02-10"))
    assert [(p.start, p.end, p.label) for p in clipped] == [
        (D(2023, 12, 15), D(2023, 12, 31), "2023-12"),
        (D(2024, 1, 1), D(2024, 1, 31), "2024-01"),
        (D(2024, 2, 1), D(2024, 2, 10), "2024-02"),
    ]
    assert len(months(parse_period("2024"))) == 12


def test_a_day_is_in_a_period_when_it_lies_between_its_ends():
    q3 = quarter(2024, 3)
    assert D(2024, 7, 1) in q3 and D(2024, 9, 30) in q3
    assert D(2024, 6, 30) not in q3 and D(2024, 10, 1) not in q3
