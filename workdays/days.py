"""The working days Manyi counts with: the official schedule plus the days administrators added.

The same three functions as ``workdays.arithmetic.WorkCalendar``, reading the
administrators' days from the database (one small query per call). A caller
that counts many dates builds one ``calendar()`` and reuses it.
"""

import datetime

from workdays.arithmetic import WorkCalendar, year_is_known
from workdays.models import CalendarDay


def calendar() -> WorkCalendar:
    return WorkCalendar(dict(CalendarDay.objects.values_list("day", "is_working_day")))


def is_working_day(day: datetime.date) -> bool:
    return calendar().is_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    return calendar().add_working_days(start, days)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    return calendar().working_days_between(start, end)


def unknown_years(*years: int) -> list[int]:
    """The years among ``years`` whose days are counted Monday to Friday (plus the administrators' days)."""
    return sorted({year for year in years if not year_is_known(year)})


def days_added(year: int) -> int:
    return CalendarDay.objects.filter(day__year=year).count()
