"""Working-day arithmetic for deadlines and activity dates (no database).

Deadlines in the plans are counted in working days (限期 5 个工作日). A
working day follows China's official schedule as the ``chinese-calendar``
package knows it: public holidays are skipped and the adjusted working
weekends (调休) count. For a year the package does not know yet, a working
day is Monday to Friday. Days an administrator added (a holiday, a make-up
working day) override both.
"""

import datetime
from collections.abc import Mapping

import chinese_calendar

ONE_DAY = datetime.timedelta(days=1)

# The package's own tables, read once: its ``is_workday`` scans them for their range on every call
# (about 0.15 ms), which made the plan of 1,000 schools take seconds.
_HOLIDAYS = frozenset(chinese_calendar.holidays)
_WORKDAYS = frozenset(chinese_calendar.workdays)
_KNOWN_YEARS = range(min(d.year for d in _HOLIDAYS), max(d.year for d in _HOLIDAYS) + 1)


def year_is_known(year: int) -> bool:
    """Whether the package holds the official schedule of ``year``."""
    return year in _KNOWN_YEARS


def _official(day: datetime.date) -> bool:
    """``chinese_calendar.is_workday``, and Monday to Friday for a year it does not know."""
    if day.year in _KNOWN_YEARS and (day in _WORKDAYS or day in _HOLIDAYS):
        return day in _WORKDAYS
    return day.weekday() < 5


class WorkCalendar:
    """The working days of China, with the administrators' own days (date -> is a working day) on top."""

    def __init__(self, overrides: Mapping[datetime.date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _official(day)

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """``day`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The date ``days`` working days after ``start``; 0 means the same day (solved on the spot).

        Counting starts the day after ``start``, so a concern received on a
        Friday with 1 working day is due on Monday (unless Monday is a holiday).
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += ONE_DAY
            if self.is_working_day(day):
                days -= 1
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count
