"""Deadlines counted in working days (Monday to Friday), without a database."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.workdays import add_working_days, is_working_day, working_days_between

FRIDAY = datetime.date(2026, 3, 6)
SATURDAY = datetime.date(2026, 3, 7)
MONDAY = datetime.date(2026, 3, 9)


def test_zero_days_is_the_same_day_solved_on_the_spot():
    assert add_working_days(SATURDAY, 0) == SATURDAY


def test_one_working_day_after_friday_or_the_weekend_is_monday():
    assert add_working_days(FRIDAY, 1) == MONDAY
    assert add_working_days(SATURDAY, 1) == MONDAY


def test_five_working_days_is_a_calendar_week_and_fifteen_three():
    assert add_working_days(MONDAY, 5) == MONDAY + datetime.timedelta(days=7)
    assert add_working_days(MONDAY, 15) == MONDAY + datetime.timedelta(days=21)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(MONDAY, -1)


def test_days_between_counts_only_weekdays():
    assert working_days_between(FRIDAY, MONDAY) == 1
    assert working_days_between(MONDAY, FRIDAY) == -1
    assert working_days_between(MONDAY, MONDAY + datetime.timedelta(days=4)) == 4
    assert working_days_between(MONDAY, MONDAY) == 0


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 1, 1)), st.integers(0, 80))
def test_adding_then_counting_gives_back_the_days(start, days):
    due = add_working_days(start, days)
    assert working_days_between(start, due) == days
    assert days == 0 or is_working_day(due)
