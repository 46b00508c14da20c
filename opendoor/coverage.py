"""Open-door coverage per unit: the activities held against those the rules require, rolled up the tree.

Four queries whatever the size of the subtree (the units, the rules, the
activities of the period, the administrators' calendar days); the counting is
``opendoor.plan``'s. ``activity_coverage`` is the function other apps (the
assessment) call.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from opendoor.models import Activity, ActivityRule
from opendoor.plan import Held, Line, Requirement, line_of, windows_of
from surveys.engine import percent_of
from units.models import Unit
from units.paths import ids_of, is_under, outermost, subtree_q
from workdays.arithmetic import WorkCalendar
from workdays.days import calendar as work_calendar


@dataclass
class UnitCoverage:
    """Held against required for one unit, or for a subtree when rolled up; ``by_kind``: kind -> [held, required]."""

    unit: Unit
    held: int = 0
    required: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    lines: list[tuple[ActivityRule, Line]] = field(default_factory=list)  # the unit's own rules only

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.held, self.required, places=1)

    @property
    def missing(self) -> int:
        return self.required - self.held

    def add(self, other: "UnitCoverage") -> None:
        self.held += other.held
        self.required += other.required
        for kind, (held, required) in other.by_kind.items():
            figures = self.by_kind.setdefault(kind, [0, 0])
            figures[0] += held
            figures[1] += required


def _requirement(rule: ActivityRule) -> Requirement:
    return Requirement(
        rule.kind, rule.schedule, rule.count, rule.weekday, rule.starts_on, rule.ends_on, rule.counts_people
    )


def rules_of(unit: Unit, rules: Iterable[ActivityRule]) -> list[ActivityRule]:
    """The rules for the unit's kind set on it or above it; for one activity, schedule and name the nearest wins."""
    nearest: dict[tuple, ActivityRule] = {}
    for rule in rules:
        if rule.unit_kind != unit.kind or not is_under(unit.path, rule.under.path):
            continue
        key = (rule.kind, rule.schedule, rule.name)
        if key not in nearest or rule.under.depth > nearest[key].under.depth:
            nearest[key] = rule
    return sorted(nearest.values(), key=lambda r: (r.kind, r.schedule, r.name, r.pk))


def _subtrees_q(units: list[Unit], field: str = "path") -> Q:
    """One prefix match per outermost unit: a unit inside another given one adds nothing."""
    query = Q(pk__in=[])
    for path in outermost([unit.path for unit in units]):
        query |= subtree_q(path, field)
    return query


def own_coverage(
    units: list[Unit], first: datetime.date, last: datetime.date, calendar: WorkCalendar
) -> dict[int, UnitCoverage]:
    """Every active unit of the subtrees of ``units`` with its own lines (nothing rolled up yet)."""
    everyone = list(Unit.objects.filter(_subtrees_q(units), active=True).order_by("path"))
    rules = list(ActivityRule.objects.filter(unit_kind__in={u.kind for u in everyone}).select_related("under"))
    held: dict[int, list[Held]] = {}
    rows = Activity.objects.filter(_subtrees_q(units, "unit__path"), held_on__gte=first, held_on__lte=last)
    for unit_id, kind, held_on, participants in rows.values_list("unit_id", "kind", "held_on", "participants"):
        held.setdefault(unit_id, []).append(Held(kind, held_on, participants))
    # Laid out once per rule, and the rules chosen once per unit kind and set of rule-bearing units above.
    requirements = {rule.pk: _requirement(rule) for rule in rules}
    plans = {rule.pk: windows_of(requirements[rule.pk], first, last, calendar) for rule in rules}
    bearers = {rule.under_id for rule in rules}
    chosen: dict[tuple, list[ActivityRule]] = {}
    result = {}
    for unit in everyone:
        key = (unit.kind, frozenset(bearers.intersection(ids_of(unit.path))))
        if key not in chosen:
            chosen[key] = rules_of(unit, rules)
        coverage = UnitCoverage(unit)
        for rule in chosen[key]:
            line = line_of(requirements[rule.pk], first, last, calendar, held.get(unit.pk, ()), plans[rule.pk])
            coverage.lines.append((rule, line))
            coverage.held += line.held
            coverage.required += line.required
            figures = coverage.by_kind.setdefault(rule.kind, [0, 0])
            figures[0] += line.held
            figures[1] += line.required
        result[unit.pk] = coverage
    return result


def rolled_up(unit: Unit, own: dict[int, UnitCoverage]) -> UnitCoverage:
    """The unit's subtree added up (its own rules and every unit below)."""
    total = UnitCoverage(unit)
    for coverage in own.values():
        if is_under(coverage.unit.path, unit.path):
            total.add(coverage)
    return total


def activity_coverage(
    *,
    units: Iterable[Unit],
    first: datetime.date | None = None,
    last: datetime.date | None = None,
    round=None,
) -> dict[int, UnitCoverage]:
    """Per unit (by id): the open-door activities held in its subtree against those required, in a period.

    The period is ``first``..``last`` (both included) or a survey round's own
    (``round.start``..``round.end``). ``held`` never exceeds ``required`` rule by
    rule; ``percent`` is None where nothing is required.
    """
    if round is not None:
        first, last = round.start, round.end
    if first is None or last is None or last < first:
        raise ValueError("give a round, or a first and a last day in that order")
    units = list(units)
    own = own_coverage(units, first, last, work_calendar())
    return {unit.pk: rolled_up(unit, own) for unit in units}


@dataclass
class OpenDoorReport:
    """A unit's page: its own plan, its subtree's total, each unit directly below and every unit with rules."""

    unit: Unit
    first: datetime.date
    last: datetime.date
    own: UnitCoverage
    total: UnitCoverage
    children: list[UnitCoverage]
    units: list[UnitCoverage]


def open_door_report(unit: Unit, first: datetime.date, last: datetime.date) -> OpenDoorReport:
    own = own_coverage([unit], first, last, work_calendar())
    below = sorted((c.unit for c in own.values() if c.unit.parent_id == unit.pk), key=lambda u: (u.order, u.code))
    children = [rolled_up(child, own) for child in below]
    return OpenDoorReport(
        unit=unit,
        first=first,
        last=last,
        own=own.get(unit.pk, UnitCoverage(unit)),
        total=rolled_up(unit, own),
        children=[c for c in children if c.required or c.held],
        units=[c for c in own.values() if c.required],
    )
