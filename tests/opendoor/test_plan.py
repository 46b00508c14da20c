"""The calendar of open-door activities and what was held against it, without a database."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from opendoor.plan import MONTHLY, PHASE, TERM, Held, Requirement, line_of, windows_of
from workdays.arithmetic import WorkCalendar

D = datetime.date
CALENDAR = WorkCalendar()
RECEPTION = Requirement("reception_day", MONTHLY, weekday=0)
OPEN_DAY = Requirement("open_day", MONTHLY, weekday=2)
PARENT_MEETINGS = Requirement("parent_meeting", TERM, count=2)
SUPERVISORS = Requirement("supervisors", TERM, count=10, counts_people=True)


def test_the_reception_day_is_the_first_monday_moved_off_holidays():
    planned = [w.planned_on for w in windows_of(RECEPTION, D(2026, 8, 1), D(2026, 12, 31), CALENDAR)]
    # 5 October 2026 is in the National Day holiday (1-7 October): the next working day is Thursday 8 October.
    assert planned == [D(2026, 8, 3), D(2026, 9, 7), D(2026, 10, 8), D(2026, 11, 2), D(2026, 12, 7)]


def test_the_open_day_in_the_spring_festival_moves_after_it():
    # The first Wednesday of February 2026 is the 4th, a working day; of January the 7th.
    planned = [w.planned_on for w in windows_of(OPEN_DAY, D(2026, 1, 1), D(2026, 3, 31), CALENDAR)]
    assert planned == [D(2026, 1, 7), D(2026, 2, 4), D(2026, 3, 4)]


def test_an_administrators_holiday_moves_the_planned_day():
    calendar = WorkCalendar({D(2026, 11, 2): False})
    [window] = windows_of(RECEPTION, D(2026, 11, 1), D(2026, 11, 30), calendar)
    assert window.planned_on == D(2026, 11, 3)


def test_a_month_counts_when_its_planned_day_lies_in_the_period():
    assert len(windows_of(RECEPTION, D(2026, 9, 8), D(2026, 10, 7), CALENDAR)) == 0
    assert len(windows_of(RECEPTION, D(2026, 9, 7), D(2026, 10, 8), CALENDAR)) == 2


def test_a_monthly_activity_held_on_another_day_of_the_month_counts_once():
    held = [
        Held("reception_day", D(2026, 9, 9)),
        Held("reception_day", D(2026, 9, 21)),
        Held("open_day", D(2026, 10, 8)),
    ]
    line = line_of(RECEPTION, D(2026, 9, 1), D(2026, 10, 31), CALENDAR, held)
    assert (line.required, line.held) == (2, 1)
    assert [w.met for w in line.windows] == [True, False]


def test_parent_meetings_per_term_are_capped():
    held = [Held("parent_meeting", D(2026, 9, day)) for day in (10, 11, 14)]
    line = line_of(PARENT_MEETINGS, D(2026, 8, 1), D(2027, 1, 31), CALENDAR, held)
    assert (line.required, line.held) == (2, 2)


def test_a_period_over_two_terms_asks_for_both():
    held = [Held("parent_meeting", D(2026, 3, 10))]
    line = line_of(PARENT_MEETINGS, D(2026, 2, 1), D(2026, 12, 31), CALENDAR, held)
    assert [(w.first, w.last) for w in line.windows] == [
        (D(2026, 2, 1), D(2026, 7, 31)),
        (D(2026, 8, 1), D(2026, 12, 31)),
    ]
    assert (line.required, line.held) == (4, 1)


def test_supervisors_count_people_appointed():
    held = [Held("supervisors", D(2026, 9, 1), participants=6), Held("supervisors", D(2026, 11, 1), participants=3)]
    line = line_of(SUPERVISORS, D(2026, 8, 1), D(2027, 1, 31), CALENDAR, held)
    assert (line.required, line.held) == (10, 9)


def test_a_phase_counts_only_inside_its_dates():
    phase = Requirement("publicity", PHASE, count=1, starts_on=D(2026, 10, 1), ends_on=D(2026, 10, 20))
    line = line_of(phase, D(2026, 8, 1), D(2026, 12, 31), CALENDAR, [Held("publicity", D(2026, 9, 30))])
    assert (line.required, line.held) == (1, 0)
    assert line.windows[0].planned_on == D(2026, 10, 8)  # the first working day after the holiday
    line = line_of(phase, D(2026, 8, 1), D(2026, 12, 31), CALENDAR, [Held("publicity", D(2026, 10, 20))])
    assert line.held == 1
    assert windows_of(phase, D(2026, 11, 1), D(2026, 12, 31), CALENDAR) == []


@given(
    st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31)),
    st.integers(0, 500),
    st.lists(st.tuples(st.sampled_from(["reception_day", "parent_meeting"]), st.integers(0, 700)), max_size=30),
)
def test_held_never_exceeds_required_and_windows_stay_in_the_period(first, length, held_days):
    last = first + datetime.timedelta(days=length)
    held = [Held(kind, first + datetime.timedelta(days=n)) for kind, n in held_days]
    for req in (RECEPTION, PARENT_MEETINGS):
        line = line_of(req, first, last, CALENDAR, held)
        assert 0 <= line.held <= line.required
        assert all(first <= w.first <= w.last <= last for w in line.windows)
        assert all(w.planned_on is None or (first <= w.planned_on <= last) for w in line.windows)
