"""Argument parsing shared by the round commands: clear refusals instead of tracebacks."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.management.base import CommandError


def parse_date(value: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date (use YYYY-MM-DD)") from None


def parse_percent(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CommandError(f"{option}: {value!r} is not a number") from None
    if not 0 <= number <= 100:
        raise CommandError(f"{option}: {value} must be between 0 and 100")
    return number
