"""The calendar of open-door activities, and what was held against it (no database).

A rule asks for one of three schedules:

- **monthly**: one activity each month on the first given weekday (校长接待日:
  the first Monday); when that day is a holiday it moves to the next working day;
- **term**: at least N a term (2 parent meetings, 4 parent-committee meetings,
  10 community supervisors when people are counted); terms as in ``outreach.periods``;
- **phase**: at least N between two dates (宣传发动阶段, 集中接待阶段).

Held is counted against each requirement and capped by it: a fifth parent
meeting does not make up for a missed reception day.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from outreach.periods import period_start
from workdays.arithmetic import WorkCalendar

MONTHLY, TERM, PHASE = "monthly", "term", "phase"


@dataclass(frozen=True)
class Requirement:
    """One rule as the maths reads it."""

    kind: str
    schedule: str
    count: int = 1
    weekday: int | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    counts_people: bool = False


@dataclass(frozen=True)
class Held:
    """One activity as the maths reads it."""

    kind: str
    held_on: datetime.date
    participants: int = 0


@dataclass
class Window:
    """A stretch of the period in which the requirement asks for ``required`` and got ``held`` (capped)."""

    first: datetime.date
    last: datetime.date
    required: int
    held: int = 0
    planned_on: datetime.date | None = None

    @property
    def met(self) -> bool:
        return self.held >= self.required


@dataclass
class Line:
    requirement: Requirement
    windows: list[Window] = field(default_factory=list)

    @property
    def required(self) -> int:
        return sum(w.required for w in self.windows)

    @property
    def held(self) -> int:
        return sum(w.held for w in self.windows)


def _months(first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


def _first_weekday(month: datetime.date, weekday: int) -> datetime.date:
    return month + datetime.timedelta(days=(weekday - month.weekday()) % 7)


def _month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def _monthly(req: Requirement, first: datetime.date, last: datetime.date, calendar: WorkCalendar) -> list[Window]:
    windows = []
    for month in _months(first, last):
        planned = calendar.next_working_day(_first_weekday(month, req.weekday or 0))
        if first <= planned <= last:
            windows.append(Window(max(first, month), min(last, _month_end(month)), 1, planned_on=planned))
    return windows


def _terms(req: Requirement, first: datetime.date, last: datetime.date) -> list[Window]:
    windows, start = [], period_start(first, "term")
    while start <= last:
        following = period_start(start + datetime.timedelta(days=200), "term")
        windows.append(Window(max(first, start), min(last, following - datetime.timedelta(days=1)), req.count))
        start = following
    return windows


def _phase(req: Requirement, first: datetime.date, last: datetime.date, calendar: WorkCalendar) -> list[Window]:
    if req.starts_on is None or req.ends_on is None or req.ends_on < first or req.starts_on > last:
        return []
    planned = calendar.next_working_day(req.starts_on)
    return [Window(max(first, req.starts_on), min(last, req.ends_on), req.count, planned_on=planned)]


def windows_of(req: Requirement, first: datetime.date, last: datetime.date, calendar: WorkCalendar) -> list[Window]:
    """The planned windows of a requirement inside the period ``first``..``last`` (both included)."""
    if req.schedule == MONTHLY:
        return _monthly(req, first, last, calendar)
    if req.schedule == TERM:
        return _terms(req, first, last)
    if req.schedule == PHASE:
        return _phase(req, first, last, calendar)
    raise ValueError(f"unknown schedule {req.schedule!r}")


def line_of(
    req: Requirement,
    first: datetime.date,
    last: datetime.date,
    calendar: WorkCalendar,
    held: Iterable[Held],
    windows: list[Window] | None = None,
) -> Line:
    """The requirement's windows with what was held in each, capped by what each asks for.

    ``windows``: those of ``windows_of`` for the same arguments, computed once for many units (copied here).
    """
    if windows is None:
        windows = windows_of(req, first, last, calendar)
    planned = [Window(w.first, w.last, w.required, 0, w.planned_on) for w in windows]
    line = Line(req, planned)
    mine = [h for h in held if h.kind == req.kind]
    for window in line.windows:
        inside = [h for h in mine if window.first <= h.held_on <= window.last]
        done = sum(h.participants for h in inside) if req.counts_people else len(inside)
        window.held = min(window.required, done)
    return line
