"""Working-day arithmetic for deadlines (no database).

Deadlines in the plans are counted in working days (限期 5 个工作日). A
working day is Monday to Friday; public holidays and the make-up working
weekends around them are not known here and are not counted.
"""

import datetime

ONE_DAY = datetime.timedelta(days=1)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start``; 0 means the same day (solved on the spot).

    Counting starts the day after ``start``, so a concern received on a
    Friday with 1 working day is due on Monday.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += ONE_DAY
        if is_working_day(day):
            days -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    full_weeks, rest = divmod((end - start).days, 7)
    count = full_weeks * 5
    day = start
    for _ in range(rest):
        day += ONE_DAY
        count += is_working_day(day)
    return count
