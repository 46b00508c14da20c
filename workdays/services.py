"""Writes of the days administrators set."""

import datetime

from django.db import transaction

from workdays.models import CalendarDay


@transaction.atomic
def calendar_day_set(*, day: datetime.date, is_working_day: bool, note: str = "") -> CalendarDay:
    """Make ``day`` a holiday or a make-up working day; a day set before is changed, not doubled."""
    row, _created = CalendarDay.objects.update_or_create(
        day=day, defaults={"is_working_day": is_working_day, "note": note.strip()}
    )
    return row


@transaction.atomic
def calendar_day_delete(*, day: CalendarDay) -> None:
    day.delete()
