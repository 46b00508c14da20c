"""Visit periods: a week, a month, a school term (no database).

Terms are taken as the two halves of the school year: the spring term from
1 February to 31 July and the autumn term from 1 August to 31 January, so
that each holiday falls inside the term it follows.
"""

import datetime

SPRING_START_MONTH = 2
AUTUMN_START_MONTH = 8


def period_start(day: datetime.date, period: str) -> datetime.date:
    """The first day of the period (``"week"``, ``"month"`` or ``"term"``) that contains ``day``."""
    if period == "week":
        return day - datetime.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "term":
        if day.month >= AUTUMN_START_MONTH:
            return datetime.date(day.year, AUTUMN_START_MONTH, 1)
        if day.month >= SPRING_START_MONTH:
            return datetime.date(day.year, SPRING_START_MONTH, 1)
        return datetime.date(day.year - 1, AUTUMN_START_MONTH, 1)
    raise ValueError(f"unknown period {period!r}")


def previous_start(day: datetime.date, period: str) -> datetime.date:
    """The first day of the period before the one that contains ``day``."""
    return period_start(period_start(day, period) - datetime.timedelta(days=1), period)
