"""Working days by China's official schedule (chinese-calendar), Monday to Friday for an unknown year, no database."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workdays.arithmetic import WorkCalendar, year_is_known

D = datetime.date
CALENDAR = WorkCalendar()


def test_the_2026_spring_festival_is_nine_days_off_with_two_make_up_saturdays():
    # The State Council's 2026 schedule: 2月15日至23日放假调休，共9天；2月14日（周六）、2月28日（周六）上班。
    assert all(not CALENDAR.is_working_day(D(2026, 2, day)) for day in range(15, 24))
    assert CALENDAR.is_working_day(D(2026, 2, 14)) and D(2026, 2, 14).weekday() == 5
    assert CALENDAR.is_working_day(D(2026, 2, 28)) and D(2026, 2, 28).weekday() == 5
    assert CALENDAR.is_working_day(D(2026, 2, 24))


def test_a_deadline_set_before_the_spring_festival_jumps_the_holiday():
    # Received Thursday 12 February, 5 working days: Fri 13, Sat 14 (make-up), Tue 24, Wed 25, Thu 26.
    assert CALENDAR.add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
    assert CALENDAR.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert CALENDAR.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)


def test_the_2026_national_day_week_and_its_make_up_days():
    # 10月1日至7日放假调休，共7天；9月20日（周日）、10月10日（周六）上班。
    assert all(not CALENDAR.is_working_day(D(2026, 10, day)) for day in range(1, 8))
    assert CALENDAR.is_working_day(D(2026, 9, 20)) and D(2026, 9, 20).weekday() == 6
    assert CALENDAR.is_working_day(D(2026, 10, 10)) and D(2026, 10, 10).weekday() == 5
    # Received Wednesday 30 September, 3 working days: Thu 8, Fri 9, Sat 10 October.
    assert CALENDAR.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert CALENDAR.working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4


def test_a_year_the_package_does_not_know_is_monday_to_friday():
    assert year_is_known(2026) and not year_is_known(2099)
    friday, monday = D(2099, 1, 2), D(2099, 1, 5)
    assert friday.weekday() == 4
    assert CALENDAR.add_working_days(friday, 1) == monday
    assert CALENDAR.working_days_between(monday, monday + datetime.timedelta(days=7)) == 5
    assert CALENDAR.is_working_day(D(2099, 1, 1))  # no New Year's Day known: a Thursday like any other


def test_days_an_administrator_added_override_both():
    calendar = WorkCalendar({D(2099, 1, 5): False, D(2099, 1, 3): True, D(2026, 2, 16): True})
    assert calendar.add_working_days(D(2099, 1, 2), 1) == D(2099, 1, 3)  # the make-up Saturday
    assert calendar.add_working_days(D(2099, 1, 3), 1) == D(2099, 1, 6)  # the added holiday skipped
    assert calendar.is_working_day(D(2026, 2, 16))  # even against the official schedule


def test_zero_days_is_the_same_day_and_negative_days_are_refused():
    assert CALENDAR.add_working_days(D(2026, 2, 16), 0) == D(2026, 2, 16)
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(D(2026, 3, 9), -1)


def test_next_working_day_moves_off_a_holiday():
    assert CALENDAR.next_working_day(D(2026, 10, 5)) == D(2026, 10, 8)
    assert CALENDAR.next_working_day(D(2026, 10, 8)) == D(2026, 10, 8)


@given(
    st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)),
    st.integers(0, 80),
    st.dictionaries(st.dates(min_value=D(2020, 1, 1), max_value=D(2031, 6, 30)), st.booleans(), max_size=20),
)
def test_adding_then_counting_gives_back_the_days(start, days, overrides):
    calendar = WorkCalendar(overrides)
    due = calendar.add_working_days(start, days)
    assert calendar.working_days_between(start, due) == days
    assert days == 0 or calendar.is_working_day(due)
    assert calendar.working_days_between(due, start) == -days


def test_every_day_the_package_knows_is_read_as_the_package_reads_it():
    import chinese_calendar

    day = D(2004, 1, 1)
    while day.year <= 2026:
        assert CALENDAR.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)
    assert not year_is_known(2003) and year_is_known(2004)
